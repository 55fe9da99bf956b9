#include "common/kbs/policy.hpp"

#include <map>
#include <mutex>

#include "common/crypto/hash.hpp"
#include "common/rego/engine.hpp"

namespace coco::kbs {
namespace {

// Comments dropped, whitespace runs collapsed: the form by which published policies are recognised.
std::string normalise(std::string_view text) {
  std::string out;
  bool in_string = false;
  bool in_comment = false;
  bool pending_space = false;
  for (char c : text) {
    if (in_comment) {
      if (c == '\n') {
        in_comment = false;
        pending_space = true;
      }
      continue;
    }
    if (!in_string && c == '#') {
      in_comment = true;
      continue;
    }
    if (c == '"') {
      in_string = !in_string;
    }
    if (!in_string && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
      pending_space = true;
      continue;
    }
    if (pending_space && !out.empty()) {
      out += ' ';
    }
    pending_space = false;
    out += c;
  }
  return out;
}

std::string fingerprint(std::string_view text) { return hex_encode(crypto::sha256(normalise(text))); }

constexpr std::string_view k_coco_default_policy = R"(package policy

import rego.v1

# coco-kbs default resource policy. The same decision as Trustee's kbs/sample_policies/default.rego:
# the "resource" plugin answers any attested TEE except the sample TEE, which exists only for tests.
default allow := false

allow if {
	data.plugin == "resource"
	not input.submods.cpu0["ear.veraison.annotated-evidence"].sample
}
)";

enum class Known { deny_all, allow_all, default_policy, affirming, default_cpu };

// SHA-256 of the normalised text of Trustee's published policies (trustee @78962cd
// kbs/sample_policies/*.rego and attestation-service/src/ear_token/ear_default_policy_cpu.rego).
struct KnownPolicy {
  std::string_view digest;
  Known kind;
  std::string_view name;
};
constexpr KnownPolicy k_known[] = {
    {"85763b79f18c5376da62483d3b9cfb49fdf8aa10fe66d916b1a7ada092b80a5d", Known::deny_all, "deny_all.rego"},
    {"479662fe60b5a7c86feb9891b78a23c5e9f12bce9c16b405a05b0233f8be988f", Known::allow_all, "allow_all.rego"},
    {"31937b0caea4cd8c30c67d22f04582f0b40ef5b23dffa75fbbe4fc2fe216e0f3", Known::default_policy, "default.rego"},
    {"1305ac6ce22b73422d47cce887ea614eb39db7540415e7ef54d6ffd0c809bd7f", Known::affirming, "affirming.rego"},
    {"fa0b93f98f5cf817fa6930a2d3e98e34b4b51663ba1d67234f48e612c9416a23", Known::default_cpu, "ear_default_policy_cpu.rego"},
};

std::optional<KnownPolicy> recognise(std::string_view text) {
  const std::string digest = fingerprint(text);
  if (digest == fingerprint(k_coco_default_policy)) {
    return KnownPolicy{"", Known::default_policy, "coco default"};
  }
  for (const auto& k : k_known) {
    if (k.digest == digest) {
      return k;
    }
  }
  return std::nullopt;
}

Error not_evaluable() {
  return make_error(Kind::invalid, "policy is not one this build can evaluate",
                    "the Rego engine is not in this build yet: use Trustee's sample policies "
                    "(allow_all, deny_all, affirming, default) or coco's default");
}

const nlohmann::json* at(const nlohmann::json& j, std::initializer_list<std::string_view> path) {
  const nlohmann::json* cur = &j;
  for (auto key : path) {
    if (!cur->is_object()) {
      return nullptr;
    }
    auto it = cur->find(std::string(key));
    if (it == cur->end()) {
      return nullptr;
    }
    cur = &*it;
  }
  return cur;
}

// Rego `x in coll`: membership in an array's elements or an object's values; undefined -> false.
bool rego_in(const nlohmann::json* x, const std::optional<nlohmann::json>& coll) {
  if (x == nullptr || !coll) {
    return false;
  }
  if (coll->is_array() || coll->is_object()) {
    for (const auto& v : *coll) {
      if (v == *x) {
        return true;
      }
    }
  }
  return false;
}

class BuiltinPolicyEngine final : public PolicyEngine {
public:
  Status check_resource_policy(std::string_view text) const override {
    auto k = recognise(text);
    if (!k || k->kind == Known::default_cpu) {
      return not_evaluable();
    }
    return ok();
  }
  Status check_attestation_policy(std::string_view text) const override {
    auto k = recognise(text);
    if (!k || k->kind != Known::default_cpu) {
      return not_evaluable();
    }
    return ok();
  }

