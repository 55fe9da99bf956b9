#include "common/attest/sample.hpp"

#include <catch2/catch.hpp>

#include "common/attest/binding.hpp"
#include "tests/unit/attest/attest_test_util.hpp"

using namespace coco;
using namespace coco::attest;
using coco::test::load_vector_json;

TEST_CASE("the sample attestation body verifies and annotates like Trustee's", "[attest][sample]") {
  const auto body = load_vector_json("binding/attestation-sample.json");
  const auto& rd = body["runtime-data"];
  auto d = runtime_data_digest(rd["nonce"].get<std::string>(), rd["tee-pubkey"], "", binding_hash(Tee::sample));
  REQUIRE(d);
  auto verifier = make_verifier(Tee::sample);
  REQUIRE(verifier);
  const Bytes init = digest(HashAlgorithm::sha384, as_bytes(std::string_view("init")));
  auto claims = (*verifier)->evaluate(body["tee-evidence"]["primary_evidence"], report_data_for(Tee::sample, *d), init);
  REQUIRE(claims);
  const auto runtime = runtime_data_object(rd["nonce"].get<std::string>(), rd["tee-pubkey"], "");
  const auto annotated = annotate_claims(Tee::sample, *claims, runtime, nullptr);
  CHECK(annotated["sample"]["svn"] == "1");
  CHECK(annotated["sample"]["launch_digest"] == "abcde");
  CHECK(annotated["sample"]["platform_version"] == nlohmann::json{{"major", 1}, {"minor", 4}});
  CHECK(annotated["sample"]["debug"] == false);
  CHECK_FALSE(annotated["sample"].contains("report_data"));
  CHECK(annotated["report_data"] == body["tee-evidence"]["primary_evidence"]["report_data"]);
  CHECK(annotated["init_data"] == base64_encode(init));
  CHECK(annotated["runtime_data_claims"] == runtime);
  CHECK(annotated["init_data_claims"].is_null());
}

TEST_CASE("sample evidence with other report data is refused", "[attest][sample]") {
  auto verifier = make_verifier(Tee::sample);
  REQUIRE(verifier);
  const Bytes expected(48, 1);
  auto good = (*verifier)->evaluate(sample_evidence(expected), expected, std::nullopt);
  REQUIRE(good);
  CHECK_FALSE(good->contains("init_data"));
  auto bad = (*verifier)->evaluate(sample_evidence(Bytes(48, 2)), expected, std::nullopt);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == Kind::denied);
  CHECK_FALSE((*verifier)->evaluate(nlohmann::json{{"svn", 1}, {"report_data", ""}}, std::nullopt, std::nullopt));
}
