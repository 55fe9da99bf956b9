#include "common/kbs/config.hpp"

#include <set>

#include <toml++/toml.h>

#include "common/base/atomic_file.hpp"

namespace coco::kbs {
namespace {

// Reads typed values out of a TOML table, remembering every key it looked at so the rest can be reported.
class Reader {
public:
  Reader(const toml::table& root, std::string origin) : m_root(root), m_origin(std::move(origin)) {}

  const toml::node* node(const std::string& dotted) {
    m_used.insert(dotted);
    return m_root.at_path(dotted).node();
  }
  bool has(const std::string& dotted) { return m_root.at_path(dotted).node() != nullptr; }

  Status read(const std::string& key, std::string& out) {
    if (const auto* n = node(key)) {
      if (!n->is_string()) {
        return type_error(key, "a string");
      }
      out = n->as_string()->get();
    }
    return ok();
  }
  Status read(const std::string& key, std::optional<std::string>& out) {
    if (const auto* n = node(key)) {
      if (!n->is_string()) {
        return type_error(key, "a string");
      }
      out = n->as_string()->get();
    }
    return ok();
  }
  Status read(const std::string& key, bool& out) {
    if (const auto* n = node(key)) {
      if (!n->is_boolean()) {
        return type_error(key, "true or false");
      }
      out = n->as_boolean()->get();
    }
    return ok();
  }
  Status read(const std::string& key, std::int64_t& out) {
    if (const auto* n = node(key)) {
      if (!n->is_integer() || n->as_integer()->get() < 0) {
        return type_error(key, "a non-negative integer");
      }
      out = n->as_integer()->get();
    }
    return ok();
  }
  Status read(const std::string& key, std::optional<std::int64_t>& out) {
    std::int64_t v = 0;
    if (has(key)) {
      COCO_TRY_STATUS(read(key, v));
      out = v;
    }
    return ok();
  }
  Status read(const std::string& key, std::vector<std::string>& out) {
    if (const auto* n = node(key)) {
      if (!n->is_array()) {
        return type_error(key, "an array of strings");
      }
      out.clear();
      for (const auto& item : *n->as_array()) {
        if (!item.is_string()) {
          return type_error(key, "an array of strings");
        }
        out.push_back(item.as_string()->get());
      }
    }
    return ok();
  }
  Error type_error(const std::string& key, std::string_view expected) const {
    return make_error(Kind::invalid, m_origin + ": " + key + " must be " + std::string(expected));
  }
  Error error(const std::string& message) const { return make_error(Kind::invalid, m_origin + ": " + message); }

