// The Rego engine's public API: load modules and data, compile once, evaluate many times.
//
// A CompiledPolicy is immutable and may be evaluated from several threads at once; each evaluation has
// its own state (bindings, rule cache, host-function memo, explanation). Errors come back as RegoError
// values in OPA's shape (code, message, file:row:col); nothing here throws to the caller.
//
// Behaviour follows OPA 1.x (the reference for the language) and regorus as Trustee and the Kata agent
// configure it: strict built-in errors by default (regorus), OPA's non-strict mode by option.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/rego/rego_error.hpp"
#include "common/rego/value.hpp"

namespace coco::rego {

struct EngineOptions {
  bool v0 = false;                  // parse modules as Rego v0 unless they `import rego.v1`
  bool strict_builtin_errors = true; // regorus default; false = OPA default (errors make the call undefined)
};

// A host function returns a value, or undefined (Value{}) for "no result", or an error message.
struct HostResult {
  Value value;
  std::optional<std::string> error;
};
using HostFunction = std::function<HostResult(const std::vector<Value>& args)>;

struct EvalOptions {
  bool explain = false;
  std::optional<bool> strict_builtin_errors; // overrides the engine option for this evaluation
  std::optional<int64_t> now_ns;             // time.now_ns; default: the clock at the start of evaluation
};

struct Outcome {
  bool defined = false;
  Value value;
  std::optional<RegoError> error;
  std::vector<std::string> explanation; // with EvalOptions::explain: why rules failed, most relevant first
  std::vector<std::string> prints;      // output of print()

  [[nodiscard]] bool ok() const { return !error.has_value(); }
};

// One solution of a query: the values of its named variables.
using Bindings = std::map<std::string, Value>;
struct QueryOutcome {
  std::vector<Bindings> results;
  std::optional<RegoError> error;
  std::vector<std::string> prints;
};

struct Program;

class CompiledPolicy {
public:
  explicit CompiledPolicy(std::shared_ptr<const Program> program) : m_program(std::move(program)) {}

  // Evaluate a reference such as `data.policy.allow`. `data` (an object, or undefined) is merged over the
  // data given at compile time for this evaluation only.
  [[nodiscard]] Outcome evaluate(const std::string& ref, const Value& input, const Value& data = Value(),
                                 const EvalOptions& options = {}) const;
  // Evaluate several references in one evaluation (shared rule cache and host-function memo).
  [[nodiscard]] std::vector<Outcome> evaluate_refs(const std::vector<std::string>& refs, const Value& input,
                                                   const Value& data = Value(), const EvalOptions& options = {}) const;
  // Evaluate a full query (`data.test.p = x; x > 1`) and return every solution's variable bindings.
  [[nodiscard]] QueryOutcome query(const std::string& query, const Value& input, const Value& data = Value(),
                                   const EvalOptions& options = {}) const;

private:
  std::shared_ptr<const Program> m_program;
};

class PolicyCompiler {
public:
  explicit PolicyCompiler(EngineOptions options = {});
  ~PolicyCompiler();
  PolicyCompiler(const PolicyCompiler&) = delete;
  PolicyCompiler& operator=(const PolicyCompiler&) = delete;

  // Parse a module; `file` names it in error locations.
  std::optional<RegoError> add_module(const std::string& file, const std::string& text);
  // Merge a JSON object into the base document `data`.
  std::optional<RegoError> add_data(const nlohmann::json& data);
  // Register a host function callable from policies as `name(args...)`, memoised per evaluation.
  void add_host_function(const std::string& name, size_t arity, HostFunction fn);
  // Resolve names, check built-ins, arities and safety. The compiler may be reused afterwards.
  [[nodiscard]] std::variant<std::shared_ptr<const CompiledPolicy>, RegoError> compile() const;

private:
  struct State;
  std::unique_ptr<State> m_state;
};

// --- Trustee's contracts (confidential-containers/trustee, deps/policy-engine and attestation-service) ---

struct ResourceDecision {
  bool allow = false;
  std::optional<std::string> warning;  // `allow` missing or not a boolean (the request is denied)
  std::optional<RegoError> error;      // evaluation failed (the request is denied)
  std::vector<std::string> explanation;
};

// Resource policy: rule data.policy.allow; data = {"plugin", "resource-path", "query"}; input = EAR claims.
ResourceDecision evaluate_resource_policy(const CompiledPolicy& policy, const nlohmann::json& token_claims,
                                          const std::string& plugin,
                                          const std::vector<std::string>& resource_path,
                                          const std::map<std::string, std::string>& query, bool explain = false);

struct AttestationDecision {
  std::map<std::string, int64_t> trust_claims; // AR4SI claim name -> value
  std::optional<nlohmann::json> extensions;    // data.policy.extensions when defined
  std::optional<RegoError> error;
};

// Attestation policy: rules data.policy.trust_claims and data.policy.extensions; input as the AS builds it
// ({"<tee>": claims, "init_data", "init_data_claims", "report_data", "runtime_data_claims"}); no data.
AttestationDecision evaluate_attestation_policy(const CompiledPolicy& policy, const nlohmann::json& input);

// --- `coco-kbs policy eval` ---

struct PolicyFile {
  std::string name; // for error locations
  std::string text;
};

struct PolicyEvalRequest {
  std::vector<PolicyFile> policies;
  std::optional<nlohmann::json> data;
  std::optional<nlohmann::json> input;
  std::string query = "data.policy.allow";
  bool v0 = false;
  bool explain = false;
  bool strict_builtin_errors = true;
  // Host functions to register (e.g. a query_reference_value mock).
  std::vector<std::tuple<std::string, size_t, HostFunction>> host_functions;
};

struct PolicyEvalResponse {
  // {"defined":true,"value":V} | {"defined":false} | {"error":{"code","message","location":{...}}},
  // plus "explanation": [...] when explain was asked.
  nlohmann::json json;
  bool failed = false; // an error (the command exits 1)
  std::string text;    // text mode: the value as JSON, `undefined`, or "file:row:col: code: message"
};

PolicyEvalResponse policy_eval(const PolicyEvalRequest& request);

} // namespace coco::rego
