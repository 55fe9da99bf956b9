#include "common/crypto/key.hpp"

#include <array>
#include <cstring>

#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/pem.h>

#include "common/base/atomic_file.hpp"

namespace coco::crypto {
namespace {

struct CurveInfo {
  Curve curve;
  const char* jose;
  const char* openssl;
  const char* nist;
  std::size_t size;
};
constexpr std::array<CurveInfo, 3> k_curves{{
    {Curve::p256, "P-256", "prime256v1", "secp256r1", 32},
    {Curve::p384, "P-384", "secp384r1", "secp384r1", 48},
    {Curve::p521, "P-521", "secp521r1", "secp521r1", 66},
}};

const CurveInfo& info(Curve c) {
  for (const auto& i : k_curves) {
    if (i.curve == c) {
      return i;
    }
  }
  return k_curves[0];
}

bool looks_like_pem(std::span<const std::uint8_t> data) {
  std::string_view text = as_string(data);
  return text.find("-----BEGIN ") != std::string_view::npos;
}

// Never prompt on a terminal: an encrypted key without a passphrase is an error.
int no_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return -1; }

ossl::Pkey decode_pkey(std::span<const std::uint8_t> data, int selection, std::optional<std::string_view> passphrase) {
  EVP_PKEY* raw = nullptr;
  OSSL_DECODER_CTX* dctx =
      OSSL_DECODER_CTX_new_for_pkey(&raw, nullptr, nullptr, nullptr, selection, nullptr, nullptr);
  if (dctx == nullptr) {
    return nullptr;
  }
  if (passphrase) {
    OSSL_DECODER_CTX_set_passphrase(dctx, reinterpret_cast<const unsigned char*>(passphrase->data()),
                                    passphrase->size());
  } else {
    OSSL_DECODER_CTX_set_pem_password_cb(dctx, no_passphrase, nullptr);
  }
  const unsigned char* p = data.data();
  std::size_t len = data.size();
  int rc = OSSL_DECODER_from_data(dctx, &p, &len);
  OSSL_DECODER_CTX_free(dctx);
  ossl::Pkey key(raw);
  if (rc != 1) {
    return nullptr;
  }
  return key;
}

ossl::X509Ptr decode_certificate(std::span<const std::uint8_t> data) {
  if (looks_like_pem(data)) {
    ossl::Bio bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
    return ossl::X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr));
  }
  const unsigned char* p = data.data();
  return ossl::X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(data.size())));
}

bool is_supported(const EVP_PKEY* key) {
  return EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "EC") || EVP_PKEY_is_a(key, "ED25519");
}

bool has_private(const EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "RSA")) {
    BIGNUM* d = nullptr;
    bool found = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_D, &d) == 1;
    BN_clear_free(d);
    return found;
  }
  if (EVP_PKEY_is_a(key, "EC")) {
    BIGNUM* d = nullptr;
    bool found = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1;
    BN_clear_free(d);
    return found;
  }
  if (EVP_PKEY_is_a(key, "ED25519")) {
    std::size_t len = 0;
    return EVP_PKEY_get_raw_private_key(key, nullptr, &len) == 1 && len == 32;
  }
  return false;
}

KeyType type_of(const EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "EC")) {
    return KeyType::ec;
  }
  if (EVP_PKEY_is_a(key, "ED25519")) {
    return KeyType::ed25519;
  }
  return KeyType::rsa;
}

std::optional<Curve> curve_of(const EVP_PKEY* key) {
  if (!EVP_PKEY_is_a(key, "EC")) {
    return std::nullopt;
  }
  char name[64] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name), &len) != 1) {
    return std::nullopt;
  }
  return curve_from_name(name);
}

Bytes bn_param(const EVP_PKEY* key, const char* name, std::size_t pad = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    ossl::clear_errors();
    return {};
  }
  ossl::Bn bn(raw);
  std::size_t size = std::max<std::size_t>(pad, static_cast<std::size_t>(BN_num_bytes(bn.get())));
  Bytes out(size);
  BN_bn2binpad(bn.get(), out.data(), static_cast<int>(size));
  return out;
}

