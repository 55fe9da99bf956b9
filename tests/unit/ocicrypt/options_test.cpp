#include "common/ocicrypt/options.hpp"

#include <catch2/catch.hpp>

using namespace coco;
using namespace coco::ocicrypt;

TEST_CASE("private options serialise with Go's member order and standard base64", "[ocicrypt]") {
  PrivateOptions p;
  p.symkey = Secret(Bytes(32, 0xff));
  p.digest = "sha256:" + std::string(64, 'a');
  p.cipheroptions["nonce"] = Bytes(16, 0xfb);
  Secret json = serialize_private_options(p);
  CHECK(json.view() == "{\"symkey\":\"//////////////////////////////////////////8=\",\"digest\":\"sha256:" +
                           std::string(64, 'a') + "\",\"cipheroptions\":{\"nonce\":\"+/v7+/v7+/v7+/v7+/v7+w==\"}}");
  auto back = parse_private_options(json.bytes());
  REQUIRE(back);
  CHECK(back->symkey.size() == 32);
  CHECK(back->digest == p.digest);
  CHECK(back->cipheroptions.at("nonce") == Bytes(16, 0xfb));
}

TEST_CASE("public options always carry cipher, hmac and an object for cipheroptions", "[ocicrypt]") {
  PublicOptions pub;
  pub.hmac = Bytes(32, 1);
  std::string json = serialize_public_options(pub);
  CHECK(json == R"({"cipher":"AES_256_CTR_HMAC_SHA256","hmac":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=","cipheroptions":{}})");
  auto back = parse_public_options(json);
  REQUIRE(back);
  CHECK(back->hmac == pub.hmac);
  CHECK(back->cipheroptions.empty());
}

TEST_CASE("options missing a member or with a null cipheroptions are rejected", "[ocicrypt]") {
  CHECK_FALSE(parse_public_options(R"({"cipher":"AES_256_CTR_HMAC_SHA256","hmac":"AQ==","cipheroptions":null})"));
  CHECK(parse_public_options(R"({"cipher":"AES_256_CTR_HMAC_SHA256","cipheroptions":{}})").error().kind ==
        Kind::integrity);
  CHECK_FALSE(parse_private_options(to_bytes(R"({"symkey":"AQ==","cipheroptions":{}})")));
  CHECK_FALSE(parse_private_options(to_bytes(R"({"symkey":"not base64!","digest":"x","cipheroptions":{}})")));
}

TEST_CASE("the nonce is looked up in the public options before the private ones", "[ocicrypt]") {
  PrivateOptions priv;
  priv.cipheroptions["nonce"] = Bytes(16, 1);
  PublicOptions pub;
  CHECK(layer_nonce(priv, pub).value() == Bytes(16, 1));
  pub.cipheroptions["nonce"] = Bytes(16, 2);
  CHECK(layer_nonce(priv, pub).value() == Bytes(16, 2));
  CHECK_FALSE(layer_nonce(PrivateOptions{}, PublicOptions{}));
}
