// Image manifests, indexes and configs: the OCI image spec (image-spec manifest.md, image-index.md,
// descriptor.md, config.md) and Docker's image manifest v2 schema 2 and manifest list
// (distribution/docs/spec/manifest-v2-2.md), which share one shape: a manifest names a config and layers by
// descriptor, an index names per-platform manifests.
//
// Digests are computed over exact bytes, so a manifest that is copied unchanged is never re-serialised:
// RawManifest keeps the bytes as read; the parsed structs are for looking inside. serialize_* is only for
// manifests coco writes itself (a converted or generated manifest), in the field order Go's encoding/json
// gives the same structs, so the output reads like skopeo's.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/oci/digest.hpp"

namespace coco::oci {

namespace media_type {
inline constexpr std::string_view oci_manifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view oci_index = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view oci_config = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view oci_layer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view oci_layer_gzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view oci_layer_zstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view oci_layer_nondistributable = "application/vnd.oci.image.layer.nondistributable.v1.tar";
inline constexpr std::string_view oci_layer_nondistributable_gzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
inline constexpr std::string_view docker_manifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view docker_manifest_list = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view docker_schema1 = "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr std::string_view docker_schema1_signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";
inline constexpr std::string_view docker_config = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view docker_layer_gzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view docker_layer_foreign_gzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
} // namespace media_type

// The annotation naming an image in an OCI layout's index.json (its tag).
inline constexpr std::string_view k_ref_name_annotation = "org.opencontainers.image.ref.name";

bool is_index_media_type(std::string_view mt);
bool is_image_manifest_media_type(std::string_view mt);
bool is_docker_media_type(std::string_view mt);
// An ocicrypt-encrypted layer: "+encrypted" media type suffix.
bool is_encrypted_media_type(std::string_view mt);

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;
  std::string os_version;
  std::vector<std::string> os_features;

  // "linux/arm64/v8"
  [[nodiscard]] std::string str() const;
  friend bool operator==(const Platform&, const Platform&) = default;
};

// Parses "os/arch[/variant]" as --platform takes it.
Result<Platform> parse_platform(std::string_view text);
// The platform this program runs on (linux/amd64, linux/arm64, ...).
Platform host_platform();

struct Descriptor {
  std::string media_type;
  Digest digest;
  std::int64_t size = 0;
  std::vector<std::string> urls;
  std::map<std::string, std::string> annotations;
  std::optional<Platform> platform;
  std::string artifact_type;
};

struct ImageManifest {
  std::string media_type; // the manifest's own type: oci_manifest or docker_manifest
  std::string artifact_type;
  Descriptor config;
  std::vector<Descriptor> layers;
  std::optional<Descriptor> subject;
  std::map<std::string, std::string> annotations;
};

struct ImageIndex {
  std::string media_type; // oci_index or docker_manifest_list
  std::vector<Descriptor> manifests;
  std::map<std::string, std::string> annotations;
};

// A manifest exactly as stored: its bytes, and its media type.
struct RawManifest {
  std::string bytes;
  std::string media_type;
  [[nodiscard]] Digest digest() const { return digest_of(bytes); }
  [[nodiscard]] bool is_index() const { return is_index_media_type(media_type); }
};

// The media type a manifest declares or, when it has no mediaType field (allowed in OCI), its shape says.
// Kind::invalid for something that is not JSON or not a manifest; schema 1 is Kind::unsupported.
Result<std::string> detect_manifest_media_type(std::string_view bytes);

// Parse a manifest's bytes; `media_type` is what the transport said (empty: detect). A mediaType field that
// contradicts the transport's is Kind::invalid.
Result<ImageManifest> parse_image_manifest(std::string_view bytes, std::string_view media_type = {});
Result<ImageIndex> parse_image_index(std::string_view bytes, std::string_view media_type = {});
Result<Descriptor> parse_descriptor_json(std::string_view json_text);

std::string serialize_manifest(const ImageManifest& manifest);
std::string serialize_index(const ImageIndex& index);
std::string serialize_descriptor(const Descriptor& descriptor);

// The image config fields coco looks at.
struct ImageConfig {
  std::string os;
  std::string architecture;
  std::string variant;
  std::vector<Digest> diff_ids;
};
Result<ImageConfig> parse_image_config(std::string_view bytes);

// containers/image's platform choice: candidates for `wanted` in preference order (a missing variant on
// arm64 also accepts "v8"; arm/v7 accepts v6 and v5), the first index entry matching the first candidate wins.
Result<Descriptor> choose_instance(const ImageIndex& index, const Platform& wanted);

// Conversions used when a destination cannot store a manifest's type (docker schema2 -> OCI for oci:).
ImageManifest docker_to_oci(const ImageManifest& docker);
ImageIndex docker_to_oci(const ImageIndex& docker);
std::string docker_to_oci_media_type(std::string_view mt);

} // namespace coco::oci
