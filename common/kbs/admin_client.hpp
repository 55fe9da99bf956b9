// The KBS admin API from the client side: Trustee's admin calls (shared/spec/kbs-protocol.md "Admin API";
// trustee tools/kbs-client) and coco-kbs serve's extensions under /kbs/coco/v1/ (common/kbs/API.md).
//
// One builder per admin call returns the request (method, path, content type, body) without sending it, so a
// command can print the equivalent curl line (--print-curl) or send it with AdminClient::send(). Bodies are
// byte-for-byte what Trustee's kbs-client sends: resource values raw (application/octet-stream), policies as
// JSON with the Rego in base64url without padding, reference values as an RVPS message.
//
// Authentication: `Authorization: Bearer <JWT>`, either read from a token file (as kbs-client's
// --admin-token-file) or minted per request from a private key (short-lived): header {"alg","typ":"JWT"}, alg
// EdDSA (Ed25519), ES256/ES384/ES512 (EC) or RS256 (RSA); claims `role`, `iat`, `exp`, plus `iss` and `aud`
// when given. Trustee's bearer_jwt verifier requires `role` and checks `iss`/`aud` against the identity
// provider's `issuer`/`audience` when those are configured (kbs/src/admin/authentication/bearer_jwt.rs).
//
// Trustee has no admin reads, no reference-value list/delete and no policy read-back: those requests go to
// /kbs/coco/v1/, which Trustee answers with a bare 404. send() turns that into Kind::unsupported saying so.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/base/result.hpp"
#include "common/base/secret.hpp"
#include "common/crypto/key.hpp"
#include "common/kbs/client.hpp"

namespace coco::kbs {

struct AdminTokenOptions {
  std::string role = "admin";
  std::string issuer;     // `iss` when not empty
  std::string audience;   // `aud` when not empty
  std::int64_t ttl_seconds = 300;
  std::function<std::int64_t()> now;  // empty: the system clock
};

// A signed admin JWT for Trustee's bearer_jwt admin authentication.
Result<std::string> mint_admin_token(const crypto::PrivateKey& key, const AdminTokenOptions& options);

// Where the KBS is and how to authenticate to its admin API.
struct AdminEndpoint {
  std::string url;               // https://HOST:PORT (no trailing path)
  std::string admin_key;         // PEM private key file: a token is minted per request
  std::string admin_token_file;  // a file holding a bearer token (used when admin_key is empty)
  std::string cacert;
  bool insecure_skip_tls_verify = false;
  AdminTokenOptions token;
  long timeout_s = 30;
};

// One admin call, not yet sent.
struct AdminRequest {
  std::string method;
  std::string path;            // "/kbs/v0/resource/a/b/c"
  std::string content_type;    // "" = no Content-Type header
  std::string body;
  bool coco_only = false;      // a coco-kbs serve extension (/kbs/coco/v1/)
  std::string feature;         // what Trustee lacks, for the message: "admin read", "reference-value delete"
  bool secret_body = false;    // the body is a secret value: never printed (curl line reads it from a file)
  std::string body_file;       // for the curl line: the file the body came from ("" = stdin when secret)
};

// Builders, one per admin call. `path` is REPO/TYPE/TAG (checked by check_resource_path).
namespace admin {
AdminRequest resource_set(std::string_view path, std::string value);
AdminRequest resource_delete(std::string_view path);
AdminRequest resource_get(std::string_view path, std::optional<std::int64_t> version = {});
AdminRequest resource_list(bool include_deleted = false);
AdminRequest resource_history(std::string_view path);
AdminRequest resource_rollback(std::string_view path, std::int64_t version);
AdminRequest resource_undelete(std::string_view path);
AdminRequest resource_policy_set(std::string_view rego);
AdminRequest resource_policy_list();                      // Trustee: the stored ids, not the text
AdminRequest resource_policy_get(std::string_view id);    // coco: the text
AdminRequest attestation_policy_set(std::string_view id, std::string_view rego);
AdminRequest attestation_policy_get(std::string_view id);  // coco
AdminRequest attestation_policy_list();                    // coco
// `message`: an RVPS message {"version","type","payload"} (sent as given, compact).
AdminRequest reference_value_register(const nlohmann::json& message);
AdminRequest reference_value_get(std::string_view name);   // Trustee
AdminRequest reference_value_list();                       // coco
AdminRequest reference_value_delete(std::string_view name);  // coco
// The RVPS "sample" message for {name: values}: payload = std base64 of the compact JSON.
nlohmann::json sample_reference_value_message(const nlohmann::json& values);
// An RVPS message as given, or a plain {name: value} object wrapped as a sample message.
Result<nlohmann::json> reference_value_message_from_text(std::string_view text);
// The RVPS message of one provenance file, by `type`: "sample" (a {name: value} JSON object), "swid" (an ISO
// 19770-2 SWID tag, XML) or "corim" (a CoRIM, CBOR); the payload is the std base64 of the file's bytes, as
// Trustee's extractors decode it. "auto": an RVPS message or a JSON object as reference_value_message_from_text,
// an XML document as swid. Only the sample and swid contents are checked here; the KBS checks the rest.
Result<nlohmann::json> reference_value_message_of(std::string_view type, std::string_view content);
} // namespace admin

// Kind::usage unless `path` is three segments of [A-Za-z0-9_.-] (not starting with '.').
Status check_resource_path(std::string_view path);

struct AdminExchange {
  AdminRequest request;
  HttpResponse response;
};

// What `coco-kbs status` reports.
struct ServerStatus {
  std::string url;
  bool reachable = false;
  std::string transport_error;      // when not reachable
  bool tls = false;
  std::string fingerprint;          // SHA-256 of the server certificate (also when it did not verify)
  bool tls_verified = false;
  std::string protocol_version;     // "0.4.0" as the server demands, "" when unknown
  bool coco_extensions = false;     // /kbs/coco/v1/ answers (coco-kbs serve)
  std::string admin;                // "accepted", "refused", "no credential", "unknown"
  std::string admin_detail;
  [[nodiscard]] nlohmann::json to_json() const;
};

class AdminClient {
public:
  explicit AdminClient(AdminEndpoint endpoint) : m_endpoint(std::move(endpoint)) {}