Secret bn_secret(const EVP_PKEY* key, const char* name, std::size_t pad = 0) {
  Bytes b = bn_param(key, name, pad);
  return Secret(std::move(b));
}

Result<ossl::Pkey> from_params(const char* type, int selection, OSSL_PARAM_BLD* bld) {
  ossl::Params params(OSSL_PARAM_BLD_to_param(bld));
  ossl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) != 1) {
    return ossl::error(Kind::invalid, std::string(type) + " key: invalid components");
  }
  return ossl::Pkey(raw);
}

Status validate_public(EVP_PKEY* key, std::string_view what) {
  ossl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx || EVP_PKEY_public_check(ctx.get()) != 1) {
    return ossl::error(Kind::invalid, std::string(what) + ": public key fails validation");
  }
  return ok();
}

ossl::Pkey public_copy(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  if (len <= 0) {
    return nullptr;
  }
  const unsigned char* p = der;
  ossl::Pkey out(d2i_PUBKEY(nullptr, &p, len));
  OPENSSL_free(der);
  return out;
}

Result<std::string> read_key_file(const std::filesystem::path& path) {
  auto text = read_file(path);
  if (!text) {
    return std::move(text).error();
  }
  return text;
}

Secret bio_contents(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return Secret(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(len)));
}

} // namespace

std::string_view key_type_name(KeyType type) {
  switch (type) {
  case KeyType::rsa: return "RSA";
  case KeyType::ec: return "EC";
  case KeyType::ed25519: return "Ed25519";
  }
  return "RSA";
}

std::string_view curve_name(Curve curve) { return info(curve).jose; }

std::optional<Curve> curve_from_name(std::string_view name) {
  for (const auto& i : k_curves) {
    if (name == i.jose || name == i.openssl || name == i.nist) {
      return i.curve;
    }
  }
  return std::nullopt;
}

std::size_t curve_size(Curve curve) { return info(curve).size; }

// ---- PublicKey ----

Result<PublicKey> PublicKey::load(std::span<const std::uint8_t> data) {
  std::string_view text = as_string(data);
  if (text.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos || !looks_like_pem(data)) {
    if (auto cert = decode_certificate(data)) {
      ossl::Pkey key(X509_get_pubkey(cert.get()));
      if (!key) {
        return ossl::error(Kind::invalid, "certificate: cannot read its public key");
      }
      return from_evp(key.get());
    }
    ossl::clear_errors();
  }
  ossl::Pkey key = decode_pkey(data, EVP_PKEY_PUBLIC_KEY, std::nullopt);
  if (!key) {
    // A private key file also names a public key.
    key = decode_pkey(data, EVP_PKEY_KEYPAIR, std::nullopt);
  }
  if (!key) {
    ossl::clear_errors();
    return make_error(Kind::invalid, "not a public key, certificate or private key in PEM or DER form");
  }
  return from_evp(key.get());
}

Result<PublicKey> PublicKey::load_file(const std::filesystem::path& path) {
  COCO_TRY(std::string text, read_key_file(path));
  auto key = load(text);
  if (!key) {
    return std::move(key).error().context(path.string());
  }
  return key;
}

Result<PublicKey> PublicKey::from_evp(EVP_PKEY* key) {
  if (key == nullptr || !is_supported(key)) {
    return make_error(Kind::unsupported, "unsupported key type (expected RSA, EC or Ed25519)");
  }
  ossl::Pkey pub = public_copy(key);
  if (!pub) {
    return ossl::error(Kind::invalid, "cannot extract the public key");
  }
  if (EVP_PKEY_is_a(pub.get(), "EC") && !curve_of(pub.get())) {
    return make_error(Kind::unsupported, "unsupported EC curve (expected P-256, P-384 or P-521)");
  }
  return PublicKey(std::move(pub));
}

