#include "common/attest/tdx.hpp"

#include <catch2/catch.hpp>

#include "common/attest/verifier.hpp"
#include "tests/unit/attest/attest_test_util.hpp"

using namespace coco;
using namespace coco::attest;
using coco::test::contains;
using coco::test::load_vector_bytes;
using coco::test::load_vector_json;

TEST_CASE("the Trustee v4 TDX quote verifies and yields Trustee's claim tree", "[attest][tdx]") {
  const Bytes quote = load_vector_bytes("tdx/trustee-tdx_quote_4.dat");
  auto verifier = make_verifier(Tee::tdx);
  REQUIRE(verifier);
  const nlohmann::json evidence = {{"cc_eventlog", nullptr}, {"quote", base64_encode(quote)}};
  auto claims = (*verifier)->evaluate(evidence, std::nullopt, std::nullopt);
  INFO((claims ? std::string() : claims.error().message));
  REQUIRE(claims);
  auto expected = load_vector_json("tdx/trustee-parse_tdx_claims_expected.json");
  // uefi_event_logs there come from a CCEL not paired with this quote; without a log ours is empty.
  expected.erase("uefi_event_logs");
  auto ours = *claims;
  CHECK(ours["uefi_event_logs"] == nlohmann::json::array());
  ours.erase("uefi_event_logs");
  CHECK(ours == expected);
}

TEST_CASE("TDX v5 quotes with TDX 1.5 bodies verify and carry the extra fields", "[attest][tdx]") {
  for (const char* name : {"tdx/trustee-tdx_quote_5.dat", "tdx/go-tdx-guest-quote_v5_sample.dat"}) {
    INFO(name);
    auto claims = verify_tdx_quote(load_vector_bytes(name), std::nullopt, std::nullopt, {});
    INFO((claims ? std::string() : claims.error().message));
    REQUIRE(claims);
    CHECK((*claims)["quote"]["header"]["version"] == "0500");
    CHECK((*claims)["quote"]["type"] == "0300");
    CHECK((*claims)["quote"]["size"] == "88020000");
    CHECK((*claims)["quote"]["body"]["tee_tcb_svn2"].get<std::string>().size() == 32);
    CHECK((*claims)["quote"]["body"]["mr_servicetd"].get<std::string>().size() == 96);
  }
}

TEST_CASE("a zero-padded v4 quote verifies with its KBS-style report data and init data", "[attest][tdx]") {
  const Bytes quote = load_vector_bytes("tdx/trustee-tdx_quote_6.dat");
  auto parsed = parse_tdx_quote(quote);
  REQUIRE(parsed);
  const Bytes digest48(parsed->body.report_data.begin(), parsed->body.report_data.begin() + 48);
  CHECK(Bytes(parsed->body.report_data.begin() + 48, parsed->body.report_data.end()) == Bytes(16, 0));
  auto claims = verify_tdx_quote(quote, digest48, parsed->body.mr_config_id, {});
  INFO((claims ? std::string() : claims.error().message));
  REQUIRE(claims);
  CHECK((*claims)["init_data"].get<std::string>().substr(0, 8) == "889abf47");
  Bytes other = digest48;
  other[47] ^= 0x80;
  auto bad = verify_tdx_quote(quote, other, std::nullopt, {});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "tdx: REPORTDATA does not match the expected runtime-data digest");
  auto bad_init = verify_tdx_quote(quote, std::nullopt, Bytes(32, 7), {});
  REQUIRE_FALSE(bad_init);
  CHECK(contains(bad_init.error().message, "MRCONFIGID"));
}

TEST_CASE("production TDX quotes from go-tdx-guest verify to the pinned Intel root", "[attest][tdx]") {
  for (const char* name : {"tdx/go-tdx-guest-tdx_prod_quote_SPR_E4.dat", "tdx/eventlog/go-tdx-guest-cos-113-tdx-quote.dat"}) {
    INFO(name);
    auto claims = verify_tdx_quote(load_vector_bytes(name), std::nullopt, std::nullopt, {});
    INFO((claims ? std::string() : claims.error().message));
    CHECK(claims);
  }
  auto cos = verify_tdx_quote(load_vector_bytes("tdx/eventlog/go-tdx-guest-cos-113-tdx-quote.dat"), Bytes(64, 0), std::nullopt, {});
  REQUIRE(cos);
  CHECK((*cos)["quote"]["body"]["rtmr_0"].get<std::string>().substr(0, 8) == "3fa2f61f");
}

TEST_CASE("Intel's test-CA quote and SGX quotes are rejected", "[attest][tdx]") {
  auto testca = verify_tdx_quote(load_vector_bytes("tdx/intel-qvl-testca/quote.dat"), std::nullopt, std::nullopt, {});
  REQUIRE_FALSE(testca);
  CHECK(contains(testca.error().message, "tdx: "));
  auto sgx = parse_tdx_quote(load_vector_bytes("sgx/trustee-occlum_quote.dat"));
  REQUIRE_FALSE(sgx);
  CHECK(contains(sgx.error().message, "version 3"));
}

TEST_CASE("one flipped bit anywhere in a TDX quote fails with a message naming the check", "[attest][tdx]") {
  const Bytes quote = load_vector_bytes("tdx/trustee-tdx_quote_4.dat");
  auto parsed = parse_tdx_quote(quote);
  REQUIRE(parsed);
  const std::size_t sig = 636;          // signature data start
  const std::size_t qe_report = sig + 134;
  const std::pair<std::size_t, const char*> flips[] = {
      {12, "quote signature"},               {48, "quote signature"},
      {184, "quote signature"},              {568, "quote signature"},
      {631, "quote signature"},              {sig, "quote signature"},
      {sig + 63, "quote signature"},         {sig + 64, "attestation key"},
      {qe_report + 10, "QE report signature"}, {qe_report + 384, "QE report signature"},
      {qe_report + 384 + 64 + 2, "QE report_data"}, {quote.size() - 300, "PCK"},
  };
  for (const auto& [offset, expected] : flips) {
    Bytes bytes = quote;
    bytes[offset] ^= 0x04;
    INFO("offset " << offset);
    auto verdict = verify_tdx_quote(bytes, std::nullopt, std::nullopt, {});
    REQUIRE_FALSE(verdict);
    INFO(verdict.error().message);
    CHECK(verdict.error().message.rfind("tdx: ", 0) == 0);
    CHECK(contains(verdict.error().message, expected));
  }
}

TEST_CASE("malformed TDX evidence is invalid", "[attest][tdx]") {
  auto verifier = make_verifier(Tee::tdx);
  REQUIRE(verifier);
  CHECK_FALSE((*verifier)->evaluate(nlohmann::json{{"quote", "!!"}}, std::nullopt, std::nullopt));
  const Bytes quote = load_vector_bytes("tdx/trustee-tdx_quote_4.dat");
  auto truncated = parse_tdx_quote(std::span<const std::uint8_t>(quote.data(), 700));
  REQUIRE_FALSE(truncated);
  CHECK(contains(truncated.error().message, "truncated"));
}
