#include "common/kbs/admin_client.hpp"

#include <regex>

#include "common/base/atomic_file.hpp"
#include "common/base/encoding.hpp"
#include "common/jose/jwt.hpp"

namespace coco::kbs {
namespace {

constexpr std::string_view k_v0 = "/kbs/v0";
constexpr std::string_view k_coco = "/kbs/coco/v1";
constexpr std::string_view k_error_type_prefix = "https://github.com/confidential-containers/kbs/errors/";

std::string json_string(std::string_view text) { return nlohmann::json(std::string(text)).dump(); }

AdminRequest make(std::string method, std::string path) {
  AdminRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

AdminRequest coco_only(AdminRequest r, std::string feature) {
  r.coco_only = true;
  r.feature = std::move(feature);
  return r;
}

// A percent-encoding of one path segment or query value (names may hold anything the user typed).
std::string url_escape(std::string_view text) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(k_hex[c >> 4]);
      out.push_back(k_hex[c & 0xF]);
    }
  }
  return out;
}

// Trustee's ErrorInformation body ({"type": ".../errors/<Kind>", "detail"}): a KBS answered, not a bare router.
bool is_kbs_error_body(const HttpResponse& response) {
  const nlohmann::json doc = nlohmann::json::parse(response.body, nullptr, false);
  return doc.is_object() && doc.contains("type") && doc["type"].is_string() &&
         doc["type"].get<std::string>().starts_with(k_error_type_prefix);
}

} // namespace

Result<std::string> mint_admin_token(const crypto::PrivateKey& key, const AdminTokenOptions& options) {
  if (options.role.empty()) {
    return make_error(Kind::usage, "admin token: the role must not be empty",
                      "Trustee refuses a token without a `role` claim; the usual role is admin");
  }
  if (options.ttl_seconds <= 0) {
    return make_error(Kind::usage, "admin token: the lifetime must be positive");
  }
  jose::Json claims = {{"role", options.role}};
  if (!options.issuer.empty()) {
    claims["iss"] = options.issuer;
  }
  if (!options.audience.empty()) {
    claims["aud"] = options.audience;
  }
  jose::JwtMintOptions mint;
  mint.lifetime_seconds = options.ttl_seconds;
  mint.now = options.now;
  return jose::jwt_mint(claims, key, mint);
}

