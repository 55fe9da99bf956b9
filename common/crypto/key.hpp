// Asymmetric keys over OpenSSL 3 EVP_PKEY: RSA, EC (NIST P-256/P-384/P-521) and Ed25519.
//
// Loading accepts what people hand over: PEM or DER; private keys as PKCS#8 (RFC 5208/5958, plain or
// encrypted), PKCS#1 RSAPrivateKey (RFC 8017 A.1.2), SEC1 ECPrivateKey (RFC 5915), legacy encrypted PEM
// ("Proc-Type: 4,ENCRYPTED"); public keys as SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), PKCS#1 RSAPublicKey,
// the key of an X.509 certificate, or the public half of a private key. Writing produces PKCS#8 / SPKI PEM.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/base/encoding.hpp"
#include "common/base/result.hpp"
#include "common/base/secret.hpp"
#include "common/crypto/openssl_handles.hpp"

namespace coco::crypto {

enum class KeyType { rsa, ec, ed25519 };
enum class Curve { p256, p384, p521 };

std::string_view key_type_name(KeyType type); // "RSA", "EC", "Ed25519"
std::string_view curve_name(Curve curve);     // "P-256", "P-384", "P-521" (JOSE names)
std::optional<Curve> curve_from_name(std::string_view name); // JOSE or OpenSSL names (prime256v1, secp384r1, ...)
// Size in bytes of a field element / coordinate: 32, 48, 66.
std::size_t curve_size(Curve curve);

struct RsaPublicParts {
  Bytes n; // big-endian, no leading zeros
  Bytes e;
};
struct EcPublicParts {
  Curve curve = Curve::p256;
  Bytes x; // big-endian, padded to curve_size
  Bytes y;
};
struct RsaPrivateParts {
  Secret d, p, q, dp, dq, qi;
};

class PublicKey {
public:
  // PEM or DER: SubjectPublicKeyInfo, PKCS#1 RSAPublicKey, X.509 certificate, or any private key form
  // (its public half).
  static Result<PublicKey> load(std::span<const std::uint8_t> data);
  static Result<PublicKey> load(std::string_view text) { return load(as_bytes(text)); }
  static Result<PublicKey> load_file(const std::filesystem::path& path);
  static Result<PublicKey> from_rsa(std::span<const std::uint8_t> n, std::span<const std::uint8_t> e);
  // Rejects points that are not on the curve.
  static Result<PublicKey> from_ec(Curve curve, std::span<const std::uint8_t> x, std::span<const std::uint8_t> y);
  static Result<PublicKey> from_ed25519(std::span<const std::uint8_t> raw);
  // Takes a reference (EVP_PKEY_up_ref) to a key from other OpenSSL code; only its public half is kept.
  static Result<PublicKey> from_evp(EVP_PKEY* key);

  [[nodiscard]] KeyType type() const;
  [[nodiscard]] std::optional<Curve> curve() const;
  [[nodiscard]] int bits() const;
  [[nodiscard]] RsaPublicParts rsa() const;      // type() == rsa
  [[nodiscard]] EcPublicParts ec() const;        // type() == ec
  [[nodiscard]] Bytes ed25519() const;           // type() == ed25519: 32 raw bytes
  [[nodiscard]] Bytes to_der() const;            // SubjectPublicKeyInfo
  [[nodiscard]] std::string to_pem() const;      // "-----BEGIN PUBLIC KEY-----"
  [[nodiscard]] EVP_PKEY* get() const { return m_key.get(); }
  friend bool operator==(const PublicKey& a, const PublicKey& b);

private:
  explicit PublicKey(ossl::Pkey key) : m_key(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> m_key;
};

class PrivateKey {
public:
  // PEM or DER in any of the forms listed at the top; passphrase for encrypted forms. A public key or a
  // certificate is refused.
  static Result<PrivateKey> load(std::span<const std::uint8_t> data, std::optional<std::string_view> passphrase = {});
  static Result<PrivateKey> load(std::string_view text, std::optional<std::string_view> passphrase = {}) {
    return load(as_bytes(text), passphrase);
  }
  static Result<PrivateKey> load_file(const std::filesystem::path& path,
                                      std::optional<std::string_view> passphrase = {});
  static Result<PrivateKey> generate_rsa(int bits = 3072); // 2048, 3072, 4096
  static Result<PrivateKey> generate_ec(Curve curve = Curve::p256);
  static Result<PrivateKey> generate_ed25519();
  static Result<PrivateKey> from_rsa(const RsaPublicParts& pub, const RsaPrivateParts& priv);
  static Result<PrivateKey> from_ec(const EcPublicParts& pub, std::span<const std::uint8_t> d);
  static Result<PrivateKey> from_ed25519(std::span<const std::uint8_t> seed); // 32-byte private key

  [[nodiscard]] KeyType type() const;
  [[nodiscard]] std::optional<Curve> curve() const;
  [[nodiscard]] int bits() const;
  [[nodiscard]] PublicKey public_key() const;
  [[nodiscard]] RsaPrivateParts rsa_private() const; // type() == rsa
  [[nodiscard]] Secret ec_private() const;           // type() == ec: d padded to curve_size
  [[nodiscard]] Secret ed25519_private() const;      // type() == ed25519: 32-byte seed
  // PKCS#8 PEM; with a passphrase, encrypted PKCS#8 (PBES2, AES-256-CBC).
  [[nodiscard]] Result<Secret> to_pem(std::optional<std::string_view> passphrase = {}) const;
  [[nodiscard]] Result<Secret> to_der() const; // PKCS#8 PrivateKeyInfo
  // Written atomically with mode 0600.
  Status write_pem_file(const std::filesystem::path& path, std::optional<std::string_view> passphrase = {}) const;
  [[nodiscard]] EVP_PKEY* get() const { return m_key.get(); }

private:
  explicit PrivateKey(ossl::Pkey key) : m_key(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> m_key;
};

} // namespace coco::crypto
