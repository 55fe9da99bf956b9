// The attestation service built into the KBS (Trustee's "coco_as_builtin"): checks the evidence of an
// Attestation message against the session's nonce and the TEE key, appraises the claims with the attestation
// policy and returns an EAR token (spec evidence.md §2-§5).
//
// Evidence is checked by common/attest's verifiers (sample, snp, tdx, tpm): runtime-data binding
// H(JCS({"additional-evidence","nonce","tee-pubkey"})), init-data, then Trustee's annotated claims. Additional
// (device) evidence is refused as unsupported for now.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/attest/verifier.hpp"
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
  AttestationService(store::Store& store, const PolicyEngine& policies, const TokenBroker& broker, bool verbose_token,
                     attest::VerifierOptions verifier_options = {});

  // `tee` and `nonce` come from the session. Kind::denied when evidence does not verify or does not bind,
  // Kind::unsupported for a TEE without a verifier.
  Result<AttestationOutcome> attest(const std::string& tee, const std::string& nonce, const Attestation& attestation) const;

private:
  store::Store& m_store;
  const PolicyEngine& m_policies;
  const TokenBroker& m_broker;
  bool m_verbose_token;
  attest::VerifierOptions m_verifier_options;
};

} // namespace coco::kbs
