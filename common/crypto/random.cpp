#include "common/crypto/random.hpp"

#include <stdexcept>

#include <openssl/rand.h>

namespace coco::crypto {

Bytes random_bytes(std::size_t n) {
  Bytes out(n);
  if (n > 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return out;
}

Secret random_secret(std::size_t n) {
  Secret s(Bytes(n, 0));
  if (n > 0 && RAND_bytes(s.mutable_bytes().data(), static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return s;
}

} // namespace coco::crypto
