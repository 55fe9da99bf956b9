#include "common/attest/ccel.hpp"

#include <catch2/catch.hpp>

#include "common/attest/tdx.hpp"
#include "common/attest/verifier.hpp"
#include "tests/unit/attest/attest_test_util.hpp"

using namespace coco;
using namespace coco::attest;
using coco::test::contains;
using coco::test::load_vector_bytes;
using coco::test::load_vector_json;

TEST_CASE("replaying Trustee's OVMF CC event log gives its RTMRs", "[attest][ccel]") {
  auto events = parse_cc_event_log(load_vector_bytes("tdx/eventlog/trustee-CCEL_data_ovmf.bin"));
  REQUIRE(events);
  const auto rtmrs = replay_rtmrs(*events);
  CHECK(hex_encode(rtmrs[0]) == "8566f998798db09443b244c62de9a3041fb02e2e6936c4396d784bba2e90177329ec5aba3bb484404f2ab9cc90abe193");
  CHECK(hex_encode(rtmrs[1]) == "775b9f6bfe99f8a31396f0d0218e67ffa796d3b96ccf961cbb0deba48c79c00f082cda1a5567c1c16305f1fc210c13c6");
  CHECK(hex_encode(rtmrs[2]) == "94eaf7a7bf398ed8d888c91057ae0261802e4f3df084213a76ca7f0b5055ac9d2241de43cd58d9e8b49c503bbf25f34a");
  CHECK(rtmrs[3] == Bytes(48, 0));
}

TEST_CASE("the uefi_event_logs claim matches Trustee's parse of the same log", "[attest][ccel]") {
  auto events = parse_cc_event_log(load_vector_bytes("tdx/eventlog/trustee-CCEL_data_ovmf.bin"));
  REQUIRE(events);
  const auto ours = uefi_event_logs_claim(*events);
  const auto expected = load_vector_json("tdx/eventlog/trustee-CCEL_data_ovmf_out.json")["uefi_event_logs"];
  REQUIRE(ours.size() == expected.size());
  for (std::size_t i = 0; i < ours.size(); ++i) {
    INFO("event " << i << " " << expected[i]["type_name"]);
    auto a = ours[i];
    auto b = expected[i];
    if (b["type_name"] == "EV_EFI_BOOT_SERVICES_APPLICATION") {
      // Device-path details are not decoded yet.
      a.erase("details");
      b.erase("details");
    }
    CHECK(a == b);
  }
}

TEST_CASE("a paired quote and CC event log verify together and tampering is caught", "[attest][ccel]") {
  const Bytes quote = load_vector_bytes("tdx/eventlog/go-tdx-guest-cos-113-tdx-quote.dat");
  Bytes log = load_vector_bytes("tdx/eventlog/go-tdx-guest-ccel_data.dat");
  auto verifier = make_verifier(Tee::tdx);
  REQUIRE(verifier);
  nlohmann::json evidence = {{"cc_eventlog", base64_encode(log)}, {"quote", base64_encode(quote)}};
  auto claims = (*verifier)->evaluate(evidence, std::nullopt, std::nullopt);
  INFO((claims ? std::string() : claims.error().message));
  REQUIRE(claims);
  CHECK_FALSE((*claims)["uefi_event_logs"].empty());

  auto events = parse_cc_event_log(log);
  REQUIRE(events);
  REQUIRE(events->size() > 3);
  // Flip a digest byte of the third event (found by position in the log).
  const auto& victim = (*events)[2].digests.front().second;
  const auto it = std::search(log.begin(), log.end(), victim.begin(), victim.end());
  REQUIRE(it != log.end());
  *it ^= 1;
  evidence["cc_eventlog"] = base64_encode(log);
  auto tampered = (*verifier)->evaluate(evidence, std::nullopt, std::nullopt);
  REQUIRE_FALSE(tampered);
  CHECK(contains(tampered.error().message, "does not match the CC event log replay"));
}

TEST_CASE("a CC event log that is not crypto-agile is refused", "[attest][ccel]") {
  CHECK_FALSE(parse_cc_event_log(Bytes(64, 0)));
  Bytes log = load_vector_bytes("tdx/eventlog/trustee-CCEL_data_ovmf.bin");
  log.resize(200);
  auto truncated = parse_cc_event_log(log);
  REQUIRE_FALSE(truncated);
}
