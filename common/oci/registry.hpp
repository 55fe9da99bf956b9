// A registry client for the OCI distribution API (distribution-spec spec.md; Docker Registry HTTP API V2)
// on libcurl: ping GET /v2/; anonymous, basic and bearer-token auth (a 401's WWW-Authenticate names the
// scheme; for Bearer, realm/service/scope tell where to get a token, distribution token-auth spec);
// manifests by tag or digest with Accept for the OCI and Docker types; blobs streamed (redirects followed);
// pushes that HEAD to skip existing blobs, mount across repositories of the same registry, upload
// monolithically (POST then PUT ?digest=) or in a stream (PATCH, then PUT ?digest=), then PUT the manifest.
//
// Requests that can be replayed are retried with exponential backoff on 429, 5xx and dropped connections,
// at most RegistryOptions::max_attempts times. A blob stream that breaks midway is an error naming the blob.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/base/result.hpp"
#include "common/oci/auth.hpp"
#include "common/oci/transport.hpp"

namespace coco::oci {

struct AuthChallenge {
  std::string scheme;                         // lowercase: "basic", "bearer"
  std::map<std::string, std::string> params;  // realm, service, scope, error...
};

// Parses a WWW-Authenticate header (RFC 7235 challenges, quoted-string values with \-escapes).
std::vector<AuthChallenge> parse_www_authenticate(std::string_view header);

// "docker.io" -> "registry-1.docker.io"; anything else unchanged.
std::string registry_host(std::string_view domain);

class RegistryClient {
public:
  // Pings the registry and prepares credentials; `push` asks for pull,push tokens.
  static Result<std::unique_ptr<RegistryClient>> connect(const DockerReference& ref, const RegistryOptions& options, bool push);
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;
  ~RegistryClient();

  // reference: a tag or "sha256:..."; a manifest fetched by digest is checked against it.
  Result<RawManifest> get_manifest(const std::string& reference);
  Result<std::unique_ptr<BlobReader>> get_blob(const Descriptor& blob);
  Result<bool> has_blob(const Digest& digest);
  // Cross-repository mount; false when the registry started an ordinary upload instead.
  Result<bool> mount_blob(const Digest& digest, const std::string& from_repository);
  // Stream a blob up. expected.digest may be empty (learnt while streaming; then the PATCH path is used).
  Result<Descriptor> upload_blob(BlobReader& reader, const Descriptor& expected);
  Status put_manifest(const RawManifest& manifest, const std::string& reference);

  [[nodiscard]] const DockerReference& reference() const;
  [[nodiscard]] std::string describe() const;

  struct State;

private:
  explicit RegistryClient(std::unique_ptr<State> state);
  std::unique_ptr<State> m_state;
};

} // namespace coco::oci