Result<PublicKey> PublicKey::from_rsa(std::span<const std::uint8_t> n, std::span<const std::uint8_t> e) {
  if (n.empty() || e.empty()) {
    return make_error(Kind::invalid, "RSA key: empty modulus or exponent");
  }
  ossl::ParamBld bld(OSSL_PARAM_BLD_new());
  ossl::Bn bn_n(BN_bin2bn(n.data(), static_cast<int>(n.size()), nullptr));
  ossl::Bn bn_e(BN_bin2bn(e.data(), static_cast<int>(e.size()), nullptr));
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get());
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get());
  COCO_TRY(ossl::Pkey key, from_params("RSA", EVP_PKEY_PUBLIC_KEY, bld.get()));
  if (EVP_PKEY_get_bits(key.get()) < 1024) {
    return make_error(Kind::invalid, "RSA key: modulus shorter than 1024 bits");
  }
  return PublicKey(std::move(key));
}

Result<PublicKey> PublicKey::from_ec(Curve curve, std::span<const std::uint8_t> x, std::span<const std::uint8_t> y) {
  std::size_t size = curve_size(curve);
  if (x.size() != size || y.size() != size) {
    return make_error(Kind::invalid, std::string("EC ") + info(curve).jose + " key: coordinates must be " +
                                         std::to_string(size) + " bytes");
  }
  Bytes point;
  point.reserve(1 + 2 * size);
  point.push_back(0x04);
  point.insert(point.end(), x.begin(), x.end());
  point.insert(point.end(), y.begin(), y.end());
  ossl::ParamBld bld(OSSL_PARAM_BLD_new());
  OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, info(curve).openssl, 0);
  OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  COCO_TRY(ossl::Pkey key, from_params("EC", EVP_PKEY_PUBLIC_KEY, bld.get()));
  COCO_TRY_STATUS(validate_public(key.get(), "EC key"));
  return PublicKey(std::move(key));
}

Result<PublicKey> PublicKey::from_ed25519(std::span<const std::uint8_t> raw) {
  if (raw.size() != 32) {
    return make_error(Kind::invalid, "Ed25519 key: public key must be 32 bytes");
  }
  ossl::Pkey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw.data(), raw.size()));
  if (!key) {
    return ossl::error(Kind::invalid, "Ed25519 key: invalid public key");
  }
  return PublicKey(std::move(key));
}

KeyType PublicKey::type() const { return type_of(m_key.get()); }
std::optional<Curve> PublicKey::curve() const { return curve_of(m_key.get()); }
int PublicKey::bits() const { return EVP_PKEY_get_bits(m_key.get()); }

RsaPublicParts PublicKey::rsa() const {
  return {bn_param(m_key.get(), OSSL_PKEY_PARAM_RSA_N), bn_param(m_key.get(), OSSL_PKEY_PARAM_RSA_E)};
}

EcPublicParts PublicKey::ec() const {
  Curve c = curve().value_or(Curve::p256);
  std::size_t size = curve_size(c);
  return {c, bn_param(m_key.get(), OSSL_PKEY_PARAM_EC_PUB_X, size), bn_param(m_key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, size)};
}

Bytes PublicKey::ed25519() const {
  Bytes out(32);
  std::size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(m_key.get(), out.data(), &len) != 1) {
    ossl::clear_errors();
    return {};
  }
  out.resize(len);
  return out;
}

