// JSON Web Token (RFC 7519): a JWS (compact) whose payload is a JSON claims set. Minting adds `typ`, and
// optionally the signer's public key as `jwk` (as Trustee's attestation service does for EAR tokens) and
// `kid`. Verification checks the signature (the header's alg must fit the key, see jws.hpp), then the
// registered claims: `exp` (required unless told otherwise), `nbf`, `iss` and `aud` when the options name
// them, with a leeway; the clock is injectable for tests.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/crypto/key.hpp"
#include "common/jose/json.hpp"

namespace coco::jose {

// Unix seconds now (the system clock).
std::int64_t unix_now();

struct JwtMintOptions {
  std::string alg;          // empty: default_jws_alg of the key
  std::string typ = "JWT";  // empty: no typ member
  bool embed_jwk = false;   // header `jwk` = the public key
  std::string kid;          // header `kid` when not empty
  // When set, `iat` = now and `exp` = now + lifetime are added unless the claims already have them.
  std::optional<std::int64_t> lifetime_seconds;
  std::function<std::int64_t()> now;  // empty: unix_now
};

Result<std::string> jwt_mint(const Json& claims, const crypto::PrivateKey& key, const JwtMintOptions& options = {});

struct JwtVerifyOptions {
  std::vector<std::string> algorithms;  // empty: any algorithm that fits the key
  bool require_exp = true;
  std::optional<std::string> issuer;    // `iss` must equal it
  std::optional<std::string> audience;  // `aud` (string or array) must contain it
  std::int64_t leeway_seconds = 60;
  std::function<std::int64_t()> now;    // empty: unix_now
};

struct Jwt {
  Json header;
  Json claims;
};

// Kind::integrity for a bad signature, Kind::denied for a claim check that fails (expired, not yet valid,
// wrong issuer or audience), Kind::invalid for a malformed token.
Result<Jwt> jwt_verify(std::string_view token, const crypto::PublicKey& key, const JwtVerifyOptions& options = {});
// Header and claims without any check (to choose the key, or to inspect).
Result<Jwt> jwt_decode_unverified(std::string_view token);

} // namespace coco::jose
