// Identity-provider keys and trusted JWK sets served over real HTTPS (cpp-httplib on 127.0.0.1 with a
// self-signed certificate): read once at start, verified against a given CA or the system store, OpenID
// discovery as Trustee falls back to it, and refusals that name the URL.
#include "common/kbs/key_source.hpp"

#include <atomic>
#include <thread>

#include <catch2/catch.hpp>
#include <httplib.h>

#include "common/base/atomic_file.hpp"
#include "common/crypto/key.hpp"
#include "common/jose/jwt.hpp"
#include "common/kbs/admin_auth.hpp"
#include "common/kbs/protocol.hpp"
#include "common/kbs/server.hpp"
#include "common/kbs/tls.hpp"
#include "common/store/store.hpp"
#include "tests/unit/kbs/server_fixture.hpp"
#include "tests/unit/test_util.hpp"

using namespace coco;
using namespace coco::kbs;

namespace {

// An HTTPS server holding /jwks (a JWK set), /key.pem, /empty (an empty set) and an OpenID issuer at
// /realms/coco whose configuration points at /certs.
struct KeyHost {
  test::TempDir dir;
  TlsIdentity tls;
  std::unique_ptr<httplib::SSLServer> http;
  std::thread thread;
  int port = 0;
  std::atomic<int> hits = 0;

  explicit KeyHost(const crypto::PublicKey& key) {
    auto identity = ensure_self_signed(dir / "tls", {"127.0.0.1"});
    REQUIRE(identity);
    tls = *identity;
    http = std::make_unique<httplib::SSLServer>(tls.certificate.c_str(), tls.private_key.c_str());
    REQUIRE(http->is_valid());
    const std::string jwks = R"({"keys":[)" + jose::Jwk::from_public(key).to_json().dump() + "]}";
    const std::string pem = key.to_pem();
    http->Get("/jwks", [this, jwks](const httplib::Request&, httplib::Response& res) {
      ++hits;
      res.set_content(jwks, "application/json");
    });
    http->Get("/certs", [jwks](const httplib::Request&, httplib::Response& res) { res.set_content(jwks, "application/json"); });
    http->Get("/key.pem", [pem](const httplib::Request&, httplib::Response& res) { res.set_content(pem, "application/x-pem-file"); });
    http->Get("/empty", [](const httplib::Request&, httplib::Response& res) { res.set_content(R"({"keys":[]})", "application/json"); });
    http->Get("/realms/coco/.well-known/openid-configuration", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"issuer":"x","jwks_uri":")" + url("/certs") + "\"}", "application/json");
    });
    port = http->bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    thread = std::thread([this] { http->listen_after_bind(); });
  }
  ~KeyHost() {
    http->stop();
    thread.join();
  }
  [[nodiscard]] std::string url(const std::string& path) const { return "https://127.0.0.1:" + std::to_string(port) + path; }
  [[nodiscard]] ClientOptions trusting() const {
    ClientOptions o;
    o.cacert = tls.certificate.string();
    o.timeout_s = 10;
    return o;
  }
};

std::string admin_token(const crypto::PrivateKey& key) {
  jose::JwtMintOptions options;
  options.lifetime_seconds = 300;
  auto t = jose::jwt_mint(jose::Json({{"iss", "idp"}, {"role", "admin"}}), key, options);
  REQUIRE(t);
  return *t;
}

struct HttpsAdminServer {
  test::TempDir dir;
  std::unique_ptr<Server> server;
  std::unique_ptr<httplib::SSLClient> client;

  HttpsAdminServer(IdentityProvider idp, const std::string& cacert) {
    KbsConfig config = default_kbs_config();
    config.admin.mode = AdminMode::authenticated_authorization;
    config.admin.identity_providers = {std::move(idp)};
    config.admin.acls = {{"admin", "^/kbs/.+$"}};
    ServerOptions options;
    options.config = config;
    options.state_dir = dir / "state";
    options.key_source_cacert = cacert;
    server = test::start_kbs_server(std::move(options));
    client = test::https_client_of(*server);
  }
  ~HttpsAdminServer() { server->stop(); }

  int post_with(const crypto::PrivateKey& key) {
    auto res = client->Post("/kbs/v0/resource/default/key/one", {{"Authorization", "Bearer " + admin_token(key)}}, "secret",
                            "application/octet-stream");
    REQUIRE(res);
    return res->status;
  }
};

} // namespace

