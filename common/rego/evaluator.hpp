// Internal: top-down evaluation with backtracking (OPA topdown/eval.go is the reference semantics).
//
// Every evaluation step takes a continuation; bindings live in a per-rule frame of slots and are undone
// when the step returns. A continuation returns false to stop the search early (used by `not`, existence
// checks and the query API); consumers that collect results (rules, comprehensions) never pass that on.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/rego/builtins.hpp"
#include "common/rego/program.hpp"

namespace coco::rego {

using Frame = std::vector<Value>;
using Next = std::function<bool()>;
using Emit = std::function<bool(const Value&)>;

class Evaluator {
public:
  Evaluator(const Program& program, Value input, Value data, bool strict, int64_t now_ns, bool explain);

  // Evaluate `data.<path>` fully (undefined when it has no value).
  Value eval_data_path(const std::vector<std::string>& path);
  // Run a compiled query body, calling `k` for each solution.
  void run_query(const Body& body, Frame& frame, const Next& k);

  std::vector<std::string> take_prints() { return std::move(m_prints); }
  std::vector<std::string> explanation() const;

private:
  struct FnOverride {
    bool is_value = false;
    Value value;
    std::string func;
    const RuleNode* node = nullptr;
  };
  struct Context {
    Value input;
    std::vector<std::pair<std::vector<std::string>, Value>> data_overrides;
    std::map<std::string, FnOverride> fn_overrides;
    std::map<const RuleNode*, Value> cache;
  };

  bool eval_body(const Body& body, size_t i, Frame& f, const Next& k);
  bool eval_literal(const Literal& lit, Frame& f, const Next& k);
  bool eval_literal_inner(const Literal& lit, Frame& f, const Next& k);
  bool eval_expr(const TermPtr& e, Frame& f, const Next& k);
  bool eval_term(const TermPtr& t, Frame& f, const Emit& k);
  bool eval_terms(const std::vector<TermPtr>& ts, size_t i, std::vector<Value>& out, Frame& f, const Next& k);
  bool eval_ref(const TermPtr& t, Frame& f, const Emit& k);
  bool eval_path(const Value& v, const TermPtr& ref, size_t i, Frame& f, const Emit& k);
  bool eval_data(const RuleNode* node, std::vector<std::string>& path, const TermPtr& ref, size_t i, Frame& f,
                 const Emit& k);
  bool eval_call(const TermPtr& t, Frame& f, const Emit& k);
  bool call_function(const std::string& func, const RuleNode* node, const std::vector<Value>& args,
                     const TermPtr& site, const Emit& k);
  bool unify(const TermPtr& pattern, const Value& v, Frame& f, const Next& k);
  bool unify_terms(const TermPtr& a, const TermPtr& b, Frame& f, const Next& k);
  bool is_pattern(const TermPtr& t, const Frame& f) const;
  bool iterate(const Value& coll, const std::function<bool(const Value& key, const Value& val)>& fn);

  Value rule_node_value(const RuleNode* node);
  Value eval_complete(const RuleNode* node);
  Value eval_partial_set(const RuleNode* node);
  Value materialize(const RuleNode* node, const std::vector<std::string>& path);
  Value base_data_at(const std::vector<std::string>& path);
  const Value* override_for(const std::vector<std::string>& path, size_t& used) const;

  void record_failure(const Rule& rule, const Literal& lit, Frame& f);

  const Program& m_program;
  Context m_ctx;
  Value m_data;
  bool m_strict;
  BuiltinContext m_bctx;
  bool m_explain;
  std::set<const RuleNode*> m_in_progress;
  std::map<std::pair<std::string, Array>, Value> m_host_memo;
  std::vector<std::string> m_prints;
  int m_depth = 0;
  const Rule* m_current_rule = nullptr;
  std::vector<std::string> m_explanation;
};

} // namespace coco::rego
