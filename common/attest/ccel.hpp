// Confidential-computing event logs (CCEL) of TDX guests: the ACPI CCEL table's log area holds a TCG crypto-agile
// event log (TCG PC Client Platform Firmware Profile §10: a first TCG_PCR_EVENT carrying the "Spec ID Event03",
// then TCG_PCR_EVENT2 records {MR index u32, event type u32, digest count u32, {alg u16, digest}…, size u32,
// event}). MR index 1..4 extend RTMR0..3 with SHA-384 (UEFI spec "EFI_CC_EVENT"); free space is 0xFF or 0x00.
//
// Replaying the log must reproduce the quote's RTMRs; the parsed events become Trustee's `uefi_event_logs` claim
// (trustee deps/eventlog: index, type_name, digests [{alg, digest}], event (base64), digest_matches_event,
// details). details are decoded for tagged events, UEFI actions, firmware blobs, handoff tables, platform config
// flags and UEFI variables; device-path events (EV_EFI_BOOT_SERVICES_*) get empty details for now.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/encoding.hpp"
#include "common/base/result.hpp"

namespace coco::attest {

struct CcEvent {
  std::uint32_t mr_index = 0;
  std::uint32_t type = 0;
  std::vector<std::pair<std::uint16_t, Bytes>> digests; // TCG algorithm id, digest
  Bytes data;
};

Result<std::vector<CcEvent>> parse_cc_event_log(std::span<const std::uint8_t> log);

// RTMR0..3 after replaying the SHA-384 digests of events with MR index 1..4.
std::array<Bytes, 4> replay_rtmrs(const std::vector<CcEvent>& events);

std::string event_type_name(std::uint32_t type);

// Trustee's uefi_event_logs claim.
nlohmann::json uefi_event_logs_claim(const std::vector<CcEvent>& events);

} // namespace coco::attest
