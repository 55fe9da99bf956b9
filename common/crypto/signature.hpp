// Digital signatures over OpenSSL 3 EVP: ECDSA (FIPS 186-4), Ed25519 (RFC 8032), RSASSA-PKCS1-v1_5 and
// RSASSA-PSS (RFC 8017 §8). ECDSA signatures are DER (X.509 form); JOSE (RFC 7518 §3.4) and TEE reports use
// the fixed-size r||s form, converted with ecdsa_der_to_raw / ecdsa_raw_to_der.
#pragma once

#include <cstdint>
#include <span>

#include "common/base/encoding.hpp"
#include "common/base/result.hpp"
#include "common/crypto/hash.hpp"
#include "common/crypto/key.hpp"

namespace coco::crypto {

enum class SignatureScheme { ecdsa, ed25519, rsa_pkcs1, rsa_pss };

// hash is ignored for Ed25519. PSS: MGF1 with the same hash, salt length = hash length when signing; any
// salt length accepted when verifying.
Result<Bytes> sign(const PrivateKey& key, SignatureScheme scheme, HashAlg hash, std::span<const std::uint8_t> message);
// Kind::integrity when the signature does not verify.
Status verify(const PublicKey& key, SignatureScheme scheme, HashAlg hash, std::span<const std::uint8_t> message,
              std::span<const std::uint8_t> signature);
// Over a digest computed by the caller (ECDSA and RSA only).
Result<Bytes> sign_digest(const PrivateKey& key, SignatureScheme scheme, HashAlg hash, std::span<const std::uint8_t> digest);
Status verify_digest(const PublicKey& key, SignatureScheme scheme, HashAlg hash, std::span<const std::uint8_t> digest,
                     std::span<const std::uint8_t> signature);

// DER ECDSA-Sig-Value <-> r||s, each half `coordinate_size` bytes big-endian (curve_size()).
Result<Bytes> ecdsa_der_to_raw(std::span<const std::uint8_t> der, std::size_t coordinate_size);
Result<Bytes> ecdsa_raw_to_der(std::span<const std::uint8_t> raw);

} // namespace coco::crypto
