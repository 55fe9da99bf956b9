// Verifying a KBS `Attestation` message end to end (spec evidence.md §1, §2, §4): the body a guest POSTs to
// /kbs/v0/attest is {"init-data": null | {"format":"toml","body":<TOML>}, "runtime-data": {"nonce","tee-pubkey"},
// "tee-evidence": {"primary_evidence": <evidence>, "additional_evidence": "<string>"}}.
//
// Initdata (Trustee kbs/docs/initdata.md): TOML with version = "0.1.0", algorithm = "sha256"|"sha384"|"sha512" and
// a [data] table of strings; its digest is algorithm(TOML text) and is what HOST_DATA / MRCONFIGID / PCR8 bind.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/attest/verifier.hpp"
#include "common/base/encoding.hpp"
#include "common/base/result.hpp"

namespace coco::attest {

struct Initdata {
  std::string version;
  HashAlgorithm algorithm = HashAlgorithm::sha384;
  nlohmann::json data = nlohmann::json::object(); // the [data] table, string values
  Bytes digest;                                   // algorithm(TOML text)
};

Result<Initdata> parse_initdata(std::string_view toml_text);

// Check one Attestation body for `tee` with `verifier`: the runtime-data nonce must equal `session_nonce` (when
// given), the evidence must bind the §2 digest and the init-data digest. Returns Trustee's annotated claims
// (annotate_claims(): "<tee>", report_data, init_data, runtime_data_claims, init_data_claims).
Result<nlohmann::json> evaluate_attestation(Tee tee, const nlohmann::json& attestation, const Verifier& verifier,
                                            std::optional<std::string_view> session_nonce);

} // namespace coco::attest
