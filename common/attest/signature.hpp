// Internal to common/attest: raw-signature checks the evidence formats need (ECDSA with r||s given as integers,
// RSA PKCS#1 v1.5) on OpenSSL EVP keys, with small RAII holders. Not a public crypto API.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include <openssl/evp.h>

#include "common/base/encoding.hpp"
#include "common/base/result.hpp"

namespace coco::attest::detail {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// Whether (r, s) (big-endian unsigned integers) is a valid ECDSA signature by `key` over `data` hashed with `md`.
bool ecdsa_verify(EVP_PKEY* key, const EVP_MD* md, std::span<const std::uint8_t> data,
                  std::span<const std::uint8_t> r_be, std::span<const std::uint8_t> s_be);

// A P-256 public key from the 64-byte raw point x||y (Intel quote attestation keys).
Result<PkeyPtr> p256_key_from_raw(std::span<const std::uint8_t> xy);

// A public key from DER SubjectPublicKeyInfo.
Result<PkeyPtr> key_from_spki(std::span<const std::uint8_t> der);

// Whether `signature` is a valid RSASSA-PKCS1-v1_5 (or, for EC keys, DER ECDSA) signature over data with md.
bool digest_verify(EVP_PKEY* key, const EVP_MD* md, std::span<const std::uint8_t> data,
                   std::span<const std::uint8_t> signature);

Bytes reversed(std::span<const std::uint8_t> data);

} // namespace coco::attest::detail
