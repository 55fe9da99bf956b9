// Full KBS handshakes per second: auth -> attest (sample TEE, Trustee's default attestation policy through the Rego
// engine, reference values from the store) -> resource (JWE to the TEE key, decrypted by the client), against an
// in-process `coco-kbs serve` (SQLite state in a temp dir, or the PostgreSQL database given) on 127.0.0.1 over
// HTTPS, with 1, 16 and 64 concurrent clients. Each handshake is what a booting guest does: a new TLS connection
// (kept alive for its three requests) and a fresh P-256 TEE key. Prints handshakes/s and p50/p99 latency per
// concurrency, and, measured in the same run on one thread:
//   - the crypto-only cost of one handshake: TEE key generation, the runtime-data digest, the EAR token signature
//     (ES256) and its verification at the resource endpoint, the JWE seal (ECDH-ES+A256KW, A256GCM) and the
//     client's JWE decryption. TLS handshake crypto is not in it (it is in the handshake time);
//   - one policy evaluation (attestation and resource, as the server runs them for this handshake);
// each as a fraction of one handshake at concurrency 1. Asserts nothing.
//
//   coco_bench_kbs_handshake [seconds per concurrency level (default 5)] [database: postgres://... URL]
#include <cstdio>
#include <cstdlib>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <httplib.h>

#include "bench/bench_env.hpp"
#include "common/attest/binding.hpp"
#include "common/base/atomic_file.hpp"
#include "common/base/encoding.hpp"
#include "common/base/log.hpp"
#include "common/crypto/key.hpp"
#include "common/jose/jwe.hpp"
#include "common/kbs/policy.hpp"
#include "common/kbs/protocol.hpp"
#include "common/kbs/server.hpp"
#include "common/kbs/token.hpp"

using namespace coco;

