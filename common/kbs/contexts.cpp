#include "common/kbs/contexts.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

#include "common/base/atomic_file.hpp"

namespace coco::kbs {
namespace {

Result<toml::table> parse_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return toml::table{};
  }
  COCO_TRY(std::string text, read_file(path));
  try {
    return toml::parse(text, path.string());
  } catch (const toml::parse_error& e) {
    return make_error(Kind::invalid,
                      "config file " + path.string() + ":" + std::to_string(e.source().begin.line) + ": " +
                          std::string(e.description()));
  }
}

std::string string_at(const toml::table& t, std::string_view key) {
  if (const auto* v = t.get_as<std::string>(key)) {
    return v->get();
  }
  return {};
}

bool truthy(std::string_view text) { return text == "true" || text == "1" || text == "yes"; }

} // namespace

nlohmann::json KbsContext::to_json() const {
  nlohmann::json doc = {{"name", name}, {"url", url}};
  if (!admin_key.empty()) {
    doc["admin_key"] = admin_key;
  }
  if (!admin_token_file.empty()) {
    doc["admin_token_file"] = admin_token_file;
  }
  if (!cacert.empty()) {
    doc["cacert"] = cacert;
  }
  if (insecure_skip_tls_verify) {
    doc["insecure_skip_tls_verify"] = true;
  }
  return doc;
}

const KbsContext* KbsContexts::find(std::string_view name) const {
  for (const KbsContext& c : contexts) {
    if (c.name == name) {
      return &c;
    }
  }
  return nullptr;
}

Status check_context_name(std::string_view name) {
  const bool good = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.';
  });
  if (!good) {
    return make_error(Kind::usage, "context name '" + std::string(name) + "': use letters, digits, '_', '-' and '.'");
  }
  return ok();
}

Result<KbsContexts> load_contexts(const std::filesystem::path& config_file) {
  KbsContexts out;
  if (config_file.empty()) {
    return out;
  }
  COCO_TRY(toml::table root, parse_file(config_file));
  const toml::table* kbs = root.get_as<toml::table>("kbs");
  if (kbs == nullptr) {
    return out;
  }
  out.current = string_at(*kbs, "current-context");
  if (const toml::table* contexts = kbs->get_as<toml::table>("contexts")) {
    for (const auto& [name, node] : *contexts) {
      const toml::table* t = node.as_table();
      if (t == nullptr) {
        return make_error(Kind::invalid, "config file " + config_file.string() + ": kbs.contexts." +
                                             std::string(name.str()) + " is not a table");
      }
      KbsContext c;
      c.name = std::string(name.str());
      c.url = string_at(*t, "url");
      c.admin_key = string_at(*t, "admin-key");
      c.admin_token_file = string_at(*t, "admin-token-file");
      c.cacert = string_at(*t, "cacert");
      if (const auto* b = t->get_as<bool>("insecure-skip-tls-verify")) {
        c.insecure_skip_tls_verify = b->get();
      }
      out.contexts.push_back(std::move(c));
    }
  }
  std::sort(out.contexts.begin(), out.contexts.end(),
            [](const KbsContext& a, const KbsContext& b) { return a.name < b.name; });
  return out;
}

Status save_contexts(const std::filesystem::path& config_file, const KbsContexts& contexts) {
  if (config_file.empty()) {
    return make_error(Kind::usage, "no config file to write the contexts to", "set XDG_CONFIG_HOME or HOME, or pass --config FILE");
  }
  COCO_TRY(toml::table root, parse_file(config_file));
  toml::table* kbs = root.get_as<toml::table>("kbs");
  if (kbs == nullptr) {
    root.insert_or_assign("kbs", toml::table{});
    kbs = root.get_as<toml::table>("kbs");
  }
  if (contexts.current.empty()) {
    kbs->erase("current-context");
  } else {
    kbs->insert_or_assign("current-context", contexts.current);
  }
  toml::table all;
  for (const KbsContext& c : contexts.contexts) {
    toml::table t;
    t.insert("url", c.url);
    if (!c.admin_key.empty()) {
      t.insert("admin-key", c.admin_key);
    }
    if (!c.admin_token_file.empty()) {
      t.insert("admin-token-file", c.admin_token_file);
    }
    if (!c.cacert.empty()) {
      t.insert("cacert", c.cacert);
    }
    if (c.insecure_skip_tls_verify) {
      t.insert("insecure-skip-tls-verify", true);
    }
    all.insert(c.name, std::move(t));
  }
  if (all.empty()) {
    kbs->erase("contexts");
  } else {
    kbs->insert_or_assign("contexts", std::move(all));
  }
  std::ostringstream text;
  text << root << '\n';
  std::error_code ec;
  if (config_file.has_parent_path()) {
    std::filesystem::create_directories(config_file.parent_path(), ec);
  }
  return write_file_atomic(config_file, text.str(), 0600);
}

Result<AdminEndpoint> resolve_endpoint(const EndpointSources& sources, const KbsContexts& contexts) {
  const KbsContext* context = nullptr;
  const std::string name = sources.context.empty() ? contexts.current : sources.context;
  if (!name.empty()) {
    context = contexts.find(name);
    if (context == nullptr) {
      std::vector<std::string> names;
      for (const KbsContext& c : contexts.contexts) {
        names.push_back(c.name);
      }
      std::sort(names.begin(), names.end());
      std::string known;
      for (const std::string& n : names) {
        known += (known.empty() ? "" : ", ") + n;
      }
      return make_error(Kind::not_found, "kbs context '" + name + "' does not exist",
                        known.empty() ? "create it with coco-kbs config set-context " + name + " --url URL ..."
                                      : "known contexts: " + known);
    }
  }
  AdminEndpoint e;
  auto pick = [&](const EndpointValue& given, const std::string& from_context) {
    if (given.explicit_value || context == nullptr) {
      return given.value;
    }
    return from_context.empty() ? given.value : from_context;
  };
  e.url = pick(sources.url, context != nullptr ? context->url : std::string());
  const bool explicit_credential = (sources.admin_key.explicit_value && !sources.admin_key.value.empty()) ||
                                   (sources.admin_token_file.explicit_value && !sources.admin_token_file.value.empty());
  if (explicit_credential || context == nullptr || (context->admin_key.empty() && context->admin_token_file.empty())) {
    e.admin_key = sources.admin_key.value;
    e.admin_token_file = sources.admin_token_file.value;
  } else {
    e.admin_key = context->admin_key;
    e.admin_token_file = context->admin_token_file;
  }
  const bool explicit_trust = (sources.cacert.explicit_value && !sources.cacert.value.empty()) ||
                              (sources.insecure_skip_tls_verify.explicit_value && truthy(sources.insecure_skip_tls_verify.value));
  if (explicit_trust || context == nullptr || (context->cacert.empty() && !context->insecure_skip_tls_verify)) {
    e.cacert = sources.cacert.value;
    e.insecure_skip_tls_verify = truthy(sources.insecure_skip_tls_verify.value);
  } else {
    e.cacert = context->cacert;
    e.insecure_skip_tls_verify = context->insecure_skip_tls_verify;
  }
  if (!e.admin_key.empty() && !e.admin_token_file.empty()) {
    return make_error(Kind::usage, "both an admin key and an admin token file are set", "give only one of --admin-key and --admin-token-file");
  }
  if (!e.cacert.empty() && e.insecure_skip_tls_verify) {
    return make_error(Kind::usage, "both --cacert and --insecure-skip-tls-verify are set", "give only one of them");
  }
  return e;
}

} // namespace coco::kbs
