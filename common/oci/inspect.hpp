// Inspecting an image: what `coco inspect` shows. For an index, its platforms and the instance chosen for
// --platform (default: this host); for a manifest, its config and layers with media types and sizes, and
// whether each layer is encrypted (an ocicrypt "+encrypted" media type or org.opencontainers.image.enc.*
// annotations).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/result.hpp"
#include "common/oci/transport.hpp"

namespace coco::oci {

struct LayerInfo {
  Descriptor descriptor;
  bool encrypted = false;
};

struct InspectResult {
  std::string reference;
  Digest digest;                 // of the manifest the reference names (an index, or a manifest)
  std::string media_type;
  std::vector<Descriptor> index_entries; // when the reference names an index
  Digest instance_digest;        // the manifest described below (== digest when no index)
  std::string instance_media_type;
  Descriptor config;
  ImageConfig config_summary;
  std::vector<LayerInfo> layers;
  std::string raw_manifest;      // bytes of the manifest the reference names
  std::string raw_config;

  [[nodiscard]] nlohmann::ordered_json to_json() const;
};

struct InspectOptions {
  std::optional<Platform> platform;
  TransportOptions transport;
  bool fetch_config = true;
};

bool layer_is_encrypted(const Descriptor& layer);

Result<InspectResult> inspect_image(const ImageReference& ref, const InspectOptions& options);
Result<InspectResult> inspect_image(ImageSource& source, const InspectOptions& options);

} // namespace coco::oci
