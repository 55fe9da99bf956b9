// Registry credentials, found as containers/image finds them (containers-auth.json(5)): --creds
// "user:password" first; else the first auth file that has an entry for the registry: --authfile (or
// REGISTRY_AUTH_FILE), $XDG_RUNTIME_DIR/containers/auth.json, then ~/.docker/config.json. An auth file is
// {"auths": {"KEY": {"auth": base64("user:password")}}}; KEY is a registry ("localhost:5000"), a registry
// and repository prefix ("quay.io/ns", most specific wins) or a legacy URL ("https://index.docker.io/v1/").
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "common/base/result.hpp"
#include "common/base/secret.hpp"

namespace coco::oci {

struct Credentials {
  std::string username;
  Secret password;
};

// Parses "user:password" (as --creds takes it).
Result<Credentials> parse_creds(std::string_view creds);

// The auth files consulted, in order, when no --authfile is given.
std::vector<std::filesystem::path> default_auth_files();

// Credentials for `domain`/`repository` (std::nullopt: anonymous). A malformed auth file is Kind::invalid
// naming the file; a missing one is skipped unless it was named explicitly.
Result<std::optional<Credentials>> find_credentials(std::string_view domain, std::string_view repository,
                                                    std::string_view creds, const std::filesystem::path& authfile);

// Look up one auth file (exposed for tests).
Result<std::optional<Credentials>> credentials_from_auth_file(const std::filesystem::path& file, std::string_view domain,
                                                               std::string_view repository);

} // namespace coco::oci
