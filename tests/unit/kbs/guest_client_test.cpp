// The guest KBS client against a real in-process KBS (HTTPS on 127.0.0.1, random port): the RCAR handshake with
// sample and simulated SNP/TDX evidence, resource release decrypted with the TEE key, and failure classes.
#include "common/kbs/guest_client.hpp"

#include <catch2/catch.hpp>

#include "common/attest/sim.hpp"
#include "common/attest/source.hpp"
#include "common/base/atomic_file.hpp"
#include "common/base/encoding.hpp"
#include "common/kbs/policy.hpp"
#include "common/kbs/server.hpp"
#include "common/store/store.hpp"
#include "tests/unit/test_util.hpp"

using namespace coco;
using namespace coco::kbs;

namespace {

std::string vector_policy(const std::string& file) {
  auto text = read_file(test::vectors_dir() / "kbs" / "policies" / file);
  REQUIRE(text);
  return std::string(text->begin(), text->end());
}

struct Running {
  test::TempDir dir;
  std::unique_ptr<Server> server;
  std::string url;

  explicit Running(bool trust_sim) {
    if (trust_sim) {
      REQUIRE(attest::init_sim_roots(dir / "sim"));
    }
    ServerOptions options;
    options.config = default_kbs_config();
    options.config.admin.mode = AdminMode::insecure_allow_all;
    options.state_dir = dir / "state";
    options.sockets = std::vector<std::string>{"127.0.0.1:0"};
    if (trust_sim) {
      options.verifier.sim_dir = dir / "sim";
    }
    auto created = Server::create(std::move(options));
    if (!created) {
      FAIL("server create: " << created.error().message);
    }
    server = std::move(*created);
    REQUIRE(server->start());
    url = server->addresses()[0].url;
  }
  ~Running() { server->stop(); }

  [[nodiscard]] GuestClientOptions client_options() const {
    GuestClientOptions o;
    o.url = url;
    o.cacert = server->tls_certificate().string();
    return o;
  }
  void put(const std::string& path, const std::string& value) {
    REQUIRE(server->store().put_resource(path, as_bytes(value), "test"));
  }
  void resource_policy(const std::string& file) {
    REQUIRE(server->store().put_policy(store::PolicyKind::resource, std::string(k_resource_policy_id), vector_policy(file)));
  }
};

std::unique_ptr<GuestClient> client_for(const Running& kbs, TeeKeyType key = TeeKeyType::ec_p256) {
  auto o = kbs.client_options();
  o.key_type = key;
  auto c = GuestClient::create(o);
  REQUIRE(c);
  return std::move(*c);
}

} // namespace

TEST_CASE("the guest client attests with simulated SNP evidence and gets a resource decrypted with its EC key",
          "[kbs][guest]") {
  Running kbs(true);
  kbs.resource_policy("allow_all.rego");
  kbs.put("default/key/one", "the-image-key");
  auto client = client_for(kbs);
  CHECK(client->tee_pubkey()["kty"] == "EC");
  CHECK(client->tee_pubkey()["crv"] == "P-256");
  CHECK(client->tee_pubkey()["alg"] == "ECDH-ES+A256KW");
  CHECK_FALSE(client->tee_pubkey().contains("d"));
  attest::SimSnpReportParams params;
  params.measurement = Bytes(48, 0xab);
  auto source = attest::make_sim_snp_source(kbs.dir / "sim", params);
  auto result = client->attest(*source);
  if (!result) {
    FAIL(result.error().message);
  }
  CHECK(result->tee == "snp");
  const auto& evidence = result->claims["submods"]["cpu0"]["ear.veraison.annotated-evidence"];
  CHECK(evidence["snp"]["simulated"] == true);
  CHECK(evidence["snp"]["measurement"] == hex_encode(Bytes(48, 0xab)));
  CHECK(evidence["runtime_data_claims"]["tee-pubkey"] == client->tee_pubkey());
  CHECK(evidence["runtime_data_claims"]["nonce"] == result->nonce);
  auto value = client->get_resource("kbs:///default/key/one");
  REQUIRE(value);
  CHECK(std::string(value->view()) == "the-image-key");
}

