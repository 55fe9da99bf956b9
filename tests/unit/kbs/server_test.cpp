// In-process end-to-end tests of the KBS server: a real HTTPS listener on 127.0.0.1 (random port), a real
// httplib client verifying the server's self-signed certificate, the sample TEE bound to a key generated here.
#include "common/kbs/server.hpp"

#include <catch2/catch.hpp>
#include <httplib.h>

#include "common/attest/binding.hpp"
#include "common/base/atomic_file.hpp"
#include "common/base/encoding.hpp"
#include "common/crypto/key.hpp"
#include "common/jose/jwe.hpp"
#include "common/jose/jwt.hpp"
#include "common/kbs/protocol.hpp"
#include "common/store/store.hpp"
#include "tests/unit/kbs/server_fixture.hpp"
#include "tests/unit/test_util.hpp"

using namespace coco;
using namespace coco::kbs;

namespace {

std::string policy_body(const std::string& file) {
  auto text = read_file(test::vectors_dir() / "kbs" / "policies" / file);
  REQUIRE(text);
  return nlohmann::json{{"policy", base64url_encode(*text)}}.dump();
}

struct Running {
  test::TempDir dir;
  std::unique_ptr<Server> server;
  std::unique_ptr<httplib::SSLClient> client;

  explicit Running(KbsConfig config = [] {
    KbsConfig c = default_kbs_config();
    c.admin.mode = AdminMode::insecure_allow_all;
    return c;
  }()) {
    ServerOptions options;
    options.config = std::move(config);
    options.state_dir = dir / "state";
    server = test::start_kbs_server(std::move(options));
    client = test::https_client_of(*server);
  }
  ~Running() { server->stop(); }
};

struct TeeKey {
  crypto::PrivateKey key;
  nlohmann::json jwk;
};

TeeKey make_tee_key() {
  auto key = crypto::PrivateKey::generate_ec(crypto::Curve::p256);
  REQUIRE(key);
  const auto ec = key->public_key().ec();
  nlohmann::json jwk = {{"kty", "EC"}, {"crv", "P-256"}, {"alg", "ECDH-ES+A256KW"}, {"x", base64url_encode(ec.x)},
                        {"y", base64url_encode(ec.y)}};
  return {std::move(*key), std::move(jwk)};
}

std::string session_cookie(const httplib::Result& res) {
  const std::string set_cookie = res->get_header_value("Set-Cookie");
  const auto semi = set_cookie.find(';');
  return set_cookie.substr(0, semi);
}

// auth + attest with sample evidence bound to `tee`; returns the session cookie and the token.
std::pair<std::string, std::string> do_attest(httplib::SSLClient& client, const TeeKey& tee) {
  auto auth = client.Post("/kbs/v0/auth", R"({"version":"0.4.0","tee":"sample","extra-params":{}})", "application/json");
  REQUIRE(auth);
  REQUIRE(auth->status == 200);
  auto challenge = Challenge::parse(auth->body);
  REQUIRE(challenge);
  const std::string cookie = session_cookie(auth);
  auto digest = attest::runtime_data_digest(challenge->nonce, tee.jwk, std::string_view(""), attest::HashAlgorithm::sha384);
  REQUIRE(digest);
  Attestation a;
  a.nonce = challenge->nonce;
  a.tee_pubkey = tee.jwk;
  a.primary_evidence = {{"svn", "1"}, {"report_data", base64_encode(*digest)}};
  httplib::Headers headers = {{"Cookie", cookie}};
  auto res = client.Post("/kbs/v0/attest", headers, a.to_json().dump(), "application/json");
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == 200);
  auto body = nlohmann::json::parse(res->body);
  return {cookie, body["token"].get<std::string>()};
}

void expect_error(const httplib::Result& res, int status, ErrorKind kind) {
  REQUIRE(res);
  INFO(res->body);
  CHECK(res->status == status);
  auto info = ErrorInformation::parse(res->body);
  REQUIRE(info);
  CHECK(info->kind() == kind);
  CHECK(info->request_id == res->get_header_value("X-Request-Id"));
  CHECK_FALSE(info->request_id.empty());
}

} // namespace

