// HMAC (RFC 2104) over OpenSSL 3 EVP_MAC, streaming. Compare tags with coco::constant_time_equal.
#pragma once

#include <cstdint>
#include <span>

#include "common/base/encoding.hpp"
#include "common/crypto/hash.hpp"
#include "common/crypto/openssl_handles.hpp"

namespace coco::crypto {

class Hmac {
public:
  Hmac(HashAlg alg, std::span<const std::uint8_t> key);
  explicit Hmac(std::span<const std::uint8_t> key) : Hmac(HashAlg::sha256, key) {}
  Hmac(Hmac&&) noexcept = default;
  Hmac& operator=(Hmac&&) noexcept = default;
  Hmac(const Hmac&) = delete;
  Hmac& operator=(const Hmac&) = delete;
  ~Hmac() = default;

  void update(std::span<const std::uint8_t> data);
  // The tag; the MAC cannot be updated afterwards.
  Bytes finish();

private:
  ossl::MacCtx m_ctx;
};

Bytes hmac(HashAlg alg, std::span<const std::uint8_t> key, std::span<const std::uint8_t> data);
inline Bytes hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data) {
  return hmac(HashAlg::sha256, key, data);
}

} // namespace coco::crypto
