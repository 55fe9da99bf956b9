// One-step encryption with the key held by a KBS (coco-encrypt encrypt -r kbs:///R/T/G --kbs-context NAME):
// the key-encryption key is generated, uploaded as the resource R/T/G with an admin token, confirmed (read
// back from coco-kbs serve; Trustee has no admin read, so its status code must do), and after encryption the
// confirmed key is checked to unwrap every layer's key. A failed upload stops the command before any image is
// written: there is never an image whose key is nowhere.
#pragma once

#include <optional>
#include <string>

#include "common/cli/command.hpp"
#include "common/kbs/admin_client.hpp"
#include "common/ocicrypt/image.hpp"

namespace coco_encrypt {

struct KbsUploadFlags {
  std::string context;
  std::string url;
  std::string admin_key;
  std::string admin_token_file;
  std::string cacert;
  bool insecure_skip_tls_verify = false;

  void add_to(coco::cli::Command& cmd);
  // Whether any flag asks for an upload.
  [[nodiscard]] bool requested() const;
  // The KBS to upload to: flags over the named context (coco-kbs config set-context) over the current one.
  [[nodiscard]] coco::Result<coco::kbs::AdminEndpoint> endpoint(const coco::cli::Context& ctx) const;
};

// Uploads `kek` as its resource and confirms it.
coco::Result<coco::kbs::KeyUpload> upload_kek(const coco::kbs::AdminEndpoint& endpoint,
                                              const coco::ocicrypt::KbsKek& kek);

// Checks that `kek` unwraps the key of every encrypted layer of `image` (the layers are not read).
coco::Status check_kek_unwraps(const coco::oci::ImageReference& image, const coco::ocicrypt::ImageScope& scope,
                               const coco::ocicrypt::KbsKek& kek);

} // namespace coco_encrypt
