// Name resolution and checks, after OPA's compiler stages (ast/compile.go): rule tree, import and rule-name
// resolution, local variable slots, built-in and function arity checks, and a (simplified, order-free)
// safety check that every variable is bound somewhere in its body.
#include <set>

#include "common/rego/builtins.hpp"
#include "common/rego/program.hpp"
#include "common/rego/rego_error.hpp"

namespace coco::rego {
namespace {

std::string join_path(const std::vector<std::string>& p) {
  std::string s = "data";
  for (const auto& x : p) {
    s += "." + x;
  }
  return s;
}

struct Scope {
  std::map<std::string, int> vars;
  Scope* parent = nullptr;
};

class Resolver {
public:
  Resolver(const Program& program, const Module* module, const std::set<std::string>* pkg_rules)
      : m_program(program), m_module(module), m_pkg_rules(pkg_rules) {}

  int nslots() const { return m_nslots; }
  std::vector<std::string> slot_names() const { return m_slot_names; }

  int declare(Scope& s, const std::string& name) {
    int slot = m_nslots++;
    m_slot_names.push_back(name);
    s.vars[name] = slot;
    return slot;
  }

  static std::optional<int> lookup(const Scope* s, const std::string& name) {
    for (; s != nullptr; s = s->parent) {
      auto it = s->vars.find(name);
      if (it != s->vars.end()) {
        return it->second;
      }
    }
    return std::nullopt;
  }

  // Resolve a variable occurring in a term (not a declaration).
  void resolve_var(Term& t, Scope& s) {
    if (t.name == "_") {
      t.binding = VarBinding::local;
      t.slot = m_nslots++;
      m_slot_names.push_back("_");
      return;
    }
    if (auto slot = lookup(&s, t.name)) {
      t.binding = VarBinding::local;
      t.slot = *slot;
      return;
    }
    if (t.name == "input") {
      t.binding = VarBinding::input;
      return;
    }
    if (t.name == "data") {
      t.binding = VarBinding::data;
      return;
    }
    if (m_module != nullptr) {
      for (const Import& imp : m_module->imports) {
        if (imp.alias == t.name) {
          t.binding = imp.path[0] == "input" ? VarBinding::input : VarBinding::data;
          t.prefix.assign(imp.path.begin() + 1, imp.path.end());
          return;
        }
      }
      if (m_pkg_rules != nullptr && m_pkg_rules->count(t.name) != 0) {
        t.binding = VarBinding::data;
        t.prefix = m_module->package;
        t.prefix.push_back(t.name);
        return;
      }
    }
    t.binding = VarBinding::local;
    t.slot = declare(s, t.name);
  }

  // Declare the variables of a pattern (`:=` left side, some/every variables, function parameters).
  void declare_pattern(const TermPtr& t, Scope& s) {
    switch (t->kind) {
    case TermKind::var:
      t->binding = VarBinding::local;
      if (t->name == "_") {
        t->slot = m_nslots++;
        m_slot_names.push_back("_");
      } else {
        t->slot = declare(s, t->name);
      }
      return;
    case TermKind::array:
      for (const TermPtr& e : t->items) {
        declare_pattern(e, s);
      }
      return;
    case TermKind::object:
      for (size_t i = 0; i < t->items.size(); i += 2) {
        resolve_term(t->items[i], s);
        declare_pattern(t->items[i + 1], s);
      }
      return;
    default:
      resolve_term(t, s);
    }
  }

  const RuleNode* find_node(const std::vector<std::string>& path) const {
    const RuleNode* n = &m_program.root;
    for (const auto& p : path) {
      auto it = n->children.find(p);
      if (it == n->children.end()) {
        return nullptr;
      }
      n = it->second.get();
    }
    return n;
  }

