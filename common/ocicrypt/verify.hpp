// Verifying an encrypted image before it is pushed (coco-encrypt verify): the checks a pipeline runs so that
// an image meant to be confidential is not published with a plain layer, an unreadable key, a secret left
// in its config, or something the CoCo guest cannot decrypt.
//
// Over every layer of every platform (all instances of an index):
// - plain-layer:   the layer is not encrypted and its digest is not in allowed_plain_layers;
// - wrapped-key:   an encrypted layer has no key annotation, or one that does not parse (jwe, pgp, pkcs7, the
//                  kbs packet; other provider packets must at least be base64);
// - decrypt:       with keys given, the layer's key does not unwrap or its ciphertext fails the HMAC (each layer
//                  is decrypted in full and thrown away; with unwrap_only only the key is unwrapped);
// - guest-zstd:    a tar+zstd+encrypted layer (the CoCo guest decrypts tar and tar+gzip only, image-rs
//                  decrypt.rs), and guest-media-type for any other type the guest refuses;
// - guest-kid:     a kbs packet (provider.attestation-agent) whose kid is not kbs:///REPO/TYPE/TAG;
// - guest-pubopts: org.opencontainers.image.enc.pubopts missing, or lacking cipher, hmac or a cipheroptions
//                  object (the guest parses it with serde and no defaults);
// - config-secret: an Env entry or Label of the image config that looks like a secret (by name: PASSWORD,
//                  TOKEN, SECRET, API_KEY...; by value: PEM private keys, cloud and forge tokens, JWTs,
//                  credentials in URLs). ocicrypt never encrypts the config. Values are never reported.
#pragma once

#include <string>
#include <vector>

#include "common/base/progress.hpp"
#include "common/oci/transport.hpp"
#include "common/ocicrypt/image.hpp"

namespace coco::ocicrypt {

struct VerifyOptions {
  oci::TransportOptions transport;
  std::vector<std::string> allowed_plain_layers;  // "sha256:..." digests allowed to stay plain
  // Decryption keys (as DecryptImageOptions spells them); none: layers are not decrypted.
  std::vector<std::string> keys;
  std::vector<Secret> kbs_keks;
  WrapperOptions wrappers;
  // With keys: only check that every encrypted layer's key unwraps (the layers themselves are not read).
  bool unwrap_only = false;
};

struct VerifyProblem {
  std::string check;     // plain-layer, wrapped-key, decrypt, guest-zstd, guest-media-type, guest-kid, guest-pubopts, config-secret
  std::string platform;  // "linux/amd64", or "" when the image is a single manifest
  std::string subject;   // "layer 2 (sha256:...)", "config Env DB_PASSWORD"
  std::string message;
};

struct VerifyReport {
  int manifests = 0;
  int layers = 0;
  int layers_encrypted = 0;
  int layers_decrypted = 0;
  std::vector<VerifyProblem> problems;
  [[nodiscard]] bool ok() const { return problems.empty(); }
};

// Errors only for what stops the check itself (unreachable image, unreadable manifest, a bad key file);
// everything the image gets wrong is a problem in the report.
Result<VerifyReport> verify_image(const oci::ImageReference& ref, const VerifyOptions& options,
                                  Progress& progress = Progress::none());

// The names of config values that look like secrets, "Env NAME" / "Label NAME" (exposed for tests).
std::vector<std::string> secret_looking_config_values(std::string_view config_json);

} // namespace coco::ocicrypt