Status check_resource_path(std::string_view path) {
  static const std::regex k_segment("[A-Za-z0-9_-][A-Za-z0-9_.-]*");
  size_t start = 0;
  int segments = 0;
  for (;;) {
    const size_t slash = path.find('/', start);
    const std::string part(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (!std::regex_match(part, k_segment)) {
      return make_error(Kind::usage, "resource path " + std::string(path) + ": expected REPO/TYPE/TAG",
                        "each part is letters, digits, '_', '-' or '.', not starting with '.'; e.g. default/key/app1");
    }
    ++segments;
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  if (segments != 3) {
    return make_error(Kind::usage, "resource path " + std::string(path) + ": expected REPO/TYPE/TAG (3 parts)",
                      "e.g. default/key/app1");
  }
  return ok();
}

namespace admin {

AdminRequest resource_set(std::string_view path, std::string value) {
  AdminRequest r = make("POST", std::string(k_v0) + "/resource/" + std::string(path));
  r.content_type = "application/octet-stream";
  r.body = std::move(value);
  r.secret_body = true;
  return r;
}

AdminRequest resource_delete(std::string_view path) {
  return make("DELETE", std::string(k_v0) + "/resource/" + std::string(path));
}

AdminRequest resource_get(std::string_view path, std::optional<std::int64_t> version) {
  std::string p = std::string(k_coco) + "/resource/" + std::string(path);
  if (version) {
    p += "?version=" + std::to_string(*version);
  }
  return coco_only(make("GET", std::move(p)), "admin read");
}

AdminRequest resource_list(bool include_deleted) {
  return coco_only(make("GET", std::string(k_coco) + "/resources" + (include_deleted ? "?include_deleted=true" : "")),
                   "admin read");
}

AdminRequest resource_history(std::string_view path) {
  return coco_only(make("GET", std::string(k_coco) + "/resource/" + std::string(path) + "/history"),
                   "resource history");
}

AdminRequest resource_rollback(std::string_view path, std::int64_t version) {
  return coco_only(
      make("POST", std::string(k_coco) + "/resource/" + std::string(path) + "/rollback?version=" + std::to_string(version)),
      "resource rollback");
}

AdminRequest resource_undelete(std::string_view path) {
  return coco_only(make("POST", std::string(k_coco) + "/resource/" + std::string(path) + "/undelete"),
                   "resource undelete");
}

AdminRequest resource_policy_set(std::string_view rego) {
  AdminRequest r = make("POST", std::string(k_v0) + "/resource-policy");
  r.content_type = "application/json";
  r.body = "{\"policy\":" + json_string(base64url_encode(rego)) + "}";
  return r;
}

AdminRequest resource_policy_list() { return make("GET", std::string(k_v0) + "/resource-policy"); }

AdminRequest resource_policy_get(std::string_view id) {
  return coco_only(make("GET", std::string(k_coco) + "/resource-policy/" + url_escape(id)), "policy read-back");
}

AdminRequest attestation_policy_set(std::string_view id, std::string_view rego) {
  AdminRequest r = make("POST", std::string(k_v0) + "/attestation-policy");
  r.content_type = "application/json";
  // Member order as kbs-client's SetPolicyInput serializes it.
  r.body = "{\"type\":\"rego\",\"policy_id\":" + json_string(id) + ",\"policy\":" + json_string(base64url_encode(rego)) + "}";
  return r;
}

AdminRequest attestation_policy_get(std::string_view id) {
  return coco_only(make("GET", std::string(k_coco) + "/attestation-policy/" + url_escape(id)), "policy read-back");
}

AdminRequest attestation_policy_list() {
  return coco_only(make("GET", std::string(k_coco) + "/attestation-policies"), "attestation policy list");
}

AdminRequest reference_value_register(const nlohmann::json& message) {
  AdminRequest r = make("POST", std::string(k_v0) + "/reference-value");
  r.content_type = "application/json";
  r.body = message.dump();
  return r;
}

AdminRequest reference_value_get(std::string_view name) {
  return make("GET", std::string(k_v0) + "/reference-value/" + url_escape(name));
}

AdminRequest reference_value_list() {
  return coco_only(make("GET", std::string(k_coco) + "/reference-values"), "reference-value list");
}

AdminRequest reference_value_delete(std::string_view name) {
  return coco_only(make("DELETE", std::string(k_coco) + "/reference-value/" + url_escape(name)),
                   "reference-value delete");
}

nlohmann::json sample_reference_value_message(const nlohmann::json& values) {
  return {{"version", "0.1.0"}, {"type", "sample"}, {"payload", base64_encode(values.dump())}};
}

Result<nlohmann::json> reference_value_message_from_text(std::string_view text) {
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_object()) {
    return make_error(Kind::invalid, "reference values: not a JSON object",
                      "give an RVPS message {\"version\",\"type\",\"payload\"} or a {\"name\": [values]} object");
  }
  if (doc.contains("version") && doc.contains("type") && doc.contains("payload")) {
    if (!doc["version"].is_string() || !doc["type"].is_string() || !doc["payload"].is_string()) {
      return make_error(Kind::invalid, "RVPS message: version, type and payload must be strings");
    }
    const std::string type = doc["type"].get<std::string>();
    if (type != "sample" && type != "swid" && type != "corim") {
      return make_error(Kind::invalid, "RVPS message: unknown type " + type, "Trustee's RVPS knows sample, swid and corim");
    }
    if (type == "sample") {
      auto payload = base64_decode(doc["payload"].get<std::string>());
      if (!payload) {
        return make_error(Kind::invalid, "RVPS sample message: the payload is not standard base64");
      }
      if (!nlohmann::json::parse(as_string(*payload), nullptr, false).is_object()) {
        return make_error(Kind::invalid, "RVPS sample message: the payload is not a JSON object");
      }
    }
    return doc;
  }
  if (doc.empty()) {
    return make_error(Kind::invalid, "reference values: the object is empty");
  }
  return sample_reference_value_message(doc);
}

Result<nlohmann::json> reference_value_message_of(std::string_view type, std::string_view content) {
  const auto first = content.find_first_not_of(" \t\r\n");
  const bool tag = first != std::string_view::npos && content[first] == '<';
  if (type == "auto") {
    if (tag) {
      return reference_value_message_of("swid", content);
    }
    return reference_value_message_from_text(content);
  }
  if (type == "sample") {
    const nlohmann::json values = nlohmann::json::parse(content, nullptr, false);
    if (!values.is_object() || values.empty()) {
      return make_error(Kind::invalid, "sample reference values: not a non-empty JSON object",
                        "give a {\"name\": [values]} object");
    }
    return sample_reference_value_message(values);
  }
  if (type == "swid") {
    if (!tag) {
      return make_error(Kind::invalid, "swid reference values: not an XML document", "give an ISO 19770-2 SWID tag");
    }
  } else if (type == "corim") {
    if (content.empty()) {
      return make_error(Kind::invalid, "corim reference values: the file is empty");
    }
  } else {
    return make_error(Kind::usage, "unknown reference value type " + std::string(type),
                      "use auto, sample, swid or corim");
  }
  return nlohmann::json{{"version", "0.1.0"}, {"type", std::string(type)}, {"payload", base64_encode(content)}};
}

} // namespace admin

Result<KeyUpload> upload_key(const AdminClient& client, std::string_view path, const Secret& key) {
  COCO_TRY_STATUS(check_resource_path(path));
  if (key.size() == 0) {
    return make_error(Kind::invalid, "key for " + std::string(path) + " is empty");
  }
  auto put = client.send(admin::resource_set(path, std::string(key.view())));
  if (!put) {
    return Error(put.error()).context("uploading the key to kbs:///" + std::string(path));
  }
  KeyUpload upload;
  upload.path = std::string(path);
  auto back = client.send(admin::resource_get(path));
  if (!back) {
    if (back.error().kind == Kind::unsupported) {
      upload.confirmed_by = "status code";
      return upload;
    }
    return Error(back.error()).context("reading back the key stored at kbs:///" + std::string(path));
  }
  const std::string& stored = back->response.body;
  if (!constant_time_equal(key.bytes(), as_bytes(stored))) {
    return make_error(Kind::integrity, "the key read back from kbs:///" + std::string(path) + " is not the one uploaded",
                      "another writer may have replaced it; run the command again");
  }
  upload.confirmed_by = "admin read-back";
  if (auto v = back->response.header("X-Resource-Version")) {
    try {
      upload.version = std::stoll(*v);
    } catch (const std::exception&) {
      upload.version.reset();
    }
  }
  return upload;
}

std::string shell_quote(std::string_view word) {
  bool plain = !word.empty();
  for (char c : word) {
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) != 0 || std::string_view("/._-:=,@+%").find(c) != std::string_view::npos);
  }
  if (plain) {
    return std::string(word);
  }
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

