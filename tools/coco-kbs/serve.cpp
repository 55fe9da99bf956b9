// coco-kbs serve: runs kbs::Server until SIGINT/SIGTERM.
//
// Without a configuration file the embedded defaults apply (loopback, HTTPS with a self-signed certificate,
// admin API authenticated). When the admin API is authenticated but no identity provider is configured, an
// Ed25519 admin key pair is kept in the state directory (private key 0600, reused when present), its public
// key is trusted and role `admin` may call every /kbs/ endpoint; the private key's path is printed so that
// `coco-kbs explain --admin-key` and `coco-kbs secrets --admin-key` can use it.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "common/attest/sim.hpp"
#include "common/base/atomic_file.hpp"
#include "common/base/interrupt.hpp"
#include "common/base/log.hpp"
#include "common/crypto/key.hpp"
#include "common/kbs/config.hpp"
#include "common/kbs/server.hpp"
#include "tools/coco-kbs/commands.hpp"

namespace coco_kbs {
namespace {

struct ServeOptions {
  std::string config;
  std::string state_dir;
  std::string database;
  std::string tls_cert;
  std::string tls_key;
  bool insecure_http = false;
  bool allow_insecure_http_off_loopback = false;
  std::vector<std::string> listen;
  std::string trust_sim_roots;
  std::string key_source_cacert;
};

std::filesystem::path default_state_dir() {
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::filesystem::path(xdg) / "coco" / "kbs";
  }
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home != nullptr ? home : ".") / ".local" / "state" / "coco" / "kbs";
}

// Loads or creates state_dir/admin.key (Ed25519, 0600) and writes its public key beside it.
coco::Result<std::filesystem::path> ensure_admin_key(const std::filesystem::path& state_dir,
                                                     std::filesystem::path& public_path) {
  const std::filesystem::path private_path = state_dir / "admin.key";
  public_path = state_dir / "admin.pub";
  std::error_code ec;
  std::optional<coco::crypto::PrivateKey> key;
  if (std::filesystem::exists(private_path, ec)) {
    COCO_TRY(auto loaded, coco::crypto::PrivateKey::load_file(private_path));
    key = std::move(loaded);
  } else {
    COCO_TRY(auto generated, coco::crypto::PrivateKey::generate_ed25519());
    COCO_TRY_STATUS(generated.write_pem_file(private_path));
    key = std::move(generated);
  }
  COCO_TRY_STATUS(coco::write_file_atomic(public_path, key->public_key().to_pem(), 0644));
  return private_path;
}

} // namespace

