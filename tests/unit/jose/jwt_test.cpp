#include "common/jose/jwt.hpp"

#include <catch2/catch.hpp>

#include "common/base/atomic_file.hpp"
#include "common/jose/jwk.hpp"
#include "tests/unit/test_util.hpp"

using namespace coco;
using namespace coco::jose;

namespace {
constexpr std::int64_t k_t0 = 1767225600;  // the EAR sample's iat

std::string ear_token() {
  std::string t = read_file(coco::test::vectors_dir() / "evidence" / "ear" / "made-here-ear-sample-affirming.jwt").value();
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) {
    t.pop_back();
  }
  return t;
}

crypto::PublicKey ear_key() {
  auto set = parse_jwk_set(
      read_file(coco::test::vectors_dir() / "evidence" / "ear" / "trustee-expected-jwks.json").value());
  return set.value().at(0).public_key();
}

JwtVerifyOptions at(std::int64_t t) {
  JwtVerifyOptions o;
  o.now = [t] { return t; };
  return o;
}
} // namespace

TEST_CASE("the EAR sample token verifies with Trustee's published JWKS at a fixed clock", "[jose]") {
  auto options = at(k_t0 + 10);
  options.issuer = "CoCo-Attestation-Service";
  options.algorithms = {"ES256"};
  auto jwt = jwt_verify(ear_token(), ear_key(), options);
  REQUIRE(jwt);
  CHECK(jwt->claims["submods"]["cpu0"]["ear.status"] == "affirming");
  CHECK(jwt->header["typ"] == "JWT");
  // The key in the header is the same key.
  auto header_key = Jwk::parse(jwt->header["jwk"]);
  REQUIRE(header_key);
  CHECK(header_key->public_key() == ear_key());
}

TEST_CASE("the EAR sample token is refused once expired and with another key", "[jose]") {
  auto late = jwt_verify(ear_token(), ear_key(), at(k_t0 + 300 + 61));
  REQUIRE_FALSE(late);
  CHECK(late.error().kind == Kind::denied);
  CHECK(late.error().message.find("expired") != std::string::npos);
  auto other = crypto::PrivateKey::generate_ec(crypto::Curve::p256).value();
  CHECK(jwt_verify(ear_token(), other.public_key(), at(k_t0)).error().kind == Kind::integrity);
  auto wrong_iss = at(k_t0);
  wrong_iss.issuer = "someone-else";
  CHECK(jwt_verify(ear_token(), ear_key(), wrong_iss).error().kind == Kind::denied);
}

TEST_CASE("minted JWTs carry typ, jwk and lifetime claims and verify", "[jose]") {
  auto key = crypto::PrivateKey::generate_ed25519().value();
  JwtMintOptions mint;
  mint.embed_jwk = true;
  mint.lifetime_seconds = 300;
  mint.kid = "k1";
  mint.now = [] { return k_t0; };
  Json claims = Json::object();
  claims["iss"] = "coco";
  claims["aud"] = Json::array({"kbs", "other"});
  auto token = jwt_mint(claims, key, mint);
  REQUIRE(token);
  auto peek = jwt_decode_unverified(*token);
  REQUIRE(peek);
  CHECK(peek->header["alg"] == "EdDSA");
  CHECK(peek->header["typ"] == "JWT");
  CHECK(peek->header["kid"] == "k1");
  CHECK(peek->claims["exp"] == k_t0 + 300);
  CHECK(Jwk::parse(peek->header["jwk"])->public_key() == key.public_key());

  auto options = at(k_t0 + 100);
  options.issuer = "coco";
  options.audience = "kbs";
  CHECK(jwt_verify(*token, key.public_key(), options));
  options.audience = "nobody";
  CHECK(jwt_verify(*token, key.public_key(), options).error().kind == Kind::denied);
}

TEST_CASE("a JWT without exp is refused unless exp is optional", "[jose]") {
  auto key = crypto::PrivateKey::generate_ec(crypto::Curve::p384).value();
  auto token = jwt_mint(Json::object({{"sub", "x"}}), key).value();
  CHECK(jwt_verify(token, key.public_key(), at(k_t0)).error().kind == Kind::denied);
  auto lax = at(k_t0);
  lax.require_exp = false;
  CHECK(jwt_verify(token, key.public_key(), lax));
}

TEST_CASE("a JWT before its nbf is refused beyond the leeway", "[jose]") {
  auto key = crypto::PrivateKey::generate_rsa(2048).value();
  auto token = jwt_mint(Json::object({{"nbf", k_t0}, {"exp", k_t0 + 1000}}), key).value();
  CHECK(jwt_verify(token, key.public_key(), at(k_t0 - 30)));  // within 60 s leeway
  auto strict = at(k_t0 - 30);
  strict.leeway_seconds = 0;
  CHECK(jwt_verify(token, key.public_key(), strict).error().kind == Kind::denied);
  CHECK(jwt_decode_unverified(token)->header["alg"] == "RS256");
}
