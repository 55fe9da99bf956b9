// Message digests (SHA-1, SHA-256/384/512, MD5) over OpenSSL 3 EVP, streaming, and the OCI-style digest
// string "algorithm:lowercase-hex" (OCI image-spec descriptor.md, "Digests").
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/base/encoding.hpp"
#include "common/base/result.hpp"
#include "common/crypto/openssl_handles.hpp"

namespace coco::crypto {

enum class HashAlg { sha1, sha256, sha384, sha512, md5 };

// "sha256", "sha384", "sha512", "sha1", "md5" (as in OCI digests).
std::string_view hash_name(HashAlg alg);
std::optional<HashAlg> hash_from_name(std::string_view name);
// Output size in bytes (20, 32, 48, 64, 16).
std::size_t hash_size(HashAlg alg);
// The EVP_MD for alg (a static OpenSSL object; never freed by the caller).
const EVP_MD* evp_md(HashAlg alg);

// Streaming hash: update() any number of times, then finish() once.
class Hasher {
public:
  explicit Hasher(HashAlg alg);
  Hasher(Hasher&&) noexcept = default;
  Hasher& operator=(Hasher&&) noexcept = default;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  ~Hasher() = default;

  void update(std::span<const std::uint8_t> data);
  void update(std::string_view data) { update(as_bytes(data)); }
  // The digest; the hasher is reset and can be reused.
  Bytes finish();
  [[nodiscard]] HashAlg alg() const { return m_alg; }

private:
  HashAlg m_alg;
  ossl::MdCtx m_ctx;
};

Bytes hash(HashAlg alg, std::span<const std::uint8_t> data);
inline Bytes hash(HashAlg alg, std::string_view data) { return hash(alg, as_bytes(data)); }
inline Bytes sha256(std::span<const std::uint8_t> data) { return hash(HashAlg::sha256, data); }
inline Bytes sha256(std::string_view data) { return hash(HashAlg::sha256, as_bytes(data)); }

// A content digest: algorithm plus raw value; text form "sha256:<hex>".
struct Digest {
  HashAlg alg = HashAlg::sha256;
  Bytes value;

  [[nodiscard]] std::string to_string() const;
  [[nodiscard]] std::string hex() const { return hex_encode(value); }
  // Parses "alg:hex" strictly: a known algorithm, lowercase hex of the right length.
  static Result<Digest> parse(std::string_view text);
  static Digest of(HashAlg alg, std::span<const std::uint8_t> data);
  static Digest of(std::span<const std::uint8_t> data) { return of(HashAlg::sha256, data); }
  friend bool operator==(const Digest&, const Digest&) = default;
};

// Streaming digest producing a Digest (wraps Hasher).
class Digester {
public:
  explicit Digester(HashAlg alg = HashAlg::sha256) : m_hasher(alg) {}
  void update(std::span<const std::uint8_t> data) { m_hasher.update(data); }
  Digest finish() { return Digest{m_hasher.alg(), m_hasher.finish()}; }

private:
  Hasher m_hasher;
};

} // namespace coco::crypto