TEST_CASE("the guest client attests with simulated TDX evidence and an RSA TEE key", "[kbs][guest]") {
  Running kbs(true);
  kbs.resource_policy("allow_all.rego");
  kbs.put("repo/type/tag", "tdx-secret");
  auto client = client_for(kbs, TeeKeyType::rsa);
  CHECK(client->tee_pubkey()["kty"] == "RSA");
  CHECK(client->tee_pubkey()["alg"] == "RSA-OAEP-256");
  auto source = attest::make_sim_tdx_source(kbs.dir / "sim", {});
  auto result = client->attest(*source);
  REQUIRE(result);
  CHECK(result->claims["submods"]["cpu0"]["ear.veraison.annotated-evidence"]["tdx"]["simulated"] == true);
  auto value = client->get_resource("repo/type/tag");
  REQUIRE(value);
  CHECK(std::string(value->view()) == "tdx-secret");
}

TEST_CASE("simulated evidence is refused by a KBS that does not trust the simulated roots", "[kbs][guest]") {
  Running kbs(false);
  test::TempDir sim;
  REQUIRE(attest::init_sim_roots(sim / "roots"));
  auto client = client_for(kbs);
  auto source = attest::make_sim_snp_source(sim / "roots", {});
  auto result = client->attest(*source);
  REQUIRE_FALSE(result);
  CHECK(classify_failure(result.error()) == KbsFailure::attestation_refused);
  CHECK(result.error().kind == Kind::denied);
  CHECK(result.error().message.find("AttestationError") != std::string::npos);
  CHECK(result.error().message.find("snp") != std::string::npos);  // the server's reason names the verifier
}

TEST_CASE("a resource the policy refuses is a resource_refused failure with the policy's reason", "[kbs][guest]") {
  Running kbs(false);
  kbs.put("default/key/one", "v");
  auto client = client_for(kbs);
  auto source = attest::make_sample_source();
  REQUIRE(client->attest(*source));  // the default resource policy refuses the sample TEE
  auto value = client->get_resource("kbs:///default/key/one");
  REQUIRE_FALSE(value);
  CHECK(classify_failure(value.error()) == KbsFailure::resource_refused);
  CHECK(value.error().message.find("PolicyDeny") != std::string::npos);
  CHECK(value.error().message.find("sample") != std::string::npos);
}

TEST_CASE("an untrusted certificate is a tls failure and a closed port is unreachable", "[kbs][guest]") {
  Running kbs(false);
  auto o = kbs.client_options();
  o.cacert.clear();
  auto client = GuestClient::create(o);
  REQUIRE(client);
  auto source = attest::make_sample_source();
  auto tls = (*client)->attest(*source);
  REQUIRE_FALSE(tls);
  CHECK(classify_failure(tls.error()) == KbsFailure::tls);

  const std::string url = kbs.url;
  kbs.server->stop();
  o = kbs.client_options();
  o.url = url;
  o.timeout_s = 5;
  auto closed = GuestClient::create(o);
  REQUIRE(closed);
  auto unreachable = (*closed)->attest(*source);
  REQUIRE_FALSE(unreachable);
  CHECK(classify_failure(unreachable.error()) == KbsFailure::unreachable);
  CHECK(unreachable.error().kind == Kind::network);
}

TEST_CASE("a missing TEE interface is a no_tee failure", "[kbs][guest]") {
  Running kbs(false);
  auto client = client_for(kbs);
  attest::SourcePaths paths;
  paths.configfs_tsm = kbs.dir / "no-configfs";
  paths.sev_guest = kbs.dir / "no-sev-guest";
  auto source = attest::make_configfs_tsm_source(attest::Tee::snp, paths);
  auto result = client->attest(*source);
  REQUIRE_FALSE(result);
  CHECK(classify_failure(result.error()) == KbsFailure::no_tee);
}

TEST_CASE("kbs resource URIs are parsed with Trustee's path rules", "[kbs][guest]") {
  CHECK(parse_kbs_resource_uri("kbs:///default/key/img").value() == "default/key/img");
  CHECK(parse_kbs_resource_uri("kbs://host:8080/r/t/g").value() == "r/t/g");
  CHECK(parse_kbs_resource_uri("a/b/c").value() == "a/b/c");
  CHECK_FALSE(parse_kbs_resource_uri("kbs:///a/b"));
  CHECK_FALSE(parse_kbs_resource_uri("kbs:///a/../c"));
  CHECK_FALSE(parse_kbs_resource_uri("kbs:///a/b/c/d"));
  CHECK(classify_failure(make_error(Kind::network, "kbs unreachable: x")) == KbsFailure::unreachable);
  CHECK(classify_failure(make_error(Kind::network, "kbs unreachable")) == KbsFailure::none);
  CHECK(classify_failure(make_error(Kind::denied, "layer 1 (sha256:ab): kbs:///a/b/c: resource refused: x")) ==
        KbsFailure::resource_refused);
}
