// The attestation service built into the KBS (Trustee's "coco_as_builtin"): checks the evidence of an
// Attestation message against the session's nonce and the TEE key, appraises the claims with the attestation
// policy and returns an EAR token (spec evidence.md §2-§5).
//
// Evidence checks: the `sample` TEE is checked here (evidence {"svn","report_data"}, report_data = std base64 of
// SHA-384(JCS({"additional-evidence","nonce","tee-pubkey"}))), with the claims Trustee's sample verifier
// produces. The verifiers for real TEEs live in common/attest (attest branch); until they are merged other TEEs
// are refused as unsupported.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/base/result.hpp"
#include "common/kbs/config.hpp"
#include "common/kbs/policy.hpp"
#include "common/kbs/protocol.hpp"
#include "common/kbs/token.hpp"
#include "common/store/store.hpp"

namespace coco::kbs {

struct AttestationOutcome {
  std::string token;
  nlohmann::json claims;      // the EAR claims set signed into the token
  Appraisal appraisal;
  nlohmann::json explanation = nlohmann::json::object();  // what was checked, for the audit log
};

class AttestationService {
public:
  AttestationService(store::Store& store, const PolicyEngine& policies, const TokenBroker& broker, bool verbose_token);

  // `tee` and `nonce` come from the session. Kind::denied when evidence does not verify or does not bind,
  // Kind::unsupported for a TEE without a verifier.
  Result<AttestationOutcome> attest(const std::string& tee, const std::string& nonce, const Attestation& attestation) const;

private:
  store::Store& m_store;
  const PolicyEngine& m_policies;
  const TokenBroker& m_broker;
  bool m_verbose_token;
};

// The sample TEE's verifier output for evidence {"svn","report_data"} bound to `expected_report_data`
// (Trustee deps/verifier/src/sample): {"svn","report_data","launch_digest":"abcde",
// "platform_version":{"major":1,"minor":4},"debug":false}.
Result<nlohmann::json> verify_sample_evidence(const nlohmann::json& evidence, std::span<const std::uint8_t> expected_report_data);

} // namespace coco::kbs
