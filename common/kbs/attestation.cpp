#include "common/kbs/attestation.hpp"

#include <toml++/toml.h>

#include <sstream>

#include "common/attest/binding.hpp"
#include "common/base/encoding.hpp"
#include "common/base/secret.hpp"
#include "common/crypto/hash.hpp"

#include "coco_version.hpp"

namespace coco::kbs {
namespace {

// init-data `data` table as JSON (Trustee's init_data_claims); null when the body has none.
nlohmann::json init_data_claims(const InitData& init) {
  try {
    toml::table t = toml::parse(init.body);
    if (const auto* data = t.get_as<toml::table>("data")) {
      std::ostringstream out;
      out << toml::json_formatter(*data);
      auto j = nlohmann::json::parse(out.str(), nullptr, false);
      return j.is_discarded() ? nlohmann::json() : j;
    }
  } catch (const toml::parse_error&) {
  }
  return nlohmann::json();
}

std::int64_t unix_seconds() { return store::now_ms() / 1000; }

} // namespace

Result<nlohmann::json> verify_sample_evidence(const nlohmann::json& evidence, std::span<const std::uint8_t> expected) {
  if (!evidence.is_object() || !evidence.contains("svn") || !evidence["svn"].is_string() ||
      !evidence.contains("report_data") || !evidence["report_data"].is_string()) {
    return make_error(Kind::invalid, "sample: evidence is not {\"svn\",\"report_data\"}");
  }
  auto report_data = base64_decode(evidence["report_data"].get<std::string>());
  if (!report_data) {
    return make_error(Kind::invalid, "sample: report_data is not base64");
  }
  if (!constant_time_equal(*report_data, expected)) {
    return make_error(Kind::denied, "sample: report_data does not bind the nonce and tee-pubkey");
  }
  return nlohmann::json{{"svn", evidence["svn"]},
                        {"report_data", evidence["report_data"]},
                        {"launch_digest", "abcde"},
                        {"platform_version", {{"major", 1}, {"minor", 4}}},
                        {"debug", false}};
}

AttestationService::AttestationService(store::Store& store, const PolicyEngine& policies, const TokenBroker& broker,
                                       bool verbose_token)
    : m_store(store), m_policies(policies), m_broker(broker), m_verbose_token(verbose_token) {}

Result<AttestationOutcome> AttestationService::attest(const std::string& tee, const std::string& nonce,
                                                      const Attestation& a) const {
  AttestationOutcome out;
  if (tee != "sample") {
    return make_error(Kind::unsupported, "no verifier for TEE " + tee + " in this build",
                      "the SNP/TDX/TPM verifiers come with common/attest");
  }
  if (!a.additional_evidence.empty()) {
    return make_error(Kind::unsupported, "additional (device) evidence is not verified in this build");
  }
  if (a.init_data && a.init_data->format != "toml") {
    return make_error(Kind::invalid, "init-data format " + a.init_data->format + " is not supported", "use toml");
  }
  COCO_TRY(Bytes digest, attest::runtime_data_digest(nonce, a.tee_pubkey, std::optional<std::string_view>(a.additional_evidence),
                                                     attest::HashAlgorithm::sha384));
  COCO_TRY(auto verifier_claims, verify_sample_evidence(a.primary_evidence, digest));
  out.explanation["evidence"] = {{"tee", tee}, {"report_data", "bound to nonce and tee-pubkey"}};

  // Trustee's transform_claims: the TEE's claims under its name, report_data / init_data at the top.
  nlohmann::json annotated;
  nlohmann::json tee_claims = verifier_claims;
  annotated["report_data"] = tee_claims["report_data"];
  tee_claims.erase("report_data");
  nlohmann::json runtime = attest::runtime_data_object(nonce, a.tee_pubkey, std::optional<std::string_view>(a.additional_evidence));
  if (!m_verbose_token) {
    runtime.erase("additional-evidence");
  }
  annotated["runtime_data_claims"] = runtime;
  if (a.init_data) {
    annotated["init_data"] = base64_encode(crypto::hash(crypto::HashAlg::sha384, a.init_data->body));
    annotated["init_data_claims"] = init_data_claims(*a.init_data);
  }
  annotated[tee] = tee_claims;

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
