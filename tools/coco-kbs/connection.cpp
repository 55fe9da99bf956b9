#include "tools/coco-kbs/connection.hpp"

#include <cstdlib>

#include "common/cli/settings.hpp"

namespace coco_kbs {
namespace {

struct RootConnection {
  std::string url;
  std::string admin_key;
  std::string admin_token_file;
  std::string cacert;
  bool insecure_skip_tls_verify = false;
  std::string context;
};

coco::kbs::EndpointValue value_of(const coco::cli::Context& ctx, std::string_view key) {
  coco::kbs::EndpointValue v;
  const coco::cli::SettingValue* s = ctx.settings.find(key);
  if (s == nullptr || s->values.empty()) {
    return v;
  }
  v.value = s->values.back();
  v.explicit_value = s->origin == coco::cli::Origin::flag || s->origin == coco::cli::Origin::environment;
  return v;
}

} // namespace

void register_connection_root(coco::cli::Command& cmd) {
  auto conn = cmd.options<RootConnection>();
  auto& app = cmd.app();
  const std::string group = "Connection options";
  cmd.setting(app.add_option("--url", conn->url, "the KBS, https://HOST:PORT")->type_name("URL")->group(group),
              "kbs.url");
  cmd.setting(app.add_option("--admin-key", conn->admin_key, "a private key (PEM) to mint short-lived admin tokens with")
                  ->type_name("FILE")
                  ->group(group),
              "kbs.admin-key");
  cmd.setting(app.add_option("--admin-token-file", conn->admin_token_file, "a file holding an admin bearer token")
                  ->type_name("FILE")
                  ->group(group),
              "kbs.admin-token-file");
  cmd.setting(app.add_option("--cacert", conn->cacert, "the CA certificate (PEM) to verify the KBS with")
                  ->type_name("FILE")
                  ->group(group),
              "kbs.cacert");
  cmd.setting(app.add_flag("--insecure-skip-tls-verify", conn->insecure_skip_tls_verify,
                           "do not verify the KBS's certificate (tests only)")
                  ->group(group),
              "kbs.insecure-skip-tls-verify");
  cmd.setting(app.add_option("--context", conn->context, "the named connection to use (coco-kbs config get-contexts)")
                  ->type_name("NAME")
                  ->group(group),
              "kbs.context");
}

std::filesystem::path config_path(const coco::cli::Context& ctx) {
  if (!ctx.global.config_file.empty()) {
    return ctx.global.config_file;
  }
  if (const coco::cli::SettingValue* s = ctx.settings.find("config"); s != nullptr && !s->values.empty()) {
    return s->values.front();
  }
  if (const char* env = std::getenv("COCO_CONFIG"); env != nullptr && *env != '\0') {
    return env;
  }
  return coco::cli::default_config_path(coco::cli::process_env());
}

coco::kbs::EndpointSources endpoint_sources(const coco::cli::Context& ctx) {
  coco::kbs::EndpointSources s;
  s.url = value_of(ctx, "kbs.url");
  s.admin_key = value_of(ctx, "kbs.admin-key");
  s.admin_token_file = value_of(ctx, "kbs.admin-token-file");
  s.cacert = value_of(ctx, "kbs.cacert");
  s.insecure_skip_tls_verify = value_of(ctx, "kbs.insecure-skip-tls-verify");
  s.context = value_of(ctx, "kbs.context").value;
  return s;
}

coco::Result<coco::kbs::AdminEndpoint> resolve_endpoint(const coco::cli::Context& ctx) {
  COCO_TRY(auto contexts, coco::kbs::load_contexts(config_path(ctx)));
  COCO_TRY(auto endpoint, coco::kbs::resolve_endpoint(endpoint_sources(ctx), contexts));
  if (endpoint.url.empty()) {
    return coco::make_error(coco::Kind::usage, "no KBS URL",
                            "pass --url URL, set COCO_KBS_URL, or select a context (coco-kbs config use-context NAME)");
  }
  return endpoint;
}

std::shared_ptr<bool> add_print_curl(coco::cli::Command& cmd) {
  auto flag = cmd.options<bool>(false);
  cmd.app().add_flag("--print-curl", *flag,
                     "print the equivalent curl command line (token as $TOKEN) instead of sending the request");
  return flag;
}

coco::Result<coco::kbs::AdminExchange> admin_send(coco::cli::Context& ctx, const coco::kbs::AdminClient& client,
                                                  const coco::kbs::AdminRequest& request, bool print_curl) {
  if (print_curl) {
    const std::string line = client.curl_command(request);
    const bool minted = !client.endpoint().admin_key.empty();
    nlohmann::json doc = {{"curl", line}};
    if (minted) {
      doc["token"] = "coco-kbs auth token --key " + coco::kbs::shell_quote(client.endpoint().admin_key);
    }
    COCO_TRY_STATUS(ctx.output.emit(doc, [&](std::ostream& out) {
      if (minted) {
        out << "TOKEN=\"$(coco-kbs auth token --key " << coco::kbs::shell_quote(client.endpoint().admin_key) << ")\"\n";
      }
      out << line << '\n';
    }));
    return coco::kbs::AdminExchange{request, {}};
  }
  return client.send(request);
}

} // namespace coco_kbs
