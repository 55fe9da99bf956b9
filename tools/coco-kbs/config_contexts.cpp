// coco-kbs config: named KBS connections (contexts, as kubectl's) in the coco config file
// (common/kbs/contexts.hpp has the format and the precedence).
#include <filesystem>
#include <iomanip>
#include <memory>
#include <string>

#include "common/base/log.hpp"
#include "common/cli/settings.hpp"
#include "tools/coco-kbs/commands.hpp"
#include "tools/coco-kbs/connection.hpp"

namespace coco_kbs {
namespace {

struct ContextOptions {
  std::string name;
};

// The value of a connection flag given on this command line ("" when not given there).
std::optional<std::string> flag_value(const coco::cli::Context& ctx, std::string_view key) {
  const coco::cli::SettingValue* s = ctx.settings.find(key);
  if (s == nullptr || s->origin != coco::cli::Origin::flag || s->values.empty()) {
    return std::nullopt;
  }
  return s->values.back();
}

std::string absolute_path(const std::string& path) {
  if (path.empty()) {
    return path;
  }
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  if (!std::filesystem::exists(abs, ec)) {
    coco::log::warn(abs.string() + " does not exist (yet)");
  }
  return ec ? path : abs.lexically_normal().string();
}

bool truthy(const std::string& v) { return v == "true" || v == "1"; }

} // namespace

void register_config_set_context(coco::cli::Command& cmd) {
  auto opts = cmd.options<ContextOptions>();
  cmd.app().add_option("NAME", opts->name, "the context's name")->required();
  cmd.description("Creates or updates a named KBS connection in the coco config file from the connection options "
                  "given with it (--url, --admin-key or --admin-token-file, --cacert or --insecure-skip-tls-verify); "
                  "an existing context keeps what is not given. Paths are stored absolute. The file is written "
                  "atomically, mode 0600. The first context becomes the current one.");
  cmd.example("coco-kbs config set-context prod --url https://kbs.example:8080 --admin-key ~/.config/coco/admin.key "
              "--cacert kbs.crt",
              "remember a KBS");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY_STATUS(coco::kbs::check_context_name(opts->name));
    const std::filesystem::path file = config_path(ctx);
    COCO_TRY(auto contexts, coco::kbs::load_contexts(file));
    coco::kbs::KbsContext updated;
    updated.name = opts->name;
    bool existed = false;
    if (const coco::kbs::KbsContext* old = contexts.find(opts->name)) {
      updated = *old;
      existed = true;
    }
    if (auto v = flag_value(ctx, "kbs.url")) {
      updated.url = *v;
    }
    const auto key = flag_value(ctx, "kbs.admin-key");
    const auto token = flag_value(ctx, "kbs.admin-token-file");
    if (key && token) {
      return coco::make_error(coco::Kind::usage, "give --admin-key or --admin-token-file, not both");
    }
    if (key) {
      updated.admin_key = absolute_path(*key);
      updated.admin_token_file.clear();
    } else if (token) {
      updated.admin_token_file = absolute_path(*token);
      updated.admin_key.clear();
    }
    const auto cacert = flag_value(ctx, "kbs.cacert");
    const auto insecure = flag_value(ctx, "kbs.insecure-skip-tls-verify");
    if (cacert && insecure && truthy(*insecure)) {
      return coco::make_error(coco::Kind::usage, "give --cacert or --insecure-skip-tls-verify, not both");
    }
    if (cacert) {
      updated.cacert = absolute_path(*cacert);
      updated.insecure_skip_tls_verify = false;
    } else if (insecure) {
      updated.insecure_skip_tls_verify = truthy(*insecure);
      if (updated.insecure_skip_tls_verify) {
        updated.cacert.clear();
      }
    }
    if (updated.url.empty()) {
      return coco::make_error(coco::Kind::usage, "context " + opts->name + " needs --url");
    }
    if (!updated.url.starts_with("https://") && !updated.url.starts_with("http://")) {
      return coco::make_error(coco::Kind::usage, "--url " + updated.url + ": expected http:// or https://");
    }
    std::erase_if(contexts.contexts, [&](const coco::kbs::KbsContext& c) { return c.name == opts->name; });
    contexts.contexts.push_back(updated);
    const bool made_current = contexts.current.empty();
    if (made_current) {
      contexts.current = opts->name;
    }
    COCO_TRY_STATUS(coco::kbs::save_contexts(file, contexts));
    nlohmann::json doc = updated.to_json();
    doc["created"] = !existed;
    doc["current"] = contexts.current == opts->name;
    doc["config"] = file.string();
    return ctx.output.emit(doc, [&](std::ostream& out) {
      out << (existed ? "updated" : "created") << " context " << opts->name << " in " << file.string()
          << (made_current ? " (now the current context)" : "") << '\n';
    });
  });
}

