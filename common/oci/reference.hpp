// Image references spelled as skopeo and containers/image spell them (containers-transports(5)):
//
//   oci:PATH[:NAME]              an OCI image layout; NAME is the org.opencontainers.image.ref.name
//                                annotation (the tag), validated by the image-spec ref.name grammar
//   oci-archive:FILE[:NAME]      a tar of an OCI image layout
//   docker://DOCKER-REFERENCE    a registry; HOST[:PORT]/REPO[:TAG|@DIGEST], normalised like
//                                distribution/reference's ParseNormalizedNamed: "busybox" is
//                                docker.io/library/busybox:latest
//   docker-archive:FILE[:REF]    a `docker save` tarball; REF is a tagged name, or @N for the N-th image
//   dir:PATH                     containers/image's directory transport
//
// The PATH and the rest are split at the first colon, as containers/image does on Unix, so paths cannot
// contain a colon. A docker reference with both a tag and a digest is refused, as skopeo refuses it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/result.hpp"
#include "common/oci/digest.hpp"

namespace coco::oci {

enum class Transport { oci, oci_archive, docker, docker_archive, dir };

std::string_view transport_name(Transport t);

// A normalised docker reference: domain is never empty ("docker.io" for Docker Hub), path has
// "library/" for Docker Hub official images.
struct DockerReference {
  std::string domain;           // "docker.io", "localhost:5000"
  std::string path;             // "library/busybox"
  std::string tag;              // empty when the reference has a digest only
  std::optional<Digest> digest; // never together with a tag in a docker:// reference

  // "docker.io/library/busybox"
  [[nodiscard]] std::string name() const { return domain + "/" + path; }
  // "docker.io/library/busybox:latest" or "...@sha256:..."
  [[nodiscard]] std::string str() const;
  // The tag or digest string a registry's /manifests/ endpoint takes.
  [[nodiscard]] std::string manifest_reference() const { return digest ? digest->str() : tag; }
};

// ParseNormalizedNamed: normalise Docker Hub short names; does not add a default tag.
Result<DockerReference> parse_docker_reference(std::string_view text);

struct ImageReference {
  Transport transport = Transport::oci;
  std::filesystem::path path;           // oci, oci-archive, docker-archive, dir
  std::string name;                     // oci, oci-archive: the ref.name (tag); may be empty
  std::optional<DockerReference> docker; // docker (always), docker-archive (optional)
  int source_index = -1;                // docker-archive:FILE:@N

  [[nodiscard]] std::string str() const;
};

// Parses TRANSPORT:DETAILS. Errors are Kind::usage naming the reference and what is wrong.
Result<ImageReference> parse_image_reference(std::string_view text);

// The image-spec ref.name grammar used by oci: and oci-archive: names.
bool valid_oci_ref_name(std::string_view name);

} // namespace coco::oci
