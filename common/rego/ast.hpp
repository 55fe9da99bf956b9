// Rego abstract syntax: modules, rules, bodies (queries), literals and terms, each with a file:row:col
// location. Shapes follow OPA's ast package (open-policy-agent/opa ast/policy.go, ast/term.go); operators
// are calls to OPA's internal built-in names (`equal`, `plus`, `internal.member_2`, ...). The compiler
// fills the `slot`/`target` fields that say how each variable and call resolves.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/rego/value.hpp"

namespace coco::rego {

struct Location {
  std::shared_ptr<const std::string> file;
  int row = 0;
  int col = 0;
  [[nodiscard]] std::string file_name() const { return file ? *file : std::string(); }
  [[nodiscard]] std::string to_string() const { return file_name() + ":" + std::to_string(row) + ":" + std::to_string(col); }
};

struct Term;
struct Literal;
struct Rule;
struct RuleNode;
using TermPtr = std::shared_ptr<Term>;
using Body = std::vector<Literal>;

enum class TermKind { scalar, var, ref, array, object, set, array_compr, set_compr, object_compr, call };

// How the compiler resolved a variable at the head of a ref (or a bare variable).
enum class VarBinding { unresolved, local, input, data, wildcard };

struct Term {
  TermKind kind = TermKind::scalar;
  Location loc;
  Value value;                // scalar
  std::string name;           // var name; call: dotted operator name as written (or OPA's operator name)
  std::vector<TermPtr> items; // ref: [head, path...]; array/set: elements; object: k0, v0, k1, v1...;
                              // call: arguments; comprehensions: [head] or [key, value]
  std::shared_ptr<Body> body; // comprehensions
  // Compiler results.
  VarBinding binding = VarBinding::unresolved;
  int slot = -1;                   // local variable slot in the rule's frame
  std::vector<std::string> prefix; // var resolved to data/input: the path it stands for (after the root)
  std::string func;                // call: resolved name (builtin name or "data.pkg.f")
  const RuleNode* func_node = nullptr;
};

struct WithModifier {
  TermPtr target;
  TermPtr value;
  Location loc;
};

enum class LiteralKind { expr, some_decl, some_in, every };

struct Literal {
  Location loc;
  LiteralKind kind = LiteralKind::expr;
  bool negated = false;
  TermPtr expr;                        // expr: any term; `a = b` is a call "eq", `a := b` a call "assign"
  TermPtr key;                         // some_in / every: optional key pattern
  TermPtr value;                       // some_in / every: value pattern
  TermPtr domain;                      // some_in / every: collection
  std::vector<TermPtr> decls;          // some_decl: declared vars
  std::shared_ptr<Body> body;          // every
  std::vector<WithModifier> withs;
  std::string text;                    // source text, for explanations
};

struct ElseClause {
  TermPtr value; // null: true
  Body body;
  Location loc;
};

enum class RuleKind { complete, partial_set, partial_object, function };

struct Rule {
  Location loc;
  RuleKind kind = RuleKind::complete;
  bool is_default = false;
  std::vector<std::string> path;   // static head path under data (package + head), e.g. {"policy","allow"}
  std::vector<TermPtr> dyn_keys;   // partial_object: key terms after the static path (nested objects)
  TermPtr key;                     // partial_set element
  TermPtr value;                   // null: true
  std::vector<TermPtr> args;       // function parameters
  Body body;
  std::vector<ElseClause> elses;
  std::string name;                // head as written, for messages
  int nslots = 0;                  // frame size after compilation
  std::vector<std::string> slot_names;
};

struct Import {
  std::vector<std::string> path; // e.g. {"input"} or {"data","lib","x"} or {"future","keywords","in"}
  std::string alias;
  Location loc;
};

struct Module {
  std::string file;
  std::vector<std::string> package; // without "data"
  std::vector<Import> imports;
  std::vector<std::shared_ptr<Rule>> rules;
  bool v1 = true;
};

} // namespace coco::rego
