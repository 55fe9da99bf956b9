// Internal: a compiled set of modules. Rules are hung on a tree mirroring `data` (package path + rule
// head), so a reference such as data.policy.allow walks the tree, evaluating rules where it meets them and
// falling back to the base document elsewhere. Immutable once compiled.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/rego/ast.hpp"
#include "common/rego/engine.hpp"

namespace coco::rego {

struct RuleNode {
  std::string name;
  std::vector<std::string> path; // under data
  std::map<std::string, std::unique_ptr<RuleNode>> children;
  std::vector<const Rule*> rules;
  const Rule* default_rule = nullptr;
  RuleKind kind = RuleKind::complete;

  [[nodiscard]] bool has_rules() const { return !rules.empty() || default_rule != nullptr; }
};

struct HostFunctionEntry {
  size_t arity = 0;
  HostFunction fn;
};

struct Program {
  EngineOptions options;
  std::vector<std::shared_ptr<Module>> modules;
  RuleNode root;
  Value data = Value::empty_object();
  std::map<std::string, HostFunctionEntry> hosts;
};

// Resolve names and calls in the modules (filling the Term fields), build the rule tree, and check
// built-ins, arities and variable safety. Throws RegoException.
void compile_program(Program& program);
// Resolve a query body against the program (for CompiledPolicy::query). Returns the frame size and
// the names of the query's user variables with their slots.
struct CompiledQuery {
  Body body;
  int nslots = 0;
  std::vector<std::pair<std::string, int>> vars;
};
CompiledQuery compile_query(const Program& program, Body body);

} // namespace coco::rego
