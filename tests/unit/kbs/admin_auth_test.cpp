// Admin API authentication against a running server: bearer JWTs under AuthenticatedAuthorization, as
// Trustee's docker-compose setup mints them (EdDSA, role admin), and every way a token can be wrong.
#include "common/kbs/admin_auth.hpp"

#include <catch2/catch.hpp>
#include <httplib.h>

#include "common/base/atomic_file.hpp"
#include "common/crypto/key.hpp"
#include "common/jose/jwt.hpp"
#include "common/kbs/protocol.hpp"
#include "common/kbs/server.hpp"
#include "common/store/store.hpp"
#include "tests/unit/kbs/server_fixture.hpp"
#include "tests/unit/test_util.hpp"

using namespace coco;
using namespace coco::kbs;

namespace {

struct AdminFixture {
  test::TempDir dir;
  crypto::PrivateKey admin_key = *crypto::PrivateKey::generate_ed25519();
  crypto::PrivateKey other_key = *crypto::PrivateKey::generate_ed25519();
  std::unique_ptr<Server> server;
  std::unique_ptr<httplib::SSLClient> client;

  AdminFixture() {
    REQUIRE(write_file_atomic(dir / "admin.pub", admin_key.public_key().to_pem()));
    KbsConfig config = default_kbs_config();
    config.admin.mode = AdminMode::authenticated_authorization;
    config.admin.identity_providers = {{std::string("TrusteeInDocker"), std::nullopt, (dir / "admin.pub").string(), std::nullopt}};
    config.admin.acls = {{"admin", "^/kbs/.+$"}, {"reader", "^/kbs/v0/resource-policy$"}};
    ServerOptions options;
    options.config = config;
    options.state_dir = dir / "state";
    server = test::start_kbs_server(std::move(options));
    client = test::https_client_of(*server);
  }
  ~AdminFixture() { server->stop(); }

  std::string token(const crypto::PrivateKey& key, nlohmann::json claims, bool fresh = true) {
    jose::JwtMintOptions options;
    if (fresh) {
      options.lifetime_seconds = 300;
    }
    auto t = jose::jwt_mint(jose::Json(claims), key, options);
    REQUIRE(t);
    return *t;
  }
  httplib::Headers bearer(const std::string& t) { return {{"Authorization", "Bearer " + t}}; }
};

void expect_refused(const httplib::Result& res, ErrorKind kind) {
  REQUIRE(res);
  INFO(res->body);
  CHECK(res->status == 401);
  auto info = ErrorInformation::parse(res->body);
  REQUIRE(info);
  CHECK(info->kind() == kind);
  CHECK_FALSE(info->request_id.empty());
}

} // namespace

TEST_CASE("an EdDSA admin token with role admin, as Trustee's docker-compose mints it, is accepted", "[kbs][admin]") {
  AdminFixture f;
  const auto t = f.token(f.admin_key, {{"iss", "TrusteeInDocker"}, {"role", "admin"}});
  auto res = f.client->Post("/kbs/v0/resource/default/key/one", f.bearer(t), "secret", "application/octet-stream");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(f.server->store().get_resource("default/key/one"));
  auto ids = f.client->Get("/kbs/v0/resource-policy", f.bearer(t));
  REQUIRE(ids);
  CHECK(ids->status == 200);
  auto audit = f.client->Get("/kbs/coco/v1/audit?subject=default/key/one", f.bearer(t));
  REQUIRE(audit);
  CHECK(nlohmann::json::parse(audit->body)[0]["actor"] == "TrusteeInDocker:admin");
}