TEST_CASE("auth answers a 32-byte nonce, an empty-string extra-params and Trustee's session cookie", "[kbs][server]") {
  Running kbs;
  auto res = kbs.client->Post("/kbs/v0/auth", R"({"version":"0.4.0","tee":"snp","extra-params":""})", "application/json");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  auto body = nlohmann::json::parse(res->body);
  CHECK(body.size() == 2);
  CHECK(body["extra-params"] == "");
  CHECK(body["nonce"].get<std::string>().size() == 44);
  const std::string cookie = res->get_header_value("Set-Cookie");
  INFO(cookie);
  CHECK(cookie.rfind("kbs-session-id=", 0) == 0);
  CHECK(cookie.size() == std::string("kbs-session-id=").size() + 32 + std::string("; Expires=Sat, 28 Nov 2026 05:25:00 GMT").size());
  CHECK(cookie.find("; Expires=") == 47);
  CHECK(cookie.ends_with(" GMT"));
  CHECK_FALSE(res->get_header_value("X-Request-Id").empty());
}

TEST_CASE("auth with another protocol version is refused with 401 AttestationError and Trustee's detail", "[kbs][server]") {
  Running kbs;
  auto res = kbs.client->Post("/kbs/v0/auth", R"({"version":"0.1.0","tee":"snp","extra-params":""})", "application/json");
  expect_error(res, 401, ErrorKind::attestation_error);
  auto info = ErrorInformation::parse(res->body);
  CHECK(info->detail ==
        "Attestation error: RCAR handshake Auth failed: KBS Client Protocol Version Mismatch: expect =0.4.0 while the request is 0.1.0");
}

TEST_CASE("sample attestation yields an EAR token and the resource comes back as a JWE for the TEE key", "[kbs][server]") {
  Running kbs;
  auto& client = *kbs.client;
  REQUIRE(client.Post("/kbs/v0/resource/default/key/one", "top secret", "application/octet-stream")->status == 200);
  REQUIRE(client.Post("/kbs/v0/resource-policy", policy_body("allow_all.rego"), "application/json")->status == 200);
  auto rv = read_file(test::vectors_dir() / "evidence" / "rvps" / "made-here-sample-message-sample.json");
  REQUIRE(rv);
  REQUIRE(client.Post("/kbs/v0/reference-value", *rv, "application/json")->status == 200);

  const TeeKey tee = make_tee_key();
  auto [cookie, token] = do_attest(client, tee);
  auto decoded = jose::jwt_decode_unverified(token);
  REQUIRE(decoded);
  CHECK(decoded->header["alg"] == "ES256");
  CHECK(decoded->header["jwk"]["crv"] == "P-256");
  const auto& cpu0 = decoded->claims["submods"]["cpu0"];
  CHECK(cpu0["ear.status"] == "affirming");
  CHECK(cpu0["ear.trustworthiness-vector"]["executables"] == 3);
  CHECK(cpu0["ear.trustworthiness-vector"]["hardware"] == 2);
  CHECK(cpu0["ear.veraison.annotated-evidence"]["sample"]["svn"] == "1");
  CHECK(cpu0["ear.veraison.annotated-evidence"]["runtime_data_claims"]["tee-pubkey"]["x"] == tee.jwk["x"]);
  CHECK(decoded->claims["iss"] == "CoCo-Attestation-Service");
  CHECK(decoded->claims["exp"].get<std::int64_t>() - decoded->claims["iat"].get<std::int64_t>() == 300);

  httplib::Headers with_cookie = {{"Cookie", cookie}};
  auto res = client.Get("/kbs/v0/resource/default/key/one", with_cookie);
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == 200);
  auto jwe = nlohmann::json::parse(res->body);
  for (const char* member : {"protected", "encrypted_key", "iv", "ciphertext", "tag"}) {
    CHECK(jwe.contains(member));
  }
  CHECK_FALSE(jwe.contains("aad"));
  auto plain = jose::jwe_decrypt(res->body, tee.key);
  REQUIRE(plain);
  CHECK(plain->view() == "top secret");

  // Passport mode: the token alone, no cookie.
  httplib::Headers bearer = {{"Authorization", "Bearer " + token}};
  auto passport = client.Get("/kbs/v0/resource/default/key/one", bearer);
  REQUIRE(passport);
  REQUIRE(passport->status == 200);
  CHECK(jose::jwe_decrypt(passport->body, tee.key)->view() == "top secret");
}

TEST_CASE("a resource request without a token is refused with TokenNotFound", "[kbs][server]") {
  Running kbs;
  expect_error(kbs.client->Get("/kbs/v0/resource/default/key/one"), 401, ErrorKind::token_not_found);
}

