#include "common/jose/jwk.hpp"

#include "common/crypto/hash.hpp"

#include <catch2/catch.hpp>

#include "tests/unit/jose/rfc7520.hpp"

using namespace coco;
using namespace coco::jose;

TEST_CASE("the RFC 7638 example RSA key has the published thumbprint", "[jose]") {
  auto jwk = Jwk::parse_text(std::string_view(
      R"({"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"})"));
  REQUIRE(jwk);
  CHECK(jwk->thumbprint() == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  CHECK(jwk->kid() == "2011-04-29");
  CHECK_FALSE(jwk->is_private());
}

TEST_CASE("RFC 7520 private JWKs parse and serialise back to the same members", "[jose]") {
  for (const char* name : {"jwe-5_2", "jwe-5_4", "jws-4_3"}) {
    INFO(name);
    Json input = coco::test::rfc7520(name)["input"]["key"];
    auto jwk = Jwk::parse(input);
    REQUIRE(jwk);
    CHECK(jwk->is_private());
    Json out = jwk->to_json(true);
    for (const char* member : {"kty", "crv", "x", "y", "n", "e", "d", "p", "q", "dp", "dq", "qi", "kid", "use"}) {
      if (input.contains(member)) {
        CHECK(out[member] == input[member]);
      }
    }
    Json pub = jwk->public_jwk().to_json(true);
    CHECK_FALSE(pub.contains("d"));
  }
}

TEST_CASE("generated keys of every type round-trip through JWK", "[jose]") {
  std::vector<crypto::PrivateKey> keys{crypto::PrivateKey::generate_rsa(2048).value(),
                                       crypto::PrivateKey::generate_ec(crypto::Curve::p256).value(),
                                       crypto::PrivateKey::generate_ec(crypto::Curve::p384).value(),
                                       crypto::PrivateKey::generate_ec(crypto::Curve::p521).value(),
                                       crypto::PrivateKey::generate_ed25519().value()};
  for (const auto& key : keys) {
    Jwk jwk = Jwk::from_private(key, "X");
    auto back = Jwk::parse_text(jwk.to_json(true).dump());
    REQUIRE(back);
    REQUIRE(back->is_private());
    CHECK(back->public_key() == key.public_key());
    CHECK(back->alg() == "X");
    CHECK(back->thumbprint() == jwk.thumbprint());
    auto pub = Jwk::parse(jwk.to_json(false));
    REQUIRE(pub);
    CHECK_FALSE(pub->is_private());
  }
  CHECK(Jwk::from_public(keys[4].public_key()).kty() == "OKP");
}

TEST_CASE("EC JWK thumbprint input is crv, kty, x, y in that order", "[jose]") {
  auto key = crypto::PrivateKey::generate_ec(crypto::Curve::p256).value();
  Jwk jwk = Jwk::from_public(key.public_key(), "ES256");
  std::string canonical = jwk.canonical_public().dump();
  CHECK(canonical.rfind(R"({"crv":"P-256","kty":"EC","x":")", 0) == 0);
  CHECK(jwk.thumbprint() == base64url_encode(crypto::sha256(canonical)));
}

TEST_CASE("malformed or mismatched JWKs are rejected", "[jose]") {
  CHECK(Jwk::parse_text(std::string_view(R"({"kty":"oct","k":"AAAA"})")).error().kind == Kind::unsupported);
  CHECK(Jwk::parse_text(std::string_view(R"({"kty":"EC","crv":"secp256k1","x":"AA","y":"AA"})")).error().kind ==
        Kind::unsupported);
  CHECK_FALSE(Jwk::parse_text(std::string_view(R"({"kty":"RSA","n":"AQAB"})")));
  CHECK_FALSE(Jwk::parse_text(std::string_view("[1,2]")));
  // d from another key.
  auto a = crypto::PrivateKey::generate_ec(crypto::Curve::p256).value();
  auto b = crypto::PrivateKey::generate_ec(crypto::Curve::p256).value();
  Json mixed = Jwk::from_public(a.public_key()).to_json();
  mixed["d"] = Jwk::from_private(b).to_json(true)["d"];
  CHECK_FALSE(Jwk::parse(mixed));
}

TEST_CASE("a JWK set skips keys it cannot use", "[jose]") {
  auto set = parse_jwk_set(
      read_file(coco::test::vectors_dir() / "evidence" / "ear" / "trustee-expected-jwks.json").value());
  REQUIRE(set);
  REQUIRE(set->size() == 1);
  CHECK(set->at(0).alg() == "ES256");
  auto mixed = parse_jwk_set(R"({"keys":[{"kty":"oct","k":"AA"},{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]})");
  REQUIRE(mixed);
  CHECK(mixed->size() == 1);
}