  // Leaves (and arrays) under `prefix` that nothing read.
  void collect_unused(const toml::table& table, const std::string& prefix, std::vector<std::string>& out) const {
    for (const auto& [k, v] : table) {
      const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
      if (m_used.contains(key)) {
        continue;
      }
      if (const auto* sub = v.as_table()) {
        collect_unused(*sub, key, out);
      } else {
        out.push_back(key);
      }
    }
  }
  void mark(const std::string& key) { m_used.insert(key); }

private:
  const toml::table& m_root;
  std::string m_origin;
  std::set<std::string> m_used;
};

Status read_identity_providers(Reader& r, const toml::table& root, AdminConfig& admin) {
  const auto* node = root.at_path("admin.authentication.bearer_jwt.identity_providers").node();
  r.mark("admin.authentication.bearer_jwt.identity_providers");
  if (node == nullptr) {
    return ok();
  }
  const auto* array = node->as_array();
  if (array == nullptr) {
    return r.type_error("admin.authentication.bearer_jwt.identity_providers", "an array of tables");
  }
  for (const auto& item : *array) {
    const auto* t = item.as_table();
    if (t == nullptr) {
      return r.type_error("admin.authentication.bearer_jwt.identity_providers", "an array of tables");
    }
    IdentityProvider idp;
    for (const auto& [k, v] : *t) {
      const std::string_view key = k.str();
      if (!v.is_string()) {
        return r.type_error("identity_providers." + std::string(key), "a string");
      }
      const std::string value = v.as_string()->get();
      if (key == "issuer") {
        idp.issuer = value;
      } else if (key == "audience") {
        idp.audience = value;
      } else if (key == "public_key_uri") {
        idp.public_key_uri = value;
      } else if (key == "jwk_set_uri") {
        idp.jwk_set_uri = value;
      } else {
        // Trustee's identity provider config denies unknown fields.
        return r.error("unknown field '" + std::string(key) + "' in an identity provider");
      }
    }
    admin.identity_providers.push_back(std::move(idp));
  }
  return ok();
}

Status read_acls(Reader& r, const toml::table& root, AdminConfig& admin) {
  const auto* node = root.at_path("admin.authorization.regex_acl.acls").node();
  r.mark("admin.authorization.regex_acl.acls");
  if (node == nullptr) {
    return ok();
  }
  const auto* array = node->as_array();
  if (array == nullptr) {
    return r.type_error("admin.authorization.regex_acl.acls", "an array of tables");
  }
  for (const auto& item : *array) {
    const auto* t = item.as_table();
    if (t == nullptr || !(*t)["role"].is_string() || !(*t)["allowed_endpoints"].is_string()) {
      return r.type_error("admin.authorization.regex_acl.acls", "tables with role and allowed_endpoints strings");
    }
    admin.acls.push_back({(*t)["role"].as_string()->get(), (*t)["allowed_endpoints"].as_string()->get()});
  }
  return ok();
}

Status read_admin(Reader& r, const toml::table& root, AdminConfig& admin) {
  if (!r.has("admin")) {
    return r.error("missing [admin] section");
  }
  std::optional<std::string> mode;
  COCO_TRY_STATUS(r.read("admin.authorization_mode", mode));
  if (!mode) {
    return r.error("[admin] needs authorization_mode");
  }
  if (*mode == "InsecureAllowAll") {
    admin.mode = AdminMode::insecure_allow_all;
  } else if (*mode == "DenyAll") {
    admin.mode = AdminMode::deny_all;
  } else if (*mode == "AuthenticatedAuthorization") {
    admin.mode = AdminMode::authenticated_authorization;
  } else {
    return r.error("unknown authorization_mode '" + *mode + "'");
  }
  COCO_TRY_STATUS(read_identity_providers(r, root, admin));
  COCO_TRY_STATUS(read_acls(r, root, admin));
  return ok();
}

Status read_plugins(Reader& r, const toml::table& root, KbsConfig& config) {
  const auto* node = root.get("plugins");
  r.mark("plugins");
  if (node == nullptr) {
    return ok();
  }
  const auto* array = node->as_array();
  if (array == nullptr) {
    return r.type_error("plugins", "an array of tables ([[plugins]])");
  }
  for (const auto& item : *array) {
    const auto* t = item.as_table();
    if (t == nullptr || !(*t)["name"].is_string()) {
      return r.type_error("plugins", "tables with a name");
    }
    PluginConfig plugin;
    plugin.name = (*t)["name"].as_string()->get();
    if ((*t)["storage_backend_type"].is_string()) {
      plugin.storage_backend_type = (*t)["storage_backend_type"].as_string()->get();
    }
    for (const auto& [k, v] : *t) {
      if (k.str() != "name" && (plugin.name != "resource" || k.str() != "storage_backend_type")) {
        config.ignored.push_back("plugins." + plugin.name + "." + std::string(k.str()));
      }
    }
    if (plugin.name != "resource") {
      config.ignored.push_back("plugins." + plugin.name + " (coco serves only the resource plugin)");
    }
    config.plugins.push_back(std::move(plugin));
  }
  return ok();
}

} // namespace

bool KbsConfig::has_resource_plugin() const {
  for (const auto& p : plugins) {
    if (p.name == "resource") {
      return true;
    }
  }
  return false;
}

Result<KbsConfig> parse_kbs_config(std::string_view text, std::string_view origin) {
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return make_error(Kind::invalid, std::string(origin) + ":" + std::to_string(where.line) + ":" +
                                         std::to_string(where.column) + ": " + std::string(e.description()));
  }
  Reader r(root, std::string(origin));
  KbsConfig config;

