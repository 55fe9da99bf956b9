#include "common/rego/evaluator.hpp"

#include "common/rego/rego_error.hpp"

namespace coco::rego {
namespace {

constexpr int k_max_depth = 120;

Value upsert(const Value& base, const std::vector<std::string>& path, size_t i, const Value& v) {
  if (i == path.size()) {
    return v;
  }
  Object obj = base.is_object() ? base.as_object() : Object{};
  Value key = Value::string(path[i]);
  auto it = obj.find(key);
  Value child = it == obj.end() ? Value() : it->second;
  obj[key] = upsert(child, path, i + 1, v);
  return Value::object(std::move(obj));
}

void insert_nested(Object& obj, const std::vector<Value>& keys, size_t i, const Value& v, const Location& loc) {
  auto it = obj.find(keys[i]);
  if (i + 1 == keys.size()) {
    if (it != obj.end() && it->second != v) {
      throw_rego("eval_conflict_error", "object keys must be unique", loc);
    }
    obj[keys[i]] = v;
    return;
  }
  Object child;
  if (it != obj.end()) {
    if (!it->second.is_object()) {
      throw_rego("eval_conflict_error", "object keys must be unique", loc);
    }
    child = it->second.as_object();
  }
  insert_nested(child, keys, i + 1, v, loc);
  obj[keys[i]] = Value::object(std::move(child));
}

void insert_set_member(Object& obj, const std::vector<Value>& keys, size_t i, const Value& elem,
                       const Location& loc) {
  auto it = obj.find(keys[i]);
  if (i + 1 == keys.size()) {
    Set members;
    if (it != obj.end()) {
      if (!it->second.is_set()) {
        throw_rego("eval_conflict_error", "object keys must be unique", loc);
      }
      members = it->second.as_set();
    }
    members.insert(elem);
    obj[keys[i]] = Value::set(std::move(members));
    return;
  }
  Object child;
  if (it != obj.end()) {
    if (!it->second.is_object()) {
      throw_rego("eval_conflict_error", "object keys must be unique", loc);
    }
    child = it->second.as_object();
  }
  insert_set_member(child, keys, i + 1, elem, loc);
  obj[keys[i]] = Value::object(std::move(child));
}

std::string print_text(const Value& v) {
  if (v.is_string()) {
    return v.as_string();
  }
  return v.to_string();
}

} // namespace

Evaluator::Evaluator(const Program& program, Value input, Value data, bool strict, int64_t now_ns, bool explain)
    : m_program(program), m_data(std::move(data)), m_strict(strict), m_explain(explain) {
  m_ctx.input = std::move(input);
  m_bctx.now_ns = now_ns;
}

std::vector<std::string> Evaluator::explanation() const { return m_explanation; }

void Evaluator::run_query(const Body& body, Frame& frame, const Next& k) {
  m_current_rule = nullptr;
  eval_body(body, 0, frame, k);
}

Value Evaluator::eval_data_path(const std::vector<std::string>& path) {
  auto ref = std::make_shared<Term>();
  ref->kind = TermKind::ref;
  auto head = std::make_shared<Term>();
  head->kind = TermKind::var;
  head->binding = VarBinding::data;
  head->prefix = path;
  ref->items.push_back(head);
  Frame f;
  Value out;
  eval_ref(ref, f, [&](const Value& v) {
    out = v;
    return false;
  });
  return out;
}

bool Evaluator::eval_body(const Body& body, size_t i, Frame& f, const Next& k) {
  if (i == body.size()) {
    return k();
  }
  const Literal& lit = body[i];
  if (!m_explain) {
    return eval_literal(lit, f, [&] { return eval_body(body, i + 1, f, k); });
  }
  bool reached = false;
  bool r = eval_literal(lit, f, [&] {
    reached = true;
    return eval_body(body, i + 1, f, k);
  });
  if (!reached && m_current_rule != nullptr) {
    record_failure(*m_current_rule, lit, f);
  }
  return r;
}

void Evaluator::record_failure(const Rule& rule, const Literal& lit, Frame& f) {
  if (m_explanation.size() >= 64) {
    return;
  }
  std::string line = "rule " + rule.name + " in " + rule.loc.file_name() + ":" + std::to_string(lit.loc.row) +
                     " failed at `" + lit.text + "`";
  if (lit.kind == LiteralKind::expr && lit.withs.empty()) {
    TermPtr probe = lit.expr;
    if (probe->kind == TermKind::call && !probe->items.empty() && probe->func != "print") {
      probe = probe->items[0];
    }
    if (probe->kind != TermKind::scalar) {
      std::string shown = "undefined";
      try {
        eval_term(probe, f, [&](const Value& v) {
          shown = v.to_string();
          return false;
        });
      } catch (const RegoException&) {
        shown = "error";
      }
      if (shown.size() > 200) {
        shown = shown.substr(0, 200) + "...";
      }
      line += " (value: " + shown + ")";
    }
  }
  for (const std::string& e : m_explanation) {
    if (e == line) {
      return;
    }
  }
  m_explanation.push_back(line);
}

bool Evaluator::eval_literal(const Literal& lit, Frame& f, const Next& k) {
  if (lit.withs.empty()) {
    return eval_literal_inner(lit, f, k);
  }
  Context other;
  other.input = m_ctx.input;
  other.data_overrides = m_ctx.data_overrides;
  other.fn_overrides = m_ctx.fn_overrides;
  for (const WithModifier& w : lit.withs) {
    FnOverride fo;
    // `with f as g` names a replacement function; a call (`with input as object.union(a, b)`) is a value.
    if (!w.value->func.empty() && w.value->kind != TermKind::call) {
      fo.func = w.value->func;
      fo.node = w.value->func_node;
    } else {
      Value v;
      eval_term(w.value, f, [&](const Value& x) {
        v = x;
        return false;
      });
      if (v.is_undefined()) {
        return true;
      }
      fo.is_value = true;
      fo.value = v;
    }
    const TermPtr& target = w.target;
    if (!target->func.empty()) {
      other.fn_overrides[target->func] = fo;
      continue;
    }
    if (!fo.is_value) {
      throw_rego("rego_type_error", "with keyword value must be a value for input or data targets", w.loc);
    }
    const Term& head = target->kind == TermKind::ref ? *target->items[0] : *target;
    std::vector<std::string> path = head.prefix;
    if (target->kind == TermKind::ref) {
      for (size_t i = 1; i < target->items.size(); ++i) {
        const TermPtr& e = target->items[i];
        if (e->kind != TermKind::scalar || !e->value.is_string()) {
          throw_rego("rego_type_error", "with keyword target path must be made of strings", w.loc);
        }
        path.push_back(e->value.as_string());
      }
    }
    if (head.binding == VarBinding::input) {
      other.input = upsert(other.input, path, 0, fo.value);
    } else {
      other.data_overrides.emplace_back(path, fo.value);
    }
  }
  std::swap(m_ctx, other);
  bool r = false;
  try {
    r = eval_literal_inner(lit, f, [&] {
      std::swap(m_ctx, other);
      bool r2 = false;
      try {
        r2 = k();
      } catch (...) {
        std::swap(m_ctx, other);
        throw;
      }
      std::swap(m_ctx, other);
      return r2;
    });
  } catch (...) {
    std::swap(m_ctx, other);
    throw;
  }
  std::swap(m_ctx, other);
  return r;
}

bool Evaluator::eval_literal_inner(const Literal& lit, Frame& f, const Next& k) {
  switch (lit.kind) {
  case LiteralKind::expr:
    if (lit.negated) {
      bool found = false;
      eval_expr(lit.expr, f, [&] {
        found = true;
        return false;
      });
      return found ? true : k();
    }
    return eval_expr(lit.expr, f, k);
  case LiteralKind::some_decl:
    return k();
  case LiteralKind::some_in:
    return eval_term(lit.domain, f, [&](const Value& coll) {
      return iterate(coll, [&](const Value& key, const Value& val) {
        if (lit.key) {
          return unify(lit.key, key, f, [&] { return unify(lit.value, val, f, k); });
        }
        return unify(lit.value, val, f, k);
      });
    });
  case LiteralKind::every: {
    bool all = false;
    eval_term(lit.domain, f, [&](const Value& coll) {
      if (!coll.is_array() && !coll.is_object() && !coll.is_set()) {
        return false;
      }
      all = true;
      iterate(coll, [&](const Value& key, const Value& val) {
        bool found = false;
        Next body = [&] {
          eval_body(*lit.body, 0, f, [&] {
            found = true;
            return false;
          });
          return false;
        };
        if (lit.key) {
          unify(lit.key, key, f, [&] { return unify(lit.value, val, f, body); });
        } else {
          unify(lit.value, val, f, body);
        }
        if (!found) {
          all = false;
          return false;
        }
        return true;
      });
      return false;
    });
    return all ? k() : true;
  }
  }
  return true;
}

bool Evaluator::eval_expr(const TermPtr& e, Frame& f, const Next& k) {
  if (e->kind == TermKind::call && (e->name == "eq" || e->name == "assign")) {
    return unify_terms(e->items[0], e->items[1], f, k);
  }
  return eval_term(e, f, [&](const Value& v) {
    if (v.is_false()) {
      return true;
    }
    return k();
  });
}

bool Evaluator::is_pattern(const TermPtr& t, const Frame& f) const {
  switch (t->kind) {
  case TermKind::var:
    return t->binding == VarBinding::local && f[static_cast<size_t>(t->slot)].is_undefined();
  case TermKind::array:
    for (const TermPtr& e : t->items) {
      if (is_pattern(e, f)) {
        return true;
      }
    }
    return false;
  case TermKind::object:
    for (size_t i = 1; i < t->items.size(); i += 2) {
      if (is_pattern(t->items[i], f)) {
        return true;
      }
    }
    return false;
  default:
    return false;
  }
}

bool Evaluator::unify_terms(const TermPtr& a, const TermPtr& b, Frame& f, const Next& k) {
  bool pa = is_pattern(a, f);
  bool pb = is_pattern(b, f);
  if (pa && pb) {
    if (a->kind == TermKind::array && b->kind == TermKind::array) {
      if (a->items.size() != b->items.size()) {
        return true;
      }
      std::function<bool(size_t)> step = [&](size_t j) -> bool {
        if (j == a->items.size()) {
          return k();
        }
        return unify_terms(a->items[j], b->items[j], f, [&] { return step(j + 1); });
      };
      return step(0);
    }
    if (a->kind == TermKind::object && b->kind == TermKind::object && a->items.size() == b->items.size()) {
      // Pair members by (scalar) key, then unify the values pairwise.
      std::vector<std::pair<TermPtr, TermPtr>> pairs;
      for (size_t i = 0; i < a->items.size(); i += 2) {
        const TermPtr& ka = a->items[i];
        if (ka->kind != TermKind::scalar) {
          pairs.clear();
          break;
        }
        for (size_t j = 0; j < b->items.size(); j += 2) {
          if (b->items[j]->kind == TermKind::scalar && b->items[j]->value == ka->value) {
            pairs.emplace_back(a->items[i + 1], b->items[j + 1]);
          }
        }
      }
      if (pairs.size() * 2 != a->items.size()) {
        return true;
      }
      std::function<bool(size_t)> step = [&](size_t j) -> bool {
        if (j == pairs.size()) {
          return k();
        }
        return unify_terms(pairs[j].first, pairs[j].second, f, [&] { return step(j + 1); });
      };
      return step(0);
    }
    if (a->kind == TermKind::var && b->kind == TermKind::var) {
      throw_rego("rego_unsafe_var_error", "var " + a->name + " is unsafe", a->loc);
    }
  }
  if (pa) {
    return eval_term(b, f, [&](const Value& v) { return unify(a, v, f, k); });
  }
  if (pb) {
    return eval_term(a, f, [&](const Value& v) { return unify(b, v, f, k); });
  }
  return eval_term(a, f, [&](const Value& va) {
    return eval_term(b, f, [&](const Value& vb) { return va == vb ? k() : true; });
  });
}

bool Evaluator::unify(const TermPtr& p, const Value& v, Frame& f, const Next& k) {
  switch (p->kind) {
  case TermKind::var:
    if (p->binding == VarBinding::local) {
      Value& slot = f[static_cast<size_t>(p->slot)];
      if (slot.is_undefined()) {
        slot = v;
        bool r = false;
        try {
          r = k();
        } catch (...) {
          f[static_cast<size_t>(p->slot)] = Value();
          throw;
        }
        f[static_cast<size_t>(p->slot)] = Value();
        return r;
      }
      return slot == v ? k() : true;
    }
    break;
  case TermKind::array: {
    if (!is_pattern(p, f)) {
      break;
    }
    if (!v.is_array() || v.as_array().size() != p->items.size()) {
      return true;
    }
    const Array& arr = v.as_array();
    std::function<bool(size_t)> step = [&](size_t j) -> bool {
      if (j == arr.size()) {
        return k();
      }
      return unify(p->items[j], arr[j], f, [&] { return step(j + 1); });
    };
    return step(0);
  }
  case TermKind::object: {
    if (!is_pattern(p, f)) {
      break;
    }
    if (!v.is_object() || v.as_object().size() * 2 != p->items.size()) {
      return true;
    }
    std::function<bool(size_t)> step = [&](size_t j) -> bool {
      if (j >= p->items.size()) {
        return k();
      }
      return eval_term(p->items[j], f, [&](const Value& key) {
        Value member = v.get(key);
        if (member.is_undefined()) {
          return true;
        }
        return unify(p->items[j + 1], member, f, [&] { return step(j + 2); });
      });
    };
    return step(0);
  }
  default:
    break;
  }
  return eval_term(p, f, [&](const Value& pv) { return pv == v ? k() : true; });
}

bool Evaluator::iterate(const Value& coll, const std::function<bool(const Value&, const Value&)>& fn) {
  switch (coll.kind()) {
  case Value::Kind::array: {
    const Array& a = coll.as_array();
    for (size_t i = 0; i < a.size(); ++i) {
      if (!fn(Value::integer(static_cast<int64_t>(i)), a[i])) {
        return false;
      }
    }
    return true;
  }
  case Value::Kind::object:
    for (const auto& [key, val] : coll.as_object()) {
      if (!fn(key, val)) {
        return false;
      }
    }
    return true;
  case Value::Kind::set:
    for (const Value& e : coll.as_set()) {
      if (!fn(e, e)) {
        return false;
      }
    }
    return true;
  default:
    return true;
  }
}

bool Evaluator::eval_terms(const std::vector<TermPtr>& ts, size_t i, std::vector<Value>& out, Frame& f,
                           const Next& k) {
  if (i == out.size()) {
    return k();
  }
  return eval_term(ts[i], f, [&](const Value& v) {
    out[i] = v;
    return eval_terms(ts, i + 1, out, f, k);
  });
}

bool Evaluator::eval_term(const TermPtr& t, Frame& f, const Emit& k) {
  switch (t->kind) {
  case TermKind::scalar:
    return k(t->value);
  case TermKind::var:
  case TermKind::ref:
    return eval_ref(t, f, k);
  case TermKind::array: {
    std::vector<Value> vals(t->items.size());
    return eval_terms(t->items, 0, vals, f, [&] { return k(Value::array(vals)); });
  }
  case TermKind::set: {
    std::vector<Value> vals(t->items.size());
    return eval_terms(t->items, 0, vals, f, [&] { return k(Value::set(Set(vals.begin(), vals.end()))); });
  }
  case TermKind::object: {
    std::vector<Value> vals(t->items.size());
    return eval_terms(t->items, 0, vals, f, [&] {
      Object o;
      for (size_t i = 0; i < vals.size(); i += 2) {
        o[vals[i]] = vals[i + 1];
      }
      return k(Value::object(std::move(o)));
    });
  }
  case TermKind::array_compr: {
    Array out;
    eval_body(*t->body, 0, f, [&] {
      eval_term(t->items[0], f, [&](const Value& v) {
        out.push_back(v);
        return true;
      });
      return true;
    });
    return k(Value::array(std::move(out)));
  }
  case TermKind::set_compr: {
    Set out;
    eval_body(*t->body, 0, f, [&] {
      eval_term(t->items[0], f, [&](const Value& v) {
        out.insert(v);
        return true;
      });
      return true;
    });
    return k(Value::set(std::move(out)));
  }
  case TermKind::object_compr: {
    Object out;
    eval_body(*t->body, 0, f, [&] {
      eval_term(t->items[0], f, [&](const Value& key) {
        return eval_term(t->items[1], f, [&](const Value& val) {
          auto it = out.find(key);
          if (it != out.end() && it->second != val) {
            throw_rego("eval_conflict_error", "object keys must be unique", t->loc);
          }
          out[key] = val;
          return true;
        });
      });
      return true;
    });
    return k(Value::object(std::move(out)));
  }
  case TermKind::call:
    if (t->name == "eq" || t->name == "assign") {
      return unify_terms(t->items[0], t->items[1], f, [&] { return k(Value::boolean(true)); });
    }
    return eval_call(t, f, k);
  }
  return true;
}

bool Evaluator::eval_ref(const TermPtr& t, Frame& f, const Emit& k) {
  const Term& head = t->kind == TermKind::var ? *t : *t->items[0];
  size_t start = 1;
  if (t->kind == TermKind::var || head.kind == TermKind::var) {
    switch (head.binding) {
    case VarBinding::local: {
      const Value& v = f[static_cast<size_t>(head.slot)];
      if (v.is_undefined()) {
        throw_rego("rego_unsafe_var_error", "var " + head.name + " is unsafe", head.loc);
      }
      Value copy = v;
      if (t->kind == TermKind::var) {
        return k(copy);
      }
      return eval_path(copy, t, start, f, k);
    }
    case VarBinding::input: {
      Value v = m_ctx.input;
      for (const auto& seg : head.prefix) {
        v = v.member(seg);
      }
      if (v.is_undefined()) {
        return true;
      }
      if (t->kind == TermKind::var) {
        return k(v);
      }
      return eval_path(v, t, start, f, k);
    }
    case VarBinding::data: {
      std::vector<std::string> path;
      const RuleNode* node = &m_program.root;
      for (const auto& seg : head.prefix) {
        path.push_back(seg);
        if (node != nullptr && !(node->has_rules() && node->kind != RuleKind::partial_object)) {
          auto it = node->children.find(seg);
          node = it == node->children.end() ? nullptr : it->second.get();
        } else if (node != nullptr) {
          // A prefix through a rule's value: evaluate the rule and index the rest.
          Value v = rule_node_value(node);
          for (size_t j = path.size() - 1; j < head.prefix.size(); ++j) {
            v = v.member(head.prefix[j]);
          }
          if (v.is_undefined()) {
            return true;
          }
          if (t->kind == TermKind::var) {
            return k(v);
          }
          return eval_path(v, t, start, f, k);
        }
      }
      if (t->kind == TermKind::var) {
        TermPtr bare = std::make_shared<Term>();
        bare->kind = TermKind::ref;
        bare->items.push_back(t);
        return eval_data(node, path, bare, 1, f, k);
      }
      return eval_data(node, path, t, start, f, k);
    }
    default:
      throw_rego("rego_unsafe_var_error", "var " + head.name + " is unsafe", head.loc);
    }
  }
  return eval_term(t->items[0], f, [&](const Value& v) { return eval_path(v, t, start, f, k); });
}

bool Evaluator::eval_path(const Value& v, const TermPtr& ref, size_t i, Frame& f, const Emit& k) {
  if (i == ref->items.size()) {
    return k(v);
  }
  const TermPtr& e = ref->items[i];
  if (is_pattern(e, f)) {
    return iterate(v, [&](const Value& key, const Value& val) {
      return unify(e, key, f, [&] { return eval_path(val, ref, i + 1, f, k); });
    });
  }
  return eval_term(e, f, [&](const Value& key) {
    Value child = v.get(key);
    if (child.is_undefined()) {
      return true;
    }
    return eval_path(child, ref, i + 1, f, k);
  });
}

const Value* Evaluator::override_for(const std::vector<std::string>& path, size_t& used) const {
  for (auto it = m_ctx.data_overrides.rbegin(); it != m_ctx.data_overrides.rend(); ++it) {
    const auto& op = it->first;
    if (op.size() <= path.size() && std::equal(op.begin(), op.end(), path.begin())) {
      used = op.size();
      return &it->second;
    }
  }
  return nullptr;
}

Value Evaluator::base_data_at(const std::vector<std::string>& path) {
  Value v = m_data;
  for (const auto& seg : path) {
    v = v.member(seg);
    if (v.is_undefined()) {
      return v;
    }
  }
  return v;
}

bool Evaluator::eval_data(const RuleNode* node, std::vector<std::string>& path, const TermPtr& ref, size_t i,
                          Frame& f, const Emit& k) {
  size_t used = 0;
  if (const Value* ov = override_for(path, used)) {
    Value v = *ov;
    for (size_t j = used; j < path.size() && v.is_defined(); ++j) {
      v = v.member(path[j]);
    }
    if (v.is_undefined()) {
      return true;
    }
    return eval_path(v, ref, i, f, k);
  }
  if (node == nullptr) {
    Value v = base_data_at(path);
    if (v.is_undefined()) {
      // A `with data.a.b as ...` below this path still makes it exist.
      bool deeper = false;
      for (const auto& [op, ov] : m_ctx.data_overrides) {
        deeper = deeper || (op.size() > path.size() && std::equal(path.begin(), path.end(), op.begin()));
      }
      if (!deeper) {
        return true;
      }
      v = Value::empty_object();
    }
    if (i == ref->items.size() || !v.is_object() || is_pattern(ref->items[i], f)) {
      return eval_path(v, ref, i, f, k);
    }
    // Stay on the data path while the keys are strings (numbers name "2"-style keys), so `with`
    // overrides below this point are seen.
    return eval_term(ref->items[i], f, [&](const Value& raw_key) {
      if (raw_key.is_string() || (raw_key.is_number() && raw_key.as_number().is_int)) {
        path.push_back(raw_key.is_string() ? raw_key.as_string() : std::to_string(raw_key.as_number().i));
        bool r = eval_data(nullptr, path, ref, i + 1, f, k);
        path.pop_back();
        return r;
      }
      Value child = v.get(raw_key);
      return child.is_undefined() ? true : eval_path(child, ref, i + 1, f, k);
    });
  }
  if (node->has_rules() && node->kind != RuleKind::partial_object) {
    if (node->kind == RuleKind::function) {
      return true;
    }
    Value v = rule_node_value(node);
    if (v.is_undefined()) {
      return true;
    }
    return eval_path(v, ref, i, f, k);
  }
  if (i == ref->items.size()) {
    Value v = materialize(node, path);
    return v.is_undefined() ? true : k(v);
  }
  const TermPtr& e = ref->items[i];
  if (is_pattern(e, f)) {
    Value v = materialize(node, path);
    return eval_path(v, ref, i, f, k);
  }
  return eval_term(e, f, [&](const Value& raw_key) {
    // OPA looks up data documents by the string form of a number key (data[2] finds "2").
    Value key = raw_key.is_number() && raw_key.as_number().is_int && !node->has_rules()
                    ? Value::string(std::to_string(raw_key.as_number().i))
                    : raw_key;
    if (key.is_string()) {
      auto it = node->children.find(key.as_string());
      if (it != node->children.end() || !node->has_rules()) {
        path.push_back(key.as_string());
        bool r = eval_data(it == node->children.end() ? nullptr : it->second.get(), path, ref, i + 1, f, k);
        path.pop_back();
        return r;
      }
    }
    Value v = node->has_rules() ? materialize(node, path).get(key) : base_data_at(path).get(key);
    if (v.is_undefined()) {
      return true;
    }
    return eval_path(v, ref, i + 1, f, k);
  });
}

Value Evaluator::materialize(const RuleNode* node, const std::vector<std::string>& path) {
  size_t used = 0;
  if (const Value* ov = override_for(path, used)) {
    Value v = *ov;
    for (size_t j = used; j < path.size() && v.is_defined(); ++j) {
      v = v.member(path[j]);
    }
    return v;
  }
  Value base = base_data_at(path);
  if (node == nullptr) {
    return base;
  }
  if (node->has_rules() && node->kind != RuleKind::partial_object) {
    return node->kind == RuleKind::function ? Value() : rule_node_value(node);
  }
  Object obj;
  if (base.is_object()) {
    obj = base.as_object();
  } else if (base.is_defined() && !node->has_rules() && node->children.empty()) {
    return base;
  }
  if (node->has_rules()) {
    Value rv = rule_node_value(node);
    if (rv.is_object()) {
      for (const auto& [key, val] : rv.as_object()) {
        obj[key] = val;
      }
    }
  }
  for (const auto& [name, child] : node->children) {
    if (child->kind == RuleKind::function && child->has_rules()) {
      continue;
    }
    std::vector<std::string> cp = path;
    cp.push_back(name);
    Value cv = materialize(child.get(), cp);
    if (cv.is_defined()) {
      obj[Value::string(name)] = cv;
    }
  }
  // Overrides strictly below this path.
  for (const auto& [op, ov] : m_ctx.data_overrides) {
    if (op.size() > path.size() && std::equal(path.begin(), path.end(), op.begin())) {
      std::vector<std::string> rest(op.begin() + static_cast<std::ptrdiff_t>(path.size()), op.end());
      Value merged = upsert(Value::object(obj), rest, 0, ov);
      obj = merged.as_object();
    }
  }
  return Value::object(std::move(obj));
}

Value Evaluator::rule_node_value(const RuleNode* node) {
  auto cached = m_ctx.cache.find(node);
  if (cached != m_ctx.cache.end()) {
    return cached->second;
  }
  if (m_in_progress.count(node) != 0) {
    const Rule* r = node->rules.empty() ? node->default_rule : node->rules.front();
    std::string name = "data";
    for (const auto& p : node->path) {
      name += "." + p;
    }
    throw_rego("rego_recursion_error", "rule " + name + " is recursive", r != nullptr ? r->loc : Location{});
  }
  if (++m_depth > k_max_depth) {
    const Rule* r = node->rules.empty() ? node->default_rule : node->rules.front();
    throw_rego("rego_recursion_error", "evaluation depth limit exceeded", r != nullptr ? r->loc : Location{});
  }
  m_in_progress.insert(node);
  const Rule* saved_rule = m_current_rule;
  Value v;
  try {
    switch (node->kind) {
    case RuleKind::complete:
      v = eval_complete(node);
      break;
    case RuleKind::partial_set:
      v = eval_partial_set(node);
      break;
    case RuleKind::partial_object: {
      Object obj;
      for (const Rule* r : node->rules) {
        Frame f(static_cast<size_t>(r->nslots));
        m_current_rule = r;
        eval_body(r->body, 0, f, [&] {
          std::vector<Value> keys(r->dyn_keys.size());
          eval_terms(r->dyn_keys, 0, keys, f, [&] {
            if (r->key) {
              eval_term(r->key, f, [&](const Value& elem) {
                insert_set_member(obj, keys, 0, elem, r->loc);
                return true;
              });
            } else if (r->value) {
              eval_term(r->value, f, [&](const Value& val) {
                insert_nested(obj, keys, 0, val, r->loc);
                return true;
              });
            } else {
              insert_nested(obj, keys, 0, Value::boolean(true), r->loc);
            }
            return true;
          });
          return true;
        });
      }
      v = Value::object(std::move(obj));
      break;
    }
    case RuleKind::function:
      break;
    }
  } catch (...) {
    m_in_progress.erase(node);
    m_current_rule = saved_rule;
    --m_depth;
    throw;
  }
  m_current_rule = saved_rule;
  m_in_progress.erase(node);
  --m_depth;
  m_ctx.cache[node] = v;
  return v;
}

Value Evaluator::eval_complete(const RuleNode* node) {
  std::optional<Value> result;
  const Rule* first_rule = nullptr;
  auto add = [&](const Value& v, const Rule* r) {
    if (!result) {
      result = v;
      first_rule = r;
    } else if (*result != v) {
      std::string name = "data";
      for (const auto& seg : node->path) {
        name += "." + seg;
      }
      throw_rego("eval_conflict_error",
                 "complete rules must not produce multiple outputs: rule " + name + " produced conflicting values",
                 r->loc);
    }
  };
  for (const Rule* r : node->rules) {
    Frame f(static_cast<size_t>(r->nslots));
    m_current_rule = r;
    bool any = false;
    auto produce = [&](const TermPtr& value_term) {
      any = true;
      if (value_term) {
        eval_term(value_term, f, [&](const Value& v) {
          add(v, r);
          return true;
        });
      } else {
        add(Value::boolean(true), r);
      }
      return true;
    };
    eval_body(r->body, 0, f, [&] { return produce(r->value); });
    for (const ElseClause& e : r->elses) {
      if (any) {
        break;
      }
      eval_body(e.body, 0, f, [&] { return produce(e.value); });
    }
  }
  (void)first_rule;
  if (!result && node->default_rule != nullptr) {
    Frame f(static_cast<size_t>(node->default_rule->nslots));
    eval_term(node->default_rule->value, f, [&](const Value& v) {
      result = v;
      return false;
    });
  }
  return result ? *result : Value();
}

Value Evaluator::eval_partial_set(const RuleNode* node) {
  Set out;
  for (const Rule* r : node->rules) {
    Frame f(static_cast<size_t>(r->nslots));
    m_current_rule = r;
    eval_body(r->body, 0, f, [&] {
      eval_term(r->key, f, [&](const Value& v) {
        out.insert(v);
        return true;
      });
      return true;
    });
  }
  return Value::set(std::move(out));
}

bool Evaluator::eval_call(const TermPtr& t, Frame& f, const Emit& k) {
  std::string func = t->func;
  const RuleNode* node = t->func_node;
  if (func == "print") {
    std::string line;
    for (const TermPtr& a : t->items) {
      std::string part = "<undefined>";
      eval_term(a, f, [&](const Value& v) {
        part = print_text(v);
        return false;
      });
      line += (line.empty() ? "" : " ") + part;
    }
    m_prints.push_back(line);
    return k(Value::boolean(true));
  }
  size_t n_in = 0;
  if (node != nullptr) {
    const Rule* r = node->rules.empty() ? node->default_rule : node->rules.front();
    n_in = r->args.size();
  } else if (const BuiltinDef* b = find_builtin(func)) {
    n_in = b->arity < 0 ? t->items.size() : static_cast<size_t>(b->arity);
  } else {
    n_in = m_program.hosts.at(func).arity;
  }
  bool has_output = t->items.size() == n_in + 1;
  const FnOverride* ov = nullptr;
  auto oit = m_ctx.fn_overrides.find(func);
  if (oit != m_ctx.fn_overrides.end()) {
    ov = &oit->second;
  }
  std::vector<Value> args(n_in);
  auto deliver = [&](const Value& r) {
    if (has_output) {
      return unify(t->items.back(), r, f, [&] { return k(Value::boolean(true)); });
    }
    return k(r);
  };
  return eval_terms(t->items, 0, args, f, [&] {
    if (ov != nullptr) {
      if (ov->is_value) {
        return deliver(ov->value);
      }
      // The replacement runs without this mock, so it may call the function it replaces.
      FnOverride saved = *ov;
      m_ctx.fn_overrides.erase(func);
      std::optional<Value> result;
      try {
        call_function(saved.func, saved.node, args, t, [&](const Value& r) {
          result = r;
          return false;
        });
      } catch (...) {
        m_ctx.fn_overrides[func] = saved;
        throw;
      }
      m_ctx.fn_overrides[func] = saved;
      ov = &m_ctx.fn_overrides[func];
      return result ? deliver(*result) : true;
    }
    return call_function(func, node, args, t, deliver);
  });
}

bool Evaluator::call_function(const std::string& func, const RuleNode* node, const std::vector<Value>& args,
                              const TermPtr& site, const Emit& k) {
  if (node != nullptr) {
    if (++m_depth > k_max_depth) {
      --m_depth;
      throw_rego("rego_recursion_error", "function " + func + " exceeds the call depth limit", site->loc);
    }
    std::optional<Value> result;
    const Rule* saved_rule = m_current_rule;
    try {
      for (const Rule* r : node->rules) {
        if (r->args.size() != args.size()) {
          continue;
        }
        Frame fr(static_cast<size_t>(r->nslots));
        m_current_rule = r;
        bool any = false;
        auto run = [&](const Body& body, const TermPtr& value_term) {
          std::function<bool(size_t)> bind = [&](size_t j) -> bool {
            if (j == args.size()) {
              return eval_body(body, 0, fr, [&] {
                any = true;
                auto add = [&](const Value& v) {
                  if (!result) {
                    result = v;
                  } else if (*result != v) {
                    throw_rego("eval_conflict_error",
                               "functions must not produce multiple outputs for same inputs: function " + func +
                                   " produced conflicting values for the same inputs",
                               r->loc);
                  }
                  return true;
                };
                if (value_term) {
                  eval_term(value_term, fr, add);
                } else {
                  add(Value::boolean(true));
                }
                return true;
              });
            }
            return unify(r->args[j], args[j], fr, [&] { return bind(j + 1); });
          };
          bind(0);
        };
        run(r->body, r->value);
        for (const ElseClause& e : r->elses) {
          if (any) {
            break;
          }
          run(e.body, e.value);
        }
      }
      if (!result && node->default_rule != nullptr) {
        Frame fr(static_cast<size_t>(node->default_rule->nslots));
        eval_term(node->default_rule->value, fr, [&](const Value& v) {
          result = v;
          return false;
        });
      }
    } catch (...) {
      m_current_rule = saved_rule;
      --m_depth;
      throw;
    }
    m_current_rule = saved_rule;
    --m_depth;
    if (!result) {
      return true;
    }
    return k(*result);
  }
  if (const BuiltinDef* b = find_builtin(func)) {
    Value r;
    try {
      r = b->fn(args, m_bctx);
    } catch (const BuiltinError& e) {
      if (m_strict) {
        throw_rego(e.code, e.message, site->loc);
      }
      return true;
    }
    if (r.is_undefined()) {
      return true;
    }
    return k(r);
  }
  auto hit = m_program.hosts.find(func);
  if (hit == m_program.hosts.end()) {
    throw_rego("rego_type_error", "undefined function " + func, site->loc);
  }
  auto key = std::make_pair(func, Array(args.begin(), args.end()));
  auto memo = m_host_memo.find(key);
  Value r;
  if (memo != m_host_memo.end()) {
    r = memo->second;
  } else {
    HostResult hr = hit->second.fn(args);
    if (hr.error) {
      if (m_strict) {
        throw_rego("eval_builtin_error", func + ": " + *hr.error, site->loc);
      }
      return true;
    }
    r = hr.value;
    m_host_memo.emplace(std::move(key), r);
  }
  if (r.is_undefined()) {
    return true;
  }
  return k(r);
}

} // namespace coco::rego
