#include "common/kbs/protocol.hpp"

#include <ctime>

#include <openssl/rand.h>

#include "common/base/encoding.hpp"

namespace coco::kbs {
namespace {

struct KindName {
  ErrorKind kind;
  std::string_view name;
};

constexpr KindName k_kind_names[] = {
    {ErrorKind::admin_auth_initialization, "AdminAuthInitialization"},
    {ErrorKind::admin_auth_access, "AdminAuthAccess"},
    {ErrorKind::attestation_error, "AttestationError"},
    {ErrorKind::http_failed, "HTTPFailed"},
    {ErrorKind::https_failed, "HTTPSFailed"},
    {ErrorKind::invalid_request_path, "InvalidRequestPath"},
    {ErrorKind::jwe_error, "JweError"},
    {ErrorKind::plugin_manager_initialization, "PluginManagerInitialization"},
    {ErrorKind::plugin_not_found, "PluginNotFound"},
    {ErrorKind::plugin_internal_error, "PluginInternalError"},
    {ErrorKind::policy_deny, "PolicyDeny"},
    {ErrorKind::parse_policy_error, "ParsePolicyError"},
    {ErrorKind::policy_engine_error, "PolicyEngineError"},
    {ErrorKind::rvps_error, "RvpsError"},
    {ErrorKind::serde_error, "SerdeError"},
    {ErrorKind::storage_backend_initialization, "StorageBackendInitialization"},
    {ErrorKind::token_not_found, "TokenNotFound"},
    {ErrorKind::token_verifier_error, "TokenVerifierError"},
    {ErrorKind::prometheus_error, "PrometheusError"},
};

Bytes random_bytes(std::size_t n) {
  Bytes out(n);
  if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
    // Without randomness no nonce or session id is safe to hand out: a bug-level failure.
    throw std::runtime_error("RAND_bytes failed");
  }
  return out;
}

bool is_digits(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return !(s.size() > 1 && s[0] == '0');
}

Result<nlohmann::json> parse_json_object(std::string_view body, std::string_view what) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return make_error(Kind::invalid, "deserialize " + std::string(what));
  }
  return json;
}

} // namespace

std::string_view error_kind_name(ErrorKind kind) {
  for (const auto& k : k_kind_names) {
    if (k.kind == kind) {
      return k.name;
    }
  }
  return "AttestationError";
}

std::optional<ErrorKind> error_kind_from_name(std::string_view name) {
  for (const auto& k : k_kind_names) {
    if (k.name == name) {
      return k.kind;
    }
  }
  return std::nullopt;
}

int http_status(ErrorKind kind) {
  return kind == ErrorKind::invalid_request_path || kind == ErrorKind::plugin_not_found ? 404 : 401;
}

nlohmann::json KbsError::to_json() const {
  nlohmann::json j = {{"type", std::string(k_error_type_prefix) + std::string(error_kind_name(kind))},
                      {"detail", detail}};
  if (!request_id.empty()) {
    j["request_id"] = request_id;
  }
  if (!reason.empty()) {
    j["reason"] = reason;
  }
  return j;
}

KbsError policy_deny() { return {ErrorKind::policy_deny, "Access denied by policy", {}, {}}; }
KbsError token_not_found() { return {ErrorKind::token_not_found, "Attestation Token not found", {}, {}}; }
KbsError plugin_not_found(std::string_view plugin) {
  return {ErrorKind::plugin_not_found, "Plugin " + std::string(plugin) + " not found", {}, {}};
}
KbsError invalid_request_path(std::string_view path) {
  return {ErrorKind::invalid_request_path, "Request path " + std::string(path) + " is invalid", {}, {}};
}

Result<ErrorInformation> ErrorInformation::parse(std::string_view body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("type") || !json["type"].is_string() ||
      !json.contains("detail") || !json["detail"].is_string()) {
    return make_error(Kind::invalid, "error body is not a KBS ErrorInformation");
  }
  ErrorInformation info{json["type"].get<std::string>(), json["detail"].get<std::string>(), {}};
  if (json.contains("request_id") && json["request_id"].is_string()) {
    info.request_id = json["request_id"].get<std::string>();
  }
  return info;
}

std::optional<ErrorKind> ErrorInformation::kind() const {
  if (!error_type.starts_with(k_error_type_prefix)) {
    return std::nullopt;
  }
  return error_kind_from_name(std::string_view(error_type).substr(k_error_type_prefix.size()));
}

const std::vector<std::string_view>& tee_names() {
  static const std::vector<std::string_view> names = {"az-snp-vtpm", "az-tdx-vtpm", "nvidia", "sgx", "snp", "tdx",
                                                      "cca", "csv", "se", "hygondcu", "tpm", "sample", "sampledevice"};
  return names;
}

bool is_known_tee(std::string_view tee) {
  for (auto name : tee_names()) {
    if (name == tee) {
      return true;
    }
  }
  return false;
}

nlohmann::json Request::to_json() const { return {{"version", version}, {"tee", tee}, {"extra-params", extra_params}}; }