std::string AdminClient::base_url() const {
  std::string base = m_endpoint.url;
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  return base;
}

ClientOptions AdminClient::client_options() const {
  ClientOptions options;
  options.cacert = m_endpoint.cacert;
  options.insecure_skip_tls_verify = m_endpoint.insecure_skip_tls_verify;
  options.timeout_s = m_endpoint.timeout_s;
  return options;
}

Result<std::string> AdminClient::bearer_token() const {
  if (!m_endpoint.admin_key.empty()) {
    auto key = crypto::PrivateKey::load_file(m_endpoint.admin_key);
    if (!key) {
      return make_error(key.error().kind, "admin key " + m_endpoint.admin_key + ": " + key.error().message,
                        "--admin-key takes a PEM private key (coco-kbs auth keygen makes one)");
    }
    return mint_admin_token(*key, m_endpoint.token);
  }
  if (!m_endpoint.admin_token_file.empty()) {
    auto text = read_file(m_endpoint.admin_token_file);
    if (!text) {
      return make_error(text.error().kind, "admin token file " + m_endpoint.admin_token_file + ": " + text.error().message);
    }
    std::string token = std::move(*text);
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back())) != 0) {
      token.pop_back();
    }
    if (token.empty() || token.find_first_of(" \r\n\t") != std::string::npos) {
      return make_error(Kind::invalid, "admin token file " + m_endpoint.admin_token_file + ": not a single token");
    }
    return token;
  }
  return std::string();
}

