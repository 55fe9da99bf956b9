#include "common/kbs/policy.hpp"

#include <map>
#include <mutex>

#include "common/rego/engine.hpp"

namespace coco::kbs {

std::string ear_status(const nlohmann::json& trust_vector) {
  int worst = 0;  // 0 none, 1 affirming, 2 warning, 3 contraindicated
  for (const auto& [name, value] : trust_vector.items()) {
    if (!value.is_number_integer()) {
      continue;
    }
    const auto v = value.get<std::int64_t>();
    const int tier = (v >= -1 && v <= 1) ? 0 : (v >= -32 && v <= 31) ? 1 : (v >= -96 && v <= 95) ? 2 : 3;
    worst = std::max(worst, tier);
  }
  static constexpr const char* k_names[] = {"none", "affirming", "warning", "contraindicated"};
  return k_names[worst];
}

namespace {

// The lookup of the appraisal running on this thread, for the query_reference_value host function (host
// functions are bound at compile time; compiled policies are cached and shared), and the ids it was asked
// with and what it answered, for the explanation.
struct ReferenceValueScope {
  const ReferenceValueLookup* lookup = nullptr;
  nlohmann::json* seen = nullptr;
};
thread_local ReferenceValueScope t_reference_values;

// The coco Rego engine (common/rego) behind the PolicyEngine interface. Compiled policies are cached by text.
class RegoPolicyEngine final : public PolicyEngine {
public:
  Status check_resource_policy(std::string_view text) const override {
    COCO_TRY(auto compiled, compile(text, false));
    (void)compiled;
    return ok();
  }
  Status check_attestation_policy(std::string_view text) const override {
    COCO_TRY(auto compiled, compile(text, true));
    (void)compiled;
    return ok();
  }

  Result<PolicyDecision> evaluate_resource(std::string_view text, const nlohmann::json& claims,
                                           const nlohmann::json& data) const override {
    COCO_TRY(auto compiled, compile(text, false));
    std::vector<std::string> path;
    for (const auto& part : data.value("resource-path", nlohmann::json::array())) {
      path.push_back(part.get<std::string>());
    }
    std::map<std::string, std::string> query;
    // Keep the object alive: items() only refers to it, and a temporary would die before the loop body.
    const nlohmann::json query_object = data.value("query", nlohmann::json::object());
    for (const auto& [k, v] : query_object.items()) {
      query[k] = v.is_string() ? v.get<std::string>() : v.dump();
    }
    const auto outcome = rego::evaluate_resource_policy(*compiled, claims, data.value("plugin", ""), path, query, true);
    if (outcome.error) {
      return make_error(Kind::invalid, outcome.error->to_string());
    }
    PolicyDecision d;
    d.allow = outcome.allow;
    d.inputs_read["explanation"] = outcome.explanation;
    if (outcome.warning) {
      d.reason = *outcome.warning;
    } else if (!outcome.allow) {
      d.reason = outcome.explanation.empty() ? "no allow rule matched" : outcome.explanation.front();
    } else {
      d.reason = "allowed";
    }
    return d;
  }

  Result<Appraisal> appraise(std::string_view text, const nlohmann::json& input,
                             const ReferenceValueLookup& reference_values) const override {
    COCO_TRY(auto compiled, compile(text.empty() ? default_attestation_policy() : text, true));
    nlohmann::json seen = nlohmann::json::object();
    t_reference_values = ReferenceValueScope{&reference_values, &seen};
    const auto decision = rego::evaluate_attestation_policy(*compiled, input);
    t_reference_values = ReferenceValueScope{};
    if (decision.error) {
      return make_error(Kind::invalid, "attestation policy: " + decision.error->to_string());
    }
    if (decision.trust_claims.empty()) {
      return make_error(Kind::invalid, "attestation policy produced no trust claims");
    }
    Appraisal a;
    a.trust_vector = nlohmann::json::object();
    for (const auto& [name, value] : decision.trust_claims) {
      a.trust_vector[name] = value;
    }
    a.status = ear_status(a.trust_vector);
    a.inputs_read["policy"] = text.empty() ? "Trustee ear_default_policy_cpu.rego" : "stored";
    a.inputs_read["reference_values"] = std::move(seen);
    return a;
  }

  [[nodiscard]] std::string name() const override { return "rego"; }

private:
  Result<std::shared_ptr<const rego::CompiledPolicy>> compile(std::string_view text, bool attestation) const {
    const std::string key = std::string(attestation ? "a:" : "r:") + std::string(text);
    {
      std::lock_guard lock(m_mutex);
      if (auto it = m_cache.find(key); it != m_cache.end()) {
        return it->second;
      }
    }
    std::optional<rego::RegoError> first_error;
    // Rego v1 first, then v0 (older Trustee policies), as regorus accepts both.
    for (bool v0 : {false, true}) {
      rego::PolicyCompiler compiler(rego::EngineOptions{v0, true});
      if (auto err = compiler.add_module(attestation ? "attestation-policy.rego" : "resource-policy.rego", std::string(text))) {
        first_error = first_error.value_or(*err);
        continue;
      }
      if (attestation) {
        compiler.add_host_function("query_reference_value", 1, [](const std::vector<rego::Value>& args) {
          rego::HostResult r;
          if (args.size() != 1 || !args[0].is_string()) {
            r.error = "the reference-value id must be a string";
            return r;
          }
          const std::string& id = args[0].as_string();
          // Outside an appraisal (a stray evaluation), every id is unknown: null, as Trustee answers.
          const auto value = t_reference_values.lookup != nullptr ? (*t_reference_values.lookup)(id) : std::nullopt;
          if (t_reference_values.seen != nullptr) {
            (*t_reference_values.seen)[id] = value.value_or(nullptr);
          }
          r.value = value ? rego::Value::from_json(*value) : rego::Value::null();
          return r;
        });
      }
      auto compiled = compiler.compile();
      if (auto* err = std::get_if<rego::RegoError>(&compiled)) {
        first_error = first_error.value_or(*err);
        continue;
      }
      auto policy = std::get<std::shared_ptr<const rego::CompiledPolicy>>(compiled);
      std::lock_guard lock(m_mutex);
      if (m_cache.size() > 64) {
        m_cache.clear();
      }
      m_cache[key] = policy;
      return policy;
    }
    return make_error(Kind::invalid, first_error ? first_error->to_string() : "policy does not compile");
  }

  mutable std::mutex m_mutex;
  mutable std::map<std::string, std::shared_ptr<const rego::CompiledPolicy>> m_cache;
};

} // namespace

std::unique_ptr<PolicyEngine> make_policy_engine() { return std::make_unique<RegoPolicyEngine>(); }

} // namespace coco::kbs
