// The KBS attestation protocol (RCAR) messages and errors, as Trustee's KBS and the CoCo guest speak them.
//
// Primary sources: confidential-containers/trustee kbs/src/{error.rs,attestation/backend.rs,
// attestation/session.rs} and the kbs-types crate 0.18 (Request, Challenge, Attestation, ErrorInformation);
// summarised in shared/spec/kbs-protocol.md. Protocol version 0.4.0 exactly: `auth` with any other version
// (or one that is not semver) is refused with AttestationError. Error bodies are
// `{"type":"https://github.com/confidential-containers/kbs/errors/<Kind>","detail":"..."}` with 404 for
// InvalidRequestPath and PluginNotFound and 401 for every other kind; coco adds `request_id` (and `reason`
// when the detail alone does not explain a refusal) beside them, which Trustee's clients ignore.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/result.hpp"

namespace coco::kbs {

inline constexpr std::string_view k_protocol_version = "0.4.0";
inline constexpr std::string_view k_session_cookie = "kbs-session-id";
inline constexpr std::string_view k_error_type_prefix = "https://github.com/confidential-containers/kbs/errors/";

enum class ErrorKind {
  admin_auth_initialization,
  admin_auth_access,
  attestation_error,
  http_failed,
  https_failed,
  invalid_request_path,
  jwe_error,
  plugin_manager_initialization,
  plugin_not_found,
  plugin_internal_error,
  policy_deny,
  parse_policy_error,
  policy_engine_error,
  rvps_error,
  serde_error,
  storage_backend_initialization,
  token_not_found,
  token_verifier_error,
  prometheus_error,
};

// The Rust variant name: "PolicyDeny", "TokenNotFound", ...
std::string_view error_kind_name(ErrorKind kind);
std::optional<ErrorKind> error_kind_from_name(std::string_view name);
// 404 for InvalidRequestPath and PluginNotFound, 401 for the rest.
int http_status(ErrorKind kind);

// A refusal as the server answers it.
struct KbsError {
  ErrorKind kind = ErrorKind::attestation_error;
  std::string detail;      // Trustee's Display text for the kind
  std::string reason;      // coco: a short why, when it adds to the detail (never a secret)
  std::string request_id;  // coco: the id to give `coco-kbs explain`
  [[nodiscard]] nlohmann::json to_json() const;
};

// Trustee's detail texts, so the client sees what it would see from Trustee.
KbsError policy_deny();
KbsError token_not_found();
KbsError plugin_not_found(std::string_view plugin);
KbsError invalid_request_path(std::string_view path);

// kbs-types ErrorInformation, as a client parses an error body.
struct ErrorInformation {
  std::string error_type;  // the full URL
  std::string detail;
  std::string request_id;  // empty from Trustee
  static Result<ErrorInformation> parse(std::string_view body);
  [[nodiscard]] std::optional<ErrorKind> kind() const;
};

// The TEE names kbs-types 0.18 accepts in `tee`.
const std::vector<std::string_view>& tee_names();
bool is_known_tee(std::string_view tee);

struct Request {
  std::string version;
  std::string tee;
  nlohmann::json extra_params = nlohmann::json::object();
  [[nodiscard]] nlohmann::json to_json() const;
};

// Parses an auth body; the error message is Trustee's wording ("deserialize Request", "failed to parse KBS
// version", "KBS Client Protocol Version Mismatch: expect =0.4.0 while the request is X").
Result<Request> parse_request(std::string_view body);
// Semver `=0.4.0`: true for 0.4.0 (build metadata ignored), false for anything else including pre-releases.
Result<bool> protocol_version_matches(std::string_view version);

struct Challenge {
  std::string nonce;
  nlohmann::json extra_params = "";  // the empty string, except for `se`
  [[nodiscard]] nlohmann::json to_json() const;
  static Result<Challenge> parse(std::string_view body);
};

struct InitData {
  std::string format;  // "toml"
  std::string body;
};

struct Attestation {
  std::optional<InitData> init_data;
  std::string nonce;              // runtime-data.nonce
  nlohmann::json tee_pubkey;      // runtime-data.tee-pubkey (a JWK)
  nlohmann::json primary_evidence;
  std::string additional_evidence;  // a JSON string: "" or {"<tee>": evidence}
  [[nodiscard]] nlohmann::json to_json() const;
  static Result<Attestation> parse(std::string_view body);
};

// Resource path rules of Trustee's resource plugin: exactly three parts, each matching
// `^[A-Za-z0-9_-][A-Za-z0-9_.-]*` (so no empty part, no leading dot, no `..`).
bool is_valid_path_part(std::string_view part);
Result<std::vector<std::string>> parse_resource_path(std::string_view path);

// A random kbs-session-id (uuid v4 as 32 lowercase hex) and nonce (std base64 of 32 random bytes).
std::string new_session_id();
std::string new_nonce();
// RFC 1123 date, as in a cookie's Expires: "Sat, 28 Nov 2026 06:05:00 GMT".
std::string http_date(std::int64_t unix_ms);

} // namespace coco::kbs