Result<bool> protocol_version_matches(std::string_view version) {
  // semver: MAJOR.MINOR.PATCH[-PRE][+BUILD]; build metadata never matters for a comparison.
  std::string_view core = version.substr(0, version.find('+'));
  std::string_view pre;
  if (auto dash = core.find('-'); dash != std::string_view::npos) {
    pre = core.substr(dash + 1);
    core = core.substr(0, dash);
    if (pre.empty()) {
      return make_error(Kind::invalid, "failed to parse KBS version");
    }
  }
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    auto dot = core.find('.', start);
    parts.push_back(core.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) {
      break;
    }
    start = dot + 1;
  }
  if (parts.size() != 3 || !is_digits(parts[0]) || !is_digits(parts[1]) || !is_digits(parts[2])) {
    return make_error(Kind::invalid, "failed to parse KBS version");
  }
  return parts[0] == "0" && parts[1] == "4" && parts[2] == "0" && pre.empty();
}

Result<Request> parse_request(std::string_view body) {
  COCO_TRY(auto json, parse_json_object(body, "Request"));
  if (!json.contains("version") || !json["version"].is_string() || !json.contains("tee") || !json["tee"].is_string() ||
      !json.contains("extra-params") || !is_known_tee(json["tee"].get<std::string>())) {
    return make_error(Kind::invalid, "deserialize Request");
  }
  Request request{json["version"].get<std::string>(), json["tee"].get<std::string>(), json["extra-params"]};
  COCO_TRY(bool matches, protocol_version_matches(request.version));
  if (!matches) {
    return make_error(Kind::invalid, "KBS Client Protocol Version Mismatch: expect =" + std::string(k_protocol_version) +
                                         " while the request is " + request.version);
  }
  return request;
}

nlohmann::json Challenge::to_json() const { return {{"nonce", nonce}, {"extra-params", extra_params}}; }

Result<Challenge> Challenge::parse(std::string_view body) {
  COCO_TRY(auto json, parse_json_object(body, "Challenge"));
  if (!json.contains("nonce") || !json["nonce"].is_string() || !json.contains("extra-params")) {
    return make_error(Kind::invalid, "deserialize Challenge");
  }
  return Challenge{json["nonce"].get<std::string>(), json["extra-params"]};
}

nlohmann::json Attestation::to_json() const {
  nlohmann::json j;
  j["init-data"] = init_data ? nlohmann::json{{"format", init_data->format}, {"body", init_data->body}} : nlohmann::json();
  j["runtime-data"] = {{"nonce", nonce}, {"tee-pubkey", tee_pubkey}};
  j["tee-evidence"] = {{"primary_evidence", primary_evidence}, {"additional_evidence", additional_evidence}};
  return j;
}

Result<Attestation> Attestation::parse(std::string_view body) {
  COCO_TRY(auto json, parse_json_object(body, "Attestation"));
  const auto bad = [] { return make_error(Kind::invalid, "deserialize Attestation"); };
  if (!json.contains("runtime-data") || !json["runtime-data"].is_object() || !json.contains("tee-evidence") ||
      !json["tee-evidence"].is_object()) {
    return bad();
  }
  const auto& rd = json["runtime-data"];
  const auto& te = json["tee-evidence"];
  if (!rd.contains("nonce") || !rd["nonce"].is_string() || !rd.contains("tee-pubkey") || !rd["tee-pubkey"].is_object() ||
      !rd["tee-pubkey"].contains("kty") || !te.contains("primary_evidence")) {
    return bad();
  }
  Attestation a;
  a.nonce = rd["nonce"].get<std::string>();
  a.tee_pubkey = rd["tee-pubkey"];
  a.primary_evidence = te["primary_evidence"];
  if (te.contains("additional_evidence")) {
    if (!te["additional_evidence"].is_string()) {
      return bad();
    }
    a.additional_evidence = te["additional_evidence"].get<std::string>();
  }
  if (json.contains("init-data") && !json["init-data"].is_null()) {
    const auto& id = json["init-data"];
    if (!id.is_object() || !id.contains("format") || !id["format"].is_string() || !id.contains("body") ||
        !id["body"].is_string()) {
      return bad();
    }
    a.init_data = InitData{id["format"].get<std::string>(), id["body"].get<std::string>()};
  }
  return a;
}

bool is_valid_path_part(std::string_view part) {
  if (part.empty()) {
    return false;
  }
  const auto word = [](char c, bool dot_ok) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           (dot_ok && c == '.');
  };
  if (!word(part[0], false)) {
    return false;
  }
  for (char c : part.substr(1)) {
    if (!word(c, true)) {
      return false;
    }
  }
  return true;
}

Result<std::vector<std::string>> parse_resource_path(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    auto slash = path.find('/', start);
    parts.emplace_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  if (parts.size() != 3) {
    return make_error(Kind::invalid, "resource path " + std::string(path) + " must have three parts",
                      "write it as repository/type/tag");
  }
  for (const auto& part : parts) {
    if (!is_valid_path_part(part)) {
      return make_error(Kind::invalid, "resource path part '" + part + "' is not allowed",
                        "parts match [A-Za-z0-9_-][A-Za-z0-9_.-]*");
    }
  }
  return parts;
}

std::string new_session_id() {
  Bytes b = random_bytes(16);
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  return hex_encode(b);
}

std::string new_nonce() { return base64_encode(random_bytes(32)); }

std::string http_date(std::int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr const char* k_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* k_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", k_days[tm.tm_wday], tm.tm_mday,
                k_months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

} // namespace coco::kbs
