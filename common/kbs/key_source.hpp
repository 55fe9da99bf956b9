// Verification keys named by URI, as Trustee's KBS loads them for admin identity providers
// (`public_key_uri`, `jwk_set_uri`) and for `[attestation_token] trusted_jwk_sets` (trustee kbs/src/crypto/jwk.rs
// read_jwk_from_uri, jwt.rs read_pem_public_key_from_uri).
//
// A source is a local path, a `file://` URI or an `https://` URL; any other scheme (plain `http://` included)
// is refused. Sources are read once, when the server starts; keys are not refreshed while it runs (restart
// the server after a provider rotates its keys). An https JWKS URL is fetched as is first; when that fails or
// the set is empty, the URL is taken as an OpenID issuer and `<url>/.well-known/openid-configuration` is
// fetched for its `jwks_uri`, which is then fetched. HTTPS is verified against the system trust store, or
// `fetch.cacert` when set (Trustee has no such setting; coco-kbs serve --key-source-cacert). Errors name the
// source.
#pragma once

#include <string>
#include <vector>

#include "common/base/result.hpp"
#include "common/crypto/key.hpp"
#include "common/jose/jwk.hpp"
#include "common/kbs/client.hpp"

namespace coco::kbs {

// A PEM public key (EC, RSA or Ed25519).
Result<crypto::PublicKey> load_public_key_source(const std::string& uri, const ClientOptions& fetch);
// The keys of a JWK set (members coco cannot use, e.g. `oct`, are skipped).
Result<std::vector<jose::Jwk>> load_jwk_set_source(const std::string& uri, const ClientOptions& fetch);

} // namespace coco::kbs
