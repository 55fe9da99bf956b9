#include "common/kbs/attestation.hpp"

#include "common/attest/attestation.hpp"
#include "common/attest/binding.hpp"
#include "common/base/encoding.hpp"
#include "common/base/secret.hpp"
#include "common/crypto/hash.hpp"

#include "coco_version.hpp"

namespace coco::kbs {
namespace {

std::int64_t unix_seconds() { return store::now_ms() / 1000; }

} // namespace

AttestationService::AttestationService(store::Store& store, const PolicyEngine& policies, const TokenBroker& broker,
                                       bool verbose_token, attest::VerifierOptions verifier_options)
    : m_store(store), m_policies(policies), m_broker(broker), m_verbose_token(verbose_token),
      m_verifier_options(std::move(verifier_options)) {}

Result<AttestationOutcome> AttestationService::attest(const std::string& tee, const std::string& nonce,
                                                      const Attestation& a) const {
  AttestationOutcome out;
  COCO_TRY(attest::Tee which, attest::parse_tee(tee));
  COCO_TRY(auto verifier, attest::make_verifier(which, m_verifier_options));
  if (!a.additional_evidence.empty()) {
    return make_error(Kind::unsupported, "additional (device) evidence is not verified yet");
  }
  COCO_TRY(nlohmann::json annotated, attest::evaluate_attestation(which, a.to_json(), *verifier, nonce));
  if (!m_verbose_token && annotated.contains("runtime_data_claims")) {
    annotated["runtime_data_claims"].erase("additional-evidence");
  }
  out.explanation["evidence"] = {{"tee", tee}, {"report_data", "bound to nonce and tee-pubkey"},
                                 {"init_data", a.init_data.has_value()}};

  std::string policy_text;
  if (auto stored = m_store.get_policy(store::PolicyKind::attestation, std::string(k_default_attestation_policy_id))) {
    policy_text = stored->text;
  }
  auto lookup = [this](const std::string& name) -> std::optional<nlohmann::json> {
    auto rv = m_store.get_reference_value(name);
    if (!rv) {
      return std::nullopt;
    }
    return rv->values;
  };
  COCO_TRY(out.appraisal, m_policies.appraise(policy_text, annotated, lookup));
  out.explanation["appraisal"] = {{"policy", std::string(k_default_attestation_policy_id)},
                                  {"status", out.appraisal.status},
                                  {"trust_vector", out.appraisal.trust_vector},
                                  {"inputs_read", out.appraisal.inputs_read}};

  const auto& cfg = m_broker.config();
  const std::int64_t iat = unix_seconds();
  nlohmann::json submod = {{"ear.status", out.appraisal.status},
                           {"ear.trustworthiness-vector", out.appraisal.trust_vector},
                           {"ear.appraisal-policy-id", "default"},
                           {"ear.veraison.annotated-evidence", annotated},
                           {"ear.trustee.identifiers", {{"validated", nlohmann::json::object()}}}};
  out.claims = {{"eat_profile", "tag:github.com,2024:confidential-containers/Trustee"},
                {"iat", iat},
                {"ear.verifier-id",
                 {{"build", cfg.build_name.value_or("coco-kbs " + std::string(coco::k_version))},
                  {"developer", cfg.developer_name.value_or("https://confidentialcontainers.org")}}},
                {"submods", {{"cpu0", submod}}},
                {"iss", cfg.issuer_name},
                {"exp", iat + cfg.duration_min * 60}};
  if (cfg.profile_name) {
    out.claims["eat_profile"] = *cfg.profile_name;
  }
  COCO_TRY(out.token, m_broker.mint(out.claims));
  return out;
}

} // namespace coco::kbs
