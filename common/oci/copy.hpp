// The copy engine: copy(SRC, DST) moves an image between any two transports, as `skopeo copy` does.
//
// Manifests are copied byte for byte wherever the destination can store their type, so the digest at the
// destination equals the source's (and `skopeo inspect --raw`'s). A manifest is rewritten only when the
// destination needs another type (Docker schema2 -> OCI for oci:/oci-archive:, OCI -> Docker schema2 for
// docker-archive:) or a layer transform changed a layer. Blobs stream through digest checks; each blob is
// one Progress task (id: its digest).
//
// Layer transforms (the hook ocicrypt uses): for each layer, `layer_transform` may return a stream that
// reads the source layer and yields new bytes with a new media type and annotations (e.g. encrypted); the
// destination learns the new digest and size while writing, and the engine writes a new manifest (and index)
// naming them, with the annotations the transform's finish callback adds once the stream has been read
// (one pass: nothing is spooled). The config is copied unchanged (diff IDs name the plain layers).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/base/progress.hpp"
#include "common/base/result.hpp"
#include "common/oci/transport.hpp"

namespace coco::oci {

struct TransformedLayer {
  // Reads from the source stream handed to the transform. nullptr: the layer's bytes are copied unchanged
  // (skipped when the destination has them) and only its media type and annotations change.
  std::unique_ptr<BlobReader> stream;
  std::string media_type;
  std::map<std::string, std::string> annotations; // replace the layer's annotations
  // Optional: called once the stream has been read to its end and the blob stored (`stored` carries the digest
  // and size written), before any manifest naming the layer is written. It returns annotations to add or
  // replace, known only after the whole stream was read (ocicrypt's HMAC-bearing pubopts), or an error that
  // fails the copy (the destination is then not committed).
  std::function<Result<std::map<std::string, std::string>>(const Descriptor& stored)> finish;
};

// Returns std::nullopt to copy the layer unchanged (then it must not have read from `source`).
using LayerTransform = std::function<Result<std::optional<TransformedLayer>>(const Descriptor& layer, BlobReader& source)>;

struct CopyOptions {
  std::optional<Platform> platform; // which instance of an index to copy (default: this host's)
  bool all = false;                 // copy every instance of an index, keeping the index
  TransportOptions src_options;
  TransportOptions dst_options;
  Progress* progress = nullptr;     // nullptr: Progress::none()
  LayerTransform layer_transform;   // empty: layers are copied unchanged
  // Convert Docker schema2 manifests (and lists) to OCI even when the destination could store them as they
  // are: encrypted layer types exist only in OCI manifests (containers/image converts when encrypting).
  bool force_oci = false;
};

struct CopyResult {
  Digest manifest_digest;   // of the top-level manifest written
  std::string media_type;
  bool manifest_rewritten = false;
  std::uint64_t bytes_copied = 0;
  int blobs_copied = 0;
  int blobs_skipped = 0;
};

Result<CopyResult> copy_image(const ImageReference& src, const ImageReference& dst, const CopyOptions& options);

// The same with open transports (tests, and callers holding their own sources).
Result<CopyResult> copy_image(ImageSource& src, ImageDestination& dst, const CopyOptions& options);

} // namespace coco::oci
