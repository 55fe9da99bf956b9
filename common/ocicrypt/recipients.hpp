// Recipients and decryption keys spelt as ocicrypt and skopeo spell them, turned into key wrappers.
//
// Encryption recipients:  jwe:PUBKEY (PEM/DER public key, certificate or JWK), pkcs7:CERT, pgp:EMAIL-OR-FINGERPRINT,
//                         provider:NAME[:PARAMS], kbs:///REPO/TYPE/TAG (the CoCo KBS packet; needs a KEK).
// Decryption keys:        jwe:PRIVKEY (or a bare path), pkcs7:KEY,CERT (or pkcs7:KEY), pgp (the keyring),
//                         provider:NAME[:PARAMS], kbs-key:KEKFILE.
// Recipients of one scheme share one wrapper (one blob for all of them), as ocicrypt does.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "common/base/secret.hpp"
#include "common/ocicrypt/key_wrapper.hpp"
#include "common/ocicrypt/keyprovider_wrapper.hpp"
#include "common/ocicrypt/pgp_wrapper.hpp"

namespace coco::ocicrypt {

struct WrapperOptions {
  PgpOptions pgp;
  // Provider commands; when empty and a provider is named, OCICRYPT_KEYPROVIDER_CONFIG is read.
  std::optional<KeyProviderConfig> keyproviders;
  // The KEK for a kbs:/// recipient (32 bytes). The caller generates it when the user gave none.
  std::optional<Secret> kbs_kek;
  // For encrypted private key files.
  std::optional<Secret> passphrase;
};

Result<KeyWrappers> encryption_wrappers(std::span<const std::string> recipients, const WrapperOptions& options);
Result<KeyWrappers> decryption_wrappers(std::span<const std::string> keys, const WrapperOptions& options);

} // namespace coco::ocicrypt
