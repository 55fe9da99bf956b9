// JSON Web Encryption (RFC 7516) in the two shapes coco exchanges with other tools, written once here:
//
// - ocicrypt's `org.opencontainers.image.enc.keys.jwe` annotation: go-jose's JSON serialisation (RFC 7516
//   §7.2), flattened for one recipient (`protected` holds alg/enc[/epk]), general for several (`protected` is
//   {"enc":...}, each entry of `recipients` carries its own `header` with alg[/epk] and its `encrypted_key`).
// - the Trustee KBS resource response: flattened, no `aad`, header members in the order alg, enc, epk with
//   the epk members crv, kty, x, y (the guest re-serialises the parsed header in that order and uses it as
//   the GCM AAD, so the bytes must match).
//
// Key management (RFC 7518 §4): RSA-OAEP (SHA-1), RSA-OAEP-256, RSA1_5, ECDH-ES+A128KW/A192KW/A256KW on
// P-256/P-384/P-521 (ephemeral key in `epk`, Concat KDF with AlgorithmID = alg and empty PartyU/PartyV info
// unless `apu`/`apv` are given, then RFC 3394 key wrap). Content encryption (RFC 7518 §5.3): A128GCM,
// A192GCM, A256GCM with a 96-bit IV, a 128-bit tag, AAD = ASCII(BASE64URL(protected header)) [+ "." +
// BASE64URL(aad)]. Compact serialisation (RFC 7516 §7.1) is read and written too. Compression (`zip`) and
// direct or CBC-HMAC modes are refused.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/base/secret.hpp"
#include "common/crypto/key.hpp"
#include "common/jose/json.hpp"
#include "common/jose/jwk.hpp"

namespace coco::jose {

struct JweRecipient {
  crypto::PublicKey key;
  std::string alg;  // empty: default_jwe_alg(key)
  std::string kid;  // put in the recipient's header when not empty
};

// RSA-OAEP for RSA keys, ECDH-ES+A256KW for EC keys (what ocicrypt picks).
Result<std::string> default_jwe_alg(const crypto::PublicKey& key);

// JSON serialisation: flattened for one recipient, general for several (see above).
Result<Json> jwe_encrypt(std::span<const std::uint8_t> plaintext, std::span<const JweRecipient> recipients,
                         std::string_view enc = "A256GCM");
Result<std::string> jwe_encrypt_compact(std::span<const std::uint8_t> plaintext, const JweRecipient& recipient,
                                        std::string_view enc = "A256GCM");
// The KBS resource response for a TEE public key (Trustee kbs jwe/mod.rs): alg from the JWK's `alg`
// (RSA-OAEP-256 or RSA1_5 for RSA, ECDH-ES+A256KW for EC; absent -> RSA-OAEP-256 / ECDH-ES+A256KW), enc A256GCM.
Result<Json> jwe_encrypt_for_jwk(std::span<const std::uint8_t> plaintext, const Jwk& recipient);

// Decrypts a JWE in JSON (general or flattened) or compact serialisation with `key`, trying every recipient
// whose alg fits the key. Kind::auth when no recipient can be unwrapped with the key, Kind::integrity when the
// content fails authentication (tampering), Kind::invalid/unsupported for malformed or unsupported input.
Result<Secret> jwe_decrypt(std::string_view serialized, const crypto::PrivateKey& key);
Result<Secret> jwe_decrypt_json(const Json& jwe, const crypto::PrivateKey& key);

struct JweRecipientInfo {
  std::string alg;
  std::string enc;
  std::string kid;
  std::string epk_curve;  // for ECDH-ES: the ephemeral key's curve
};
// What a JWE says about its recipients (for inspection; nothing is decrypted).
Result<std::vector<JweRecipientInfo>> jwe_recipients(std::string_view serialized);

} // namespace coco::jose