TEST_CASE("an admin JWK set served over https is fetched at start: its key's token is accepted, another key's refused with 401",
          "[kbs][admin][key_source]") {
  auto admin_key = *crypto::PrivateKey::generate_ec();
  auto other_key = *crypto::PrivateKey::generate_ec();
  KeyHost host(admin_key.public_key());
  HttpsAdminServer kbs({std::string("idp"), std::nullopt, std::nullopt, host.url("/jwks")}, host.tls.certificate.string());
  CHECK(host.hits == 1);
  CHECK(kbs.post_with(other_key) == 401);
  CHECK(kbs.server->store().get_resource("default/key/one").error().kind == Kind::not_found);
  CHECK(kbs.post_with(admin_key) == 200);
  CHECK(kbs.server->store().get_resource("default/key/one"));
  CHECK(host.hits == 1);  // read once at start, not per request
}

TEST_CASE("an admin PEM public key served over https verifies admin tokens", "[kbs][admin][key_source]") {
  auto admin_key = *crypto::PrivateKey::generate_ed25519();
  auto other_key = *crypto::PrivateKey::generate_ed25519();
  KeyHost host(admin_key.public_key());
  HttpsAdminServer kbs({std::string("idp"), std::nullopt, host.url("/key.pem"), std::nullopt}, host.tls.certificate.string());
  CHECK(kbs.post_with(other_key) == 401);
  CHECK(kbs.post_with(admin_key) == 200);
}

TEST_CASE("a JWK set URL that is an OpenID issuer is resolved through its openid-configuration jwks_uri",
          "[kbs][key_source]") {
  auto key = *crypto::PrivateKey::generate_ec();
  KeyHost host(key.public_key());
  auto keys = load_jwk_set_source(host.url("/realms/coco"), host.trusting());
  REQUIRE(keys);
  REQUIRE(keys->size() == 1);
  CHECK((*keys)[0].public_key() == key.public_key());
  // An empty set at the URL itself also falls back to discovery, which finds nothing there: an error naming it.
  auto empty = load_jwk_set_source(host.url("/empty"), host.trusting());
  REQUIRE_FALSE(empty);
  CHECK_THAT(empty.error().message, Catch::Contains(host.url("/empty")));
}

TEST_CASE("an https key source whose certificate is not trusted is refused at start, naming the URL", "[kbs][key_source]") {
  auto key = *crypto::PrivateKey::generate_ec();
  KeyHost host(key.public_key());
  ClientOptions system_store;
  system_store.timeout_s = 10;
  auto keys = load_jwk_set_source(host.url("/jwks"), system_store);
  REQUIRE_FALSE(keys);
  CHECK(keys.error().kind == Kind::auth);
  CHECK_THAT(keys.error().message, Catch::Contains(host.url("/jwks")));
  CHECK_THAT(keys.error().hint, Catch::Contains("--key-source-cacert"));

  AdminConfig config;
  config.mode = AdminMode::authenticated_authorization;
  config.identity_providers = {{std::nullopt, std::nullopt, host.url("/key.pem"), std::nullopt}};
  config.acls = {{"admin", "^/kbs/.*$"}};
  auto auth = AdminAuth::create(config, system_store);
  REQUIRE_FALSE(auth);
  CHECK_THAT(auth.error().message, Catch::Contains(host.url("/key.pem")));
  CHECK(AdminAuth::create(config, host.trusting()));
}

TEST_CASE("key sources other than a path, file:// or https:// are refused, plain http included", "[kbs][key_source]") {
  for (const std::string uri : {"http://127.0.0.1:1/jwks", "ftp://example.com/jwks"}) {
    INFO(uri);
    auto keys = load_jwk_set_source(uri, {});
    REQUIRE_FALSE(keys);
    CHECK(keys.error().kind == Kind::unsupported);
    CHECK_THAT(keys.error().message, Catch::Contains(uri));
    CHECK_FALSE(load_public_key_source(uri, {}));
  }
  auto missing = load_public_key_source("https://127.0.0.1:1/key.pem", {});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == Kind::network);
  CHECK_THAT(missing.error().message, Catch::Contains("https://127.0.0.1:1/key.pem"));
}

TEST_CASE("file:// and plain paths still name local key files", "[kbs][key_source]") {
  test::TempDir dir;
  auto key = *crypto::PrivateKey::generate_ec();
  REQUIRE(write_file_atomic(dir / "k.pem", key.public_key().to_pem()));
  REQUIRE(write_file_atomic(dir / "k.jwks", R"({"keys":[)" + jose::Jwk::from_public(key.public_key()).to_json().dump() + "]}"));
  CHECK(*load_public_key_source((dir / "k.pem").string(), {}) == key.public_key());
  CHECK(*load_public_key_source("file://" + (dir / "k.pem").string(), {}) == key.public_key());
  auto set = load_jwk_set_source("file://" + (dir / "k.jwks").string(), {});
  REQUIRE(set);
  REQUIRE(set->size() == 1);
  CHECK((*set)[0].public_key() == key.public_key());
  auto absent = load_jwk_set_source((dir / "absent.jwks").string(), {});
  REQUIRE_FALSE(absent);
  CHECK_THAT(absent.error().message, Catch::Contains("absent.jwks"));
}
