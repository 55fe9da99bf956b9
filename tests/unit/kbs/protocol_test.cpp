#include "common/kbs/protocol.hpp"

#include <set>

#include "common/base/encoding.hpp"

#include <catch2/catch.hpp>

using namespace coco;
using namespace coco::kbs;

TEST_CASE("auth requests of protocol version 0.4.0 are accepted and any other version is refused with Trustee's words", "[kbs]") {
  auto good = parse_request(R"({"version":"0.4.0","tee":"sample","extra-params":{"supported-hash-algorithms":["sha384"]}})");
  REQUIRE(good);
  CHECK(good->tee == "sample");
  CHECK(good->extra_params["supported-hash-algorithms"][0] == "sha384");
  CHECK(parse_request(R"({"version":"0.4.0+build.1","tee":"snp","extra-params":""})"));

  auto old = parse_request(R"({"version":"0.1.0","tee":"snp","extra-params":""})");
  REQUIRE_FALSE(old);
  CHECK(old.error().message == "KBS Client Protocol Version Mismatch: expect =0.4.0 while the request is 0.1.0");
  auto pre = parse_request(R"({"version":"0.4.0-rc1","tee":"snp","extra-params":""})");
  REQUIRE_FALSE(pre);
  CHECK(pre.error().message.starts_with("KBS Client Protocol Version Mismatch"));
  CHECK(parse_request(R"({"version":"0.4","tee":"snp","extra-params":""})").error().message == "failed to parse KBS version");
  CHECK(parse_request(R"({"version":"0.4.0","tee":"toaster","extra-params":""})").error().message == "deserialize Request");
  CHECK(parse_request(R"({"version":"0.4.0","tee":"snp"})").error().message == "deserialize Request");
  CHECK(parse_request("not json").error().message == "deserialize Request");
}

TEST_CASE("error bodies carry the Trustee type URL and detail with 404 only for path and plugin errors", "[kbs]") {
  auto deny = policy_deny();
  deny.request_id = "r-1";
  auto body = deny.to_json();
  CHECK(body["type"] == "https://github.com/confidential-containers/kbs/errors/PolicyDeny");
  CHECK(body["detail"] == "Access denied by policy");
  CHECK(body["request_id"] == "r-1");
  CHECK(http_status(ErrorKind::policy_deny) == 401);
  CHECK(http_status(ErrorKind::token_not_found) == 401);
  CHECK(http_status(ErrorKind::admin_auth_access) == 401);
  CHECK(http_status(ErrorKind::invalid_request_path) == 404);
  CHECK(http_status(ErrorKind::plugin_not_found) == 404);
  CHECK(plugin_not_found("nebula").detail == "Plugin nebula not found");
  auto parsed = ErrorInformation::parse(body.dump());
  REQUIRE(parsed);
  CHECK(parsed->kind() == ErrorKind::policy_deny);
  CHECK(parsed->request_id == "r-1");
  CHECK(error_kind_name(ErrorKind::https_failed) == "HTTPSFailed");
  CHECK(error_kind_from_name("RvpsError") == ErrorKind::rvps_error);
}

TEST_CASE("resource paths have exactly three parts of Trustee's allowed characters", "[kbs]") {
  auto ok_path = parse_resource_path("default/image-key/app_1.v2");
  REQUIRE(ok_path);
  CHECK(*ok_path == std::vector<std::string>{"default", "image-key", "app_1.v2"});
  CHECK(parse_resource_path("-a/_b/0c"));
  for (const char* bad : {"a/b", "a/b/c/d", "a//c", "a/b/", "../b/c", "a/../c", "a/b/.hidden", "a/b/c d", "a/b/c%2f",
                          "", "a/b/ñ"}) {
    INFO(bad);
    CHECK_FALSE(parse_resource_path(bad));
  }
}

TEST_CASE("session ids are uuid v4 as 32 lowercase hex and nonces are 32 random bytes in padded base64", "[kbs]") {
  std::set<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    const std::string id = new_session_id();
    REQUIRE(id.size() == 32);
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(id[12] == '4');
    CHECK(std::string("89ab").find(id[16]) != std::string::npos);
    ids.insert(id);
    const std::string nonce = new_nonce();
    CHECK(nonce.size() == 44);
    auto raw = base64_decode(nonce);
    REQUIRE(raw);
    CHECK(raw->size() == 32);
  }
  CHECK(ids.size() == 50);
}

TEST_CASE("cookie dates are RFC 1123 in GMT", "[kbs]") {
  CHECK(http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT");
  CHECK(http_date(1'795'843'500'000) == "Sat, 28 Nov 2026 05:25:00 GMT");
}

TEST_CASE("attestation bodies in the 0.4.0 shape parse and the pre-0.4.0 shape is refused", "[kbs]") {
  const char* body = R"({"init-data":{"format":"toml","body":"x = 1"},"runtime-data":{"nonce":"n","tee-pubkey":{"kty":"EC","crv":"P-256","alg":"ECDH-ES+A256KW","x":"a","y":"b"}},"tee-evidence":{"primary_evidence":{"svn":"1","report_data":"r"},"additional_evidence":""}})";
  auto a = Attestation::parse(body);
  REQUIRE(a);
  CHECK(a->nonce == "n");
  CHECK(a->tee_pubkey["crv"] == "P-256");
  CHECK(a->primary_evidence["svn"] == "1");
  REQUIRE(a->init_data);
  CHECK(a->init_data->format == "toml");
  auto legacy = Attestation::parse(R"({"tee-pubkey":{"kty":"RSA","alg":"RSA1_5","k-mod":"x","k-exp":"y"},"tee-evidence":"{}"})");
  CHECK_FALSE(legacy);
}
