// A small HTTP(S) client for the KBS admin API (libcurl), used by coco-kbs's client commands.
//
// One request, whole body in memory (admin calls carry small JSON documents and resource values). TLS is
// verified against the system trust store, or a given CA file, unless explicitly disabled. An admin request
// carries `Authorization: Bearer <JWT>`; admin_token() mints one per request from a private key, as Trustee's
// kbs-client does with its admin key: EdDSA for Ed25519, ES256 for P-256, claims role=admin, iat, exp now+5min.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/crypto/key.hpp"

namespace coco::kbs {

struct ClientOptions {
  std::string cacert;               // PEM CA bundle; empty: the system store
  bool insecure_skip_tls_verify = false;
  long timeout_s = 60;
  bool peer_fingerprint = false;    // record the server certificate's SHA-256 fingerprint (HTTPS)
};

struct HttpResponse {
  long status = 0;
  std::string content_type;
  std::string body;
  std::vector<std::string> headers;  // "name: value" as received (names as sent by the server)
  std::string peer_fingerprint;      // "AB:CD:..." when asked for and the connection was HTTPS
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const;  // case-insensitive
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
};

// A transport failure is Kind::network (connection refused, name not found, timeout: the hint says to check
// the URL) or Kind::auth for a certificate that does not verify (the message carries the SHA-256 fingerprint
// of the certificate the server presented, fetched with a second, unverified handshake that sends nothing).
Result<HttpResponse> http_request(const HttpRequest& request, const ClientOptions& options);

// A bearer token for the admin API, valid 5 minutes.
Result<std::string> admin_token(const crypto::PrivateKey& key);

// The error message of a KBS error reply (Trustee's {"type","detail"}), or the body's start.
std::string describe_error_reply(const HttpResponse& response);

} // namespace coco::kbs
