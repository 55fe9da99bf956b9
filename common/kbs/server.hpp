// coco-kbs serve: a Trustee-compatible Key Broker Service over HTTPS (cpp-httplib), storing in SQLite or
// PostgreSQL (common/store), attesting in-process (attestation.hpp) and answering resources as JWE.
//
// Routes (spec kbs-protocol.md; coco's own under /kbs/coco/v1, documented in common/kbs/API.md):
//   POST /kbs/v0/auth, POST /kbs/v0/attest, GET /kbs/v0/resource/<repo>/<type>/<tag>
//   admin: POST|DELETE /kbs/v0/resource/..., POST|GET /kbs/v0/resource-policy, POST /kbs/v0/attestation-policy,
//          POST /kbs/v0/reference-value, GET /kbs/v0/reference-value/<id>, /kbs/coco/v1/... (API.md)
//   GET /healthz, GET /readyz, GET /metrics, GET /.well-known/jwks.json
// Every response carries X-Request-Id; every refusal is logged and audited with its id and reason.
//
// A thin command wires it: create(options) -> start() -> wait(), with stop() from a signal handler's thread.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/attest/verifier.hpp"
#include "common/base/result.hpp"
#include "common/kbs/config.hpp"

namespace coco::store {
class Store;
}

namespace coco::kbs {

struct ServerOptions {
  KbsConfig config = default_kbs_config();
  std::filesystem::path state_dir;          // required: keys, self-signed certificate, SQLite database
  std::string database;                     // empty: SQLite at state_dir/kbs.db; or postgres://...
  std::optional<std::filesystem::path> kek_path;    // default state_dir/kek
  std::optional<std::filesystem::path> tls_cert;    // override [http_server] certificate
  std::optional<std::filesystem::path> tls_key;     // override [http_server] private_key
  std::optional<bool> insecure_http;                // override [http_server] insecure_http
  bool allow_insecure_http_off_loopback = false;    // --insecure-http on a non-loopback socket needs this
  std::optional<std::vector<std::string>> sockets;  // override [http_server] sockets ("IP:port", port 0 = any)
  attest::VerifierOptions verifier;                 // simulated roots, SNP VEK cache, TDX collateral
  // PEM CA bundle for https:// key sources ([admin] identity providers, trusted_jwk_sets); default: system store
  std::optional<std::filesystem::path> key_source_cacert;
};

struct ListenAddress {
  std::string host;
  int port = 0;
  std::string url;  // https://127.0.0.1:port or http://...
};

class Server {
public:
  // Opens the store (migrating it), installs the default resource policy if none, loads or creates keys and
  // the TLS identity, builds the admin authenticator. Nothing listens yet.
  static Result<std::unique_ptr<Server>> create(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every socket and starts serving on background threads; returns once all are listening.
  Status start();
  // Blocks until stop() (from another thread) or a listener fails.
  void wait();
  // Stops listening and finishes in-flight requests; idempotent.
  void stop();

  [[nodiscard]] const std::vector<ListenAddress>& addresses() const;
  // SHA-256 fingerprint of the HTTPS certificate (empty over plain HTTP).
  [[nodiscard]] const std::string& tls_fingerprint() const;
  [[nodiscard]] const std::filesystem::path& tls_certificate() const;
  [[nodiscard]] store::Store& store();

  struct Impl;

private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

} // namespace coco::kbs
