// Option groups shared by tools (oras style): each group adds its flags to a command with add_to() and turns
// them into a plain resolved struct with resolve(). The resolved structs hold no CLI11 types, so a tool passes
// their fields straight to library calls (the OCI library takes RegistryAccess/PlatformSelection field by field).
#pragma once

#include <optional>
#include <string>

#include "common/base/result.hpp"
#include "common/base/secret.hpp"

namespace coco::cli {

class Command;

enum class OutputFormat { text, json };

// The options every tool accepts before or after its subcommand, resolved (flag > env > config > default).
struct GlobalOptions {
  int verbosity = 0;          // -v count
  bool quiet = false;         // -q: errors only, no progress
  OutputFormat output = OutputFormat::text;
  std::string config_file;    // the config file in effect ("" when none exists)
  bool color = false;         // --no-color, NO_COLOR, TERM=dumb and a non-terminal stderr all turn it off
  bool stderr_is_terminal = false;
  bool dumb_terminal = false;  // TERM=dumb: no colour, no progress bars
};

// -o/--output text|json, for a command that has its own output flag rather than the global one.
class OutputOptions {
public:
  void add_to(Command& cmd);
  [[nodiscard]] Result<OutputFormat> resolve() const;

private:
  std::string m_format = "text";
};

// Registry access as skopeo spells it. With a prefix ("src", "dest") the flags become --src-creds etc.
struct Credentials {
  std::string username;
  Secret password;
};
struct RegistryAccess {
  std::string authfile;                  // "" = the default search (REGISTRY_AUTH_FILE, containers, docker)
  std::optional<Credentials> credentials;
  bool tls_verify = true;
  std::string cert_dir;                  // "" = system trust store (plus /etc/containers/certs.d)
};

class RegistryOptions {
public:
  explicit RegistryOptions(std::string prefix = {}) : m_prefix(std::move(prefix)) {}
  void add_to(Command& cmd);
  // Warns (coco::log) when a password came on the command line: other users can read it with ps.
  [[nodiscard]] Result<RegistryAccess> resolve() const;

private:
  std::string flag(std::string_view name) const;
  std::string m_prefix;
  std::string m_authfile;
  std::string m_creds;
  bool m_tls_verify = true;
  std::string m_cert_dir;
};

// --platform os/arch[/variant] and --all (mutually exclusive) for multi-platform images.
struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;
  [[nodiscard]] std::string str() const;
};
struct PlatformSelection {
  std::optional<Platform> platform;  // none and !all: the host's platform
  bool all = false;
};
Result<Platform> parse_platform(std::string_view text);

class PlatformOptions {
public:
  void add_to(Command& cmd);
  [[nodiscard]] Result<PlatformSelection> resolve() const;

private:
  std::string m_platform;
  bool m_all = false;
};

} // namespace coco::cli
