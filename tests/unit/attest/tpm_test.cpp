#include "common/attest/tpm.hpp"

#include <catch2/catch.hpp>

#include "common/attest/binding.hpp"
#include "common/attest/verifier.hpp"
#include "tests/unit/attest/attest_test_util.hpp"

using namespace coco;
using namespace coco::attest;
using coco::test::contains;
using coco::test::load_vector_json;

namespace {
Bytes binding_digest() {
  const auto v = load_vector_json("binding/report-data-binding.json");
  auto hex = hex_decode(v["sha384"].get<std::string>());
  REQUIRE(hex);
  return *hex;
}
} // namespace

TEST_CASE("swtpm evidence bound to the KBS runtime data verifies with its init-data", "[attest][tpm]") {
  const auto evidence = load_vector_json("tpm/swtpm-tpm-evidence-kbs-binding.json");
  auto verifier = make_verifier(Tee::tpm);
  REQUIRE(verifier);
  const Bytes init_digest = digest(HashAlgorithm::sha256, as_bytes(std::string_view("example-initdata")));
  auto claims = (*verifier)->evaluate(evidence, report_data_for(Tee::tpm, binding_digest()), init_digest);
  INFO((claims ? std::string() : claims.error().message));
  REQUIRE(claims);
  CHECK((*claims)["pcr08"] == "cd021388e2e3623b96235f16b7f6d445cff03d0bdd7eb4814a0ea73f422bcd8b");
  CHECK((*claims)["init_data"] == (*claims)["pcr08"]);
  CHECK((*claims)["report_data"] == load_vector_json("binding/report-data-binding.json")["tpm_nonce_32"]);
  CHECK((*claims)["ak_public"] == evidence["ak_public"]);
  CHECK(claims->contains("pcr23"));
}

TEST_CASE("TPM nonce and PCR8 mismatches are refused", "[attest][tpm]") {
  const auto evidence = load_vector_json("tpm/swtpm-tpm-evidence-kbs-binding.json");
  auto verifier = make_verifier(Tee::tpm);
  REQUIRE(verifier);
  Bytes wrong = binding_digest();
  wrong[5] ^= 1;
  auto bad = (*verifier)->evaluate(evidence, wrong, std::nullopt);
  REQUIRE_FALSE(bad);
  CHECK(contains(bad.error().message, "extraData"));
  auto bad_init = (*verifier)->evaluate(evidence, std::nullopt, Bytes(32, 0));
  REQUIRE_FALSE(bad_init);
  CHECK(contains(bad_init.error().message, "PCR8"));
}

TEST_CASE("Trustee's TPM evidence has a valid signature but a 64-byte nonce no binding can match", "[attest][tpm]") {
  const auto evidence = load_vector_json("tpm/trustee-tpm_evidence.json");
  auto verifier = make_verifier(Tee::tpm);
  REQUIRE(verifier);
  auto claims = (*verifier)->evaluate(evidence, std::nullopt, std::nullopt);
  INFO((claims ? std::string() : claims.error().message));
  REQUIRE(claims);
  const auto nonce = hex_decode((*claims)["report_data"].get<std::string>());
  REQUIRE(nonce);
  CHECK(nonce->size() == 64);
  auto bound = (*verifier)->evaluate(evidence, *nonce, std::nullopt);
  REQUIRE_FALSE(bound);
}

TEST_CASE("a flipped bit in the TPM quote, signature or PCRs fails", "[attest][tpm]") {
  const auto evidence = load_vector_json("tpm/swtpm-tpm-evidence-kbs-binding.json");
  auto verifier = make_verifier(Tee::tpm);
  REQUIRE(verifier);
  auto flip_b64 = [](const std::string& b64, std::size_t at) {
    auto bytes = base64_decode(b64);
    REQUIRE(bytes);
    (*bytes)[at] ^= 1;
    return base64_encode(*bytes);
  };
  auto msg = evidence;
  msg["tpm_quote"]["message"] = flip_b64(evidence["tpm_quote"]["message"], 40);
  auto r1 = (*verifier)->evaluate(msg, std::nullopt, std::nullopt);
  REQUIRE_FALSE(r1);
  CHECK(contains(r1.error().message, "signature does not verify"));
  auto sig = evidence;
  sig["tpm_quote"]["signature"] = flip_b64(evidence["tpm_quote"]["signature"], 100);
  auto r2 = (*verifier)->evaluate(sig, std::nullopt, std::nullopt);
  REQUIRE_FALSE(r2);
  CHECK(contains(r2.error().message, "signature does not verify"));
  auto pcr = evidence;
  std::string p3 = pcr["tpm_quote"]["pcrs"][3];
  p3[0] = p3[0] == '0' ? '1' : '0';
  pcr["tpm_quote"]["pcrs"][3] = p3;
  auto r3 = (*verifier)->evaluate(pcr, std::nullopt, std::nullopt);
  REQUIRE_FALSE(r3);
  CHECK(contains(r3.error().message, "pcrDigest"));
}