void register_config_use_context(coco::cli::Command& cmd) {
  auto opts = cmd.options<ContextOptions>();
  cmd.app().add_option("NAME", opts->name, "the context's name")->required();
  cmd.description("Makes a context the current one (used when no --context, COCO_KBS_CONTEXT or --url is given).");
  cmd.example("coco-kbs config use-context staging", "talk to staging from now on");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    const std::filesystem::path file = config_path(ctx);
    COCO_TRY(auto contexts, coco::kbs::load_contexts(file));
    if (contexts.find(opts->name) == nullptr) {
      coco::kbs::EndpointSources none;
      none.context = opts->name;
      auto missing = coco::kbs::resolve_endpoint(none, contexts);
      return missing.error();
    }
    contexts.current = opts->name;
    COCO_TRY_STATUS(coco::kbs::save_contexts(file, contexts));
    return ctx.output.emit({{"current", opts->name}},
                           [&](std::ostream& out) { out << "switched to context " << opts->name << '\n'; });
  });
}

void register_config_get_contexts(coco::cli::Command& cmd) {
  cmd.description("Lists the contexts: name, URL, credential and trust settings; the current one is marked *.");
  cmd.example("coco-kbs config get-contexts", "list the configured KBSes");
  cmd.run([](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(auto contexts, coco::kbs::load_contexts(config_path(ctx)));
    nlohmann::json doc = nlohmann::json::array();
    for (const auto& c : contexts.contexts) {
      nlohmann::json e = c.to_json();
      e["current"] = c.name == contexts.current;
      doc.push_back(e);
    }
    return ctx.output.emit(doc, [&](std::ostream& out) {
      out << std::left << "  " << std::setw(16) << "NAME" << std::setw(36) << "URL" << "CREDENTIAL\n";
      for (const auto& c : contexts.contexts) {
        const std::string cred = !c.admin_key.empty()          ? "key " + c.admin_key
                                 : !c.admin_token_file.empty() ? "token " + c.admin_token_file
                                                               : "none";
        out << (c.name == contexts.current ? "* " : "  ") << std::setw(16) << c.name << std::setw(36) << c.url << cred << '\n';
      }
    });
  });
}

void register_config_current_context(coco::cli::Command& cmd) {
  cmd.description("Prints the current context's name; fails when none is set.");
  cmd.example("coco-kbs config current-context", "which KBS commands go to");
  cmd.run([](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(auto contexts, coco::kbs::load_contexts(config_path(ctx)));
    if (contexts.current.empty()) {
      return coco::make_error(coco::Kind::not_found, "no current context", "set one with coco-kbs config use-context NAME");
    }
    return ctx.output.emit({{"current", contexts.current}}, [&](std::ostream& out) { out << contexts.current << '\n'; });
  });
}

void register_config_delete_context(coco::cli::Command& cmd) {
  auto opts = cmd.options<ContextOptions>();
  cmd.app().add_option("NAME", opts->name, "the context's name")->required();
  cmd.description("Removes a context from the config file (the files it names are left alone); when it was the "
                  "current one, no context is current afterwards.");
  cmd.example("coco-kbs config delete-context old", "forget a KBS");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    const std::filesystem::path file = config_path(ctx);
    COCO_TRY(auto contexts, coco::kbs::load_contexts(file));
    if (contexts.find(opts->name) == nullptr) {
      return coco::make_error(coco::Kind::not_found, "kbs context '" + opts->name + "' does not exist");
    }
    std::erase_if(contexts.contexts, [&](const coco::kbs::KbsContext& c) { return c.name == opts->name; });
    const bool was_current = contexts.current == opts->name;
    if (was_current) {
      contexts.current.clear();
    }
    COCO_TRY_STATUS(coco::kbs::save_contexts(file, contexts));
    return ctx.output.emit({{"deleted", opts->name}, {"was_current", was_current}},
                           [&](std::ostream& out) { out << "deleted context " << opts->name << '\n'; });
  });
}

} // namespace coco_kbs