  if (!r.has("http_server")) {
    return r.error("missing [http_server] section");
  }
  auto& http = config.http_server;
  COCO_TRY_STATUS(r.read("http_server.sockets", http.sockets));
  COCO_TRY_STATUS(r.read("http_server.insecure_http", http.insecure_http));
  COCO_TRY_STATUS(r.read("http_server.private_key", http.private_key));
  COCO_TRY_STATUS(r.read("http_server.certificate", http.certificate));
  COCO_TRY_STATUS(r.read("http_server.payload_request_size", http.payload_request_size));
  COCO_TRY_STATUS(r.read("http_server.worker_count", http.worker_count));
  COCO_TRY_STATUS(r.read("http_server.tls_profile", http.tls_profile));
  COCO_TRY_STATUS(r.read("http_server.tls_min_version", http.tls_min_version));
  COCO_TRY_STATUS(r.read("http_server.tls_max_version", http.tls_max_version));
  COCO_TRY_STATUS(r.read("http_server.tls_ciphers", http.tls_ciphers));
  COCO_TRY_STATUS(r.read("http_server.tls_groups", http.tls_groups));
  if (http.tls_profile != "old" && http.tls_profile != "intermediate" && http.tls_profile != "modern" &&
      http.tls_profile != "custom") {
    return r.error("unknown tls_profile '" + http.tls_profile + "'");
  }
  for (const auto* v : {&http.tls_min_version, &http.tls_max_version}) {
    if (*v && **v != "1.2" && **v != "1.3") {
      return r.error("TLS version '" + **v + "' is not 1.2 or 1.3");
    }
  }
  if (http.tls_min_version == "1.3" && http.tls_max_version == "1.2") {
    return r.error("tls_min_version (1.3) cannot be greater than tls_max_version (1.2)");
  }
  for (const auto& socket : http.sockets) {
    const auto colon = socket.rfind(':');
    if (colon == std::string::npos || colon + 1 == socket.size()) {
      return r.error("socket '" + socket + "' is not IP:port");
    }
  }

  COCO_TRY_STATUS(read_admin(r, root, config.admin));

  auto& token = config.attestation_token;
  token.present = r.has("attestation_token");
  COCO_TRY_STATUS(r.read("attestation_token.trusted_certs_paths", token.trusted_certs_paths));
  COCO_TRY_STATUS(r.read("attestation_token.trusted_jwk_sets", token.trusted_jwk_sets));
  COCO_TRY_STATUS(r.read("attestation_token.extra_teekey_paths", token.extra_teekey_paths));
  COCO_TRY_STATUS(r.read("attestation_token.insecure_header_jwk", token.insecure_header_jwk));

  auto& as = config.attestation_service;
  as.present = r.has("attestation_service");
  COCO_TRY_STATUS(r.read("attestation_service.type", as.type));
  COCO_TRY_STATUS(r.read("attestation_service.timeout", as.timeout_min));
  COCO_TRY_STATUS(r.read("attestation_service.as_addr", as.as_addr));
  auto& broker = as.token_broker;
  const std::string b = "attestation_service.attestation_token_broker.";
  COCO_TRY_STATUS(r.read(b + "duration_min", broker.duration_min));
  COCO_TRY_STATUS(r.read(b + "issuer_name", broker.issuer_name));
  COCO_TRY_STATUS(r.read(b + "developer_name", broker.developer_name));
  COCO_TRY_STATUS(r.read(b + "build_name", broker.build_name));
  COCO_TRY_STATUS(r.read(b + "profile_name", broker.profile_name));
  COCO_TRY_STATUS(r.read(b + "verbose_token", broker.verbose_token));
  COCO_TRY_STATUS(r.read(b + "signer.key_path", broker.signer_key_path));
  COCO_TRY_STATUS(r.read(b + "signer.cert_path", broker.signer_cert_path));
  COCO_TRY_STATUS(r.read(b + "signer.cert_url", broker.signer_cert_url));
  COCO_TRY_STATUS(r.read("attestation_service.rvps_config.type", as.rvps_type));
  if (as.present && as.type != "coco_as_builtin" && as.type != "coco_as_grpc" && as.type != "intel_ta") {
    return r.error("unknown attestation_service type '" + as.type + "'");
  }

  COCO_TRY_STATUS(r.read("storage_backend.storage_type", config.storage_type));
  COCO_TRY_STATUS(read_plugins(r, root, config));

  r.collect_unused(root, "", config.ignored);
  // Read but without effect in coco: name them too, so the operator knows.
  if (as.present && as.type != "coco_as_builtin") {
    config.ignored.push_back("attestation_service.type = " + as.type + " (coco attests in-process)");
  }
  if (r.has("storage_backend.storage_type")) {
    config.ignored.push_back("storage_backend.storage_type (coco stores in its own database)");
  }
  return config;
}

Result<KbsConfig> load_kbs_config(const std::filesystem::path& path) {
  COCO_TRY(std::string text, read_file(path));
  return parse_kbs_config(text, path.string());
}

KbsConfig default_kbs_config() {
  KbsConfig config;
  config.admin.mode = AdminMode::authenticated_authorization;
  config.attestation_token.present = true;
  config.attestation_token.insecure_header_jwk = true;
  config.attestation_service.present = true;
  config.plugins.push_back({"resource", "kvstorage"});
  return config;
}

} // namespace coco::kbs
