#include "common/attest/attestation.hpp"

#include <catch2/catch.hpp>

#include "common/attest/sample.hpp"
#include "tests/unit/attest/attest_test_util.hpp"

using namespace coco;
using namespace coco::attest;
using coco::test::contains;
using coco::test::load_vector_json;

namespace {
const char* const k_initdata = "version = \"0.1.0\"\nalgorithm = \"sha384\"\n\n[data]\n\"aa.toml\" = \"x\"\n";
}

TEST_CASE("the sample Attestation body verifies for its session nonce", "[attest][attestation]") {
  const auto body = load_vector_json("binding/attestation-sample.json");
  auto verifier = make_verifier(Tee::sample);
  REQUIRE(verifier);
  auto claims = evaluate_attestation(Tee::sample, body, **verifier, body["runtime-data"]["nonce"].get<std::string>());
  INFO((claims ? std::string() : claims.error().message));
  REQUIRE(claims);
  CHECK((*claims)["sample"]["svn"] == "1");
  CHECK((*claims)["report_data"] == body["tee-evidence"]["primary_evidence"]["report_data"]);
  CHECK((*claims)["runtime_data_claims"]["tee-pubkey"] == body["runtime-data"]["tee-pubkey"]);
  CHECK((*claims)["runtime_data_claims"]["additional-evidence"] == "");
  CHECK_FALSE(claims->contains("init_data"));

  auto wrong_nonce = evaluate_attestation(Tee::sample, body, **verifier, "AAAA");
  REQUIRE_FALSE(wrong_nonce);
  CHECK(wrong_nonce.error().kind == Kind::denied);

  auto other_key = body;
  other_key["runtime-data"]["tee-pubkey"]["x"] = "AAAA";
  auto unbound = evaluate_attestation(Tee::sample, other_key, **verifier, std::nullopt);
  REQUIRE_FALSE(unbound);
  CHECK(contains(unbound.error().message, "report_data"));
}

TEST_CASE("init-data digests bind and its data table becomes init_data_claims", "[attest][attestation]") {
  auto initdata = parse_initdata(k_initdata);
  REQUIRE(initdata);
  CHECK(initdata->digest == digest(HashAlgorithm::sha384, as_bytes(std::string_view(k_initdata))));
  CHECK(initdata->data == nlohmann::json{{"aa.toml", "x"}});

  auto body = load_vector_json("binding/attestation-sample.json");
  body["init-data"] = {{"format", "toml"}, {"body", k_initdata}};
  auto verifier = make_verifier(Tee::sample);
  REQUIRE(verifier);
  auto claims = evaluate_attestation(Tee::sample, body, **verifier, std::nullopt);
  REQUIRE(claims);
  CHECK((*claims)["init_data"] == base64_encode(initdata->digest));
  CHECK((*claims)["init_data_claims"] == initdata->data);

  CHECK_FALSE(parse_initdata("version = \"0.2.0\"\nalgorithm = \"sha384\"\n"));
  CHECK_FALSE(parse_initdata("version = \"0.1.0\"\nalgorithm = \"md5\"\n"));
  CHECK_FALSE(parse_initdata("not toml ["));
  body["init-data"]["format"] = "json";
  CHECK_FALSE(evaluate_attestation(Tee::sample, body, **verifier, std::nullopt));
}
