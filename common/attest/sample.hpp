// Trustee's "sample" TEE: unsigned evidence for tests and demos (spec evidence.md §3).
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "common/attest/verifier.hpp"

namespace coco::attest {

std::unique_ptr<Verifier> make_sample_verifier();

// The attester side: {"svn": svn, "report_data": std base64(report_data)} (guest-components sample/mod.rs).
nlohmann::json sample_evidence(std::span<const std::uint8_t> report_data, std::string_view svn = "1");

} // namespace coco::attest