  // Resolve a dotted function name to a user function or a built-in. Returns false when unknown.
  bool resolve_function(const std::string& name, std::string& func, const RuleNode*& node) const {
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
      size_t dot = name.find('.', start);
      parts.push_back(name.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos) {
        break;
      }
      start = dot + 1;
    }
    std::vector<std::string> path;
    bool user = false;
    if (parts[0] == "data") {
      path.assign(parts.begin() + 1, parts.end());
      user = true;
    } else if (m_module != nullptr) {
      for (const Import& imp : m_module->imports) {
        if (imp.alias == parts[0] && imp.path[0] == "data") {
          path.assign(imp.path.begin() + 1, imp.path.end());
          path.insert(path.end(), parts.begin() + 1, parts.end());
          user = true;
        }
      }
      if (!user && m_pkg_rules != nullptr && m_pkg_rules->count(parts[0]) != 0) {
        path = m_module->package;
        path.insert(path.end(), parts.begin(), parts.end());
        user = true;
      }
    }
    if (user) {
      const RuleNode* n = find_node(path);
      if (n != nullptr && n->kind == RuleKind::function && n->has_rules()) {
        func = join_path(path);
        node = n;
        return true;
      }
      if (parts[0] == "data") {
        return false;
      }
    }
    if (find_builtin(name) != nullptr || m_program.hosts.count(name) != 0) {
      func = name;
      node = nullptr;
      return true;
    }
    return false;
  }

  void resolve_call(const TermPtr& t, Scope& s) {
    if (t->name == "eq" || t->name == "assign") {
      if (t->name == "assign") {
        resolve_term(t->items[1], s);
        declare_pattern(t->items[0], s);
      } else {
        for (const TermPtr& a : t->items) {
          resolve_term(a, s);
        }
      }
      return;
    }
    for (const TermPtr& a : t->items) {
      resolve_term(a, s);
    }
    std::string func;
    const RuleNode* node = nullptr;
    if (!resolve_function(t->name, func, node)) {
      throw_rego("rego_type_error", "undefined function " + t->name, t->loc);
    }
    t->func = func;
    t->func_node = node;
    size_t want = 0;
    if (node != nullptr) {
      const Rule* r = node->rules.empty() ? node->default_rule : node->rules.front();
      want = r->args.size();
    } else if (const BuiltinDef* b = find_builtin(func)) {
      if (b->arity < 0) {
        return;
      }
      want = static_cast<size_t>(b->arity);
    } else {
      want = m_program.hosts.at(func).arity;
    }
    if (t->items.size() != want && t->items.size() != want + 1) {
      throw_rego("rego_type_error",
                 t->name + ": arity mismatch\n\thave: " + std::to_string(t->items.size()) + " arguments\n\twant: " +
                     std::to_string(want) + " arguments",
                 t->loc);
    }
  }

  void resolve_term(const TermPtr& t, Scope& s) {
    switch (t->kind) {
    case TermKind::scalar:
      return;
    case TermKind::var:
      resolve_var(*t, s);
      return;
    case TermKind::ref:
      if (t->items[0]->kind == TermKind::var) {
        resolve_var(*t->items[0], s);
      } else {
        resolve_term(t->items[0], s);
      }
      for (size_t i = 1; i < t->items.size(); ++i) {
        resolve_term(t->items[i], s);
      }
      return;
    case TermKind::array:
    case TermKind::set:
    case TermKind::object:
      for (const TermPtr& e : t->items) {
        resolve_term(e, s);
      }
      return;
    case TermKind::array_compr:
    case TermKind::set_compr:
    case TermKind::object_compr: {
      Scope child;
      child.parent = &s;
      resolve_body(*t->body, child);
      for (const TermPtr& e : t->items) {
        resolve_term(e, child);
      }
      return;
    }
    case TermKind::call:
      resolve_call(t, s);
      return;
    }
  }

