#include "common/jose/jws.hpp"

#include <catch2/catch.hpp>

#include "common/jose/jwk.hpp"
#include "tests/unit/jose/rfc7520.hpp"

using namespace coco;
using namespace coco::jose;

namespace {
std::string flip_last_char(std::string s) {
  // Changing the final base64url character alters the decoded signature.
  s.back() = s.back() == 'A' ? 'B' : 'A';
  return s;
}
} // namespace

TEST_CASE("RS256 signing reproduces RFC 7520 section 4.1 exactly", "[jose]") {
  Json v = coco::test::rfc7520("jws-4_1");
  auto jwk = Jwk::parse(v["input"]["key"]);
  REQUIRE(jwk);
  Json header = v["signing"]["protected"];
  std::string payload = v["input"]["payload"];
  auto token = jws_sign_compact(header, as_bytes(payload), *jwk->private_key());
  REQUIRE(token);
  CHECK(*token == v["output"]["compact"].get<std::string>());
  auto parts = jws_verify_compact(*token, jwk->public_key());
  REQUIRE(parts);
  CHECK(as_string(parts->payload) == payload);
}

TEST_CASE("the ES512 signature of RFC 7520 section 4.3 verifies and a changed one does not", "[jose]") {
  Json v = coco::test::rfc7520("jws-4_3");
  auto jwk = Jwk::parse(v["input"]["key"]);
  REQUIRE(jwk);
  std::string token = v["output"]["compact"];
  auto parts = jws_verify_compact(token, jwk->public_key());
  REQUIRE(parts);
  CHECK(parts->header["kid"] == "bilbo.baggins@hobbiton.example");
  CHECK(jws_verify_compact(flip_last_char(token), jwk->public_key()).error().kind == Kind::integrity);
}

TEST_CASE("every JWS algorithm signs and verifies, and rejects a changed payload", "[jose]") {
  auto rsa = crypto::PrivateKey::generate_rsa(2048).value();
  struct Case {
    std::string alg;
    crypto::PrivateKey key;
  };
  std::vector<Case> cases{{"ES256", crypto::PrivateKey::generate_ec(crypto::Curve::p256).value()},
                          {"ES384", crypto::PrivateKey::generate_ec(crypto::Curve::p384).value()},
                          {"ES512", crypto::PrivateKey::generate_ec(crypto::Curve::p521).value()},
                          {"EdDSA", crypto::PrivateKey::generate_ed25519().value()},
                          {"RS256", rsa}, {"RS384", rsa}, {"RS512", rsa},
                          {"PS256", rsa}, {"PS384", rsa}, {"PS512", rsa}};
  for (const auto& c : cases) {
    INFO(c.alg);
    Json header = Json::object();
    header["alg"] = c.alg;
    auto token = jws_sign_compact(header, to_bytes("payload"), c.key);
    REQUIRE(token);
    auto parts = jws_verify_compact(*token, c.key.public_key());
    REQUIRE(parts);
    CHECK(parts->header["alg"] == c.alg);
    auto dot1 = token->find('.');
    auto dot2 = token->rfind('.');
    std::string forged = token->substr(0, dot1 + 1) + base64url_encode(std::string_view("payloaD")) + token->substr(dot2);
    CHECK(jws_verify_compact(forged, c.key.public_key()).error().kind == Kind::integrity);
  }
}

TEST_CASE("a JWS alg that does not fit the key is refused", "[jose]") {
  auto p384 = crypto::PrivateKey::generate_ec(crypto::Curve::p384).value();
  auto p256 = crypto::PrivateKey::generate_ec(crypto::Curve::p256).value();
  Json header = Json::object();
  header["alg"] = "ES256";
  CHECK_FALSE(jws_sign_compact(header, to_bytes("x"), p384));
  auto token = jws_sign_compact(Json::object(), to_bytes("x"), p256).value();
  CHECK(jws_decode_unverified(token)->header["alg"] == "ES256");
  // The same token checked against an RSA key or a P-384 key fails before any signature math.
  auto rsa = crypto::PrivateKey::generate_rsa(2048).value();
  CHECK(jws_verify_compact(token, rsa.public_key()).error().kind == Kind::invalid);
  CHECK_FALSE(jws_verify_compact(token, p384.public_key()));
  // Restricting the allowed algorithms.
  std::vector<std::string> only_eddsa{"EdDSA"};
  CHECK(jws_verify_compact(token, p256.public_key(), only_eddsa).error().kind == Kind::denied);
}

TEST_CASE("an unsigned 'none' token is never accepted", "[jose]") {
  auto key = crypto::PrivateKey::generate_ec(crypto::Curve::p256).value();
  std::string token = base64url_encode(std::string_view(R"({"alg":"none"})")) + "." +
                      base64url_encode(std::string_view(R"({"sub":"x"})")) + ".";
  CHECK_FALSE(jws_verify_compact(token, key.public_key()));
  CHECK_FALSE(jws_verify_compact("a.b", key.public_key()));
}