TEST_CASE("missing, expired, wrongly signed, wrong-issuer and wrong-role admin tokens are refused and change nothing", "[kbs][admin]") {
  AdminFixture f;
  const std::int64_t now = jose::unix_now();
  const std::vector<std::pair<std::string, httplib::Headers>> bad = {
      {"missing", {}},
      {"not bearer", {{"Authorization", "Basic YTpi"}}},
      {"expired", f.bearer(f.token(f.admin_key, {{"iss", "TrusteeInDocker"}, {"role", "admin"}, {"iat", now - 7200}, {"exp", now - 3600}}, false))},
      {"no exp", f.bearer(f.token(f.admin_key, {{"iss", "TrusteeInDocker"}, {"role", "admin"}}, false))},
      {"wrong key", f.bearer(f.token(f.other_key, {{"iss", "TrusteeInDocker"}, {"role", "admin"}}))},
      {"wrong issuer", f.bearer(f.token(f.admin_key, {{"iss", "someone-else"}, {"role", "admin"}}))},
      {"wrong role", f.bearer(f.token(f.admin_key, {{"iss", "TrusteeInDocker"}, {"role", "reader"}}))},
      {"no role", f.bearer(f.token(f.admin_key, {{"iss", "TrusteeInDocker"}}))},
      {"garbage", {{"Authorization", "Bearer not.a.jwt"}}},
  };
  for (const auto& [name, headers] : bad) {
    INFO(name);
    expect_refused(f.client->Post("/kbs/v0/resource/default/key/one", headers, "secret", "application/octet-stream"),
                   ErrorKind::admin_auth_initialization);
    expect_refused(f.client->Post("/kbs/v0/attestation-policy", headers, R"({"policy_id":"x","policy":"eA"})", "application/json"),
                   ErrorKind::admin_auth_access);
    expect_refused(f.client->Get("/kbs/coco/v1/resources", headers), ErrorKind::admin_auth_access);
  }
  CHECK(f.server->store().get_resource("default/key/one").error().kind == Kind::not_found);
  CHECK(f.server->store().list_policy_ids(store::PolicyKind::attestation)->empty());
  auto refusals = f.server->store().query_audit({std::nullopt, std::string("resource"), 100});
  REQUIRE(refusals);
  CHECK(refusals->size() == bad.size());
  CHECK((*refusals)[0].action == "admin.refused");
  CHECK((*refusals)[0].outcome == "denied");
}

TEST_CASE("the ACL is matched against the full URI and a role reaches only its endpoints", "[kbs][admin]") {
  AdminFixture f;
  const auto reader = f.bearer(f.token(f.admin_key, {{"iss", "TrusteeInDocker"}, {"role", "reader"}}));
  auto allowed = f.client->Get("/kbs/v0/resource-policy", reader);
  REQUIRE(allowed);
  CHECK(allowed->status == 200);
  // A query string is part of the matched URI, so ^/kbs/v0/resource-policy$ no longer matches.
  expect_refused(f.client->Get("/kbs/v0/resource-policy?x=1", reader), ErrorKind::admin_auth_access);
}

TEST_CASE("admin configuration is refused at start as Trustee refuses it", "[kbs][admin]") {
  AdminConfig config;
  config.mode = AdminMode::authenticated_authorization;
  CHECK_FALSE(AdminAuth::create(config));  // no identity provider
  config.identity_providers = {{std::nullopt, std::nullopt, std::nullopt, std::nullopt}};
  CHECK_FALSE(AdminAuth::create(config));  // provider without key
  test::TempDir dir;
  auto key = crypto::PrivateKey::generate_ec();
  REQUIRE(write_file_atomic(dir / "k.pem", key->public_key().to_pem()));
  config.identity_providers = {{std::nullopt, std::nullopt, (dir / "k.pem").string(), std::nullopt}};
  config.acls = {{"admin", "/kbs/.*"}};
  CHECK_FALSE(AdminAuth::create(config));  // unanchored
  config.acls = {{"admin", "^/kbs/.*$"}};
  CHECK(AdminAuth::create(config));
  AdminConfig deny;
  deny.mode = AdminMode::deny_all;
  auto auth = AdminAuth::create(deny);
  REQUIRE(auth);
  CHECK((*auth)->check("/kbs/v0/resource-policy", std::string("Bearer x")).error().kind == Kind::denied);
}