  void resolve_with(WithModifier& w, Scope& s) {
    // A value naming a function (not a local variable) replaces the target function.
    std::string vname;
    bool value_is_function = false;
    if ((w.value->kind == TermKind::var || w.value->kind == TermKind::ref) && dotted(w.value, vname)) {
      std::string first = vname.substr(0, vname.find('.'));
      std::string vfunc;
      const RuleNode* vnode = nullptr;
      if (!lookup(&s, first) && resolve_function(vname, vfunc, vnode)) {
        w.value->func = vfunc;
        w.value->func_node = vnode;
        value_is_function = true;
      }
    }
    if (!value_is_function) {
      resolve_term(w.value, s);
    }
    TermPtr target = w.target;
    Term& head = target->kind == TermKind::ref ? *target->items[0] : *target;
    if (head.kind != TermKind::var) {
      throw_rego("rego_type_error", "with keyword target must be a reference", w.loc);
    }
    if (head.name == "input" || head.name == "data") {
      std::string name;
      if (head.name == "data" && dotted(target, name)) {
        std::string func;
        const RuleNode* node = nullptr;
        if (resolve_function(name, func, node) && node != nullptr) {
          target->func = func;
          target->func_node = node;
          return;
        }
      }
      resolve_term(target, s);
      return;
    }
    std::string name;
    if (!dotted(target, name)) {
      throw_rego("rego_type_error", "with keyword target must be a reference", w.loc);
    }
    std::string func;
    const RuleNode* node = nullptr;
    if (resolve_function(name, func, node)) {
      target->func = func;
      target->func_node = node;
      return;
    }
    resolve_term(target, s);
    Term& h = target->kind == TermKind::ref ? *target->items[0] : *target;
    if (h.binding != VarBinding::input && h.binding != VarBinding::data) {
      throw_rego("rego_type_error", "with keyword target must reference existing input, data, or a function",
                 w.loc);
    }
  }

  static bool dotted(const TermPtr& t, std::string& name) {
    if (t->kind == TermKind::var) {
      name = t->name;
      return true;
    }
    if (t->kind != TermKind::ref || t->items[0]->kind != TermKind::var) {
      return false;
    }
    name = t->items[0]->name;
    for (size_t i = 1; i < t->items.size(); ++i) {
      if (t->items[i]->kind != TermKind::scalar || !t->items[i]->value.is_string()) {
        return false;
      }
      name += "." + t->items[i]->value.as_string();
    }
    return true;
  }

  void resolve_literal(Literal& lit, Scope& s) {
    switch (lit.kind) {
    case LiteralKind::expr:
      resolve_term(lit.expr, s);
      break;
    case LiteralKind::some_decl:
      for (const TermPtr& d : lit.decls) {
        declare_pattern(d, s);
      }
      break;
    case LiteralKind::some_in:
      resolve_term(lit.domain, s);
      if (lit.key) {
        declare_pattern(lit.key, s);
      }
      declare_pattern(lit.value, s);
      break;
    case LiteralKind::every: {
      resolve_term(lit.domain, s);
      Scope child;
      child.parent = &s;
      if (lit.key) {
        declare_pattern(lit.key, child);
      }
      declare_pattern(lit.value, child);
      resolve_body(*lit.body, child);
      break;
    }
    }
    for (WithModifier& w : lit.withs) {
      resolve_with(w, s);
    }
  }

  void resolve_body(Body& body, Scope& s) {
    for (Literal& lit : body) {
      resolve_literal(lit, s);
    }
  }

