// A layer spooled to an unlinked temporary file in TMPDIR. The copy engine's layer transform must return the
// layer's annotations before its stream is read, but the encrypted layer's public options carry the HMAC of
// the whole ciphertext (and a decrypted layer may be trusted only once its HMAC is checked), so each
// transformed layer is written to a temporary file first (constant memory, disk = one layer) and then
// streamed from it to the destination.
#pragma once

#include <memory>

#include "common/base/result.hpp"
#include "common/oci/blob_stream.hpp"
#include "common/ocicrypt/layer_cipher.hpp"

namespace coco_encrypt {

class Spool {
public:
  static coco::Result<Spool> create();
  Spool(Spool&&) noexcept;
  Spool& operator=(Spool&&) = delete;
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;
  ~Spool();
  [[nodiscard]] coco::ocicrypt::WriteFn writer();
  // A reader over what was written, from the start; the spool gives up its file.
  coco::Result<std::unique_ptr<coco::oci::BlobReader>> reader();

private:
  explicit Spool(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

coco::ocicrypt::ReadFn read_from(coco::oci::BlobReader& source);

} // namespace coco_encrypt