void register_serve(coco::cli::Command& cmd) {
  auto opts = cmd.options<ServeOptions>();
  auto& app = cmd.app();
  app.add_option("--config", opts->config, "a Trustee kbs-config.toml (default: embedded defaults)");
  app.add_option("--state-dir", opts->state_dir,
                 "keys, certificate and database (default $XDG_STATE_HOME/coco/kbs)");
  app.add_option("--database", opts->database,
                 "postgres://...; ?pool_size=N bounds its connections (default 8) (default: SQLite in the state "
                 "directory)");
  app.add_option("--tls-cert", opts->tls_cert, "the HTTPS certificate chain (PEM)");
  app.add_option("--tls-key", opts->tls_key, "the HTTPS private key (PEM)");
  app.add_flag("--insecure-http", opts->insecure_http, "serve plain HTTP");
  app.add_flag("--allow-insecure-http-off-loopback", opts->allow_insecure_http_off_loopback,
               "allow --insecure-http on a non-loopback address");
  app.add_option("--listen", opts->listen, "ADDR:PORT to listen on (repeatable; port 0 picks one)");
  app.add_option("--trust-sim-roots", opts->trust_sim_roots,
                 "INSECURE, tests and demos only: also trust the simulated SEV-SNP/TDX roots in DIR "
                 "(from `coco-attest sim init DIR`)")
      ->type_name("DIR");
  app.add_option("--key-source-cacert", opts->key_source_cacert,
                 "a CA bundle (PEM) to verify https:// identity-provider keys and trusted_jwk_sets with "
                 "(default: the system trust store)")
      ->type_name("FILE");
  cmd.description("Runs a Trustee-compatible Key Broker Service until SIGINT or SIGTERM. Without --config the "
                  "embedded defaults apply: 127.0.0.1:8080, HTTPS with a self-signed certificate kept in the "
                  "state directory, built-in attestation, admin API authenticated by an Ed25519 key generated "
                  "into the state directory (its path is printed). Listening addresses and the TLS certificate "
                  "fingerprint are printed on stderr. With --trust-sim-roots DIR the verifiers also accept sim-snp and "
                  "sim-tdx evidence chaining to the simulated roots in DIR, through the same parsers and signature "
                  "checks as real evidence; the claims of such evidence carry \"simulated\": true (so a policy can "
                  "refuse it) and the server warns at startup that it is insecure.");
  cmd.example("coco-kbs serve --listen 127.0.0.1:0 --state-dir /tmp/kbs", "a throw-away KBS on a free port");
  cmd.example("coco-kbs serve --config kbs-config.toml", "run with a Trustee configuration");
  cmd.example("coco-attest sim init sim && coco-kbs serve --state-dir /tmp/kbs --trust-sim-roots sim",
              "a test KBS accepting simulated SEV-SNP/TDX evidence (insecure)");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    coco::kbs::ServerOptions options;
    if (!opts->config.empty()) {
      COCO_TRY(auto config, coco::kbs::load_kbs_config(opts->config));
      options.config = std::move(config);
    }
    options.state_dir = opts->state_dir.empty() ? default_state_dir() : std::filesystem::path(opts->state_dir);
    std::error_code ec;
    std::filesystem::create_directories(options.state_dir, ec);
    if (ec) {
      return coco::make_error(coco::Kind::io, "state directory " + options.state_dir.string() + ": " + ec.message());
    }
    std::filesystem::permissions(options.state_dir, std::filesystem::perms::owner_all, ec);
    std::optional<std::filesystem::path> admin_key;
    auto& admin = options.config.admin;
    if (admin.mode == coco::kbs::AdminMode::authenticated_authorization && admin.identity_providers.empty()) {
      std::filesystem::path public_path;
      COCO_TRY(auto private_path, ensure_admin_key(options.state_dir, public_path));
      coco::kbs::IdentityProvider idp;
      idp.public_key_uri = "file://" + std::filesystem::absolute(public_path).string();
      admin.identity_providers.push_back(idp);
      if (admin.acls.empty()) {
        admin.acls.push_back(coco::kbs::AclRule{"admin", "^/kbs/.*$"});
      }
      admin_key = private_path;
    }
    options.database = opts->database;
    if (!opts->tls_cert.empty()) {
      options.tls_cert = opts->tls_cert;
    }
    if (!opts->tls_key.empty()) {
      options.tls_key = opts->tls_key;
    }
    if (opts->insecure_http) {
      options.insecure_http = true;
    }
    options.allow_insecure_http_off_loopback = opts->allow_insecure_http_off_loopback;
    if (!opts->listen.empty()) {
      options.sockets = opts->listen;
    }
    if (!opts->trust_sim_roots.empty()) {
      const std::filesystem::path sim_dir = std::filesystem::absolute(opts->trust_sim_roots);
      auto snp = coco::attest::load_sim_snp_roots(sim_dir);
      auto tdx = coco::attest::load_sim_tdx_root(sim_dir);
      if (!snp && !tdx) {
        return coco::make_error(coco::Kind::invalid, "--trust-sim-roots " + sim_dir.string() + ": " + snp.error().message,
                                "create the roots with `coco-attest sim init " + sim_dir.string() + "`");
      }
      options.verifier.sim_dir = sim_dir;
      ctx.streams.err << "WARNING: INSECURE: trusting the simulated SEV-SNP/TDX roots in " << sim_dir.string()
                      << "; simulated evidence will be accepted (claims marked \"simulated\": true). "
                         "Never do this outside tests and demos.\n";
    }
    if (!opts->key_source_cacert.empty()) {
      options.key_source_cacert = std::filesystem::path(opts->key_source_cacert);
    }
    COCO_TRY(auto server, coco::kbs::Server::create(std::move(options)));
    COCO_TRY_STATUS(server->start());
    for (const coco::kbs::ListenAddress& address : server->addresses()) {
      ctx.streams.err << "listening on " << address.url << '\n';
    }
    if (!server->tls_fingerprint().empty()) {
      ctx.streams.err << "TLS certificate " << server->tls_certificate().string() << " SHA-256 fingerprint "
                      << server->tls_fingerprint() << '\n';
    }
    if (admin_key) {
      ctx.streams.err << "admin key " << std::filesystem::absolute(*admin_key).string() << '\n';
    }
    ctx.streams.err.flush();
    std::thread waiter([&server] { server->wait(); });
    std::atomic<bool> stopped_by_signal{false};
    std::atomic<bool> done{false};
    std::thread watcher([&] {
      while (!done.load()) {
        if (coco::interrupted()) {
          stopped_by_signal.store(true);
          server->stop();
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
    waiter.join();
    done.store(true);
    watcher.join();
    server->stop();
    if (!stopped_by_signal.load()) {
      return coco::make_error(coco::Kind::failure, "the KBS stopped listening");
    }
    coco::clear_interrupt();  // a requested, clean stop
    coco::log::info("KBS stopped");
    return coco::ok();
  });
}

} // namespace coco_kbs