TEST_CASE("attest with a nonce that is not the session's is refused and audited", "[kbs][server]") {
  Running kbs;
  auto& client = *kbs.client;
  auto auth = client.Post("/kbs/v0/auth", R"({"version":"0.4.0","tee":"sample","extra-params":{}})", "application/json");
  REQUIRE(auth);
  const TeeKey tee = make_tee_key();
  Attestation a;
  a.nonce = new_nonce();
  a.tee_pubkey = tee.jwk;
  a.primary_evidence = {{"svn", "1"}, {"report_data", base64_encode(Bytes(48, 1))}};
  httplib::Headers headers = {{"Cookie", session_cookie(auth)}};
  auto res = client.Post("/kbs/v0/attest", headers, a.to_json().dump(), "application/json");
  expect_error(res, 401, ErrorKind::attestation_error);
  CHECK(ErrorInformation::parse(res->body)->detail == "Attestation error: RCAR handshake Attest failed");
  expect_error(client.Post("/kbs/v0/attest", a.to_json().dump(), "application/json"), 401, ErrorKind::attestation_error);
}

TEST_CASE("evidence whose report_data does not bind the nonce and key is refused", "[kbs][server]") {
  Running kbs;
  auto& client = *kbs.client;
  auto auth = client.Post("/kbs/v0/auth", R"({"version":"0.4.0","tee":"sample","extra-params":{}})", "application/json");
  REQUIRE(auth);
  const TeeKey tee = make_tee_key();
  const TeeKey other = make_tee_key();
  const std::string nonce = Challenge::parse(auth->body)->nonce;
  auto digest = attest::runtime_data_digest(nonce, other.jwk, std::string_view(""), attest::HashAlgorithm::sha384);
  Attestation a;
  a.nonce = nonce;
  a.tee_pubkey = tee.jwk;
  a.primary_evidence = {{"svn", "1"}, {"report_data", base64_encode(*digest)}};
  httplib::Headers headers = {{"Cookie", session_cookie(auth)}};
  expect_error(client.Post("/kbs/v0/attest", headers, a.to_json().dump(), "application/json"), 401,
               ErrorKind::attestation_error);
}

TEST_CASE("a denying resource policy gives 401 PolicyDeny with a request id that explain resolves to the rule", "[kbs][server]") {
  Running kbs;
  auto& client = *kbs.client;
  REQUIRE(client.Post("/kbs/v0/resource/default/key/one", "top secret", "application/octet-stream")->status == 200);
  // The default policy refuses the sample TEE.
  const TeeKey tee = make_tee_key();
  auto [cookie, token] = do_attest(client, tee);
  httplib::Headers with_cookie = {{"Cookie", cookie}};
  auto res = client.Get("/kbs/v0/resource/default/key/one", with_cookie);
  expect_error(res, 401, ErrorKind::policy_deny);
  auto info = ErrorInformation::parse(res->body);
  CHECK(info->detail == "Access denied by policy");
  CHECK(nlohmann::json::parse(res->body)["reason"].get<std::string>().starts_with("data.policy.allow is false"));

  auto explain = client.Get("/kbs/coco/v1/explain/" + info->request_id);
  REQUIRE(explain);
  REQUIRE(explain->status == 200);
  auto body = nlohmann::json::parse(explain->body);
  REQUIRE(body["entries"].size() == 1);
  const auto& detail = body["entries"][0]["detail"];
  INFO(explain->body);
  CHECK(body["entries"][0]["outcome"] == "denied");
  CHECK(detail.value("rule", "") == "data.policy.allow");
  CHECK(detail.value("allow", true) == false);
  CHECK(detail["data"]["resource-path"] == nlohmann::json::array({"default", "key", "one"}));
  REQUIRE(detail.contains("inputs_read"));
  CHECK_FALSE(detail["inputs_read"].value("explanation", nlohmann::json::array()).empty());
  // The engine's explanation names the failing expression and the claim value it read.
  const std::string why = detail["inputs_read"]["explanation"][0].get<std::string>();
  CHECK(why.find("ear.veraison.annotated-evidence") != std::string::npos);
  CHECK(why.find("\"svn\": \"1\"") != std::string::npos);
  CHECK(explain->body.find("top secret") == std::string::npos);

  REQUIRE(client.Post("/kbs/v0/resource-policy", policy_body("deny_all.rego"), "application/json")->status == 200);
  expect_error(client.Get("/kbs/v0/resource/default/key/one", with_cookie), 401, ErrorKind::policy_deny);
}

