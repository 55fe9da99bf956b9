// JSON Web Signature, compact serialisation (RFC 7515 §7.1): BASE64URL(header) "." BASE64URL(payload) "."
// BASE64URL(signature), with the algorithms of RFC 7518 §3 (ES256/384/512 with r||s signatures, RS256/384/512,
// PS256/384/512) and RFC 8037 (EdDSA with Ed25519). "none" is never accepted, and the header's `alg` must
// fit the key (ES256 needs a P-256 key, RS* and PS* an RSA key, EdDSA an Ed25519 key), so a token cannot
// choose a weaker check than the key implies.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/crypto/key.hpp"
#include "common/jose/json.hpp"

namespace coco::jose {

// The JWS alg a key signs with by default: ES256/ES384/ES512 by curve, EdDSA, RS256 for RSA.
std::string default_jws_alg(crypto::KeyType type, std::optional<crypto::Curve> curve);
std::string default_jws_alg(const crypto::PublicKey& key);
// invalid/unsupported error when `alg` is unknown or does not fit the key.
Status check_jws_alg(std::string_view alg, const crypto::PublicKey& key);

// Signs with header (its `alg` member is added first when absent, as default_jws_alg of the key).
Result<std::string> jws_sign_compact(Json header, std::span<const std::uint8_t> payload, const crypto::PrivateKey& key);

struct JwsParts {
  Json header;
  Bytes payload;
};

// Verifies the signature with `key`; `allowed_algs` (when not empty) further restricts the header's alg.
// Kind::integrity when the signature does not verify.
Result<JwsParts> jws_verify_compact(std::string_view token, const crypto::PublicKey& key,
                                    std::span<const std::string> allowed_algs = {});
// Splits and decodes without verifying (to read `kid`/`jwk` and pick the key).
Result<JwsParts> jws_decode_unverified(std::string_view token);

} // namespace coco::jose
