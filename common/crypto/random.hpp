// Cryptographically secure random bytes (OpenSSL's DRBG, seeded from the OS).
#pragma once

#include <cstddef>

#include "common/base/encoding.hpp"
#include "common/base/secret.hpp"

namespace coco::crypto {

Bytes random_bytes(std::size_t n);
// For key material: the bytes live in a Secret from the start.
Secret random_secret(std::size_t n);

} // namespace coco::crypto