TEST_CASE("admin endpoints follow Trustee's shapes and statuses", "[kbs][server]") {
  Running kbs;
  auto& client = *kbs.client;
  auto ids = client.Get("/kbs/v0/resource-policy");
  REQUIRE(ids);
  CHECK(nlohmann::json::parse(ids->body) == nlohmann::json::array({"resource-policy"}));
  // Padded or standard-alphabet policies are refused (URL_SAFE_NO_PAD).
  expect_error(client.Post("/kbs/v0/resource-policy", R"({"policy":"cGFja2FnZSBwb2xpY3k="})", "application/json"), 401,
               ErrorKind::parse_policy_error);
  expect_error(client.Post("/kbs/v0/resource-policy", R"({"nope":1})", "application/json"), 401, ErrorKind::parse_policy_error);
  expect_error(client.Get("/kbs/v0/reference-value/missing"), 401, ErrorKind::rvps_error);
  expect_error(client.Get("/kbs/v0/auth"), 404, ErrorKind::plugin_not_found);
  expect_error(client.Get("/kbs/v0/nebula-ca/x"), 404, ErrorKind::plugin_not_found);
  expect_error(client.Post("/kbs/v0/resource/a/../c", "x", "text/plain"), 401, ErrorKind::plugin_internal_error);
  expect_error(client.Post("/kbs/v0/resource/a/b", "x", "text/plain"), 401, ErrorKind::plugin_internal_error);
  REQUIRE(client.Post("/kbs/v0/attestation-policy",
                      nlohmann::json{{"policy_id", "default_cpu"}, {"type", "rego"},
                                     {"policy", base64url_encode(*read_file(test::vectors_dir() / "rego" / "trustee" / "repo" /
                                                                            "attestation-service" / "src" / "ear_token" /
                                                                            "ear_default_policy_cpu.rego"))}}
                          .dump(),
                      "application/json")
              ->status == 200);
  auto rv = read_file(test::vectors_dir() / "evidence" / "rvps" / "made-here-sample-message-sample.json");
  REQUIRE(client.Post("/kbs/v0/reference-value", *rv, "application/json")->status == 200);
  auto svn = client.Get("/kbs/v0/reference-value/svn");
  REQUIRE(svn);
  CHECK(nlohmann::json::parse(svn->body) == nlohmann::json::array({"1"}));
}

TEST_CASE("coco's admin endpoints read, version, roll back and undelete resources", "[kbs][server]") {
  Running kbs;
  auto& client = *kbs.client;
  REQUIRE(client.Post("/kbs/v0/resource/r/t/g", "one", "application/octet-stream")->status == 200);
  REQUIRE(client.Post("/kbs/v0/resource/r/t/g", "two", "application/octet-stream")->status == 200);
  auto latest = client.Get("/kbs/coco/v1/resource/r/t/g");
  REQUIRE(latest);
  CHECK(latest->body == "two");
  CHECK(latest->get_header_value("X-Resource-Version") == "2");
  CHECK(client.Get("/kbs/coco/v1/resource/r/t/g?version=1")->body == "one");
  auto history = nlohmann::json::parse(client.Get("/kbs/coco/v1/resource/r/t/g/history")->body);
  CHECK(history.size() == 2);
  auto rolled = client.Post("/kbs/coco/v1/resource/r/t/g/rollback?version=1", "", "text/plain");
  REQUIRE(rolled);
  CHECK(nlohmann::json::parse(rolled->body)["version"] == 3);
  CHECK(client.Get("/kbs/coco/v1/resource/r/t/g")->body == "one");
  REQUIRE(client.Delete("/kbs/v0/resource/r/t/g")->status == 200);
  expect_error(client.Get("/kbs/coco/v1/resource/r/t/g"), 401, ErrorKind::plugin_internal_error);
  REQUIRE(client.Post("/kbs/coco/v1/resource/r/t/g/undelete", "", "text/plain")->status == 200);
  CHECK(client.Get("/kbs/coco/v1/resource/r/t/g")->body == "one");
  auto audit = nlohmann::json::parse(client.Get("/kbs/coco/v1/audit?subject=r/t/g")->body);
  CHECK(audit.size() >= 6);
  CHECK(audit.dump().find("\"two\"") == std::string::npos);
}

TEST_CASE("health, readiness, metrics and the token JWKS are served", "[kbs][server]") {
  Running kbs;
  auto& client = *kbs.client;
  CHECK(client.Get("/healthz")->status == 200);
  CHECK(client.Get("/readyz")->status == 200);
  (void)client.Post("/kbs/v0/auth", R"({"version":"0.4.0","tee":"sample","extra-params":{}})", "application/json");
  auto metrics = client.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("coco_kbs_http_requests_total{route=\"auth\",method=\"POST\",status=\"200\"} 1") != std::string::npos);
  CHECK(metrics->body.find("coco_kbs_http_request_duration_seconds_bucket{route=\"auth\",le=\"+Inf\"} 1") != std::string::npos);
  auto jwks = nlohmann::json::parse(client.Get("/.well-known/jwks.json")->body);
  REQUIRE(jwks["keys"].size() == 1);
  CHECK(jwks["keys"][0]["alg"] == "ES256");
}

