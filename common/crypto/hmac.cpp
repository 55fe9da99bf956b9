#include "common/crypto/hmac.hpp"

#include <stdexcept>
#include <string>

#include <openssl/core_names.h>

namespace coco::crypto {

Hmac::Hmac(HashAlg alg, std::span<const std::uint8_t> key) {
  ossl::Mac mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) {
    throw std::runtime_error("EVP_MAC_fetch(HMAC) failed");
  }
  m_ctx.reset(EVP_MAC_CTX_new(mac.get()));
  std::string digest(EVP_MD_get0_name(evp_md(alg)));
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest.data(), 0),
      OSSL_PARAM_construct_end(),
  };
  // EVP_MAC_init refuses a null key pointer even with length 0.
  static const std::uint8_t k_empty = 0;
  const std::uint8_t* key_ptr = key.empty() ? &k_empty : key.data();
  if (!m_ctx || EVP_MAC_init(m_ctx.get(), key_ptr, key.size(), params) != 1) {
    throw std::runtime_error("EVP_MAC_init(HMAC) failed");
  }
}

void Hmac::update(std::span<const std::uint8_t> data) {
  if (!data.empty() && EVP_MAC_update(m_ctx.get(), data.data(), data.size()) != 1) {
    throw std::runtime_error("EVP_MAC_update failed");
  }
}

Bytes Hmac::finish() {
  Bytes out(EVP_MAX_MD_SIZE);
  std::size_t len = 0;
  if (EVP_MAC_final(m_ctx.get(), out.data(), &len, out.size()) != 1) {
    throw std::runtime_error("EVP_MAC_final failed");
  }
  out.resize(len);
  return out;
}

Bytes hmac(HashAlg alg, std::span<const std::uint8_t> key, std::span<const std::uint8_t> data) {
  Hmac m(alg, key);
  m.update(data);
  return m.finish();
}

} // namespace coco::crypto
