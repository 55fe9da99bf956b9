#include "common/rego/engine.hpp"

#include <chrono>

#include "common/rego/evaluator.hpp"
#include "common/rego/parser.hpp"
#include "common/rego/program.hpp"

namespace coco::rego {

nlohmann::json RegoError::to_json() const {
  return {{"code", code},
          {"message", message},
          {"location", {{"file", loc.file_name()}, {"row", loc.row}, {"col", loc.col}}}};
}

std::string RegoError::to_string() const {
  std::string where = loc.row > 0 ? loc.to_string() + ": " : (loc.file ? loc.file_name() + ": " : "");
  return where + code + ": " + message;
}

namespace {

Value merge_data(const Value& base, const Value& extra) {
  if (!base.is_object() || !extra.is_object()) {
    return extra.is_defined() ? extra : base;
  }
  Object out = base.as_object();
  for (const auto& [k, v] : extra.as_object()) {
    auto it = out.find(k);
    out[k] = it == out.end() ? v : merge_data(it->second, v);
  }
  return Value::object(std::move(out));
}

int64_t clock_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// `data.a.b["c"]` -> {"a","b","c"}; nullopt if the text is not a plain data reference.
std::optional<std::vector<std::string>> data_ref_path(const std::string& ref) {
  Body body;
  try {
    body = parse_query(ref, ParseOptions{});
  } catch (const RegoException&) {
    return std::nullopt;
  }
  if (body.size() != 1 || body[0].kind != LiteralKind::expr || body[0].negated || !body[0].withs.empty()) {
    return std::nullopt;
  }
  const TermPtr& t = body[0].expr;
  if (t->kind == TermKind::var && t->name == "data") {
    return std::vector<std::string>{};
  }
  if (t->kind != TermKind::ref || t->items[0]->kind != TermKind::var || t->items[0]->name != "data") {
    return std::nullopt;
  }
  std::vector<std::string> path;
  for (size_t i = 1; i < t->items.size(); ++i) {
    if (t->items[i]->kind != TermKind::scalar || !t->items[i]->value.is_string()) {
      return std::nullopt;
    }
    path.push_back(t->items[i]->value.as_string());
  }
  return path;
}

} // namespace

Outcome CompiledPolicy::evaluate(const std::string& ref, const Value& input, const Value& data,
                                 const EvalOptions& options) const {
  Outcome out;
  bool strict = options.strict_builtin_errors.value_or(m_program->options.strict_builtin_errors);
  Evaluator ev(*m_program, input, merge_data(m_program->data, data), strict, options.now_ns.value_or(clock_now_ns()),
               options.explain);
  try {
    auto path = data_ref_path(ref);
    if (path) {
      Value v = ev.eval_data_path(*path);
      out.defined = v.is_defined();
      out.value = v;
    } else {
      CompiledQuery q = compile_query(*m_program, parse_query(ref, ParseOptions{}));
      Frame f(static_cast<size_t>(q.nslots));
      if (q.body.size() != 1 || q.body[0].kind != LiteralKind::expr) {
        throw_rego("rego_parse_error", "query must be a single reference or term", Location{});
      }
      // Evaluate the single term's value.
      Evaluator& e = ev;
      Literal lit = q.body[0];
      TermPtr holder = std::make_shared<Term>();
      holder->kind = TermKind::var;
      holder->name = "__result__";
      holder->binding = VarBinding::local;
      holder->slot = q.nslots;
      f.emplace_back();
      TermPtr eq = std::make_shared<Term>();
      eq->kind = TermKind::call;
      eq->name = "eq";
      eq->items = {holder, lit.expr};
      lit.expr = eq;
      Body b{lit};
      e.run_query(b, f, [&] {
        out.defined = true;
        out.value = f.back();
        return false;
      });
    }
  } catch (const RegoException& ex) {
    out.error = ex.error;
  }
  out.prints = ev.take_prints();
  if (options.explain) {
    out.explanation = ev.explanation();
  }
  return out;
}

std::vector<Outcome> CompiledPolicy::evaluate_refs(const std::vector<std::string>& refs, const Value& input,
                                                   const Value& data, const EvalOptions& options) const {
  std::vector<Outcome> outs(refs.size());
  bool strict = options.strict_builtin_errors.value_or(m_program->options.strict_builtin_errors);
  Evaluator ev(*m_program, input, merge_data(m_program->data, data), strict, options.now_ns.value_or(clock_now_ns()),
               options.explain);
  for (size_t i = 0; i < refs.size(); ++i) {
    auto path = data_ref_path(refs[i]);
    if (!path) {
      outs[i].error = RegoError{"rego_parse_error", "not a data reference: " + refs[i], {}};
      continue;
    }
    try {
      Value v = ev.eval_data_path(*path);
      outs[i].defined = v.is_defined();
      outs[i].value = v;
    } catch (const RegoException& ex) {
      outs[i].error = ex.error;
    }
  }
  if (!outs.empty()) {
    outs[0].prints = ev.take_prints();
    if (options.explain) {
      outs[0].explanation = ev.explanation();
    }
  }
  return outs;
}

QueryOutcome CompiledPolicy::query(const std::string& text, const Value& input, const Value& data,
                                   const EvalOptions& options) const {
  QueryOutcome out;
  bool strict = options.strict_builtin_errors.value_or(m_program->options.strict_builtin_errors);
  Evaluator ev(*m_program, input, merge_data(m_program->data, data), strict, options.now_ns.value_or(clock_now_ns()),
               options.explain);
  try {
    CompiledQuery q = compile_query(*m_program, parse_query(text, ParseOptions{.v0 = m_program->options.v0}));
    Frame f(static_cast<size_t>(q.nslots));
    ev.run_query(q.body, f, [&] {
      Bindings b;
      for (const auto& [name, slot] : q.vars) {
        b[name] = f[static_cast<size_t>(slot)];
      }
      out.results.push_back(std::move(b));
      return true;
    });
  } catch (const RegoException& ex) {
    out.error = ex.error;
  }
  out.prints = ev.take_prints();
  return out;
}

struct PolicyCompiler::State {
  EngineOptions options;
  std::vector<std::pair<std::string, std::string>> modules;
  Value data = Value::empty_object();
  std::map<std::string, HostFunctionEntry> hosts;
};

PolicyCompiler::PolicyCompiler(EngineOptions options) : m_state(std::make_unique<State>()) {
  m_state->options = options;
}
PolicyCompiler::~PolicyCompiler() = default;

std::optional<RegoError> PolicyCompiler::add_module(const std::string& file, const std::string& text) {
  try {
    (void)parse_module(file, text, ParseOptions{.v0 = m_state->options.v0});
  } catch (const RegoException& e) {
    return e.error;
  }
  m_state->modules.emplace_back(file, text);
  return std::nullopt;
}

std::optional<RegoError> PolicyCompiler::add_data(const nlohmann::json& data) {
  if (!data.is_object()) {
    return RegoError{"rego_compile_error", "data must be a JSON object", {}};
  }
  m_state->data = merge_data(m_state->data, Value::from_json(data));
  return std::nullopt;
}

void PolicyCompiler::add_host_function(const std::string& name, size_t arity, HostFunction fn) {
  m_state->hosts[name] = HostFunctionEntry{arity, std::move(fn)};
}

std::variant<std::shared_ptr<const CompiledPolicy>, RegoError> PolicyCompiler::compile() const {
  auto program = std::make_shared<Program>();
  program->options = m_state->options;
  program->data = m_state->data;
  program->hosts = m_state->hosts;
  try {
    for (const auto& [file, text] : m_state->modules) {
      program->modules.push_back(
          std::make_shared<Module>(parse_module(file, text, ParseOptions{.v0 = m_state->options.v0})));
    }
    compile_program(*program);
  } catch (const RegoException& e) {
    return e.error;
  }
  return std::make_shared<const CompiledPolicy>(std::move(program));
}

// --- Trustee contracts ---

ResourceDecision evaluate_resource_policy(const CompiledPolicy& policy, const nlohmann::json& token_claims,
                                          const std::string& plugin,
                                          const std::vector<std::string>& resource_path,
                                          const std::map<std::string, std::string>& query, bool explain) {
  nlohmann::json data = {{"plugin", plugin}, {"resource-path", resource_path}, {"query", query}};
  if (query.empty()) {
    data["query"] = nlohmann::json::object();
  }
  EvalOptions opts;
  opts.explain = explain;
  Outcome o = policy.evaluate("data.policy.allow", Value::from_json(token_claims), Value::from_json(data), opts);
  ResourceDecision d;
  d.explanation = o.explanation;
  if (o.error) {
    d.error = o.error;
    return d;
  }
  if (!o.defined) {
    d.warning = "policy rule data.policy.allow is undefined: denying";
    return d;
  }
  if (!o.value.is_bool()) {
    d.warning = "policy rule data.policy.allow is not a boolean (" + o.value.type_name() + "): denying";
    return d;
  }
  d.allow = o.value.as_bool();
  return d;
}

AttestationDecision evaluate_attestation_policy(const CompiledPolicy& policy, const nlohmann::json& input) {
  AttestationDecision d;
  auto outs = policy.evaluate_refs({"data.policy.trust_claims", "data.policy.extensions"}, Value::from_json(input));
  const Outcome& o = outs[0];
  if (o.error) {
    d.error = o.error;
    return d;
  }
  if (!o.defined || !o.value.is_object()) {
    d.error = RegoError{"eval_type_error", "data.policy.trust_claims must be an object of integer claims", {}};
    return d;
  }
  for (const auto& [k, v] : o.value.as_object()) {
    if (!k.is_string() || !v.is_number() || !v.as_number().is_int) {
      d.error = RegoError{"eval_type_error",
                          "trust claim " + k.to_string() + " must be an integer, got " + v.to_string(), {}};
      return d;
    }
    d.trust_claims[k.as_string()] = v.as_number().i;
  }
  const Outcome& ext = outs[1];
  if (ext.error) {
    d.error = ext.error;
    return d;
  }
  if (ext.defined) {
    d.extensions = ext.value.to_json();
  }
  return d;
}

PolicyEvalResponse policy_eval(const PolicyEvalRequest& request) {
  PolicyEvalResponse resp;
  auto fail = [&](const RegoError& e) {
    resp.failed = true;
    resp.json = {{"error", e.to_json()}};
    resp.text = e.to_string();
    return resp;
  };
  PolicyCompiler compiler(EngineOptions{.v0 = request.v0, .strict_builtin_errors = request.strict_builtin_errors});
  for (const auto& [name, arity, fn] : request.host_functions) {
    compiler.add_host_function(name, arity, fn);
  }
  for (const PolicyFile& p : request.policies) {
    if (auto e = compiler.add_module(p.name, p.text)) {
      return fail(*e);
    }
  }
  if (request.data) {
    if (auto e = compiler.add_data(*request.data)) {
      return fail(*e);
    }
  }
  auto compiled = compiler.compile();
  if (const auto* e = std::get_if<RegoError>(&compiled)) {
    return fail(*e);
  }
  const auto& policy = std::get<std::shared_ptr<const CompiledPolicy>>(compiled);
  EvalOptions opts;
  opts.explain = request.explain;
  Value input = request.input ? Value::from_json(*request.input) : Value();
  Outcome o = policy->evaluate(request.query, input, Value(), opts);
  if (o.error) {
    fail(*o.error);
  } else if (o.defined) {
    resp.json = {{"defined", true}, {"value", o.value.to_json()}};
    resp.text = o.value.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    resp.json = {{"defined", false}};
    resp.text = "undefined";
  }
  if (request.explain) {
    resp.json["explanation"] = o.explanation;
    for (const auto& line : o.explanation) {
      resp.text += "\n" + line;
    }
  }
  return resp;
}

} // namespace coco::rego
