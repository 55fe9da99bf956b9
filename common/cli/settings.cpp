#include "common/cli/settings.hpp"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

namespace coco::cli {

std::string env_name_for_key(std::string_view key) {
  std::string name = "COCO_";
  for (char c : key) {
    name.push_back((c == '.' || c == '-') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return name;
}

EnvLookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) {
      return std::nullopt;
    }
    return std::string(value);
  };
}

EnvLookup map_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) {
      return std::nullopt;
    }
    return it->second;
  };
}

std::string_view origin_name(Origin origin) {
  switch (origin) {
  case Origin::default_value: return "default";
  case Origin::config_file: return "config";
  case Origin::environment: return "env";
  case Origin::flag: return "flag";
  }
  return "default";
}

std::string SettingValue::describe() const {
  std::string text = "(" + (source.empty() ? std::string(origin_name(origin)) : source) + ") " + key + " =";
  if (values.empty()) {
    return text;
  }
  text += ' ';
  if (sensitive) {
    return text + "********";
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    text += (i == 0 ? "" : ",") + values[i];
  }
  return text;
}

void Settings::record(SettingValue value) {
  for (SettingValue& existing : m_values) {
    if (existing.key == value.key) {
      existing = std::move(value);
      return;
    }
  }
  m_values.push_back(std::move(value));
}

const SettingValue* Settings::find(std::string_view key) const {
  for (const SettingValue& v : m_values) {
    if (v.key == key) {
      return &v;
    }
  }
  return nullptr;
}

namespace {

std::optional<std::string> scalar_text(const toml::node& node) {
  if (const auto* s = node.as_string()) {
    return s->get();
  }
  if (const auto* b = node.as_boolean()) {
    return b->get() ? "true" : "false";
  }
  if (const auto* i = node.as_integer()) {
    return std::to_string(i->get());
  }
  if (node.is_floating_point() || node.is_date() || node.is_time() || node.is_date_time()) {
    std::ostringstream os;
    node.visit([&os](const auto& n) {
      if constexpr (!toml::is_table<decltype(n)> && !toml::is_array<decltype(n)>) {
        os << n;
      }
    });
    return os.str();
  }
  return std::nullopt;
}

Status flatten(const toml::table& table, const std::string& prefix, std::string_view source,
               std::map<std::string, std::vector<std::string>, std::less<>>& out) {
  for (const auto& [k, node] : table) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* sub = node.as_table()) {
      COCO_TRY_STATUS(flatten(*sub, key, source, out));
      continue;
    }
    std::vector<std::string> values;
    if (const auto* array = node.as_array()) {
      for (const auto& element : *array) {
        auto text = scalar_text(element);
        if (!text) {
          return make_error(Kind::invalid, std::string(source) + ": " + key + ": arrays may hold only scalars");
        }
        values.push_back(*text);
      }
    } else if (auto text = scalar_text(node)) {
      values.push_back(*text);
    }
    out[key] = std::move(values);
  }
  return ok();
}

} // namespace

Result<ConfigFile> ConfigFile::parse(std::string_view text, std::string source_name) {
  ConfigFile config;
  config.m_path = source_name;
  config.m_exists = true;
  try {
    toml::table table = toml::parse(text, source_name);
    COCO_TRY_STATUS(flatten(table, "", source_name, config.m_values));
  } catch (const toml::parse_error& e) {
    return make_error(Kind::invalid,
                      "config file " + source_name + ":" + std::to_string(e.source().begin.line) + ": " +
                          std::string(e.description()),
                      "fix the file or point --config at another one");
  }
  return config;
}

Result<ConfigFile> ConfigFile::load(const std::filesystem::path& path, bool must_exist) {
  std::error_code ec;
  if (path.empty() || !std::filesystem::exists(path, ec)) {
    if (must_exist) {
      return make_error(Kind::not_found, "config file " + path.string() + ": no such file");
    }
    ConfigFile none;
    none.m_path = path;
    return none;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(Kind::io, "config file " + path.string() + ": cannot open");
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse(buffer.str(), path.string());
}

const std::vector<std::string>* ConfigFile::lookup(std::string_view key) const {
  auto it = m_values.find(key);
  return it == m_values.end() ? nullptr : &it->second;
}

std::filesystem::path default_config_path(const EnvLookup& env) {
  if (auto xdg = env("XDG_CONFIG_HOME"); xdg && !xdg->empty()) {
    return std::filesystem::path(*xdg) / "coco" / "config.toml";
  }
  if (auto home = env("HOME"); home && !home->empty()) {
    return std::filesystem::path(*home) / ".config" / "coco" / "config.toml";
  }
  return {};
}

} // namespace coco::cli
