// Named KBS connections ("contexts", as kubectl's) stored in the coco config file (config.toml, found by
// common/cli: $XDG_CONFIG_HOME/coco/config.toml, --config or COCO_CONFIG):
//
//   [kbs]
//   current-context = "prod"
//   [kbs.contexts.prod]
//   url = "https://kbs.example:8080"
//   admin-key = "/home/u/.config/coco/kbs-admin.key"     # or admin-token-file = "..."
//   cacert = "/home/u/kbs.crt"                           # or insecure-skip-tls-verify = true
//
// save_contexts() rewrites only kbs.current-context and kbs.contexts; every other key of the file is kept
// (comments are not: the file is re-serialized). The file is written atomically with mode 0600.
//
// resolve_endpoint() merges the sources of one invocation: explicit values (flags, then COCO_KBS_* variables)
// beat the selected context (--context/COCO_KBS_CONTEXT, else current-context), which beats plain [kbs] keys.
// A credential or a trust setting given explicitly replaces the context's one as a whole (an explicit
// --admin-token-file drops the context's admin-key; an explicit --cacert drops its insecure-skip-tls-verify).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/result.hpp"
#include "common/kbs/admin_client.hpp"

namespace coco::kbs {

struct KbsContext {
  std::string name;
  std::string url;
  std::string admin_key;
  std::string admin_token_file;
  std::string cacert;
  bool insecure_skip_tls_verify = false;
  [[nodiscard]] nlohmann::json to_json() const;
};

struct KbsContexts {
  std::string current;
  std::vector<KbsContext> contexts;  // sorted by name
  [[nodiscard]] const KbsContext* find(std::string_view name) const;
};

// Kind::usage unless the name is [A-Za-z0-9_.-]+.
Status check_context_name(std::string_view name);
// A missing file holds no contexts.
Result<KbsContexts> load_contexts(const std::filesystem::path& config_file);
Status save_contexts(const std::filesystem::path& config_file, const KbsContexts& contexts);

// One connection field as the invocation gave it.
struct EndpointValue {
  std::string value;
  bool explicit_value = false;  // a flag or an environment variable (beats the context)
};

struct EndpointSources {
  EndpointValue url;
  EndpointValue admin_key;
  EndpointValue admin_token_file;
  EndpointValue cacert;
  EndpointValue insecure_skip_tls_verify;  // "true"/"false"/"" 
  std::string context;                     // --context / COCO_KBS_CONTEXT ("" = current-context)
};

// Kind::not_found when a named context does not exist (the hint lists the known ones).
Result<AdminEndpoint> resolve_endpoint(const EndpointSources& sources, const KbsContexts& contexts);

} // namespace coco::kbs