Bytes PublicKey::to_der() const {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(m_key.get(), &der);
  if (len <= 0) {
    return {};
  }
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

std::string PublicKey::to_pem() const {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PUBKEY(bio.get(), m_key.get()) != 1) {
    return {};
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

bool operator==(const PublicKey& a, const PublicKey& b) { return EVP_PKEY_eq(a.get(), b.get()) == 1; }

// ---- PrivateKey ----

Result<PrivateKey> PrivateKey::load(std::span<const std::uint8_t> data, std::optional<std::string_view> passphrase) {
  ossl::Pkey key = decode_pkey(data, EVP_PKEY_KEYPAIR, passphrase);
  if (!key || !has_private(key.get())) {
    ossl::clear_errors();
    std::string_view text = as_string(data);
    if (!passphrase && (text.find("ENCRYPTED") != std::string_view::npos)) {
      return make_error(Kind::auth, "private key is encrypted and no passphrase was given",
                        "pass the key's passphrase");
    }
    if (passphrase && (text.find("ENCRYPTED") != std::string_view::npos)) {
      return make_error(Kind::auth, "cannot decrypt the private key (wrong passphrase?)");
    }
    return make_error(Kind::invalid, "not a private key in PEM or DER form (PKCS#8, PKCS#1 or SEC1)");
  }
  if (!is_supported(key.get())) {
    return make_error(Kind::unsupported, "unsupported private key type (expected RSA, EC or Ed25519)");
  }
  if (EVP_PKEY_is_a(key.get(), "EC") && !curve_of(key.get())) {
    return make_error(Kind::unsupported, "unsupported EC curve (expected P-256, P-384 or P-521)");
  }
  return PrivateKey(std::move(key));
}

Result<PrivateKey> PrivateKey::load_file(const std::filesystem::path& path, std::optional<std::string_view> passphrase) {
  COCO_TRY(std::string text, read_key_file(path));
  auto key = load(as_bytes(text), passphrase);
  secure_zero(text.data(), text.size());
  if (!key) {
    return std::move(key).error().context(path.string());
  }
  return key;
}

Result<PrivateKey> PrivateKey::generate_rsa(int bits) {
  if (bits != 2048 && bits != 3072 && bits != 4096) {
    return make_error(Kind::usage, "RSA key size " + std::to_string(bits) + " (expected 2048, 3072 or 4096)");
  }
  ossl::Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits)));
  if (!key) {
    return ossl::error(Kind::internal, "RSA key generation failed");
  }
  return PrivateKey(std::move(key));
}

Result<PrivateKey> PrivateKey::generate_ec(Curve curve) {
  ossl::Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", info(curve).openssl));
  if (!key) {
    return ossl::error(Kind::internal, "EC key generation failed");
  }
  return PrivateKey(std::move(key));
}

Result<PrivateKey> PrivateKey::generate_ed25519() {
  ossl::Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) {
    return ossl::error(Kind::internal, "Ed25519 key generation failed");
  }
  return PrivateKey(std::move(key));
}

Result<PrivateKey> PrivateKey::from_rsa(const RsaPublicParts& pub, const RsaPrivateParts& priv) {
  if (pub.n.empty() || pub.e.empty() || priv.d.empty()) {
    return make_error(Kind::invalid, "RSA private key: missing n, e or d");
  }
  ossl::ParamBld bld(OSSL_PARAM_BLD_new());
  std::vector<ossl::Bn> nums;
  auto push = [&](const char* name, std::span<const std::uint8_t> v) {
    nums.emplace_back(BN_bin2bn(v.data(), static_cast<int>(v.size()), nullptr));
    OSSL_PARAM_BLD_push_BN(bld.get(), name, nums.back().get());
  };
  push(OSSL_PKEY_PARAM_RSA_N, pub.n);
  push(OSSL_PKEY_PARAM_RSA_E, pub.e);
  push(OSSL_PKEY_PARAM_RSA_D, priv.d.bytes());
  bool crt = !priv.p.empty() && !priv.q.empty() && !priv.dp.empty() && !priv.dq.empty() && !priv.qi.empty();
  if (crt) {
    push(OSSL_PKEY_PARAM_RSA_FACTOR1, priv.p.bytes());
    push(OSSL_PKEY_PARAM_RSA_FACTOR2, priv.q.bytes());
    push(OSSL_PKEY_PARAM_RSA_EXPONENT1, priv.dp.bytes());
    push(OSSL_PKEY_PARAM_RSA_EXPONENT2, priv.dq.bytes());
    push(OSSL_PKEY_PARAM_RSA_COEFFICIENT1, priv.qi.bytes());
  }
  COCO_TRY(ossl::Pkey key, from_params("RSA", EVP_PKEY_KEYPAIR, bld.get()));
  return PrivateKey(std::move(key));
}