  void resolve_rule(Rule& r) {
    Scope scope;
    for (const TermPtr& a : r.args) {
      declare_pattern(a, scope);
    }
    // The head may name variables that the body binds (`p[x] { x := 1 }`): resolve body first.
    Scope body_scope;
    body_scope.parent = &scope;
    resolve_body(r.body, body_scope);
    for (const TermPtr& k : r.dyn_keys) {
      resolve_term(k, body_scope);
    }
    if (r.key) {
      resolve_term(r.key, body_scope);
    }
    if (r.value) {
      resolve_term(r.value, body_scope);
    }
    for (ElseClause& e : r.elses) {
      Scope es;
      es.parent = &scope;
      resolve_body(e.body, es);
      if (e.value) {
        resolve_term(e.value, es);
      }
    }
    r.nslots = m_nslots;
    r.slot_names = m_slot_names;
  }

private:
  const Program& m_program;
  const Module* m_module;
  const std::set<std::string>* m_pkg_rules;
  int m_nslots = 0;
  std::vector<std::string> m_slot_names;
};

// --- safety: a local variable must occur somewhere in an output position of its body ---

void collect_outputs(const TermPtr& t, std::set<int>& out, bool pattern);

void collect_outputs_body(const Body& body, std::set<int>& out) {
  for (const Literal& lit : body) {
    if (lit.kind == LiteralKind::some_in) {
      if (lit.key) {
        collect_outputs(lit.key, out, true);
      }
      collect_outputs(lit.value, out, true);
      collect_outputs(lit.domain, out, false);
    } else if (lit.kind == LiteralKind::every) {
      if (lit.key) {
        collect_outputs(lit.key, out, true);
      }
      collect_outputs(lit.value, out, true);
    } else if (lit.kind == LiteralKind::expr && !lit.negated) {
      collect_outputs(lit.expr, out, false);
    }
  }
}

void collect_outputs(const TermPtr& t, std::set<int>& out, bool pattern) {
  switch (t->kind) {
  case TermKind::var:
    if (pattern && t->binding == VarBinding::local) {
      out.insert(t->slot);
    }
    return;
  case TermKind::ref:
    for (size_t i = 1; i < t->items.size(); ++i) {
      collect_outputs(t->items[i], out, true);
    }
    collect_outputs(t->items[0], out, false);
    return;
  case TermKind::array:
  case TermKind::object:
    for (const TermPtr& e : t->items) {
      collect_outputs(e, out, pattern);
    }
    return;
  case TermKind::call:
    if (t->name == "eq" || t->name == "assign") {
      collect_outputs(t->items[0], out, true);
      collect_outputs(t->items[1], out, true);
      return;
    }
    for (size_t i = 0; i < t->items.size(); ++i) {
      bool output_arg = i + 1 == t->items.size() && t->func != "print" && [&] {
        size_t want = 0;
        if (t->func_node != nullptr) {
          const Rule* r = t->func_node->rules.empty() ? t->func_node->default_rule : t->func_node->rules.front();
          want = r->args.size();
        } else if (const BuiltinDef* b = find_builtin(t->func)) {
          want = b->arity < 0 ? 1000 : static_cast<size_t>(b->arity);
        } else {
          return false;
        }
        return t->items.size() == want + 1;
      }();
      collect_outputs(t->items[i], out, output_arg);
    }
    return;
  default:
    return;
  }
}

// --- safety and ordering (OPA ast/compile.go, reorderBodyForSafety) ---
// A literal may run once every variable it reads is bound; the body is reordered so that each literal
// comes after the literals binding its inputs (first safe literal first, so written order is kept where
// possible). A variable that nothing can bind is unsafe.

struct VarUse {
  int slot;
  const Term* term;
};

void vars_of(const TermPtr& t, std::vector<VarUse>& out);

void literal_vars(const Literal& lit, std::vector<VarUse>& out) {
  if (lit.expr) {
    vars_of(lit.expr, out);
  }
  if (lit.domain) {
    vars_of(lit.domain, out);
  }
  if (lit.kind == LiteralKind::some_in) {
    if (lit.key) {
      vars_of(lit.key, out);
    }
    vars_of(lit.value, out);
  }
  if (lit.kind == LiteralKind::every) {
    std::vector<VarUse> inner;
    for (const Literal& l : *lit.body) {
      literal_vars(l, inner);
    }
    std::set<int> local;
    collect_outputs_body(*lit.body, local);
    if (lit.key) {
      collect_outputs(lit.key, local, true);
    }
    collect_outputs(lit.value, local, true);
    for (const VarUse& u : inner) {
      if (local.count(u.slot) == 0) {
        out.push_back(u);
      }
    }
  }
  for (const WithModifier& w : lit.withs) {
    if (w.value->func.empty()) {
      vars_of(w.value, out);
    }
  }
}

void vars_of(const TermPtr& t, std::vector<VarUse>& out) {
  switch (t->kind) {
  case TermKind::var:
    if (t->binding == VarBinding::local && t->name != "_") {
      out.push_back({t->slot, t.get()});
    }
    return;
  case TermKind::array_compr:
  case TermKind::set_compr:
  case TermKind::object_compr: {
    std::vector<VarUse> inner;
    for (const Literal& l : *t->body) {
      literal_vars(l, inner);
    }
    for (const TermPtr& e : t->items) {
      vars_of(e, inner);
    }
    std::set<int> local;
    collect_outputs_body(*t->body, local);
    for (const VarUse& u : inner) {
      if (local.count(u.slot) == 0) {
        out.push_back(u);
      }
    }
    return;
  }
  default:
    for (const TermPtr& e : t->items) {
      vars_of(e, out);
    }
  }
}

std::set<int> literal_outputs(const Literal& lit) {
  std::set<int> out;
  if (lit.kind == LiteralKind::some_in) {
    if (lit.key) {
      collect_outputs(lit.key, out, true);
    }
    collect_outputs(lit.value, out, true);
    collect_outputs(lit.domain, out, false);
  } else if (lit.kind == LiteralKind::expr && !lit.negated) {
    collect_outputs(lit.expr, out, false);
  }
  return out;
}

std::set<int> order_body(Body& body, std::set<int> bound);

void order_nested(const TermPtr& t, const std::set<int>& bound) {
  switch (t->kind) {
  case TermKind::array_compr:
  case TermKind::set_compr:
  case TermKind::object_compr: {
    std::set<int> inner = order_body(*t->body, bound);
    for (const TermPtr& e : t->items) {
      order_nested(e, inner);
      std::vector<VarUse> uses;
      vars_of(e, uses);
      for (const VarUse& u : uses) {
        if (inner.count(u.slot) == 0) {
          throw_rego("rego_unsafe_var_error", "var " + u.term->name + " is unsafe", u.term->loc);
        }
      }
    }
    return;
  }
  default:
    for (const TermPtr& e : t->items) {
      order_nested(e, bound);
    }
  }
}

bool literal_safe(const Literal& lit, const std::set<int>& bound, const VarUse** missing) {
  std::vector<VarUse> uses;
  literal_vars(lit, uses);
  std::set<int> outs = literal_outputs(lit);
  for (const VarUse& u : uses) {
    if (bound.count(u.slot) == 0 && outs.count(u.slot) == 0) {
      static thread_local VarUse last;
      last = u;
      *missing = &last;
      return false;
    }
  }
  return true;
}

// Reorders `body` for safety and returns the variables bound after it.
std::set<int> order_body(Body& body, std::set<int> bound) {
  Body ordered;
  std::vector<bool> used(body.size(), false);
  while (ordered.size() < body.size()) {
    bool progress = false;
    for (size_t i = 0; i < body.size(); ++i) {
      const VarUse* missing = nullptr;
      if (used[i] || !literal_safe(body[i], bound, &missing)) {
        continue;
      }
      Literal& lit = body[i];
      if (lit.expr) {
        order_nested(lit.expr, bound);
      }
      if (lit.domain) {
        order_nested(lit.domain, bound);
      }
      for (const WithModifier& w : lit.withs) {
        order_nested(w.value, bound);
      }
      if (lit.kind == LiteralKind::every) {
        std::set<int> inner = bound;
        if (lit.key) {
          collect_outputs(lit.key, inner, true);
        }
        collect_outputs(lit.value, inner, true);
        order_body(*lit.body, inner);
      }
      std::set<int> outs = literal_outputs(lit);
      bound.insert(outs.begin(), outs.end());
      ordered.push_back(std::move(lit));
      used[i] = true;
      progress = true;
      break;
    }
    if (!progress) {
      for (size_t i = 0; i < body.size(); ++i) {
        const VarUse* missing = nullptr;
        if (!used[i] && !literal_safe(body[i], bound, &missing) && missing != nullptr) {
          throw_rego("rego_unsafe_var_error", "var " + missing->term->name + " is unsafe", missing->term->loc);
        }
      }
      throw_rego("rego_unsafe_var_error", "body is unsafe", body.empty() ? Location{} : body[0].loc);
    }
  }
  body = std::move(ordered);
  return bound;
}

void check_head(const TermPtr& t, const std::set<int>& bound) {
  order_nested(t, bound);
  std::vector<VarUse> uses;
  vars_of(t, uses);
  for (const VarUse& u : uses) {
    if (bound.count(u.slot) == 0) {
      throw_rego("rego_unsafe_var_error", "var " + u.term->name + " is unsafe", u.term->loc);
    }
  }
}

void check_rule_safety(Rule& r) {
  std::set<int> args;
  for (const TermPtr& a : r.args) {
    collect_outputs(a, args, true);
  }
  std::set<int> bound = order_body(r.body, args);
  for (const TermPtr& k : r.dyn_keys) {
    check_head(k, bound);
  }
  if (r.key) {
    check_head(r.key, bound);
  }
  if (r.value) {
    check_head(r.value, bound);
  }
  for (ElseClause& e : r.elses) {
    std::set<int> eb = order_body(e.body, args);
    if (e.value) {
      check_head(e.value, eb);
    }
  }
}

} // namespace

