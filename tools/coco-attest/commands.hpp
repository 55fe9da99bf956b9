// coco-attest: gather, inspect and verify TEE evidence offline (real interfaces, simulated SNP/TDX, sample).
//
// Exit codes (besides the common ones, common/cli/run.hpp): 0 ok; 1 the evidence could not be produced or read
// (no TEE interface, unreadable file, bad simulated roots); 2 usage; 3 the evidence does not verify.
#pragma once

#include <optional>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "common/attest/binding.hpp"
#include "common/base/encoding.hpp"
#include "common/base/result.hpp"
#include "common/cli/command.hpp"

namespace coco_attest {

std::span<const coco::cli::CommandSpec> commands();

void register_attest(coco::cli::Command& cmd);
void register_decrypt(coco::cli::Command& cmd);
void register_doctor(coco::cli::Command& cmd);
void register_get_resource(coco::cli::Command& cmd);
void register_evidence(coco::cli::Command& cmd);
void register_report(coco::cli::Command& cmd);
void register_sim_init(coco::cli::Command& cmd);
void register_verify(coco::cli::Command& cmd);

// The --tee names of evidence sources.
const std::vector<std::string>& source_names();
// The verifier's TEE for a --tee name (sim-snp -> snp, sim-tdx -> tdx).
coco::Result<coco::attest::Tee> tee_for_source(const std::string& name);

// The digest D the evidence binds: --report-data HEX taken as is, else --nonce N bound as the KBS protocol
// does with no TEE key (H(JCS({"nonce": N, "tee-pubkey": {}})), H the TEE's binding hash), else nullopt.
coco::Result<std::optional<coco::Bytes>> binding_digest(coco::attest::Tee tee, const std::string& nonce,
                                                        const std::string& report_data_hex);

// A decoded view of primary evidence: SNP report fields, TDX quote claims, sample as is.
coco::Result<nlohmann::json> decode_evidence(coco::attest::Tee tee, const nlohmann::json& evidence);

} // namespace coco_attest