TEST_CASE("plain HTTP off loopback is refused unless forced", "[kbs][server]") {
  test::TempDir dir;
  ServerOptions options;
  options.config.admin.mode = AdminMode::insecure_allow_all;
  options.state_dir = dir / "state";
  options.insecure_http = true;
  options.sockets = std::vector<std::string>{"0.0.0.0:0"};
  auto refused = Server::create(options);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == Kind::usage);
  options.allow_insecure_http_off_loopback = true;
  CHECK(Server::create(options));
}

TEST_CASE("an uploaded attestation policy runs in the Rego engine with query_reference_value over stored values", "[kbs][server]") {
  Running kbs;
  auto& client = *kbs.client;
  auto policy = read_file(test::vectors_dir() / "rego" / "trustee" / "repo" / "attestation-service" / "src" /
                          "ear_token" / "ear_default_policy_cpu.rego");
  REQUIRE(policy);
  auto set = client.Post("/kbs/v0/attestation-policy",
                         nlohmann::json{{"policy_id", "default_cpu"}, {"policy", base64url_encode(*policy)}}.dump(),
                         "application/json");
  REQUIRE(set);
  REQUIRE(set->status == 200);
  const TeeKey tee = make_tee_key();
  {
    auto [cookie, token] = do_attest(client, tee);
    auto decoded = jose::jwt_decode_unverified(token);
    REQUIRE(decoded);
    const auto& cpu0 = decoded->claims["submods"]["cpu0"];
    CHECK(cpu0["ear.status"] == "contraindicated");
    CHECK(cpu0["ear.trustworthiness-vector"]["hardware"] == 97);
    CHECK(cpu0["ear.trustworthiness-vector"]["configuration"] == 2);
  }
  auto rv = read_file(test::vectors_dir() / "evidence" / "rvps" / "made-here-sample-message-sample.json");
  REQUIRE(client.Post("/kbs/v0/reference-value", *rv, "application/json")->status == 200);
  auto [cookie, token] = do_attest(client, tee);
  auto decoded = jose::jwt_decode_unverified(token);
  REQUIRE(decoded);
  const auto& cpu0 = decoded->claims["submods"]["cpu0"];
  CHECK(cpu0["ear.status"] == "affirming");
  CHECK(cpu0["ear.trustworthiness-vector"]["executables"] == 3);
  CHECK(cpu0["ear.trustworthiness-vector"]["hardware"] == 2);
}

TEST_CASE("reference values registered as an RVPS swid message are served by name; corim is refused with RvpsError",
          "[kbs][server][rvps]") {
  Running kbs;
  auto& client = *kbs.client;
  const std::string manifest =
      R"(<SoftwareIdentity xmlns="http://standards.iso.org/iso/19770/-2/2015/schema.xsd" )"
      R"(xmlns:r="https://trustedcomputinggroup.org/resource/tcg-reference-integrity-manifest-rim-information-model/" )"
      R"(xmlns:h="http://www.w3.org/2001/04/xmlenc#sha384"><Meta r:PlatformManufacturerStr="Acme Inc" edition="FW"/>)"
      R"(<Payload><Resource type="Measurement" index="7" h:Hash0="abcd"/></Payload></SoftwareIdentity>)";
  const std::string swid =
      nlohmann::json{{"version", "0.1.0"}, {"type", "swid"}, {"payload", base64_encode(as_bytes(manifest))}}.dump();
  auto posted = client.Post("/kbs/v0/reference-value", swid, "application/json");
  REQUIRE(posted);
  REQUIRE(posted->status == 200);
  auto value = client.Get("/kbs/v0/reference-value/Acme_Inc.FW.measurement_7");
  REQUIRE(value);
  REQUIRE(value->status == 200);
  CHECK(nlohmann::json::parse(value->body) == nlohmann::json::array({"abcd"}));
  auto corim = client.Post("/kbs/v0/reference-value", R"({"version":"0.1.0","type":"corim","payload":"oA"})", "application/json");
  expect_error(corim, 401, ErrorKind::rvps_error);
  CHECK_THAT(ErrorInformation::parse(corim->body)->detail, Catch::Contains("corim"));
}
