#include "common/base/secret.hpp"

#include <openssl/crypto.h>

namespace coco {

void secure_zero(void* data, std::size_t size) {
  if (data != nullptr && size > 0) {
    OPENSSL_cleanse(data, size);
  }
}

bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  if (a.size() != b.size()) {
    return false;
  }
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Secret Secret::from_string(std::string_view text) {
  return Secret(std::vector<std::uint8_t>(text.begin(), text.end()));
}

Secret::Secret(Secret&& other) noexcept : m_bytes(std::move(other.m_bytes)) { other.m_bytes.clear(); }

Secret& Secret::operator=(const Secret& other) {
  if (this != &other) {
    clear();
    m_bytes = other.m_bytes;
  }
  return *this;
}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    clear();
    m_bytes = std::move(other.m_bytes);
    other.m_bytes.clear();
  }
  return *this;
}

Secret::~Secret() { clear(); }

void Secret::clear() {
  secure_zero(m_bytes.data(), m_bytes.capacity() > 0 ? m_bytes.size() : 0);
  m_bytes.clear();
}

} // namespace coco