  Result<PolicyDecision> evaluate_resource(std::string_view text, const nlohmann::json& claims,
                                           const nlohmann::json& data) const override {
    auto k = recognise(text);
    if (!k) {
      return not_evaluable();
    }
    PolicyDecision d;
    const nlohmann::json plugin = data.value("plugin", nlohmann::json());
    switch (k->kind) {
    case Known::deny_all:
      d.reason = "the policy allows nothing (default allow = false, no allow rule)";
      break;
    case Known::allow_all:
      d.inputs_read["data.plugin"] = plugin;
      d.allow = plugin == "resource";
      d.reason = d.allow ? "allow_all: plugin is resource" : "allow_all allows only the resource plugin";
      break;
    case Known::default_policy: {
      const auto* sample = at(claims, {"submods", "cpu0", "ear.veraison.annotated-evidence", "sample"});
      d.inputs_read["data.plugin"] = plugin;
      d.inputs_read["input.submods.cpu0[\"ear.veraison.annotated-evidence\"].sample"] =
          sample ? *sample : nlohmann::json("undefined");
      d.allow = plugin == "resource" && sample == nullptr;
      d.reason = d.allow                ? "default policy: an attested TEE other than sample"
                 : plugin != "resource" ? "default policy allows only the resource plugin"
                                        : "default policy refuses the sample TEE (it is for tests only)";
      break;
    }
    case Known::affirming: {
      const auto* submods = at(claims, {"submods"});
      bool all_affirming = submods != nullptr && submods->is_object() && !submods->empty();
      nlohmann::json statuses = nlohmann::json::object();
      if (submods != nullptr && submods->is_object()) {
        for (const auto& [name, submod] : submods->items()) {
          const nlohmann::json status = submod.is_object() ? submod.value("ear.status", nlohmann::json()) : nlohmann::json();
          statuses[name] = status;
          all_affirming = all_affirming && status == "affirming";
        }
      }
      d.inputs_read["input.submods[_][\"ear.status\"]"] = statuses;
      d.allow = all_affirming;
      d.reason = d.allow ? "every submodule is affirming" : "not every submodule's ear.status is affirming";
      break;
    }
    case Known::default_cpu:
      return not_evaluable();
    }
    return d;
  }

  Result<Appraisal> appraise(std::string_view text, const nlohmann::json& input,
                             const ReferenceValueLookup& rv) const override {
    if (!text.empty()) {
      auto k = recognise(text);
      if (!k || k->kind != Known::default_cpu) {
        return not_evaluable();
      }
    }
    // Trustee's default CPU policy: defaults 33 / 97 / 36, the rest 0; the sample TEE's rules lower them
    // when the reference values match. Rules for real TEEs need the Rego engine: they keep the defaults.
    Appraisal a;
    std::int64_t executables = 33;
    std::int64_t hardware = 97;
    std::int64_t configuration = 36;
    if (const auto* sample = at(input, {"sample"})) {
      const auto* launch_digest = at(*sample, {"launch_digest"});
      const auto* svn = at(*sample, {"svn"});
      const auto* major = at(*sample, {"platform_version", "major"});
      const auto* minor = at(*sample, {"platform_version", "minor"});
      const auto* debug = at(*sample, {"debug"});
      const auto rv_digest = rv("launch_digest");
      const auto rv_svn = rv("svn");
      const auto rv_major = rv("major_version");
      const auto rv_minor = rv("minimum_minor_version");
      a.inputs_read["input.sample.launch_digest"] = launch_digest ? *launch_digest : nlohmann::json();
      a.inputs_read["input.sample.svn"] = svn ? *svn : nlohmann::json();
      a.inputs_read["input.sample.platform_version"] = {{"major", major ? *major : nlohmann::json()},
                                                        {"minor", minor ? *minor : nlohmann::json()}};
      a.inputs_read["input.sample.debug"] = debug ? *debug : nlohmann::json();
      a.inputs_read["reference_values"] = {{"launch_digest", rv_digest.value_or(nullptr)},
                                           {"svn", rv_svn.value_or(nullptr)},
                                           {"major_version", rv_major.value_or(nullptr)},
                                           {"minimum_minor_version", rv_minor.value_or(nullptr)}};
      if (rego_in(launch_digest, rv_digest)) {
        executables = 3;
      }
      if (rego_in(svn, rv_svn) && major != nullptr && rv_major && *major == *rv_major && minor != nullptr &&
          rv_minor && minor->is_number() && rv_minor->is_number() && minor->get<double>() >= rv_minor->get<double>()) {
        hardware = 2;
      }
      if (debug != nullptr && *debug == false) {
        configuration = 2;
      }
    }
    a.trust_vector = {{"instance-identity", 0}, {"configuration", configuration}, {"executables", executables},
                      {"file-system", 0},       {"hardware", hardware},           {"runtime-opaque", 0},
                      {"storage-opaque", 0},    {"sourced-data", 0}};
    a.status = ear_status(a.trust_vector);
    return a;
  }

  [[nodiscard]] std::string name() const override { return "builtin (Trustee sample policies only)"; }
};

} // namespace

std::unique_ptr<PolicyEngine> make_builtin_policy_engine() { return std::make_unique<BuiltinPolicyEngine>(); }

std::string_view default_resource_policy() { return k_coco_default_policy; }

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
// functions are bound at compile time; compiled policies are cached and shared).
thread_local const ReferenceValueLookup* t_reference_values = nullptr;

// The coco Rego engine (common/rego) behind the same interface. Compiled policies are cached by text. Trustee's
// default attestation policy is not carried in the tree: with no attestation policy stored, the built-in
// emulation of its outcome runs (BuiltinPolicyEngine::appraise); an uploaded policy runs in the engine.
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
    if (text.empty()) {
      return m_builtin->appraise(text, input, reference_values);
    }
    COCO_TRY(auto compiled, compile(text, true));
    t_reference_values = &reference_values;
    const auto decision = rego::evaluate_attestation_policy(*compiled, input);
    t_reference_values = nullptr;
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
    a.inputs_read["engine"] = "rego";
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
          if (t_reference_values == nullptr || args.empty() || !args[0].is_string()) {
            return r;
          }
          const auto value = (*t_reference_values)(args[0].as_string());
          if (value) {
            r.value = rego::Value::from_json(*value);
          } else {
            r.value = rego::Value::null();
          }
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

  std::unique_ptr<PolicyEngine> m_builtin = make_builtin_policy_engine();
  mutable std::mutex m_mutex;
  mutable std::map<std::string, std::shared_ptr<const rego::CompiledPolicy>> m_cache;
};

} // namespace

std::unique_ptr<PolicyEngine> make_policy_engine() { return std::make_unique<RegoPolicyEngine>(); }

} // namespace coco::kbs
