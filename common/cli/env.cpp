// The table of environment variables coco reads. Add a row when a tool reads a new variable (or binds a setting
// with Command::setting): the ENVIRONMENT section of the man pages and `coco env` are generated from it.
#include <algorithm>

#include "common/cli/settings.hpp"

namespace coco::cli {
namespace {

constexpr EnvVar k_env_vars[] = {
    {"COCO_CONFIG", "config file to read instead of $XDG_CONFIG_HOME/coco/config.toml (as --config)", false, ""},
    {"COCO_OUTPUT", "output format, text or json (as -o)", false, ""},
    {"COCO_VERBOSE", "verbosity level, a number (as repeating -v)", false, ""},
    {"COCO_QUIET", "print only errors when true (as -q)", false, ""},
    {"COCO_NO_COLOR", "disable colour when true (as --no-color)", false, ""},
    {"NO_COLOR", "disable colour when set to any non-empty value (no-color.org)", false, ""},
    {"TERM", "colour and progress bars are off when dumb", false, ""},
    {"XDG_CONFIG_HOME", "base directory of coco/config.toml (default ~/.config)", false, ""},
    {"COCO_KBS_URL", "URL of the Key Broker Service (as --url)", false, "coco-kbs"},
    {"COCO_KBS_ADMIN_KEY", "private key file admin tokens are minted with (as --admin-key)", false, "coco-kbs"},
    {"COCO_KBS_ADMIN_TOKEN_FILE", "file holding an admin bearer token (as --admin-token-file)", false, "coco-kbs"},
    {"COCO_KBS_CACERT", "CA certificate file the KBS is verified with (as --cacert)", false, "coco-kbs"},
    {"COCO_KBS_INSECURE_SKIP_TLS_VERIFY", "do not verify the KBS's certificate when true (as --insecure-skip-tls-verify)", false, "coco-kbs"},
    {"COCO_KBS_CONTEXT", "named KBS connection to use (as --context)", false, "coco-kbs"},
    {"REGISTRY_AUTH_FILE", "registry credentials file (as --authfile)", false, "option"},
    {"COCO_REGISTRY_CERT_DIR", "directory of registry CA certificates and client keys (as --cert-dir)", false, "option"},
    {"COCO_REGISTRY_TLS_VERIFY", "verify registry TLS certificates unless false (as --tls-verify)", false, "option"},
};

} // namespace

std::span<const EnvVar> env_vars() { return k_env_vars; }

const EnvVar* find_env_var(std::string_view name) {
  const auto* it = std::find_if(std::begin(k_env_vars), std::end(k_env_vars),
                                [&](const EnvVar& e) { return e.name == name; });
  return it == std::end(k_env_vars) ? nullptr : it;
}

} // namespace coco::cli
