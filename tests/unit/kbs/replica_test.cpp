// Two KBS replicas on one real PostgreSQL server (tests/e2e/lib/postgres.sh): sessions, resources and
// policies written through one are served by the other.
#include <catch2/catch.hpp>
#include <httplib.h>

#include "common/attest/binding.hpp"
#include "common/base/atomic_file.hpp"
#include "common/base/encoding.hpp"
#include "common/crypto/key.hpp"
#include "common/jose/jwe.hpp"
#include "common/kbs/protocol.hpp"
#include "common/kbs/server.hpp"
#include "tests/unit/kbs/server_fixture.hpp"
#include "tests/unit/store/pg_server.hpp"
#include "tests/unit/test_util.hpp"

using namespace coco;
using namespace coco::kbs;

namespace {

std::unique_ptr<Server> replica(const test::TempDir& dir, const std::string& name, const std::string& database) {
  ServerOptions options;
  options.config.admin.mode = AdminMode::insecure_allow_all;
  options.state_dir = dir / name;
  options.database = database;
  options.kek_path = dir / "shared-kek";  // replicas share the key-encryption key
  return test::start_kbs_server(std::move(options));
}

std::unique_ptr<httplib::SSLClient> client_of(Server& server) { return test::https_client_of(server); }

} // namespace

TEST_CASE("auth on one replica, attest and fetch on another, over one PostgreSQL database", "[kbs][replica][postgres]") {
  test::TempDir dir;
  const std::string database = test::PostgresServer::instance().fresh_database();
  auto a = replica(dir, "a", database);
  auto b = replica(dir, "b", database);
  auto ca = client_of(*a);
  auto cb = client_of(*b);

  // A secret and a policy set through A.
  REQUIRE(ca->Post("/kbs/v0/resource/default/key/shared", "from-a", "application/octet-stream")->status == 200);
  auto allow = read_file(test::vectors_dir() / "kbs" / "policies" / "allow_all.rego");
  REQUIRE(allow);
  REQUIRE(ca->Post("/kbs/v0/resource-policy", nlohmann::json{{"policy", base64url_encode(*allow)}}.dump(), "application/json")
              ->status == 200);

  auto auth = ca->Post("/kbs/v0/auth", R"({"version":"0.4.0","tee":"sample","extra-params":{}})", "application/json");
  REQUIRE(auth);
  REQUIRE(auth->status == 200);
  const std::string set_cookie = auth->get_header_value("Set-Cookie");
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  const std::string nonce = Challenge::parse(auth->body)->nonce;

  auto key = crypto::PrivateKey::generate_ec(crypto::Curve::p256);
  REQUIRE(key);
  const auto ec = key->public_key().ec();
  const nlohmann::json jwk = {{"kty", "EC"}, {"crv", "P-256"}, {"alg", "ECDH-ES+A256KW"}, {"x", base64url_encode(ec.x)},
                              {"y", base64url_encode(ec.y)}};
  auto digest = attest::runtime_data_digest(nonce, jwk, std::string_view(""), attest::HashAlgorithm::sha384);
  REQUIRE(digest);
  Attestation message;
  message.nonce = nonce;
  message.tee_pubkey = jwk;
  message.primary_evidence = {{"svn", "1"}, {"report_data", base64_encode(*digest)}};
  httplib::Headers headers = {{"Cookie", cookie}};
  auto attested = cb->Post("/kbs/v0/attest", headers, message.to_json().dump(), "application/json");
  REQUIRE(attested);
  INFO(attested->body);
  REQUIRE(attested->status == 200);

  auto res = cb->Get("/kbs/v0/resource/default/key/shared", headers);
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == 200);
  auto plain = jose::jwe_decrypt(res->body, *key);
  REQUIRE(plain);
  CHECK(plain->view() == "from-a");
  b->stop();
  a->stop();
}
