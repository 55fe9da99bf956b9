#include "common/oci/auth.hpp"

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "common/base/atomic_file.hpp"
#include "common/base/encoding.hpp"
#include "common/base/log.hpp"

namespace coco::oci {
namespace fs = std::filesystem;

Result<Credentials> parse_creds(std::string_view creds) {
  auto colon = creds.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return make_error(Kind::usage, "--creds must be USERNAME:PASSWORD");
  }
  return Credentials{std::string(creds.substr(0, colon)), Secret::from_string(creds.substr(colon + 1))};
}

std::vector<fs::path> default_auth_files() {
  std::vector<fs::path> files;
  if (const char* env = std::getenv("REGISTRY_AUTH_FILE"); env != nullptr && *env != '\0') {
    files.emplace_back(env);
  } else if (const char* run = std::getenv("XDG_RUNTIME_DIR"); run != nullptr && *run != '\0') {
    files.push_back(fs::path(run) / "containers" / "auth.json");
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    files.push_back(fs::path(home) / ".docker" / "config.json");
  }
  return files;
}

namespace {

// "https://index.docker.io/v1/" -> "index.docker.io"; "quay.io/ns/" -> "quay.io/ns".
std::string normalise_key(std::string key) {
  bool url = false;
  for (std::string_view scheme : {"https://", "http://"}) {
    if (key.starts_with(scheme)) {
      key = key.substr(scheme.size());
      url = true;
    }
  }
  if (url) {
    key = key.substr(0, key.find('/'));
  }
  while (!key.empty() && key.back() == '/') {
    key.pop_back();
  }
  return key;
}

bool is_docker_hub(std::string_view host) {
  return host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io";
}

} // namespace

Result<std::optional<Credentials>> credentials_from_auth_file(const fs::path& file, std::string_view domain,
                                                               std::string_view repository) {
  COCO_TRY(std::string text, read_file(file));
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return make_error(Kind::invalid, file.string() + ": not a valid auth file (JSON object expected)");
  }
  auto auths = doc.find("auths");
  if (auths == doc.end() || !auths->is_object()) {
    return std::optional<Credentials>{};
  }
  // Most specific key wins: registry/repo/prefix beats registry.
  std::string best_key;
  const nlohmann::json* best = nullptr;
  std::string full = std::string(domain) + "/" + std::string(repository);
  for (const auto& [raw_key, value] : auths->items()) {
    std::string key = normalise_key(raw_key);
    std::string key_host = key.substr(0, key.find('/'));
    std::string key_path = key.find('/') == std::string::npos ? "" : key.substr(key.find('/'));
    bool host_match = key_host == domain || (is_docker_hub(key_host) && is_docker_hub(domain));
    if (!host_match) {
      continue;
    }
    std::string candidate = std::string(domain) + key_path;
    bool matches = key_path.empty() || full == candidate || full.starts_with(candidate + "/");
    if (matches && (best == nullptr || key.size() > best_key.size())) {
      best_key = key;
      best = &value;
    }
  }
  if (best == nullptr) {
    return std::optional<Credentials>{};
  }
  if (!best->is_object() || !best->contains("auth") || !(*best)["auth"].is_string()) {
    log::debug(file.string() + ": entry " + best_key + " has no \"auth\" field");
    return std::optional<Credentials>{};
  }
  auto decoded = base64_decode_any((*best)["auth"].get<std::string>());
  if (!decoded) {
    return make_error(Kind::invalid, file.string() + ": the auth entry for " + best_key + " is not valid base64");
  }
  Secret pair(std::move(*decoded));
  std::string_view view = pair.view();
  auto colon = view.find(':');
  if (colon == std::string_view::npos) {
    return make_error(Kind::invalid, file.string() + ": the auth entry for " + best_key + " is not user:password");
  }
  Credentials creds{std::string(view.substr(0, colon)), Secret::from_string(view.substr(colon + 1))};
  return std::optional<Credentials>(std::move(creds));
}

Result<std::optional<Credentials>> find_credentials(std::string_view domain, std::string_view repository,
                                                    std::string_view creds, const fs::path& authfile) {
  if (!creds.empty()) {
    COCO_TRY(Credentials c, parse_creds(creds));
    return std::optional<Credentials>(std::move(c));
  }
  std::vector<fs::path> files;
  if (!authfile.empty()) {
    std::error_code ec;
    if (!fs::exists(authfile, ec)) {
      return make_error(Kind::not_found, authfile.string() + ": no such auth file", "check --authfile");
    }
    files.push_back(authfile);
    if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
      files.push_back(fs::path(home) / ".docker" / "config.json");
    }
  } else {
    files = default_auth_files();
  }
  for (const auto& file : files) {
    std::error_code ec;
    if (!fs::exists(file, ec)) {
      continue;
    }
    COCO_TRY(auto found, credentials_from_auth_file(file, domain, repository));
    if (found) {
      log::debug("using credentials for " + std::string(domain) + " from " + file.string());
      return found;
    }
  }
  return std::optional<Credentials>{};
}

} // namespace coco::oci
