#include "common/attest/binding.hpp"

#include <catch2/catch.hpp>

#include "common/base/atomic_file.hpp"
#include "common/base/encoding.hpp"
#include "common/jose/jcs.hpp"
#include "tests/unit/test_util.hpp"

using namespace coco;
using namespace coco::attest;

namespace {
nlohmann::json load_json(const std::string& relative) {
  auto text = read_file(test::vectors_dir() / relative);
  REQUIRE(text);
  return nlohmann::json::parse(*text);
}
} // namespace

TEST_CASE("runtime data canonicalises and hashes to the binding vector", "[attest][binding]") {
  const auto v = load_json("evidence/binding/report-data-binding.json");
  const auto& rd = v["runtime-data"];
  const std::string nonce = rd["nonce"];
  auto text = jose::canonicalize(runtime_data_object(nonce, rd["tee-pubkey"], ""));
  REQUIRE(text);
  CHECK(*text == v["primary_runtime_data_canonical"].get<std::string>());

  auto d = runtime_data_digest(nonce, rd["tee-pubkey"], "", HashAlgorithm::sha384);
  REQUIRE(d);
  CHECK(hex_encode(*d) == v["sha384"].get<std::string>());
  CHECK(hex_encode(report_data_for(Tee::snp, *d)) == v["report_data_64_snp_tdx_sgx_cca"].get<std::string>());
  CHECK(hex_encode(report_data_for(Tee::tdx, *d)) == v["report_data_64_snp_tdx_sgx_cca"].get<std::string>());
  CHECK(hex_encode(report_data_for(Tee::tpm, *d)) == v["tpm_nonce_32"].get<std::string>());
  CHECK(base64_encode(report_data_for(Tee::sample, *d)) == v["sample_report_data_b64"].get<std::string>());

  auto se = runtime_data_digest(nonce, rd["tee-pubkey"], "", binding_hash(Tee::se));
  REQUIRE(se);
  CHECK(hex_encode(*se) == v["se_sha512"].get<std::string>());
}

TEST_CASE("device runtime data omits additional-evidence", "[attest][binding]") {
  const auto v = load_json("evidence/binding/report-data-binding.json");
  const auto& rd = v["runtime-data"];
  auto text = jose::canonicalize(runtime_data_object(rd["nonce"].get<std::string>(), rd["tee-pubkey"], std::nullopt));
  REQUIRE(text);
  CHECK(*text == v["device_runtime_data_canonical"].get<std::string>());
  auto d = runtime_data_digest(rd["nonce"].get<std::string>(), rd["tee-pubkey"], std::nullopt, HashAlgorithm::sha384);
  REQUIRE(d);
  CHECK(hex_encode(*d) == v["device_sha384"].get<std::string>());
}

TEST_CASE("the sample attestation body carries the bound report data", "[attest][binding]") {
  const auto body = load_json("evidence/binding/attestation-sample.json");
  const auto& rd = body["runtime-data"];
  auto d = runtime_data_digest(rd["nonce"].get<std::string>(), rd["tee-pubkey"],
                               body["tee-evidence"]["additional_evidence"].get<std::string>(), HashAlgorithm::sha384);
  REQUIRE(d);
  CHECK(base64_encode(*d) == body["tee-evidence"]["primary_evidence"]["report_data"].get<std::string>());
}

TEST_CASE("a different additional-evidence string changes the digest", "[attest][binding]") {
  const nlohmann::json jwk = {{"kty", "EC"}};
  auto a = runtime_data_digest("n", jwk, "", HashAlgorithm::sha384);
  auto b = runtime_data_digest("n", jwk, "{}", HashAlgorithm::sha384);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(*a != *b);
  CHECK(a->size() == 48);
}

TEST_CASE("tee names parse both ways", "[attest][binding]") {
  for (const Tee tee : {Tee::sample, Tee::snp, Tee::tdx, Tee::tpm, Tee::az_snp_vtpm, Tee::az_tdx_vtpm, Tee::se}) {
    auto parsed = parse_tee(tee_name(tee));
    REQUIRE(parsed);
    CHECK(*parsed == tee);
  }
  CHECK_FALSE(parse_tee("sgx-sim"));
}
