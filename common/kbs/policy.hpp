// Policies the KBS evaluates: the resource policy (Rego, rule data.policy.allow, input = the verified token
// claims, data = {"plugin","resource-path","query"}) and the attestation policy (Rego producing the AR4SI
// trust claims of an EAR appraisal, with Trustee's host function query_reference_value(id)).
//
// make_policy_engine() evaluates policies with the coco Rego engine (common/rego), compiled once per text.
// The defaults are Trustee's own policy texts, shipped as data (common/kbs/data, see SOURCE.md there):
// kbs/sample_policies/default.rego as the resource policy installed at first start, and
// attestation-service/src/ear_token/ear_default_policy_cpu.rego as attestation policy `default_cpu` while none
// is stored. They run through the Rego engine like any uploaded policy.
//
// Every decision records the rule and the input values it looked at, for `explain`.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/base/result.hpp"

namespace coco::kbs {

inline constexpr std::string_view k_resource_policy_id = "resource-policy";
inline constexpr std::string_view k_default_attestation_policy_id = "default_cpu";

struct PolicyDecision {
  bool allow = false;
  std::string rule = "data.policy.allow";
  std::string reason;                                   // short, for the error body and the log
  nlohmann::json inputs_read = nlohmann::json::object();  // input/data paths -> the values looked at
};

struct Appraisal {
  nlohmann::json trust_vector;  // {"instance-identity":0,"configuration":2,...}
  std::string status;           // affirming | warning | contraindicated | none
  nlohmann::json inputs_read = nlohmann::json::object();
};

// query_reference_value(name): the stored value or nullopt.
using ReferenceValueLookup = std::function<std::optional<nlohmann::json>(const std::string& name)>;

class PolicyEngine {
public:
  PolicyEngine() = default;
  PolicyEngine(const PolicyEngine&) = delete;
  PolicyEngine& operator=(const PolicyEngine&) = delete;
  virtual ~PolicyEngine() = default;

  // At upload: invalid (ParsePolicyError) when the engine cannot evaluate the text.
  virtual Status check_resource_policy(std::string_view text) const = 0;
  virtual Status check_attestation_policy(std::string_view text) const = 0;
  virtual Result<PolicyDecision> evaluate_resource(std::string_view text, const nlohmann::json& claims,
                                                   const nlohmann::json& data) const = 0;
  // `input`: the annotated evidence ({"sample":{...},"report_data":...,...}). An empty `text` is Trustee's
  // default attestation policy (default_attestation_policy()).
  virtual Result<Appraisal> appraise(std::string_view text, const nlohmann::json& input,
                                     const ReferenceValueLookup& reference_values) const = 0;
  [[nodiscard]] virtual std::string name() const = 0;
};

std::unique_ptr<PolicyEngine> make_policy_engine();

// Trustee's default resource policy (kbs/sample_policies/default.rego): the "resource" plugin answers any
// attested TEE except the sample TEE.
std::string_view default_resource_policy();
// Trustee's default attestation policy for CPU TEEs (ear_default_policy_cpu.rego, policy id default_cpu).
std::string_view default_attestation_policy();

// EAR status of a trust vector: the worst tier over its claims (veraison rust-ear trust/claim.rs).
std::string ear_status(const nlohmann::json& trust_vector);

} // namespace coco::kbs
