// Fuzz the evidence parsers on attacker-controlled bytes: the first byte picks the parser (SNP report, TDX quote,
// CC event log, TPM TPMS_ATTEST/TPMT_SIGNATURE, SNP certificate table); the rest is its input. Parsers must
// return errors, never crash, read out of bounds or throw.
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/attest/ccel.hpp"
#include "common/attest/snp.hpp"
#include "common/attest/source.hpp"
#include "common/attest/tdx.hpp"
#include "common/attest/tpm.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::span<const std::uint8_t> input(data + 1, size - 1);
  switch (data[0] % 5) {
  case 0:
    if (auto report = coco::attest::parse_snp_report(input)) {
      (void)coco::attest::snp_claims(*report);
      (void)coco::attest::encode_snp_report_json(coco::attest::snp_report_to_json(*report));
    }
    break;
  case 1:
    if (auto quote = coco::attest::parse_tdx_quote(input)) {
      (void)coco::attest::tdx_claims(*quote, std::nullopt);
      (void)coco::attest::verify_tdx_quote_signatures(*quote, {});
    }
    break;
  case 2:
    if (auto events = coco::attest::parse_cc_event_log(input)) {
      (void)coco::attest::replay_rtmrs(*events);
      (void)coco::attest::uefi_event_logs_claim(*events);
    }
    break;
  case 3:
    (void)coco::attest::parse_tpms_attest(input);
    (void)coco::attest::parse_tpmt_signature(input);
    break;
  default: (void)coco::attest::parse_snp_cert_table(input); break;
  }
  return 0;
}