void compile_program(Program& program) {
  // 1. Rule tree.
  std::map<std::vector<std::string>, std::set<std::string>> pkg_rules;
  for (const auto& m : program.modules) {
    for (const auto& rule : m->rules) {
      RuleNode* n = &program.root;
      for (const auto& seg : rule->path) {
        auto& child = n->children[seg];
        if (!child) {
          child = std::make_unique<RuleNode>();
          child->name = seg;
          child->path = n->path;
          child->path.push_back(seg);
        }
        n = child.get();
      }
      if (n->has_rules() && n->kind != rule->kind) {
        throw_rego("rego_type_error", "conflicting rules " + join_path(rule->path) + " found", rule->loc);
      }
      n->kind = rule->kind;
      if (rule->is_default) {
        if (n->default_rule != nullptr) {
          throw_rego("rego_type_error", "multiple default rules " + join_path(rule->path) + " found", rule->loc);
        }
        n->default_rule = rule.get();
      } else {
        n->rules.push_back(rule.get());
      }
      pkg_rules[m->package].insert(rule->path[m->package.size()]);
    }
  }
  // 2. Names, slots, calls.
  for (const auto& m : program.modules) {
    const std::set<std::string>& names = pkg_rules[m->package];
    for (const auto& rule : m->rules) {
      Resolver resolver(program, m.get(), &names);
      resolver.resolve_rule(*rule);
      check_rule_safety(*rule);
    }
  }
}

CompiledQuery compile_query(const Program& program, Body body) {
  CompiledQuery q;
  q.body = std::move(body);
  Resolver resolver(program, nullptr, nullptr);
  Scope scope;
  resolver.resolve_body(q.body, scope);
  order_body(q.body, {});
  q.nslots = resolver.nslots();
  for (const auto& [name, slot] : scope.vars) {
    if (name.rfind("__", 0) != 0 && name != "_") {
      q.vars.emplace_back(name, slot);
    }
  }
  return q;
}

} // namespace coco::rego