Result<HttpRequest> AdminClient::http_request_for(const AdminRequest& request) const {
  if (m_endpoint.url.empty()) {
    return make_error(Kind::usage, "no KBS URL", "pass --url, set COCO_KBS_URL, or select a context (coco-kbs config use-context)");
  }
  HttpRequest http;
  http.method = request.method;
  http.url = base_url() + request.path;
  http.body = request.body;
  COCO_TRY(std::string token, bearer_token());
  if (!token.empty()) {
    http.headers.push_back("Authorization: Bearer " + token);
  }
  if (!request.content_type.empty()) {
    http.headers.push_back("Content-Type: " + request.content_type);
  }
  return http;
}

Result<AdminExchange> AdminClient::send(const AdminRequest& request) const {
  COCO_TRY(HttpRequest http, http_request_for(request));
  COCO_TRY(HttpResponse response, http_request(http, client_options()));
  const std::string what = request.method + " " + request.path;
  if (response.status >= 200 && response.status < 300) {
    return AdminExchange{request, std::move(response)};
  }
  if (response.status == 404 && request.coco_only && !is_kbs_error_body(response)) {
    return make_error(Kind::unsupported,
                      "this server has no " + request.feature + " (Trustee's API lacks it); coco-kbs serve has it",
                      "the server answered " + what + " with a bare 404, as Trustee's KBS does");
  }
  const std::string detail = describe_error_reply(response);
  const std::string message = what + ": HTTP " + std::to_string(response.status) + ": " + detail;
  if (response.status == 401 || response.status == 403) {
    const bool admin_refusal = detail.find("dmin") != std::string::npos;
    std::string hint;
    if (!m_endpoint.admin_key.empty()) {
      hint = "is the admin key the one the server was started with? (its role, issuer and audience must match the "
             "server's [admin] settings)";
    } else if (!m_endpoint.admin_token_file.empty()) {
      hint = "is the admin token still valid, and signed by a key the server trusts?";
    } else {
      hint = "pass --admin-key FILE or --admin-token-file FILE (or select a context with one)";
    }
    return make_error(Kind::denied, message, admin_refusal || detail.find("Access") != std::string::npos ? hint : "");
  }
  if (response.status == 404) {
    return make_error(Kind::not_found, message, "check --url: it is the server's root, e.g. https://kbs.example:8080");
  }
  return make_error(Kind::failure, message);
}

std::string AdminClient::curl_command(const AdminRequest& request) const {
  std::string line = "curl -sS";
  if (request.method != "GET" && !(request.method == "POST" && !request.body.empty())) {
    line += " -X " + request.method;
  }
  if (m_endpoint.insecure_skip_tls_verify) {
    line += " -k";
  } else if (!m_endpoint.cacert.empty()) {
    line += " --cacert " + shell_quote(m_endpoint.cacert);
  }
  if (!m_endpoint.admin_key.empty()) {
    line += " -H \"Authorization: Bearer $TOKEN\"";
  } else if (!m_endpoint.admin_token_file.empty()) {
    line += " -H \"Authorization: Bearer $(cat " + shell_quote(m_endpoint.admin_token_file) + ")\"";
  }
  if (!request.content_type.empty()) {
    line += " -H " + shell_quote("Content-Type: " + request.content_type);
  }
  if (request.secret_body) {
    line += " --data-binary " + shell_quote("@" + (request.body_file.empty() ? std::string("-") : request.body_file));
  } else if (!request.body.empty()) {
    line += " --data-binary " + shell_quote(request.body);
  } else if (request.method == "POST") {
    line += " --data-binary ''";
  }
  line += " " + shell_quote(base_url() + request.path);
  return line;
}

