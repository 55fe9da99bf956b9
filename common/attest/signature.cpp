#include "common/attest/signature.hpp"

#include <algorithm>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/x509.h>

namespace coco::attest::detail {
namespace {
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct SigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};
} // namespace

bool digest_verify(EVP_PKEY* key, const EVP_MD* md, std::span<const std::uint8_t> data,
                   std::span<const std::uint8_t> signature) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  const bool good = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) == 1 &&
                    EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data.data(), data.size()) == 1;
  ERR_clear_error();
  return good;
}

bool ecdsa_verify(EVP_PKEY* key, const EVP_MD* md, std::span<const std::uint8_t> data,
                  std::span<const std::uint8_t> r_be, std::span<const std::uint8_t> s_be) {
  std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(r_be.data(), static_cast<int>(r_be.size()), nullptr);
  BIGNUM* s = BN_bin2bn(s_be.data(), static_cast<int>(s_be.size()), nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return false;
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) {
    return false;
  }
  const Bytes der_sig(der, der + len);
  OPENSSL_free(der);
  return digest_verify(key, md, data, der_sig);
}

Result<PkeyPtr> key_from_spki(std::span<const std::uint8_t> der) {
  const unsigned char* p = der.data();
  PkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  ERR_clear_error();
  if (!key) {
    return make_error(Kind::invalid, "public key is not a DER SubjectPublicKeyInfo");
  }
  return key;
}

Result<PkeyPtr> p256_key_from_raw(std::span<const std::uint8_t> xy) {
  if (xy.size() != 64) {
    return make_error(Kind::invalid, "P-256 public key must be 64 bytes");
  }
  // SubjectPublicKeyInfo prefix for id-ecPublicKey/prime256v1 with an uncompressed point.
  static constexpr std::uint8_t k_prefix[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d,
                                              0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01,
                                              0x07, 0x03, 0x42, 0x00, 0x04};
  Bytes spki(std::begin(k_prefix), std::end(k_prefix));
  spki.insert(spki.end(), xy.begin(), xy.end());
  auto key = key_from_spki(spki);
  if (!key) {
    return make_error(Kind::invalid, "P-256 public key is not a point on the curve");
  }
  return key;
}

Bytes reversed(std::span<const std::uint8_t> data) {
  Bytes out(data.begin(), data.end());
  std::reverse(out.begin(), out.end());
  return out;
}

} // namespace coco::attest::detail
