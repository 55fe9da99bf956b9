#include "common/kbs/config.hpp"

#include <algorithm>

#include <catch2/catch.hpp>

#include "tests/unit/test_util.hpp"

using namespace coco;
using namespace coco::kbs;

namespace {
bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }
} // namespace

TEST_CASE("every Trustee kbs-config vector parses", "[kbs][config]") {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::vectors_dir() / "kbs" / "config")) {
    if (entry.path().extension() != ".toml") {
      continue;
    }
    INFO(entry.path().filename().string());
    auto config = load_kbs_config(entry.path());
    CHECK(config);
    if (!config) {
      WARN(config.error().message);
    }
    ++count;
  }
  CHECK(count == 17);
}

TEST_CASE("Trustee's default config gives insecure HTTP, allow-all admin and the resource plugin", "[kbs][config]") {
  auto config = load_kbs_config(test::vectors_dir() / "kbs" / "config" / "kbs-config.toml");
  REQUIRE(config);
  CHECK(config->http_server.insecure_http);
  CHECK(config->http_server.sockets == std::vector<std::string>{"127.0.0.1:8080"});
  CHECK(config->http_server.payload_request_size == 2);
  CHECK(config->admin.mode == AdminMode::insecure_allow_all);
  CHECK(config->attestation_token.insecure_header_jwk);
  CHECK(config->attestation_service.type == "coco_as_builtin");
  CHECK(config->attestation_service.timeout_min == 5);
  CHECK(config->attestation_service.token_broker.duration_min == 5);
  CHECK(config->has_resource_plugin());
  CHECK(contains(config->ignored, "storage_backend.backends.local_fs.dir_path"));
}

TEST_CASE("bearer JWT identity providers and regex ACLs are read", "[kbs][config]") {
  auto config = load_kbs_config(test::vectors_dir() / "kbs" / "config" / "test-kbs.toml");
  REQUIRE(config);
  CHECK(config->admin.mode == AdminMode::authenticated_authorization);
  REQUIRE(config->admin.identity_providers.size() == 1);
  CHECK(config->admin.identity_providers[0].issuer == "issuer");
  CHECK(config->admin.identity_providers[0].audience == "kbs");
  CHECK(config->admin.identity_providers[0].public_key_uri == "./work/kbs.pem");
  REQUIRE(config->admin.acls.size() == 1);
  CHECK(config->admin.acls[0].role == "admin");
  CHECK(config->admin.acls[0].allowed_endpoints == "^/kbs/.+$");
  CHECK_FALSE(config->http_server.insecure_http);
  CHECK(config->http_server.private_key == "./work/https.key");
  CHECK(config->attestation_service.token_broker.signer_key_path == "./work/token.key");
  CHECK(contains(config->ignored, "attestation_service.verifier_config.tpm_verifier.trusted_ak_keys_dir"));
}

TEST_CASE("the custom TLS profile keeps its versions, ciphers and groups", "[kbs][config]") {
  auto config = load_kbs_config(test::vectors_dir() / "kbs" / "config" / "test-data-tls-profile-custom.toml");
  REQUIRE(config);
  CHECK(config->http_server.tls_profile == "custom");
  CHECK(config->http_server.tls_min_version == "1.3");
  CHECK(config->http_server.tls_ciphers == "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256");
  CHECK(config->http_server.tls_groups == "X25519:secp384r1");
  CHECK(config->admin.mode == AdminMode::deny_all);
}

TEST_CASE("unknown keys are reported as ignored, not fatal", "[kbs][config]") {
  auto config = parse_kbs_config("work_dir = \"/x\"\n[http_server]\nfrobnicate = 1\n[admin]\nauthorization_mode = \"DenyAll\"\n"
                                 "[attestation_service.attestation_token_config]\nduration_min = 5\n");
  REQUIRE(config);
  CHECK(contains(config->ignored, "work_dir"));
  CHECK(contains(config->ignored, "http_server.frobnicate"));
  CHECK(contains(config->ignored, "attestation_service.attestation_token_config.duration_min"));
}

TEST_CASE("a config without [http_server] or [admin], or with a bad mode or type, is refused", "[kbs][config]") {
  CHECK_FALSE(parse_kbs_config("[admin]\nauthorization_mode = \"DenyAll\"\n"));
  CHECK_FALSE(parse_kbs_config("[http_server]\n"));
  CHECK_FALSE(parse_kbs_config("[http_server]\n[admin]\n"));
  CHECK_FALSE(parse_kbs_config("[http_server]\n[admin]\nauthorization_mode = \"Sometimes\"\n"));
  CHECK_FALSE(parse_kbs_config("[http_server]\ninsecure_http = \"yes\"\n[admin]\nauthorization_mode = \"DenyAll\"\n"));
  CHECK_FALSE(parse_kbs_config("[http_server]\ntls_min_version = \"1.3\"\ntls_max_version = \"1.2\"\n[admin]\nauthorization_mode = \"DenyAll\"\n"));
  auto broken = parse_kbs_config("[http_server\n");
  REQUIRE_FALSE(broken);
  CHECK(broken.error().message.find("kbs-config.toml:1:") == 0);
}