nlohmann::json ServerStatus::to_json() const {
  nlohmann::json doc = {{"url", url},
                        {"reachable", reachable},
                        {"tls", tls},
                        {"tls_verified", tls_verified},
                        {"coco_extensions", coco_extensions},
                        {"admin", admin}};
  if (!transport_error.empty()) {
    doc["error"] = transport_error;
  }
  if (!fingerprint.empty()) {
    doc["fingerprint"] = fingerprint;
  }
  doc["protocol_version"] = protocol_version.empty() ? nlohmann::json() : nlohmann::json(protocol_version);
  if (!admin_detail.empty()) {
    doc["admin_detail"] = admin_detail;
  }
  return doc;
}

ServerStatus AdminClient::status() const {
  ServerStatus s;
  s.url = base_url();
  s.admin = "unknown";
  s.tls = s.url.starts_with("https://");
  ClientOptions options = client_options();
  options.peer_fingerprint = true;
  HttpRequest health;
  health.url = s.url + "/healthz";
  auto reply = http_request(health, options);
  if (!reply) {
    s.transport_error = reply.error().message;
    if (reply.error().kind == Kind::auth && s.tls) {
      // The server answered the handshake; its certificate is not trusted. Learn which one it is, send nothing.
      s.reachable = true;
      ClientOptions unverified = options;
      unverified.insecure_skip_tls_verify = true;
      HttpRequest probe;
      probe.url = s.url + "/healthz";
      if (auto seen = http_request(probe, unverified)) {
        s.fingerprint = seen->peer_fingerprint;
      }
    }
    return s;
  }
  s.reachable = true;
  s.tls_verified = s.tls && !m_endpoint.insecure_skip_tls_verify;
  s.fingerprint = reply->peer_fingerprint;

  // Protocol version: an RCAR auth request with version 0.0.0 is refused with the version the server wants
  // ("... expect =0.4.0 while the request is 0.0.0"); nothing is stored.
  HttpRequest auth;
  auth.method = "POST";
  auth.url = s.url + "/kbs/v0/auth";
  auth.headers.push_back("Content-Type: application/json");
  auth.body = R"({"version":"0.0.0","tee":"sample","extra-params":{}})";
  if (auto answer = http_request(auth, client_options())) {
    static const std::regex k_expect("expect\\s*=\\s*v?([0-9]+\\.[0-9]+\\.[0-9]+)");
    std::smatch m;
    const std::string detail = describe_error_reply(*answer);
    if (std::regex_search(detail, m, k_expect)) {
      s.protocol_version = m[1].str();
    }
  }

  HttpRequest jwks;
  jwks.url = s.url + std::string(k_coco) + "/jwks";
  if (auto answer = http_request(jwks, client_options())) {
    // coco-kbs serve answers (200, or a KBS error when it wants admin credentials); Trustee's router a bare 404.
    s.coco_extensions = answer->status == 200 || is_kbs_error_body(*answer);
  }

  if (m_endpoint.admin_key.empty() && m_endpoint.admin_token_file.empty()) {
    s.admin = "no credential";
    return s;
  }
  auto exchange = send(admin::resource_policy_list());
  if (exchange) {
    s.admin = "accepted";
  } else if (exchange.error().kind == Kind::denied) {
    s.admin = "refused";
    s.admin_detail = exchange.error().message;
  } else {
    s.admin_detail = exchange.error().message;
  }
  return s;
}

} // namespace coco::kbs
