// Settings: every layered value of an invocation with where it came from.
//
// Precedence is flag > environment variable > config file > default. CLI11 parses flags only (its own config
// handling lets a config file beat the environment); common/cli fills in the rest from the environment and the
// TOML config file ($XDG_CONFIG_HOME/coco/config.toml, ~/.config/coco/config.toml, or --config / COCO_CONFIG)
// and records each value's origin, as `ccache --show-config` does.
//
// Keys are dotted: "output" is a top-level key, "kbs.url" is `url` in the `[kbs]` table; the environment
// variable is COCO_ + the key upper-cased with dots and dashes as underscores (COCO_KBS_URL).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace coco::cli {

// One row of the table of environment variables (cosign's env.go): the ENVIRONMENT section of every man page
// and `coco env` come from it. Every COCO_* variable any tool reads must have a row in common/cli/env.cpp.
struct EnvVar {
  std::string_view name;
  std::string_view description;
  bool sensitive;            // value masked by `coco env`, `config view --show-origin`
  // "" = every tool reads it; "option" = read through an option's setting (listed on that command's page);
  // else the tool ("coco-kbs") that reads it (listed on the tool's page and where an option binds it).
  std::string_view scope;
};
std::span<const EnvVar> env_vars();
const EnvVar* find_env_var(std::string_view name);
// "kbs.url" -> "COCO_KBS_URL".
std::string env_name_for_key(std::string_view key);

// Looks up an environment variable; tests pass a map instead of the process environment.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvLookup process_env();
EnvLookup map_env(std::map<std::string, std::string> vars);

enum class Origin { default_value, config_file, environment, flag };
std::string_view origin_name(Origin origin);

struct SettingValue {
  std::string key;
  std::vector<std::string> values;  // empty: unset
  Origin origin = Origin::default_value;
  std::string source;               // "--output", "env COCO_OUTPUT", "config /home/u/.config/coco/config.toml"
  bool sensitive = false;
  // "(env COCO_KBS_URL) kbs.url = https://..." with sensitive values masked.
  [[nodiscard]] std::string describe() const;
};

class Settings {
public:
  void record(SettingValue value);
  [[nodiscard]] const SettingValue* find(std::string_view key) const;
  [[nodiscard]] const std::vector<SettingValue>& all() const { return m_values; }

private:
  std::vector<SettingValue> m_values;
};

// A parsed config file, flattened to dotted keys. Scalars become one string ("true", "3", "text"), arrays one
// string per element.
class ConfigFile {
public:
  // A missing file is an error only when must_exist (an explicit --config or COCO_CONFIG).
  static Result<ConfigFile> load(const std::filesystem::path& path, bool must_exist);
  static Result<ConfigFile> parse(std::string_view text, std::string source_name);
  [[nodiscard]] const std::vector<std::string>* lookup(std::string_view key) const;
  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
  [[nodiscard]] bool exists() const { return m_exists; }

private:
  std::filesystem::path m_path;
  bool m_exists = false;
  std::map<std::string, std::vector<std::string>, std::less<>> m_values;
};

// $XDG_CONFIG_HOME/coco/config.toml, else $HOME/.config/coco/config.toml ("" when neither is set).
std::filesystem::path default_config_path(const EnvLookup& env);

} // namespace coco::cli
