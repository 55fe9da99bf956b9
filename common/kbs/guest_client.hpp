// The guest side of the KBS protocol (RCAR, protocol 0.4.0), as guest-components' kbs_protocol crate speaks it
// (kbs_protocol/src/client/rcar_client.rs, keypair.rs; summarised in shared/spec/kbs-protocol.md and
// evidence.md §1-§2):
//   1. POST /kbs/v0/auth {"version":"0.4.0","tee":<tee>,"extra-params":{"supported-hash-algorithms":[...]}}
//      -> Set-Cookie kbs-session-id, {"nonce":<b64>,"extra-params":""}
//   2. an ephemeral TEE key (EC P-256, JWK {"kty":"EC","crv":"P-256","alg":"ECDH-ES+A256KW","x","y"}, or RSA-3072
//      {"kty":"RSA","alg":"RSA-OAEP-256","n","e"}); runtime data {"additional-evidence":"","nonce","tee-pubkey"};
//      the evidence binds H(JCS(runtime data)) (binding.hpp), H the TEE's binding hash;
//   3. POST /kbs/v0/attest {"init-data"?, "runtime-data", "tee-evidence"} with the cookie -> {"token": <EAR JWT>}
//   4. GET /kbs/v0/resource/<repo>/<type>/<tag> with the cookie -> a JWE sealed to the TEE key, decrypted here.
// One libcurl handle per client keeps the cookie and the TLS connection across the calls.
//
// Failures are classified (KbsFailure) and every message starts with the class's label ("kbs unreachable: ...",
// "attestation refused: ..."), so a tool can map them to exit codes with classify_failure(); a refusal carries the
// server's detail and, from coco's KBS, its reason and request id. The token is decoded, not verified: the guest
// has no trust anchor for the attestation service's key, and the KBS verifies it on every use.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/attest/source.hpp"
#include "common/base/result.hpp"
#include "common/base/secret.hpp"
#include "common/kbs/protocol.hpp"

namespace coco::kbs {

enum class KbsFailure {
  none,
  no_tee,               // no TEE interface to get evidence from (Kind::not_found)
  evidence,             // the interface exists but evidence could not be produced
  unreachable,          // connection refused, DNS, timeout (Kind::network)
  tls,                  // certificate not trusted, handshake failed (Kind::network)
  protocol,             // the server answered something that is not the KBS protocol (Kind::invalid)
  attestation_refused,  // auth or attest answered with an error (Kind::denied)
  resource_refused,     // the resource request answered with an error (Kind::denied)
};

// "no tee interface", "evidence could not be produced", "kbs unreachable", "kbs tls failure", "kbs protocol error",
// "attestation refused", "resource refused" ("" for none).
std::string_view failure_label(KbsFailure failure);
// The class of an error produced by this module (from its label, at the start of the message or after context a
// caller added: "layer 1: resource refused: ..."); none otherwise.
KbsFailure classify_failure(const Error& error);

enum class TeeKeyType { ec_p256, rsa };

struct GuestClientOptions {
  std::string url;                   // https://host:port (no path)
  std::string cacert;                // PEM bundle; empty: the system store
  bool insecure_skip_tls_verify = false;
  long timeout_s = 30;
  TeeKeyType key_type = TeeKeyType::ec_p256;
  std::optional<InitData> init_data; // sent as "init-data" (format toml)
};

struct AttestResult {
  std::string tee;                   // the protocol's tee name sent in auth
  std::string source;                // the evidence source's name
  std::string nonce;
  nlohmann::json tee_pubkey;         // the JWK sent in runtime-data
  std::string token;
  nlohmann::json token_header;
  nlohmann::json claims;             // the token's claims, decoded (not verified)
  std::chrono::milliseconds auth_time{0}, evidence_time{0}, attest_time{0};
};

class GuestClient {
public:
  // Generates the TEE key; nothing is sent yet.
  static Result<std::unique_ptr<GuestClient>> create(GuestClientOptions options);
  ~GuestClient();
  GuestClient(const GuestClient&) = delete;
  GuestClient& operator=(const GuestClient&) = delete;

  // POST /kbs/v0/auth for `tee`: the challenge (the session cookie is kept).
  Result<Challenge> auth(std::string_view tee);
  // The whole handshake: auth for source.tee(), evidence bound to the challenge and the TEE key, attest.
  Result<AttestResult> attest(attest::EvidenceSource& source);
  // GET /kbs/v0/resource/<path> (path "repo/type/tag") in the attested session, decrypted with the TEE key.
  Result<Secret> get_resource(std::string_view path);

  [[nodiscard]] const nlohmann::json& tee_pubkey() const;
  [[nodiscard]] const std::string& url() const;

  struct Impl;

private:
  explicit GuestClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

// "kbs:///repo/type/tag" or "repo/type/tag" -> "repo/type/tag" (validated as Trustee's resource plugin does).
Result<std::string> parse_kbs_resource_uri(std::string_view uri);

} // namespace coco::kbs