Result<PrivateKey> PrivateKey::from_ec(const EcPublicParts& pub, std::span<const std::uint8_t> d) {
  std::size_t size = curve_size(pub.curve);
  if (pub.x.size() != size || pub.y.size() != size || d.size() != size) {
    return make_error(Kind::invalid, std::string("EC ") + info(pub.curve).jose + " private key: components must be " +
                                         std::to_string(size) + " bytes");
  }
  Bytes point{0x04};
  point.insert(point.end(), pub.x.begin(), pub.x.end());
  point.insert(point.end(), pub.y.begin(), pub.y.end());
  ossl::ParamBld bld(OSSL_PARAM_BLD_new());
  ossl::Bn bn_d(BN_secure_new());
  BN_bin2bn(d.data(), static_cast<int>(d.size()), bn_d.get());
  OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, info(pub.curve).openssl, 0);
  OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, bn_d.get());
  COCO_TRY(ossl::Pkey key, from_params("EC", EVP_PKEY_KEYPAIR, bld.get()));
  ossl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!ctx || EVP_PKEY_pairwise_check(ctx.get()) != 1) {
    return ossl::error(Kind::invalid, "EC private key: d does not match x, y");
  }
  return PrivateKey(std::move(key));
}

Result<PrivateKey> PrivateKey::from_ed25519(std::span<const std::uint8_t> seed) {
  if (seed.size() != 32) {
    return make_error(Kind::invalid, "Ed25519 private key must be 32 bytes");
  }
  ossl::Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  if (!key) {
    return ossl::error(Kind::invalid, "Ed25519 key: invalid private key");
  }
  return PrivateKey(std::move(key));
}

KeyType PrivateKey::type() const { return type_of(m_key.get()); }
std::optional<Curve> PrivateKey::curve() const { return curve_of(m_key.get()); }
int PrivateKey::bits() const { return EVP_PKEY_get_bits(m_key.get()); }

PublicKey PrivateKey::public_key() const {
  auto pub = PublicKey::from_evp(m_key.get());
  if (!pub) {
    throw std::logic_error("PrivateKey::public_key: " + pub.error().message);
  }
  return std::move(pub).value();
}

RsaPrivateParts PrivateKey::rsa_private() const {
  EVP_PKEY* k = m_key.get();
  return {bn_secret(k, OSSL_PKEY_PARAM_RSA_D), bn_secret(k, OSSL_PKEY_PARAM_RSA_FACTOR1),
          bn_secret(k, OSSL_PKEY_PARAM_RSA_FACTOR2), bn_secret(k, OSSL_PKEY_PARAM_RSA_EXPONENT1),
          bn_secret(k, OSSL_PKEY_PARAM_RSA_EXPONENT2), bn_secret(k, OSSL_PKEY_PARAM_RSA_COEFFICIENT1)};
}

Secret PrivateKey::ec_private() const {
  return bn_secret(m_key.get(), OSSL_PKEY_PARAM_PRIV_KEY, curve_size(curve().value_or(Curve::p256)));
}

Secret PrivateKey::ed25519_private() const {
  Secret out(Bytes(32, 0));
  std::size_t len = 32;
  if (EVP_PKEY_get_raw_private_key(m_key.get(), out.mutable_bytes().data(), &len) != 1) {
    ossl::clear_errors();
    return {};
  }
  return out;
}

Result<Secret> PrivateKey::to_pem(std::optional<std::string_view> passphrase) const {
  ossl::Bio bio(BIO_new(BIO_s_secmem()));
  int rc = 0;
  if (passphrase) {
    rc = PEM_write_bio_PKCS8PrivateKey(bio.get(), m_key.get(), EVP_aes_256_cbc(), passphrase->data(),
                                       static_cast<int>(passphrase->size()), nullptr, nullptr);
  } else {
    rc = PEM_write_bio_PKCS8PrivateKey(bio.get(), m_key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  }
  if (rc != 1) {
    return ossl::error(Kind::internal, "cannot encode the private key as PEM");
  }
  return bio_contents(bio.get());
}

Result<Secret> PrivateKey::to_der() const {
  ossl::Bio bio(BIO_new(BIO_s_secmem()));
  if (i2d_PKCS8PrivateKey_bio(bio.get(), m_key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return ossl::error(Kind::internal, "cannot encode the private key as DER");
  }
  return bio_contents(bio.get());
}

Status PrivateKey::write_pem_file(const std::filesystem::path& path, std::optional<std::string_view> passphrase) const {
  COCO_TRY(Secret pem, to_pem(passphrase));
  COCO_TRY(AtomicFile file, AtomicFile::create(path, 0600));
  COCO_TRY_STATUS(file.write(pem.bytes()));
  return file.commit();
}

} // namespace coco::crypto
