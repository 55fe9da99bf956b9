// Image-level ocicrypt: encrypting and decrypting the layers of a whole image while it is copied between any
// two transports (common/oci/copy.hpp), as `skopeo copy --encryption-key / --decryption-key` do
// (containers/image copy/encryption.go). This is the API tools call: coco-encrypt encrypt/decrypt, and
// coco-attest, which decrypts with a KEK released by a KBS (DecryptImageOptions::kbs_keks or kbs_kek_for).
//
// Encryption: each selected plain layer gets a fresh AES-256-CTR key and HMAC-SHA256 (layer_cipher.hpp); its
// media type gains "+encrypted"; its private options are wrapped for every recipient into
// org.opencontainers.image.enc.keys.<scheme> and the public options (with the HMAC) go to
// org.opencontainers.image.enc.pubopts. Layers already encrypted are copied unchanged. A selected layer that
// cannot be encrypted (unknown media type) is an error: the result is never silently plain.
//
// Decryption: every encrypted layer of the copied manifests is decrypted with the first key that opens it;
// the HMAC is checked before the destination is committed, so a tampered layer fails the copy and nothing is
// left at the destination (a registry may keep unreachable blob uploads, as with skopeo).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/progress.hpp"
#include "common/base/result.hpp"
#include "common/base/secret.hpp"
#include "common/oci/copy.hpp"
#include "common/ocicrypt/recipients.hpp"

namespace coco::ocicrypt {

// Which part of an image a copy covers (skopeo's --multi-arch/--all and platform choice).
struct ImageScope {
  std::optional<oci::Platform> platform;  // instance of an index (default: this host's)
  bool all = false;                       // every instance, keeping the index
  oci::TransportOptions src_options;
  oci::TransportOptions dst_options;
};

struct EncryptImageOptions {
  ImageScope scope;
  // Recipients as ocicrypt spells them: jwe:PUB, pkcs7:CERT, pgp:EMAIL, provider:NAME[:PARAMS], kbs:///R/T/G.
  std::vector<std::string> recipients;
  // Keyprovider config, pgp options, and for a kbs:/// recipient its KEK (see prepare_kbs_kek).
  WrapperOptions wrappers;
  // Encrypt only these layers of the selected manifest (0-based; negative counts from the end, -1 the last).
  // Empty: every layer. Not combinable with scope.all (platforms may differ in layers).
  std::vector<int> layers;
  // Recompress zstd layers to gzip before encrypting (the CoCo guest decrypts tar and tar+gzip only). Without
  // it a zstd layer encrypted for a kbs:/// recipient is refused.
  bool zstd_to_gzip = false;
};

struct DecryptImageOptions {
  ImageScope scope;
  // Keys as coco-encrypt decrypt --key spells them: jwe:PRIV, pkcs7:KEY[,CERT], pgp, provider:NAME[:PARAMS],
  // kbs-key:KEKFILE (a bare path is a jwe private key).
  std::vector<std::string> keys;
  // KEKs for layers encrypted for kbs:/// recipients, given as bytes: the same as kbs-key:FILE without a file
  // (e.g. the resource a KBS released after attestation). Each is tried on every kbs packet.
  std::vector<Secret> kbs_keks;
  // Or asked for on demand: called with a layer's key id ("kbs:///REPO/TYPE/TAG") the first time it is seen
  // (cached for later layers with the same id); an error fails the layer. May be empty.
  std::function<Result<Secret>(std::string_view kid)> kbs_kek_for;
  WrapperOptions wrappers;  // keyprovider config, pgp options, passphrase
};

// Rewrapping the layer keys of an encrypted image without touching layer data (coco-encrypt recipients
// add|remove): only the keys annotations of encrypted layers change, so layer blobs are copied as they are.
struct RewrapImageOptions {
  ImageScope scope;
  // Recipients to add to every encrypted layer (spelt as for encryption); their keys are unwrapped with
  // `keys` / `kbs_keks` first. A scheme already present gets the new blob appended (comma-separated), as
  // ocicrypt does; a second kbs:/// recipient is refused (the guest reads one packet).
  std::vector<std::string> add;
  // Recipients to remove, resolved before anything is copied (no private key is needed):
  // - a whole scheme: jwe, pkcs7, pgp, kbs, provider:NAME (its keys annotation goes);
  // - kbs:///REPO/TYPE/TAG: the kbs packet of that key id;
  // - pkcs7:CERT.pem: the KeyTransRecipientInfos for that certificate (issuer and serial number, or subject
  //   key identifier) inside every EnvelopedData blob (pkcs7_remove_recipient);
  // - pgp:EMAIL-OR-FINGERPRINT: the session key packets naming that key or one of its subkeys, looked up in
  //   the keyring of wrappers.pgp (pgp_key_ids, pgp_remove_recipients); hidden (wildcard) recipients cannot
  //   be matched, and a blob with only those is an error.
  // A blob left with no recipient is dropped, and an annotation left with no blob. JWE blobs do not name
  // their public keys, so jwe:PUB is a usage error (remove the scheme and add back the ones to keep). A
  // layer left with no recipient at all is an error; a spec that matched no layer is logged as a warning.
  std::vector<std::string> remove;
  std::vector<std::string> keys;
  std::vector<Secret> kbs_keks;
  WrapperOptions wrappers;  // for add: kbs_kek of a kbs:/// recipient, keyproviders, pgp; for remove: pgp
};

struct ImageResult {
  oci::Digest manifest_digest;  // of the top-level manifest (or index) written
  std::string media_type;
  int layers = 0;               // layers encrypted (decrypted, rewrapped)
};

Result<ImageResult> encrypt_image(const oci::ImageReference& src, const oci::ImageReference& dst,
                                  const EncryptImageOptions& options, Progress& progress = Progress::none());
Result<ImageResult> decrypt_image(const oci::ImageReference& src, const oci::ImageReference& dst,
                                  const DecryptImageOptions& options, Progress& progress = Progress::none());

Result<ImageResult> rewrap_image(const oci::ImageReference& src, const oci::ImageReference& dst,
                                 const RewrapImageOptions& options, Progress& progress = Progress::none());

// The key-encryption key of the kbs:/// recipient among `recipients`, for EncryptImageOptions::wrappers.kbs_kek.
// When `kek_out` exists its 32 bytes are used; otherwise a fresh KEK is generated and written there (0600)
// before anything is encrypted with it. Uploading it to a KBS (coco-encrypt --kbs-context) needs exactly
// `resource_path` and `kek`.
struct KbsKek {
  std::string kid;            // "kbs:///REPO/TYPE/TAG" as given
  std::string resource_path;  // "REPO/TYPE/TAG"
  Secret kek;
  bool generated = false;     // true when written to kek_out just now
};
// std::nullopt when no recipient is kbs:///. With kek_out empty the KEK is generated in memory only when
// `kek_out_optional` (the caller stores it elsewhere, e.g. uploads it to a KBS); otherwise a usage error.
Result<std::optional<KbsKek>> prepare_kbs_kek(std::span<const std::string> recipients,
                                              const std::filesystem::path& kek_out, bool kek_out_optional = false);

bool is_kbs_recipient(std::string_view recipient);

// The key wrappers decrypt_image uses for these options (keys, kbs_keks, kbs_kek_for).
Result<KeyWrappers> decryption_key_wrappers(const DecryptImageOptions& options);

} // namespace coco::ocicrypt