  // Sends with a fresh bearer token. A non-2xx reply is an error: 401 Kind::denied with a hint about the
  // admin key, a bare 404 on a coco-only call Kind::unsupported ("this server has no admin read (Trustee's
  // API lacks it); coco-kbs serve has it"), other codes Kind::failure with the server's detail.
  [[nodiscard]] Result<AdminExchange> send(const AdminRequest& request) const;
  // The curl command line doing the same request; the token is "$TOKEN" (or read from the token file).
  [[nodiscard]] std::string curl_command(const AdminRequest& request) const;
  // The full request as it would go on the wire, with the Authorization value; for tests and send().
  [[nodiscard]] Result<HttpRequest> http_request_for(const AdminRequest& request) const;
  // Reachability, TLS, protocol version, coco extensions and whether the admin credential is accepted.
  [[nodiscard]] ServerStatus status() const;
  [[nodiscard]] const AdminEndpoint& endpoint() const { return m_endpoint; }

private:
  [[nodiscard]] std::string base_url() const;
  [[nodiscard]] ClientOptions client_options() const;
  [[nodiscard]] Result<std::string> bearer_token() const;
  AdminEndpoint m_endpoint;
};

// A key stored for an image (coco-encrypt -r kbs:///REPO/TYPE/TAG): uploaded, then confirmed. coco-kbs serve
// lets the admin read it back, and the bytes must match; Trustee has no admin read, so its 200 must do.
struct KeyUpload {
  std::string path;
  std::string confirmed_by;  // "admin read-back" or "status code"
  std::optional<std::int64_t> version;  // the stored version (coco-kbs serve)
};
// Any failure (refused upload, read-back that differs or fails for another reason than Trustee's missing admin
// read) is an error: the caller must not produce an image whose key is nowhere.
Result<KeyUpload> upload_key(const AdminClient& client, std::string_view path, const Secret& key);

// Single-quotes a word for a POSIX shell.
std::string shell_quote(std::string_view word);

} // namespace coco::kbs