namespace {

using Clock = std::chrono::steady_clock;

using bench::load_average;
using bench::shared_dir;

struct TeeKey {
  crypto::PrivateKey key;
  nlohmann::json jwk;
};

Result<TeeKey> make_tee_key() {
  COCO_TRY(auto key, crypto::PrivateKey::generate_ec(crypto::Curve::p256));
  const auto ec = key.public_key().ec();
  nlohmann::json jwk = {{"kty", "EC"}, {"crv", "P-256"}, {"alg", "ECDH-ES+A256KW"}, {"x", base64url_encode(ec.x)},
                        {"y", base64url_encode(ec.y)}};
  return TeeKey{std::move(key), std::move(jwk)};
}

const std::string k_secret = "bench secret value";

// One handshake on a new connection; empty string on success, else what failed.
std::string handshake(int port, const std::string& ca) {
  httplib::SSLClient client("127.0.0.1", port);
  client.set_ca_cert_path(ca);
  client.enable_server_certificate_verification(true);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  auto tee = make_tee_key();
  if (!tee) {
    return "key: " + tee.error().message;
  }
  auto auth = client.Post("/kbs/v0/auth", R"({"version":"0.4.0","tee":"sample","extra-params":{}})", "application/json");
  if (!auth || auth->status != 200) {
    return "auth failed";
  }
  auto challenge = kbs::Challenge::parse(auth->body);
  if (!challenge) {
    return "challenge: " + challenge.error().message;
  }
  const std::string set_cookie = auth->get_header_value("Set-Cookie");
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  auto digest = attest::runtime_data_digest(challenge->nonce, tee->jwk, std::string_view(""), attest::HashAlgorithm::sha384);
  if (!digest) {
    return "digest: " + digest.error().message;
  }
  kbs::Attestation a;
  a.nonce = challenge->nonce;
  a.tee_pubkey = tee->jwk;
  a.primary_evidence = {{"svn", "1"}, {"report_data", base64_encode(*digest)}};
  httplib::Headers headers = {{"Cookie", cookie}};
  auto attested = client.Post("/kbs/v0/attest", headers, a.to_json().dump(), "application/json");
  if (!attested || attested->status != 200) {
    return "attest failed: " + (attested ? attested->body : std::string("no response"));
  }
  auto res = client.Get("/kbs/v0/resource/default/key/one", headers);
  if (!res || res->status != 200) {
    return "resource failed: " + (res ? res->body : std::string("no response"));
  }
  auto plain = jose::jwe_decrypt(res->body, tee->key);
  if (!plain || plain->view() != k_secret) {
    return "resource did not decrypt to the secret";
  }
  return {};
}

struct LevelResult {
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  long failures = 0;
  std::string first_failure;
};

LevelResult run_level(int clients, double seconds, int port, const std::string& ca) {
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<double> latencies;
  LevelResult out;
  std::vector<std::thread> pool;
  const auto start = Clock::now();
  for (int c = 0; c < clients; ++c) {
    pool.emplace_back([&] {
      std::vector<double> mine;
      long failures = 0;
      std::string failure;
      while (!stop.load(std::memory_order_relaxed)) {
        const auto t0 = Clock::now();
        std::string err = handshake(port, ca);
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (err.empty()) {
          mine.push_back(ms);
        } else {
          ++failures;
          failure = err;
        }
      }
      std::lock_guard lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
      out.failures += failures;
      if (out.first_failure.empty()) {
        out.first_failure = failure;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : pool) {
    t.join();
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latencies.begin(), latencies.end());
  out.per_second = static_cast<double>(latencies.size()) / elapsed;
  if (!latencies.empty()) {
    auto pct = [&](double p) {
      return latencies[std::min(latencies.size() - 1, static_cast<size_t>(p * static_cast<double>(latencies.size())))];
    };
    out.p50_ms = pct(0.50);
    out.p99_ms = pct(0.99);
  }
  return out;
}

// Seconds per iteration of `fn`, run for about `seconds`.
template <typename F>
double time_per(double seconds, F&& fn) {
  long n = 0;
  const auto start = Clock::now();
  double elapsed = 0;
  do {
    if (!fn()) {
      std::fprintf(stderr, "a measured operation failed\n");
      return -1;
    }
    ++n;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < seconds);
  return elapsed / static_cast<double>(n);
}

} // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 5.0;
  log::set_level(log::Level::error);
  const auto state = std::filesystem::temp_directory_path() / ("coco-bench-kbs-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(state);

  kbs::ServerOptions options;
  options.config = kbs::default_kbs_config();
  options.config.admin.mode = kbs::AdminMode::insecure_allow_all;
  options.config.http_server.worker_count = 96;  // 64 concurrent keep-alive connections must not queue
  options.state_dir = state;
  if (argc > 2) {
    options.database = argv[2];
  }
  options.sockets = std::vector<std::string>{"127.0.0.1:0"};
  auto created = kbs::Server::create(std::move(options));
  if (!created) {
    std::fprintf(stderr, "server: %s\n", created.error().message.c_str());
    return 1;
  }
  auto server = std::move(*created);
  if (auto started = server->start(); !started) {
    std::fprintf(stderr, "server start: %s\n", started.error().message.c_str());
    return 1;
  }
  const int port = server->addresses()[0].port;
  const std::string ca = server->tls_certificate().string();

  // Setup through the admin API: a secret, a resource policy that lets the sample TEE through (Trustee's default
  // refuses it), the sample reference values (so the default attestation policy affirms).
  {
    httplib::SSLClient admin("127.0.0.1", port);
    admin.set_ca_cert_path(ca);
    admin.enable_server_certificate_verification(true);
    auto allow_all = read_file(shared_dir() / "vectors" / "kbs" / "policies" / "allow_all.rego");
    auto rv = read_file(shared_dir() / "vectors" / "evidence" / "rvps" / "made-here-sample-message-sample.json");
    if (!allow_all || !rv) {
      std::fprintf(stderr, "cannot read the vectors under %s\n", shared_dir().c_str());
      return 1;
    }
    const bool ok =
        admin.Post("/kbs/v0/resource/default/key/one", k_secret, "application/octet-stream")->status == 200 &&
        admin.Post("/kbs/v0/resource-policy", nlohmann::json{{"policy", base64url_encode(*allow_all)}}.dump(),
                   "application/json")->status == 200 &&
        admin.Post("/kbs/v0/reference-value", *rv, "application/json")->status == 200;
    if (!ok) {
      std::fprintf(stderr, "admin setup failed\n");
      return 1;
    }
  }
  if (auto err = handshake(port, ca); !err.empty()) {
    std::fprintf(stderr, "first handshake failed: %s\n", err.c_str());
    return 1;
  }

  std::printf("# KBS handshakes (auth+attest+resource, sample TEE, HTTPS on loopback, new connection per handshake), "
              "%s store, %.1f s per level, load average %.2f, %u cores\n",
              argc > 2 ? "postgres" : "sqlite", seconds, load_average(), std::thread::hardware_concurrency());
  std::printf("%8s %14s %10s %10s %9s\n", "clients", "handshakes/s", "p50 ms", "p99 ms", "failures");
  double p50_at_1 = 0;
  double per_handshake_at_1 = 0;
  for (int clients : {1, 16, 64}) {
    const LevelResult r = run_level(clients, seconds, port, ca);
    std::printf("%8d %14.1f %10.2f %10.2f %9ld%s%s\n", clients, r.per_second, r.p50_ms, r.p99_ms, r.failures,
                r.first_failure.empty() ? "" : "  first failure: ", r.first_failure.c_str());
    if (clients == 1) {
      p50_at_1 = r.p50_ms;
      per_handshake_at_1 = r.per_second > 0 ? 1000.0 / r.per_second : 0;
    }
  }

  // Crypto-only cost of one handshake, same run, one thread.
  kbs::TokenBrokerConfig broker_config;
  auto broker = kbs::TokenBroker::create(broker_config, state / "bench-signer.pem");
  if (!broker) {
    std::fprintf(stderr, "broker: %s\n", broker.error().message.c_str());
    return 1;
  }
  auto verifier = kbs::TokenVerifier::create(kbs::AttestationTokenConfig{}, broker->get());
  if (!verifier) {
    std::fprintf(stderr, "verifier: %s\n", verifier.error().message.c_str());
    return 1;
  }
  const double crypto_s = time_per(2.0, [&] {
    auto tee = make_tee_key();
    if (!tee) {
      return false;
    }
    auto digest = attest::runtime_data_digest("bm9uY2Vub25jZW5vbmNlbm9uY2Vub25jZW5vbmNlMTI=", tee->jwk,
                                              std::string_view(""), attest::HashAlgorithm::sha384);
    const nlohmann::json claims = {
        {"iat", 1}, {"exp", 4102444800LL},
        {"submods", {{"cpu0", {{"ear.status", "affirming"},
                               {"ear.veraison.annotated-evidence", {{"runtime_data_claims", {{"tee-pubkey", tee->jwk}}}}}}}}}};
    auto token = (*broker)->mint(claims);
    if (!digest || !token) {
      return false;
    }
    auto verified = (*verifier)->verify(*token);
    if (!verified) {
      return false;
    }
    auto sealed = kbs::seal_resource(tee->jwk, as_bytes(k_secret));
    if (!sealed) {
      return false;
    }
    auto plain = jose::jwe_decrypt(sealed->dump(), tee->key);
    return plain && plain->view() == k_secret;
  });

  // One policy evaluation of each kind, as the server runs them in this handshake (engine warm, policy compiled).
  auto engine = kbs::make_policy_engine();
  const nlohmann::json sample_input = {
      {"sample", {{"svn", "1"}, {"launch_digest", "abcde"}, {"debug", false}, {"platform_version", {{"major", 1}, {"minor", 1}}}}},
      {"report_data", "00"}};
  const nlohmann::json rvs = {{"svn", {"1"}}, {"launch_digest", {"abcde"}}, {"major_version", 1}, {"minimum_minor_version", 1}};
  const kbs::ReferenceValueLookup lookup = [&rvs](const std::string& id) -> std::optional<nlohmann::json> {
    auto it = rvs.find(id);
    return it == rvs.end() ? std::nullopt : std::optional<nlohmann::json>(*it);
  };
  const double attest_policy_s = time_per(1.0, [&] {
    auto a = engine->appraise("", sample_input, lookup);
    return a && a->status == "affirming";
  });
  const nlohmann::json claims = {{"submods", {{"cpu0", {{"ear.status", "affirming"}, {"ear.veraison.annotated-evidence", sample_input}}}}}};
  const nlohmann::json data = {{"plugin", "resource"}, {"resource-path", {"default", "key", "one"}}, {"query", nlohmann::json::object()}};
  const std::string resource_policy(kbs::default_resource_policy());
  const double resource_policy_s = time_per(1.0, [&] {
    auto d = engine->evaluate_resource(resource_policy, claims, data);
    return d.has_value();
  });

  const double handshake_ms = per_handshake_at_1;
  std::printf("one handshake at 1 client: %.2f ms (p50 %.2f ms)\n", handshake_ms, p50_at_1);
  std::printf("crypto only (keygen, digest, ES256 sign+verify, JWE seal+open): %.3f ms = %.1f%% of a handshake "
              "(ratio %.3f)\n",
              crypto_s * 1e3, 100.0 * crypto_s * 1e3 / handshake_ms, crypto_s * 1e3 / handshake_ms);
  std::printf("attestation policy (ear_default_policy_cpu, sample): %.1f us = %.2f%% of a handshake\n",
              attest_policy_s * 1e6, 100.0 * attest_policy_s * 1e3 / handshake_ms);
  std::printf("resource policy (default.rego): %.1f us = %.2f%% of a handshake\n", resource_policy_s * 1e6,
              100.0 * resource_policy_s * 1e3 / handshake_ms);
  std::printf("load average after: %.2f\n", load_average());
  server->stop();
  std::error_code ec;
  std::filesystem::remove_all(state, ec);
  return 0;
}
