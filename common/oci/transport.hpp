// Transports: where images are read from and written to (oci:, oci-archive:, dir:, docker-archive:,
// docker://). Every transport implements the same two interfaces, so the copy engine is written once.
//
// ImageSource hands out manifests as exact bytes and blobs as digest-verifying streams. ImageDestination
// receives blobs as streams and manifests as bytes, and makes nothing visible until commit(): a destination
// destroyed without commit() leaves the target as it was (a new path does not appear; an existing oci:
// layout keeps its old contents; a registry keeps any blobs already pushed, which are unreachable until a
// manifest names them, as with skopeo).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/base/result.hpp"
#include "common/oci/blob_stream.hpp"
#include "common/oci/manifest.hpp"
#include "common/oci/reference.hpp"

namespace coco::oci {

// How to reach a registry (skopeo's --creds, --authfile, --tls-verify, --cert-dir).
struct RegistryOptions {
  std::string creds;                    // "user[:password]"; empty: look in the auth files
  std::filesystem::path authfile;       // empty: REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json, ~/.docker/config.json
  std::optional<bool> tls_verify;       // unset: verify, except plain http for localhost/127.0.0.1 is never tried
  std::filesystem::path cert_dir;       // ca.crt (or *.crt), client.cert + client.key
  int max_attempts = 4;                 // per request, on 429/5xx and dropped connections
  int initial_backoff_ms = 200;
  int connect_timeout_s = 10;
  bool chunked_upload = false;          // PATCH uploads even when the digest is known (tests, huge blobs)
};

struct TransportOptions {
  RegistryOptions registry;
};

class ImageSource {
public:
  ImageSource() = default;
  ImageSource(const ImageSource&) = delete;
  ImageSource& operator=(const ImageSource&) = delete;
  virtual ~ImageSource() = default;

  // The manifest the reference names (instance empty), or one instance of an index by digest. The bytes are
  // checked against the digest where one is known.
  virtual Result<RawManifest> get_manifest(const std::optional<Digest>& instance) = 0;
  // A verifying stream of the blob; read it to the end.
  virtual Result<std::unique_ptr<BlobReader>> get_blob(const Descriptor& blob) = 0;
  // docker-archive layers are uncompressed tars under a gzip media type (as containers/image generates them);
  // the copy engine uses this to label them correctly when converting to OCI.
  [[nodiscard]] virtual bool layers_uncompressed() const { return false; }
  [[nodiscard]] virtual std::string describe() const = 0;
};

class ImageDestination {
public:
  ImageDestination() = default;
  ImageDestination(const ImageDestination&) = delete;
  ImageDestination& operator=(const ImageDestination&) = delete;
  virtual ~ImageDestination() = default;

  // Whether the destination stores manifests of this type as they are (else the copy engine converts).
  [[nodiscard]] virtual bool supports_manifest_type(std::string_view media_type) const = 0;
  // Whether it can hold an index (docker-archive cannot).
  [[nodiscard]] virtual bool supports_index() const { return true; }
  // Whether a blob needs no upload (already present).
  virtual Result<bool> has_blob(const Descriptor& blob) = 0;
  // Stores a blob from a stream. `expected.digest` may be empty (a transformed layer whose digest is learnt
  // while writing); the returned descriptor carries the digest and size actually stored.
  virtual Result<Descriptor> put_blob(BlobReader& reader, const Descriptor& expected) = 0;
  // Stores a manifest. `top_level` is the manifest the reference names (tagged where the transport has tags);
  // instances of an index are put first with top_level false.
  virtual Status put_manifest(const RawManifest& manifest, bool top_level) = 0;
  virtual Status commit() = 0;
  [[nodiscard]] virtual std::string describe() const = 0;
  // Where the image comes from, so a registry can mount blobs from another repository of the same registry.
  virtual void note_source(const ImageReference& /*source*/) {}
};

Result<std::unique_ptr<ImageSource>> open_source(const ImageReference& ref, const TransportOptions& options);
Result<std::unique_ptr<ImageDestination>> open_destination(const ImageReference& ref, const TransportOptions& options);

// Manifest size limit (containers/image uses 4 MiB as well).
inline constexpr std::size_t k_max_manifest_size = 4 * 1024 * 1024;
inline constexpr std::size_t k_max_config_size = 4 * 1024 * 1024;

// Per-transport constructors (transport.cpp dispatches on the reference).
Result<std::unique_ptr<ImageSource>> open_layout_source(const std::filesystem::path& dir, const std::string& name, std::string description);
Result<std::unique_ptr<ImageDestination>> open_layout_destination(const std::filesystem::path& dir, const std::string& name);
Result<std::unique_ptr<ImageSource>> open_oci_archive_source(const ImageReference& ref);
Result<std::unique_ptr<ImageDestination>> open_oci_archive_destination(const ImageReference& ref);
Result<std::unique_ptr<ImageSource>> open_dir_source(const std::filesystem::path& dir);
Result<std::unique_ptr<ImageDestination>> open_dir_destination(const std::filesystem::path& dir);
Result<std::unique_ptr<ImageSource>> open_docker_archive_source(const ImageReference& ref);
Result<std::unique_ptr<ImageDestination>> open_docker_archive_destination(const ImageReference& ref);
Result<std::unique_ptr<ImageSource>> open_registry_source(const DockerReference& ref, const RegistryOptions& options);
Result<std::unique_ptr<ImageDestination>> open_registry_destination(const DockerReference& ref, const RegistryOptions& options);

} // namespace coco::oci
