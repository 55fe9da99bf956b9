#include "common/cli/options.hpp"

#include "common/base/log.hpp"
#include "common/cli/command.hpp"

namespace coco::cli {

void OutputOptions::add_to(Command& cmd) {
  cmd.setting(cmd.choices(cmd.app().add_option("-o,--output", m_format, "output format")->type_name("FORMAT"),
                          {"text", "json"}),
              "output");
}

Result<OutputFormat> OutputOptions::resolve() const {
  if (m_format == "text") {
    return OutputFormat::text;
  }
  if (m_format == "json") {
    return OutputFormat::json;
  }
  return make_error(Kind::usage, "unknown output format '" + m_format + "'", "use text or json");
}

std::string RegistryOptions::flag(std::string_view name) const {
  return "--" + (m_prefix.empty() ? std::string() : m_prefix + "-") + std::string(name);
}

void RegistryOptions::add_to(Command& cmd) {
  CLI::App& app = cmd.app();
  const std::string side = m_prefix.empty() ? "" : " for the " + m_prefix + " image";
  CLI::Option* authfile = app.add_option(flag("authfile"), m_authfile, "registry credentials file" + side)
                              ->type_name("FILE");
  app.add_option(flag("creds"), m_creds, "registry credentials USER[:PASSWORD]" + side)->type_name("USER[:PASS]");
  CLI::Option* tls = app.add_flag(flag("tls-verify"), m_tls_verify,
                                  "verify TLS certificates (--" + (m_prefix.empty() ? "" : m_prefix + "-") +
                                      "tls-verify=false to skip)" + side);
  CLI::Option* certs = app.add_option(flag("cert-dir"), m_cert_dir,
                                      "directory of CA certificates (*.crt) and client keys" + side)
                           ->type_name("DIR");
  if (m_prefix.empty()) {
    cmd.setting(authfile, "registry.authfile", "REGISTRY_AUTH_FILE");
    cmd.setting(tls, "registry.tls-verify");
    cmd.setting(certs, "registry.cert-dir");
  }
}

Result<RegistryAccess> RegistryOptions::resolve() const {
  RegistryAccess access;
  access.authfile = m_authfile;
  access.tls_verify = m_tls_verify;
  access.cert_dir = m_cert_dir;
  if (!m_creds.empty()) {
    const std::size_t colon = m_creds.find(':');
    Credentials creds;
    creds.username = m_creds.substr(0, colon);
    if (creds.username.empty()) {
      return make_error(Kind::usage, flag("creds") + ": the user name is empty", "write USER[:PASSWORD]");
    }
    if (colon != std::string::npos) {
      creds.password = Secret::from_string(std::string_view(m_creds).substr(colon + 1));
      log::warn("a password given with " + flag("creds") +
                " is visible to other users of this machine (ps); prefer " + flag("authfile"));
    }
    access.credentials = std::move(creds);
  }
  return access;
}

std::string Platform::str() const {
  return os + "/" + architecture + (variant.empty() ? "" : "/" + variant);
}

Result<Platform> parse_platform(std::string_view text) {
  Platform p;
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = text.find('/', start);
    parts.emplace_back(text.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  bool empty_part = false;
  for (const std::string& part : parts) {
    empty_part = empty_part || part.empty();
  }
  if (parts.size() < 2 || parts.size() > 3 || empty_part) {
    return make_error(Kind::usage, "platform '" + std::string(text) + "': expected os/arch[/variant]",
                      "for example linux/amd64 or linux/arm64/v8");
  }
  p.os = parts[0];
  p.architecture = parts[1];
  if (parts.size() == 3) {
    p.variant = parts[2];
  }
  return p;
}

void PlatformOptions::add_to(Command& cmd) {
  // Not a layered setting: an environment default would conflict with --all.
  CLI::App& app = cmd.app();
  CLI::Option* platform = app.add_option("--platform", m_platform,
                                         "the platform to select in a multi-platform image (default: this machine's)")
                              ->type_name("OS/ARCH[/VARIANT]");
  CLI::Option* all = app.add_flag("--all", m_all, "every platform of a multi-platform image");
  all->excludes(platform);
}

Result<PlatformSelection> PlatformOptions::resolve() const {
  PlatformSelection selection;
  selection.all = m_all;
  if (!m_platform.empty()) {
    if (m_all) {
      return make_error(Kind::usage, "--platform and --all cannot be used together");
    }
    COCO_TRY(Platform p, parse_platform(m_platform));
    selection.platform = std::move(p);
  }
  return selection;
}

} // namespace coco::cli
