#include "common/rego/builtins.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <memory>
#include <unordered_map>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <re2/re2.h>

#include "common/base/encoding.hpp"

namespace coco::rego {
namespace {

using Args = std::vector<Value>;

[[noreturn]] void type_error(const char* name, size_t idx, const std::string& want, const Value& got) {
  throw BuiltinError{"eval_type_error", std::string(name) + ": operand " + std::to_string(idx + 1) + " must be " +
                                            want + " but got " + got.type_name()};
}
[[noreturn]] void builtin_error(const char* name, const std::string& msg) {
  throw BuiltinError{"eval_builtin_error", std::string(name) + ": " + msg};
}

const std::string& str(const char* name, const Args& a, size_t i) {
  if (!a[i].is_string()) {
    type_error(name, i, "string", a[i]);
  }
  return a[i].as_string();
}
const Number& num(const char* name, const Args& a, size_t i) {
  if (!a[i].is_number()) {
    type_error(name, i, "number", a[i]);
  }
  return a[i].as_number();
}
int64_t integer(const char* name, const Args& a, size_t i) {
  const Number& n = num(name, a, i);
  if (!n.is_int) {
    type_error(name, i, "integer", a[i]);
  }
  return n.i;
}
const Array& arr(const char* name, const Args& a, size_t i) {
  if (!a[i].is_array()) {
    type_error(name, i, "array", a[i]);
  }
  return a[i].as_array();
}
const Object& obj(const char* name, const Args& a, size_t i) {
  if (!a[i].is_object()) {
    type_error(name, i, "object", a[i]);
  }
  return a[i].as_object();
}
const Set& set_arg(const char* name, const Args& a, size_t i) {
  if (!a[i].is_set()) {
    type_error(name, i, "set", a[i]);
  }
  return a[i].as_set();
}
// Elements of an array or a set.
std::vector<Value> elements(const char* name, const Args& a, size_t i) {
  if (a[i].is_array()) {
    return a[i].as_array();
  }
  if (a[i].is_set()) {
    return {a[i].as_set().begin(), a[i].as_set().end()};
  }
  type_error(name, i, "one of {array, set}", a[i]);
}

Value b(bool v) { return Value::boolean(v); }
Value s(std::string v) { return Value::string(std::move(v)); }

// --- UTF-8 code points ---
std::vector<uint32_t> code_points(const std::string& text) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    uint32_t cp = c;
    size_t len = 1;
    if (c >= 0xF0 && i + 3 < text.size() + 0) {
      len = 4;
      cp = c & 0x07;
    } else if (c >= 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xC0) {
      len = 2;
      cp = c & 0x1F;
    }
    if (i + len > text.size()) {
      len = 1;
      cp = 0xFFFD;
    } else {
      for (size_t j = 1; j < len; ++j) {
        cp = (cp << 6) | (static_cast<unsigned char>(text[i + j]) & 0x3F);
      }
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}
std::string from_code_points(const std::vector<uint32_t>& cps, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to; ++i) {
    append_utf8(out, cps[i]);
  }
  return out;
}

// --- comparison ---
Value bi_equal(const Args& a, BuiltinContext&) { return b(a[0] == a[1]); }
Value bi_neq(const Args& a, BuiltinContext&) { return b(a[0] != a[1]); }
Value bi_lt(const Args& a, BuiltinContext&) { return b(compare(a[0], a[1]) < 0); }
Value bi_lte(const Args& a, BuiltinContext&) { return b(compare(a[0], a[1]) <= 0); }
Value bi_gt(const Args& a, BuiltinContext&) { return b(compare(a[0], a[1]) > 0); }
Value bi_gte(const Args& a, BuiltinContext&) { return b(compare(a[0], a[1]) >= 0); }

// --- arithmetic ---
Value arith(const char* name, const Args& a, char op) {
  const Number& x = num(name, a, 0);
  const Number& y = num(name, a, 1);
  if (x.is_integral() && y.is_integral() && !(x.is_int && y.is_int)) {
    if (auto r = integer_arith(x, y, op)) {
      return Value::number(*r);
    }
  }
  if (x.is_int && y.is_int) {
    int64_t r = 0;
    bool overflow = false;
    switch (op) {
    case '+': overflow = __builtin_add_overflow(x.i, y.i, &r); break;
    case '-': overflow = __builtin_sub_overflow(x.i, y.i, &r); break;
    case '*': overflow = __builtin_mul_overflow(x.i, y.i, &r); break;
    default: break;
    }
    if (!overflow) {
      return Value::integer(r);
    }
    if (auto big = integer_arith(x, y, op)) {
      return Value::number(*big);
    }
  }
  double p = x.as_double();
  double q = y.as_double();
  double r = op == '+' ? p + q : (op == '-' ? p - q : p * q);
  return Value::real(r);
}
Value bi_plus(const Args& a, BuiltinContext&) { return arith("plus", a, '+'); }
Value bi_mul(const Args& a, BuiltinContext&) { return arith("mul", a, '*'); }
Value bi_minus(const Args& a, BuiltinContext&) {
  if (a[0].is_set()) {
    const Set& x = set_arg("minus", a, 0);
    const Set& y = set_arg("minus", a, 1);
    Set out;
    std::set_difference(x.begin(), x.end(), y.begin(), y.end(), std::inserter(out, out.end()));
    return Value::set(std::move(out));
  }
  return arith("minus", a, '-');
}
Value bi_div(const Args& a, BuiltinContext&) {
  const Number& x = num("div", a, 0);
  const Number& y = num("div", a, 1);
  if (y.as_double() == 0) {
    builtin_error("div", "divide by zero");
  }
  if (x.is_int && y.is_int && y.i != -1 && x.i % y.i == 0) {
    return Value::integer(x.i / y.i);
  }
  return Value::real(x.as_double() / y.as_double());
}
Value bi_rem(const Args& a, BuiltinContext&) {
  const Number& x = num("rem", a, 0);
  const Number& y = num("rem", a, 1);
  if (!x.is_int || !y.is_int) {
    builtin_error("rem", "modulo on floating-point number");
  }
  if (y.i == 0) {
    builtin_error("rem", "modulo by zero");
  }
  if (y.i == -1) {
    return Value::integer(0);
  }
  return Value::integer(x.i % y.i);
}
Value bi_abs(const Args& a, BuiltinContext&) {
  const Number& x = num("abs", a, 0);
  if (x.is_int && x.i == INT64_MIN) {
    return Value::number(integer_from_text(std::to_string(x.i).substr(1)));
  }
  if (x.is_big_int()) {
    return Value::number(integer_from_text(x.exact->front() == '-' ? x.exact->substr(1) : *x.exact));
  }
  return x.is_int ? Value::integer(x.i < 0 ? -x.i : x.i) : Value::real(std::fabs(x.f));
}
Value bi_round(const Args& a, BuiltinContext&) {
  const Number& x = num("round", a, 0);
  return x.is_integral() ? a[0] : Value::real(std::round(x.f));
}
Value bi_ceil(const Args& a, BuiltinContext&) {
  const Number& x = num("ceil", a, 0);
  return x.is_integral() ? a[0] : Value::real(std::ceil(x.f));
}
Value bi_floor(const Args& a, BuiltinContext&) {
  const Number& x = num("floor", a, 0);
  return x.is_integral() ? a[0] : Value::real(std::floor(x.f));
}
Value bi_range(const Args& a, BuiltinContext&) {
  int64_t x = integer("numbers.range", a, 0);
  int64_t y = integer("numbers.range", a, 1);
  Array out;
  if (std::llabs(y - x) > 10000000) {
    builtin_error("numbers.range", "range too large");
  }
  for (int64_t i = x;; i += (x <= y ? 1 : -1)) {
    out.push_back(Value::integer(i));
    if (i == y) {
      break;
    }
  }
  return Value::array(std::move(out));
}

// --- sets ---
Value bi_or(const Args& a, BuiltinContext&) {
  const Set& x = set_arg("or", a, 0);
  const Set& y = set_arg("or", a, 1);
  Set out = x;
  out.insert(y.begin(), y.end());
  return Value::set(std::move(out));
}
Value bi_and(const Args& a, BuiltinContext&) {
  const Set& x = set_arg("and", a, 0);
  const Set& y = set_arg("and", a, 1);
  Set out;
  std::set_intersection(x.begin(), x.end(), y.begin(), y.end(), std::inserter(out, out.end()));
  return Value::set(std::move(out));
}
Value bi_union(const Args& a, BuiltinContext&) {
  Set out;
  for (const Value& e : set_arg("union", a, 0)) {
    if (!e.is_set()) {
      type_error("union", 0, "set of sets", a[0]);
    }
    out.insert(e.as_set().begin(), e.as_set().end());
  }
  return Value::set(std::move(out));
}
Value bi_intersection(const Args& a, BuiltinContext&) {
  const Set& all = set_arg("intersection", a, 0);
  if (all.empty()) {
    return Value::empty_set();
  }
  std::optional<Set> acc;
  for (const Value& e : all) {
    if (!e.is_set()) {
      type_error("intersection", 0, "set of sets", a[0]);
    }
    if (!acc) {
      acc = e.as_set();
    } else {
      Set next;
      std::set_intersection(acc->begin(), acc->end(), e.as_set().begin(), e.as_set().end(),
                            std::inserter(next, next.end()));
      acc = std::move(next);
    }
  }
  return Value::set(std::move(*acc));
}

// --- membership ---
Value bi_member2(const Args& a, BuiltinContext&) {
  const Value& c = a[1];
  switch (c.kind()) {
  case Value::Kind::array:
    for (const Value& e : c.as_array()) {
      if (e == a[0]) {
        return b(true);
      }
    }
    return b(false);
  case Value::Kind::set:
    return b(c.as_set().count(a[0]) != 0);
  case Value::Kind::object:
    for (const auto& [k, v] : c.as_object()) {
      if (v == a[0]) {
        return b(true);
      }
    }
    return b(false);
  default:
    return b(false);
  }
}
Value bi_member3(const Args& a, BuiltinContext&) {
  const Value& c = a[2];
  if (c.is_array() || c.is_object()) {
    Value v = c.get(a[0]);
    return b(v.is_defined() && v == a[1]);
  }
  return b(false);
}

// --- aggregates ---
Value bi_count(const Args& a, BuiltinContext&) {
  switch (a[0].kind()) {
  case Value::Kind::string: return Value::integer(static_cast<int64_t>(code_points(a[0].as_string()).size()));
  case Value::Kind::array: return Value::integer(static_cast<int64_t>(a[0].as_array().size()));
  case Value::Kind::object: return Value::integer(static_cast<int64_t>(a[0].as_object().size()));
  case Value::Kind::set: return Value::integer(static_cast<int64_t>(a[0].as_set().size()));
  default: type_error("count", 0, "one of {array, object, set, string}", a[0]);
  }
}
Value bi_sum(const Args& a, BuiltinContext& ctx) {
  Value acc = Value::integer(0);
  for (const Value& e : elements("sum", a, 0)) {
    if (!e.is_number()) {
      type_error("sum", 0, "array of numbers or set of numbers", a[0]);
    }
    acc = bi_plus({acc, e}, ctx);
  }
  return acc;
}
Value bi_product(const Args& a, BuiltinContext& ctx) {
  Value acc = Value::integer(1);
  for (const Value& e : elements("product", a, 0)) {
    if (!e.is_number()) {
      type_error("product", 0, "array of numbers or set of numbers", a[0]);
    }
    acc = bi_mul({acc, e}, ctx);
  }
  return acc;
}
Value bi_max(const Args& a, BuiltinContext&) {
  auto e = elements("max", a, 0);
  if (e.empty()) {
    return {};
  }
  return *std::max_element(e.begin(), e.end());
}
Value bi_min(const Args& a, BuiltinContext&) {
  auto e = elements("min", a, 0);
  if (e.empty()) {
    return {};
  }
  return *std::min_element(e.begin(), e.end());
}
Value bi_sort(const Args& a, BuiltinContext&) {
  auto e = elements("sort", a, 0);
  std::sort(e.begin(), e.end());
  return Value::array(std::move(e));
}

// --- types ---
Value bi_is_number(const Args& a, BuiltinContext&) { return b(a[0].is_number()); }
Value bi_is_string(const Args& a, BuiltinContext&) { return b(a[0].is_string()); }
Value bi_is_boolean(const Args& a, BuiltinContext&) { return b(a[0].is_bool()); }
Value bi_is_array(const Args& a, BuiltinContext&) { return b(a[0].is_array()); }
Value bi_is_set(const Args& a, BuiltinContext&) { return b(a[0].is_set()); }
Value bi_is_object(const Args& a, BuiltinContext&) { return b(a[0].is_object()); }
Value bi_is_null(const Args& a, BuiltinContext&) { return b(a[0].is_null()); }
Value bi_type_name(const Args& a, BuiltinContext&) { return s(a[0].type_name()); }

// --- strings ---
Value bi_concat(const Args& a, BuiltinContext&) {
  const std::string& d = str("concat", a, 0);
  std::string out;
  bool first = true;
  for (const Value& e : elements("concat", a, 1)) {
    if (!e.is_string()) {
      type_error("concat", 1, "set of strings or array of strings", a[1]);
    }
    out += (first ? "" : d) + e.as_string();
    first = false;
  }
  return s(out);
}
Value bi_contains(const Args& a, BuiltinContext&) {
  return b(str("contains", a, 0).find(str("contains", a, 1)) != std::string::npos);
}
Value bi_startswith(const Args& a, BuiltinContext&) {
  return b(str("startswith", a, 0).rfind(str("startswith", a, 1), 0) == 0);
}
Value bi_endswith(const Args& a, BuiltinContext&) {
  const std::string& x = str("endswith", a, 0);
  const std::string& y = str("endswith", a, 1);
  return b(x.size() >= y.size() && x.compare(x.size() - y.size(), y.size(), y) == 0);
}
Value bi_lower(const Args& a, BuiltinContext&) {
  std::string x = str("lower", a, 0);
  for (char& c : x) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s(x);
}
Value bi_upper(const Args& a, BuiltinContext&) {
  std::string x = str("upper", a, 0);
  for (char& c : x) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return s(x);
}
Value bi_split(const Args& a, BuiltinContext&) {
  const std::string& x = str("split", a, 0);
  const std::string& d = str("split", a, 1);
  Array out;
  if (d.empty()) {
    auto cps = code_points(x);
    for (size_t i = 0; i < cps.size(); ++i) {
      out.push_back(s(from_code_points(cps, i, i + 1)));
    }
    return Value::array(std::move(out));
  }
  size_t start = 0;
  while (true) {
    size_t pos = x.find(d, start);
    if (pos == std::string::npos) {
      out.push_back(s(x.substr(start)));
      break;
    }
    out.push_back(s(x.substr(start, pos - start)));
    start = pos + d.size();
  }
  return Value::array(std::move(out));
}
std::string replace_all(const std::string& x, const std::string& old, const std::string& nw, int64_t limit = -1) {
  if (old.empty()) {
    // Go inserts the replacement around every code point.
    auto cps = code_points(x);
    std::string out = nw;
    for (size_t i = 0; i < cps.size(); ++i) {
      out += from_code_points(cps, i, i + 1) + nw;
    }
    return out;
  }
  std::string out;
  size_t start = 0;
  int64_t n = 0;
  while (limit < 0 || n < limit) {
    size_t pos = x.find(old, start);
    if (pos == std::string::npos) {
      break;
    }
    out += x.substr(start, pos - start) + nw;
    start = pos + old.size();
    ++n;
  }
  return out + x.substr(start);
}
Value bi_replace(const Args& a, BuiltinContext&) {
  return s(replace_all(str("replace", a, 0), str("replace", a, 1), str("replace", a, 2)));
}
Value bi_replace_n(const Args& a, BuiltinContext&) {
  std::string x = str("strings.replace_n", a, 1);
  for (const auto& [k, v] : obj("strings.replace_n", a, 0)) {
    if (!k.is_string() || !v.is_string()) {
      type_error("strings.replace_n", 0, "object[string: string]", a[0]);
    }
    x = replace_all(x, k.as_string(), v.as_string());
  }
  return s(x);
}
bool in_cutset(uint32_t cp, const std::vector<uint32_t>& cut) { return std::find(cut.begin(), cut.end(), cp) != cut.end(); }
Value trim_impl(const char* name, const Args& a, bool left, bool right) {
  auto cps = code_points(str(name, a, 0));
  auto cut = code_points(str(name, a, 1));
  size_t from = 0;
  size_t to = cps.size();
  while (left && from < to && in_cutset(cps[from], cut)) {
    ++from;
  }
  while (right && to > from && in_cutset(cps[to - 1], cut)) {
    --to;
  }
  return s(from_code_points(cps, from, to));
}
Value bi_trim(const Args& a, BuiltinContext&) { return trim_impl("trim", a, true, true); }
Value bi_trim_left(const Args& a, BuiltinContext&) { return trim_impl("trim_left", a, true, false); }
Value bi_trim_right(const Args& a, BuiltinContext&) { return trim_impl("trim_right", a, false, true); }
Value bi_trim_space(const Args& a, BuiltinContext& ctx) {
  return trim_impl("trim_space", {a[0], s(" \t\n\r\v\f")}, true, true);
  (void)ctx;
}
Value bi_trim_prefix(const Args& a, BuiltinContext&) {
  const std::string& x = str("trim_prefix", a, 0);
  const std::string& p = str("trim_prefix", a, 1);
  return s(x.rfind(p, 0) == 0 ? x.substr(p.size()) : x);
}
Value bi_trim_suffix(const Args& a, BuiltinContext&) {
  const std::string& x = str("trim_suffix", a, 0);
  const std::string& p = str("trim_suffix", a, 1);
  bool ends = x.size() >= p.size() && x.compare(x.size() - p.size(), p.size(), p) == 0;
  return s(ends ? x.substr(0, x.size() - p.size()) : x);
}
Value bi_substring(const Args& a, BuiltinContext&) {
  auto cps = code_points(str("substring", a, 0));
  int64_t start = integer("substring", a, 1);
  int64_t len = integer("substring", a, 2);
  if (start < 0) {
    builtin_error("substring", "negative offset");
  }
  auto n = static_cast<int64_t>(cps.size());
  if (start >= n) {
    return s("");
  }
  int64_t end = len < 0 || start + len > n ? n : start + len;
  return s(from_code_points(cps, static_cast<size_t>(start), static_cast<size_t>(end)));
}
Value bi_indexof(const Args& a, BuiltinContext&) {
  auto hay = code_points(str("indexof", a, 0));
  auto needle = code_points(str("indexof", a, 1));
  if (needle.empty()) {
    return Value::integer(0);
  }
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end());
  return Value::integer(it == hay.end() ? -1 : static_cast<int64_t>(it - hay.begin()));
}
Value bi_indexof_n(const Args& a, BuiltinContext&) {
  auto hay = code_points(str("indexof_n", a, 0));
  auto needle = code_points(str("indexof_n", a, 1));
  Array out;
  if (!needle.empty()) {
    for (auto it = hay.begin();;) {
      it = std::search(it, hay.end(), needle.begin(), needle.end());
      if (it == hay.end()) {
        break;
      }
      out.push_back(Value::integer(static_cast<int64_t>(it - hay.begin())));
      ++it;
    }
  }
  return Value::array(std::move(out));
}
Value bi_strings_count(const Args& a, BuiltinContext&) {
  const std::string& x = str("strings.count", a, 0);
  const std::string& sub = str("strings.count", a, 1);
  if (sub.empty()) {
    return Value::integer(static_cast<int64_t>(code_points(x).size()) + 1);
  }
  int64_t n = 0;
  for (size_t pos = x.find(sub); pos != std::string::npos; pos = x.find(sub, pos + sub.size())) {
    ++n;
  }
  return Value::integer(n);
}
Value bi_strings_reverse(const Args& a, BuiltinContext&) {
  auto cps = code_points(str("strings.reverse", a, 0));
  std::reverse(cps.begin(), cps.end());
  return s(from_code_points(cps, 0, cps.size()));
}
Value bi_any_prefix(const Args& a, BuiltinContext&) {
  std::vector<Value> xs = a[0].is_string() ? std::vector<Value>{a[0]} : elements("strings.any_prefix_match", a, 0);
  std::vector<Value> ps = a[1].is_string() ? std::vector<Value>{a[1]} : elements("strings.any_prefix_match", a, 1);
  for (const Value& x : xs) {
    for (const Value& p : ps) {
      if (x.is_string() && p.is_string() && x.as_string().rfind(p.as_string(), 0) == 0) {
        return b(true);
      }
    }
  }
  return b(false);
}
Value bi_any_suffix(const Args& a, BuiltinContext&) {
  std::vector<Value> xs = a[0].is_string() ? std::vector<Value>{a[0]} : elements("strings.any_suffix_match", a, 0);
  std::vector<Value> ps = a[1].is_string() ? std::vector<Value>{a[1]} : elements("strings.any_suffix_match", a, 1);
  for (const Value& x : xs) {
    for (const Value& p : ps) {
      if (x.is_string() && p.is_string()) {
        const std::string& xs2 = x.as_string();
        const std::string& ps2 = p.as_string();
        if (xs2.size() >= ps2.size() && xs2.compare(xs2.size() - ps2.size(), ps2.size(), ps2) == 0) {
          return b(true);
        }
      }
    }
  }
  return b(false);
}
Value bi_format_int(const Args& a, BuiltinContext&) {
  const Number& n = num("format_int", a, 0);
  int64_t base = integer("format_int", a, 1);
  if (base != 2 && base != 8 && base != 10 && base != 16) {
    builtin_error("format_int", "operand 2 must be one of {2, 8, 10, 16}");
  }
  double d = n.as_double();
  int64_t v = n.is_int ? n.i : static_cast<int64_t>(std::floor(d));
  bool neg = v < 0;
  uint64_t u = neg ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v);
  std::string out;
  do {
    out += "0123456789abcdef"[u % static_cast<uint64_t>(base)];
    u /= static_cast<uint64_t>(base);
  } while (u != 0);
  if (neg) {
    out += '-';
  }
  std::reverse(out.begin(), out.end());
  return s(out);
}

std::string go_quote(const std::string& x) { return nlohmann::json(x).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

Value bi_sprintf(const Args& a, BuiltinContext&) {
  const std::string& fmt = str("sprintf", a, 0);
  const Array& vals = arr("sprintf", a, 1);
  std::string out;
  size_t ai = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out += fmt[i];
      continue;
    }
    size_t j = i + 1;
    std::string flags;
    while (j < fmt.size() && std::strchr("+-# 0", fmt[j]) != nullptr) {
      flags += fmt[j++];
    }
    std::string width;
    while (j < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[j]))) {
      width += fmt[j++];
    }
    std::string prec;
    bool has_prec = false;
    if (j < fmt.size() && fmt[j] == '.') {
      has_prec = true;
      ++j;
      while (j < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[j]))) {
        prec += fmt[j++];
      }
    }
    if (j >= fmt.size()) {
      out += "%!(NOVERB)";
      break;
    }
    char verb = fmt[j];
    i = j;
    if (verb == '%') {
      out += '%';
      continue;
    }
    if (ai >= vals.size()) {
      out += std::string("%!") + verb + "(MISSING)";
      continue;
    }
    const Value& v = vals[ai++];
    std::string piece;
    switch (verb) {
    case 'v':
    case 's':
      piece = v.is_string() ? v.as_string() : v.to_string();
      break;
    case 'q':
      piece = v.is_string() ? go_quote(v.as_string()) : v.to_string();
      break;
    case 'd':
      if (v.is_number() && v.as_number().is_integral()) {
        piece = number_to_string(v.as_number());
      } else {
        piece = "%!d(" + v.type_name() + "=" + v.to_string() + ")";
      }
      break;
    case 'x':
    case 'X':
      if (v.is_number() && v.as_number().is_int) {
        char buf[32];
        std::snprintf(buf, sizeof(buf), verb == 'x' ? "%llx" : "%llX",
                      static_cast<unsigned long long>(v.as_number().i));
        piece = buf;
      } else if (v.is_string()) {
        piece = hex_encode(as_bytes(v.as_string()));
      } else {
        piece = v.to_string();
      }
      break;
    case 'f':
    case 'e':
    case 'g':
      if (v.is_number()) {
        std::string spec = "%" + flags + (has_prec ? "." + (prec.empty() ? std::string("0") : prec) : "") + verb;
        char buf[128];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        std::snprintf(buf, sizeof(buf), spec.c_str(), v.as_number().as_double());
#pragma GCC diagnostic pop
        piece = buf;
      } else {
        piece = v.to_string();
      }
      break;
    case 't':
      piece = v.to_string();
      break;
    default:
      piece = std::string("%!") + verb + "(" + v.to_string() + ")";
    }
    if (!width.empty()) {
      size_t w = width.size() > 6 ? 1000000 : std::stoul(width);
      if (piece.size() < w) {
        bool left = flags.find('-') != std::string::npos;
        std::string pad(w - piece.size(), flags.find('0') != std::string::npos && !left ? '0' : ' ');
        piece = left ? piece + pad : pad + piece;
      }
    }
    out += piece;
  }
  if (ai < vals.size()) {
    out += "%!(EXTRA ";
    for (size_t k = ai; k < vals.size(); ++k) {
      out += (k == ai ? "" : ", ") + vals[k].type_name() + "=" + vals[k].to_string();
    }
    out += ")";
  }
  return s(out);
}

Value bi_to_number(const Args& a, BuiltinContext&) {
  const Value& v = a[0];
  switch (v.kind()) {
  case Value::Kind::null: return Value::integer(0);
  case Value::Kind::boolean: return Value::integer(v.as_bool() ? 1 : 0);
  case Value::Kind::number: return v;
  case Value::Kind::string: {
    const std::string& t = v.as_string();
    std::string lower;
    for (char c : t) {
      lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (!lower.empty() && (lower[0] == '+' || lower[0] == '-')) {
      lower.erase(0, 1);
    }
    if (lower == "nan" || lower == "inf" || lower == "infinity") {
      throw BuiltinError{"eval_type_error", "to_number: operand 1 must be a finite number but got " + go_quote(t)};
    }
    try {
      auto j = nlohmann::json::parse(t);
      if (j.is_number()) {
        return Value::from_json(j);
      }
    } catch (const nlohmann::json::exception&) {
    }
    builtin_error("to_number", "strconv.ParseFloat: parsing " + go_quote(t) + ": invalid syntax");
  }
  default:
    type_error("to_number", 0, "one of {boolean, null, number, string}", v);
  }
}

// --- regex (RE2) ---
std::shared_ptr<const re2::RE2> compile_regex(const char* name, const std::string& pattern, BuiltinContext& ctx) {
  auto it = ctx.regex_cache.find(pattern);
  if (it != ctx.regex_cache.end()) {
    return std::static_pointer_cast<const re2::RE2>(it->second);
  }
  auto re = std::make_shared<const re2::RE2>(pattern, re2::RE2::Quiet);
  if (!re->ok()) {
    builtin_error(name, "error parsing regexp: " + re->error());
  }
  if (ctx.regex_cache.size() < 1000) {
    ctx.regex_cache.emplace(pattern, re);
  }
  return re;
}
Value bi_regex_match(const Args& a, BuiltinContext& ctx) {
  auto re = compile_regex("regex.match", str("regex.match", a, 0), ctx);
  return b(re2::RE2::PartialMatch(str("regex.match", a, 1), *re));
}
Value bi_regex_is_valid(const Args& a, BuiltinContext&) {
  if (!a[0].is_string()) {
    return b(false);
  }
  re2::RE2 re(a[0].as_string(), re2::RE2::Quiet);
  return b(re.ok());
}
// All matches of re in text: each as the vector of submatch pieces (group 0 first).
std::vector<std::vector<std::optional<std::string>>> find_all(const re2::RE2& re, const std::string& text,
                                                               int64_t limit) {
  std::vector<std::vector<std::optional<std::string>>> out;
  int groups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> sub(static_cast<size_t>(groups));
  size_t pos = 0;
  while (pos <= text.size() && (limit < 0 || static_cast<int64_t>(out.size()) < limit)) {
    if (!re.Match(text, pos, text.size(), re2::RE2::UNANCHORED, sub.data(), groups)) {
      break;
    }
    std::vector<std::optional<std::string>> m;
    for (const auto& piece : sub) {
      if (piece.data() == nullptr) {
        m.emplace_back(std::nullopt);
      } else {
        m.emplace_back(std::string(piece.data(), piece.size()));
      }
    }
    out.push_back(std::move(m));
    size_t start = static_cast<size_t>(sub[0].data() - text.data());
    size_t end = start + sub[0].size();
    pos = end > start ? end : end + 1;
  }
  return out;
}
Value bi_regex_find_n(const Args& a, BuiltinContext& ctx) {
  auto re = compile_regex("regex.find_n", str("regex.find_n", a, 0), ctx);
  Array out;
  for (auto& m : find_all(*re, str("regex.find_n", a, 1), integer("regex.find_n", a, 2))) {
    out.push_back(s(m[0].value_or("")));
  }
  return Value::array(std::move(out));
}
Value bi_regex_find_all_submatch(const Args& a, BuiltinContext& ctx) {
  const char* name = "regex.find_all_string_submatch_n";
  auto re = compile_regex(name, str(name, a, 0), ctx);
  Array out;
  for (auto& m : find_all(*re, str(name, a, 1), integer(name, a, 2))) {
    Array groups;
    for (auto& g : m) {
      groups.push_back(s(g.value_or("")));
    }
    out.push_back(Value::array(std::move(groups)));
  }
  return Value::array(std::move(out));
}
Value bi_regex_split(const Args& a, BuiltinContext& ctx) {
  auto re = compile_regex("regex.split", str("regex.split", a, 0), ctx);
  const std::string& text = str("regex.split", a, 1);
  Array out;
  size_t last = 0;
  int groups = re->NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> sub(static_cast<size_t>(groups));
  size_t pos = 0;
  while (pos <= text.size() && re->Match(text, pos, text.size(), re2::RE2::UNANCHORED, sub.data(), groups)) {
    size_t start = static_cast<size_t>(sub[0].data() - text.data());
    size_t end = start + sub[0].size();
    if (end == start && start == 0) {
      pos = 1;
      continue;
    }
    out.push_back(s(text.substr(last, start - last)));
    last = end;
    pos = end > start ? end : end + 1;
  }
  out.push_back(s(text.substr(std::min(last, text.size()))));
  return Value::array(std::move(out));
}
Value bi_regex_replace(const Args& a, BuiltinContext& ctx) {
  auto re = compile_regex("regex.replace", str("regex.replace", a, 1), ctx);
  std::string text = str("regex.replace", a, 0);
  std::string repl = str("regex.replace", a, 2);
  // Go's $1 becomes RE2's \1.
  std::string r2;
  for (size_t i = 0; i < repl.size(); ++i) {
    if (repl[i] == '$' && i + 1 < repl.size() && std::isdigit(static_cast<unsigned char>(repl[i + 1]))) {
      r2 += '\\';
    } else if (repl[i] == '\\') {
      r2 += "\\\\";
      continue;
    } else {
      r2 += repl[i];
      continue;
    }
  }
  re2::RE2::GlobalReplace(&text, *re, r2);
  return s(text);
}

// --- encodings ---
Value bi_base64_encode(const Args& a, BuiltinContext&) { return s(base64_encode(str("base64.encode", a, 0))); }
Value bi_base64_decode(const Args& a, BuiltinContext&) {
  auto r = base64_decode(str("base64.decode", a, 0));
  if (!r) {
    builtin_error("base64.decode", "illegal base64 data");
  }
  return s(std::string(as_string(*r)));
}
Value bi_base64_is_valid(const Args& a, BuiltinContext&) {
  return b(static_cast<bool>(base64_decode(str("base64.is_valid", a, 0))));
}
Value bi_base64url_encode(const Args& a, BuiltinContext&) {
  std::string e = base64url_encode(str("base64url.encode", a, 0));
  while (e.size() % 4 != 0) {
    e += '=';
  }
  return s(e);
}
Value bi_base64url_encode_no_pad(const Args& a, BuiltinContext&) {
  return s(base64url_encode(str("base64url.encode_no_pad", a, 0)));
}
Value bi_base64url_decode(const Args& a, BuiltinContext&) {
  std::string t = str("base64url.decode", a, 0);
  while (!t.empty() && t.back() == '=') {
    t.pop_back();
  }
  auto r = base64url_decode(t);
  if (!r) {
    builtin_error("base64url.decode", "illegal base64 data");
  }
  return s(std::string(as_string(*r)));
}
Value bi_hex_encode(const Args& a, BuiltinContext&) { return s(hex_encode(as_bytes(str("hex.encode", a, 0)))); }
Value bi_hex_decode(const Args& a, BuiltinContext&) {
  auto r = hex_decode(str("hex.decode", a, 0));
  if (!r) {
    builtin_error("hex.decode", "invalid byte");
  }
  return s(std::string(as_string(*r)));
}
Value bi_json_marshal(const Args& a, BuiltinContext&) { return s(a[0].to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)); }
Value bi_json_unmarshal(const Args& a, BuiltinContext&) {
  try {
    return Value::from_json(nlohmann::json::parse(str("json.unmarshal", a, 0)));
  } catch (const nlohmann::json::exception& e) {
    builtin_error("json.unmarshal", "invalid JSON");
  }
}
Value bi_json_is_valid(const Args& a, BuiltinContext&) {
  if (!a[0].is_string()) {
    return b(false);
  }
  return b(nlohmann::json::accept(a[0].as_string()));
}

// --- objects ---
Value bi_object_get(const Args& a, BuiltinContext&) {
  obj("object.get", a, 0);
  if (a[1].is_array()) {
    Value cur = a[0];
    for (const Value& k : a[1].as_array()) {
      if (!cur.is_object() && !cur.is_array() && !cur.is_set()) {
        return a[2];
      }
      cur = cur.get(k);
      if (cur.is_undefined()) {
        return a[2];
      }
    }
    return cur;
  }
  Value v = a[0].get(a[1]);
  return v.is_undefined() ? a[2] : v;
}
Value bi_object_keys(const Args& a, BuiltinContext&) {
  Set out;
  for (const auto& [k, v] : obj("object.keys", a, 0)) {
    out.insert(k);
  }
  return Value::set(std::move(out));
}
Value merge_objects(const Value& x, const Value& y) {
  if (!x.is_object() || !y.is_object()) {
    return y;
  }
  Object out = x.as_object();
  for (const auto& [k, v] : y.as_object()) {
    auto it = out.find(k);
    out[k] = it == out.end() ? v : merge_objects(it->second, v);
  }
  return Value::object(std::move(out));
}
Value bi_object_union(const Args& a, BuiltinContext&) {
  obj("object.union", a, 0);
  obj("object.union", a, 1);
  return merge_objects(a[0], a[1]);
}
Value bi_object_union_n(const Args& a, BuiltinContext&) {
  Value acc = Value::empty_object();
  for (const Value& o : arr("object.union_n", a, 0)) {
    if (!o.is_object()) {
      type_error("object.union_n", 0, "array of objects", a[0]);
    }
    acc = merge_objects(acc, o);
  }
  return acc;
}
std::vector<Value> key_list(const char* name, const Args& a, size_t i) {
  if (a[i].is_object()) {
    std::vector<Value> out;
    for (const auto& [k, v] : a[i].as_object()) {
      out.push_back(k);
    }
    return out;
  }
  if (a[i].is_array() || a[i].is_set()) {
    return elements(name, a, i);
  }
  type_error(name, i, "one of {array, object, set}", a[i]);
}
Value bi_object_remove(const Args& a, BuiltinContext&) {
  Object out = obj("object.remove", a, 0);
  for (const Value& k : key_list("object.remove", a, 1)) {
    out.erase(k);
  }
  return Value::object(std::move(out));
}
Value bi_object_filter(const Args& a, BuiltinContext&) {
  const Object& o = obj("object.filter", a, 0);
  Object out;
  for (const Value& k : key_list("object.filter", a, 1)) {
    auto it = o.find(k);
    if (it != o.end()) {
      out.insert(*it);
    }
  }
  return Value::object(std::move(out));
}
bool subset_of(const Value& super, const Value& sub) {
  if (super.is_object() && sub.is_object()) {
    for (const auto& [k, v] : sub.as_object()) {
      Value sv = super.get(k);
      if (sv.is_undefined() || !subset_of(sv, v)) {
        return false;
      }
    }
    return true;
  }
  if (super.is_set() && sub.is_set()) {
    return std::includes(super.as_set().begin(), super.as_set().end(), sub.as_set().begin(), sub.as_set().end());
  }
  if (super.is_array() && sub.is_array()) {
    const Array& x = super.as_array();
    const Array& y = sub.as_array();
    if (y.empty()) {
      return true;
    }
    for (size_t i = 0; i + y.size() <= x.size(); ++i) {
      if (std::equal(y.begin(), y.end(), x.begin() + static_cast<std::ptrdiff_t>(i))) {
        return true;
      }
    }
    return false;
  }
  if (super.is_set() && sub.is_array()) {
    for (const Value& e : sub.as_array()) {
      if (super.as_set().count(e) == 0) {
        return false;
      }
    }
    return true;
  }
  return super == sub;
}
Value bi_object_subset(const Args& a, BuiltinContext&) {
  if (a[0].kind() != a[1].kind() && !(a[0].is_set() && a[1].is_array())) {
    type_error("object.subset", 0, "one of {object, set, array}", a[0]);
  }
  return b(subset_of(a[0], a[1]));
}

// --- arrays ---
Value bi_array_concat(const Args& a, BuiltinContext&) {
  Array out = arr("array.concat", a, 0);
  const Array& y = arr("array.concat", a, 1);
  out.insert(out.end(), y.begin(), y.end());
  return Value::array(std::move(out));
}
Value bi_array_slice(const Args& a, BuiltinContext&) {
  const Array& x = arr("array.slice", a, 0);
  int64_t from = integer("array.slice", a, 1);
  int64_t to = integer("array.slice", a, 2);
  auto n = static_cast<int64_t>(x.size());
  from = std::max<int64_t>(0, from);
  to = std::min(n, to);
  if (from >= to) {
    return Value::empty_array();
  }
  return Value::array(Array(x.begin() + from, x.begin() + to));
}
Value bi_array_reverse(const Args& a, BuiltinContext&) {
  Array out = arr("array.reverse", a, 0);
  std::reverse(out.begin(), out.end());
  return Value::array(std::move(out));
}
// One level, as OPA does.
void flatten_into(const Array& x, Array& out) {
  for (const Value& e : x) {
    if (e.is_array()) {
      out.insert(out.end(), e.as_array().begin(), e.as_array().end());
    } else {
      out.push_back(e);
    }
  }
}
Value bi_array_flatten(const Args& a, BuiltinContext&) {
  Array out;
  flatten_into(arr("array.flatten", a, 0), out);
  return Value::array(std::move(out));
}

// --- bits ---
Value bi_bits_or(const Args& a, BuiltinContext&) {
  for (size_t i = 0; i < 2; ++i) {
    if (a[i].is_number() && !a[i].as_number().is_int) {
      throw BuiltinError{"eval_type_error", "bits.or: operand " + std::to_string(i + 1) +
                                                " must be integer number but got floating-point number"};
    }
  } return Value::integer(integer("bits.or", a, 0) | integer("bits.or", a, 1)); }
Value bi_bits_and(const Args& a, BuiltinContext&) { return Value::integer(integer("bits.and", a, 0) & integer("bits.and", a, 1)); }
Value bi_bits_xor(const Args& a, BuiltinContext&) { return Value::integer(integer("bits.xor", a, 0) ^ integer("bits.xor", a, 1)); }
Value bi_bits_negate(const Args& a, BuiltinContext&) { return Value::integer(~integer("bits.negate", a, 0)); }
Value bi_bits_lsh(const Args& a, BuiltinContext&) {
  int64_t n = integer("bits.lsh", a, 1);
  if (n < 0 || n > 62) {
    builtin_error("bits.lsh", "shift out of range");
  }
  return Value::integer(static_cast<int64_t>(static_cast<uint64_t>(integer("bits.lsh", a, 0)) << n));
}
Value bi_bits_rsh(const Args& a, BuiltinContext&) {
  int64_t n = integer("bits.rsh", a, 1);
  if (n < 0 || n > 63) {
    builtin_error("bits.rsh", "shift out of range");
  }
  return Value::integer(integer("bits.rsh", a, 0) >> n);
}

// --- crypto (OpenSSL EVP) ---
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
Value digest(const char* name, const EVP_MD* md, const Args& a) {
  const std::string& x = str(name, a, 0);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), x.data(), x.size()) != 1 || EVP_DigestFinal_ex(ctx.get(), out, &len) != 1) {
    builtin_error(name, "digest failed");
  }
  return s(hex_encode(std::span<const uint8_t>(out, len)));
}
Value bi_sha256(const Args& a, BuiltinContext&) { return digest("crypto.sha256", EVP_sha256(), a); }
Value bi_sha384(const Args& a, BuiltinContext&) { return digest("crypto.sha384", EVP_sha384(), a); }
Value bi_sha512(const Args& a, BuiltinContext&) { return digest("crypto.sha512", EVP_sha512(), a); }
Value bi_md5(const Args& a, BuiltinContext&) { return digest("crypto.md5", EVP_md5(), a); }
Value bi_sha1(const Args& a, BuiltinContext&) { return digest("crypto.sha1", EVP_sha1(), a); }

Value hmac(const char* name, const char* md, const Args& a) {
  const std::string& msg = str(name, a, 0);
  const std::string& key = str(name, a, 1);
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, md, nullptr, key.data(), key.size(),
                reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out, sizeof(out), &len) == nullptr) {
    builtin_error(name, "hmac failed");
  }
  return s(hex_encode(std::span<const uint8_t>(out, len)));
}
Value bi_hmac_sha256(const Args& a, BuiltinContext&) { return hmac("crypto.hmac.sha256", "SHA256", a); }
Value bi_hmac_sha512(const Args& a, BuiltinContext&) { return hmac("crypto.hmac.sha512", "SHA512", a); }
Value bi_hmac_sha1(const Args& a, BuiltinContext&) { return hmac("crypto.hmac.sha1", "SHA1", a); }
Value bi_hmac_md5(const Args& a, BuiltinContext&) { return hmac("crypto.hmac.md5", "MD5", a); }
Value bi_hmac_equal(const Args& a, BuiltinContext&) {
  const std::string& x = str("crypto.hmac.equal", a, 0);
  const std::string& y = str("crypto.hmac.equal", a, 1);
  return b(x.size() == y.size() && CRYPTO_memcmp(x.data(), y.data(), x.size()) == 0);
}

// --- urlquery ---
std::string url_escape(const std::string& x) {
  static const char* const k_hex = "0123456789ABCDEF";
  std::string out;
  for (char ch : x) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += k_hex[c >> 4];
      out += k_hex[c & 15];
    }
  }
  return out;
}
Value bi_urlquery_encode(const Args& a, BuiltinContext&) { return s(url_escape(str("urlquery.encode", a, 0))); }
Value bi_urlquery_decode(const Args& a, BuiltinContext&) {
  const std::string& x = str("urlquery.decode", a, 0);
  std::string out;
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i] == '+') {
      out += ' ';
    } else if (x[i] == '%') {
      if (i + 2 >= x.size() || !std::isxdigit(static_cast<unsigned char>(x[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(x[i + 2]))) {
        builtin_error("urlquery.decode", "invalid URL escape " + go_quote(x.substr(i, 3)));
      }
      out += static_cast<char>(std::stoi(x.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += x[i];
    }
  }
  return s(out);
}
Value bi_range_step(const Args& a, BuiltinContext&) {
  int64_t x = integer("numbers.range_step", a, 0);
  int64_t y = integer("numbers.range_step", a, 1);
  int64_t step = integer("numbers.range_step", a, 2);
  if (step <= 0) {
    builtin_error("numbers.range_step", "step must be a positive integer");
  }
  Array out;
  if ((x <= y ? y - x : x - y) / step > 10000000) {
    builtin_error("numbers.range_step", "range too large");
  }
  if (x <= y) {
    for (int64_t i = x; i <= y; i += step) {
      out.push_back(Value::integer(i));
    }
  } else {
    for (int64_t i = x; i >= y; i -= step) {
      out.push_back(Value::integer(i));
    }
  }
  return Value::array(std::move(out));
}
Value bi_trace(const Args& a, BuiltinContext&) {
  (void)str("trace", a, 0);
  return b(true);
}

// --- time ---
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}
void civil_from_days(int64_t z, int64_t& y, int64_t& m, int64_t& d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp + (mp < 10 ? 3 : -9);
  y += m <= 2 ? 1 : 0;
}
Value bi_now_ns(const Args&, BuiltinContext& ctx) { return Value::integer(ctx.now_ns); }
Value bi_parse_rfc3339_ns(const Args& a, BuiltinContext&) {
  const std::string& t = str("time.parse_rfc3339_ns", a, 0);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0, n = 0;
  if (std::sscanf(t.c_str(), "%4d-%2d-%2d%*1[Tt]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) < 6 || n < 19) {
    builtin_error("time.parse_rfc3339_ns", "parsing time " + go_quote(t) + " as \"2006-01-02T15:04:05Z07:00\": cannot parse");
  }
  size_t pos = static_cast<size_t>(n);
  int64_t frac = 0;
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < t.size() && std::isdigit(static_cast<unsigned char>(t[pos]))) {
      if (digits < 9) {
        frac = frac * 10 + (t[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    while (digits++ < 9) {
      frac *= 10;
    }
  }
  int64_t offset = 0;
  if (pos < t.size() && (t[pos] == 'Z' || t[pos] == 'z')) {
    ++pos;
  } else if (pos + 6 == t.size() && (t[pos] == '+' || t[pos] == '-') && t[pos + 3] == ':') {
    int oh = std::atoi(t.substr(pos + 1, 2).c_str());
    int om = std::atoi(t.substr(pos + 4, 2).c_str());
    offset = (oh * 3600 + om * 60) * (t[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    builtin_error("time.parse_rfc3339_ns", "parsing time " + go_quote(t) + ": extra text");
  }
  if (pos != t.size() || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) {
    builtin_error("time.parse_rfc3339_ns", "parsing time " + go_quote(t) + ": out of range");
  }
  int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
  int64_t ns = 0;
  if (secs < 0 && frac > 0) {
    // Borrow a second so the intermediate product stays in range near the lower limit.
    secs += 1;
    frac -= 1000000000;
  }
  if (__builtin_mul_overflow(secs, int64_t{1000000000}, &ns) || __builtin_add_overflow(ns, frac, &ns)) {
    builtin_error("time.parse_rfc3339_ns", "time outside of valid range");
  }
  return Value::integer(ns);
}
Value bi_parse_duration_ns(const Args& a, BuiltinContext&) {
  const std::string& t = str("time.parse_duration_ns", a, 0);
  size_t i = 0;
  bool neg = false;
  if (i < t.size() && (t[i] == '-' || t[i] == '+')) {
    neg = t[i] == '-';
    ++i;
  }
  if (t == "0") {
    return Value::integer(0);
  }
  if (i >= t.size()) {
    builtin_error("time.parse_duration_ns", "time: invalid duration " + go_quote(t));
  }
  double total = 0;
  while (i < t.size()) {
    size_t start = i;
    while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '.')) {
      ++i;
    }
    if (start == i) {
      builtin_error("time.parse_duration_ns", "time: invalid duration " + go_quote(t));
    }
    double v = std::strtod(t.substr(start, i - start).c_str(), nullptr);
    size_t us = i;
    while (i < t.size() && !std::isdigit(static_cast<unsigned char>(t[i])) && t[i] != '.') {
      ++i;
    }
    std::string unit = t.substr(us, i - us);
    double mult = 0;
    if (unit == "ns") { mult = 1; }
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") { mult = 1e3; }
    else if (unit == "ms") { mult = 1e6; }
    else if (unit == "s") { mult = 1e9; }
    else if (unit == "m") { mult = 60e9; }
    else if (unit == "h") { mult = 3600e9; }
    else {
      builtin_error("time.parse_duration_ns", "time: " + std::string(unit.empty() ? "missing unit" : "unknown unit " + go_quote(unit)) + " in duration " + go_quote(t));
    }
    total += v * mult;
  }
  return Value::integer(static_cast<int64_t>(neg ? -total : total));
}
// [ns] or [ns, tz]: only UTC is supported for named zones here.
int64_t time_arg(const char* name, const Args& a) {
  if (a[0].is_array()) {
    const Array& x = a[0].as_array();
    if (x.size() != 2 || !x[0].is_number() || !x[0].as_number().is_int || !x[1].is_string()) {
      type_error(name, 0, "either a number (ns) or [number (ns), string (tz)]", a[0]);
    }
    if (!x[1].as_string().empty() && x[1].as_string() != "UTC") {
      builtin_error(name, "unknown time zone " + x[1].as_string());
    }
    return x[0].as_number().i;
  }
  return integer(name, a, 0);
}
int64_t floor_div(int64_t x, int64_t y) { return x / y - ((x % y != 0) && ((x < 0) != (y < 0)) ? 1 : 0); }
Value bi_date(const Args& a, BuiltinContext&) {
  int64_t ns = time_arg("time.date", a);
  int64_t y = 0, m = 0, d = 0;
  civil_from_days(floor_div(floor_div(ns, 1000000000), 86400), y, m, d);
  return Value::array({Value::integer(y), Value::integer(m), Value::integer(d)});
}
Value bi_clock(const Args& a, BuiltinContext&) {
  int64_t ns = time_arg("time.clock", a);
  int64_t secs = floor_div(ns, 1000000000);
  int64_t sod = secs - floor_div(secs, 86400) * 86400;
  return Value::array({Value::integer(sod / 3600), Value::integer(sod / 60 % 60), Value::integer(sod % 60)});
}
Value bi_weekday(const Args& a, BuiltinContext&) {
  static const char* const k_days[] = {"Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday"};
  int64_t days = floor_div(floor_div(time_arg("time.weekday", a), 1000000000), 86400);
  return s(k_days[((days % 7) + 7) % 7]);
}
Value bi_add_date(const Args& a, BuiltinContext&) {
  int64_t ns = integer("time.add_date", a, 0);
  int64_t dy = integer("time.add_date", a, 1);
  int64_t dm = integer("time.add_date", a, 2);
  int64_t dd = integer("time.add_date", a, 3);
  int64_t secs = floor_div(ns, 1000000000);
  int64_t rem_ns = ns - secs * 1000000000;
  int64_t days = floor_div(secs, 86400);
  int64_t sod = secs - days * 86400;
  int64_t y = 0, m = 0, d = 0;
  civil_from_days(days, y, m, d);
  y += dy;
  m += dm;
  // Normalise month like Go's time.Date: overflowing days roll into the next month.
  y += floor_div(m - 1, 12);
  m = (m - 1) - floor_div(m - 1, 12) * 12 + 1;
  int64_t nd = days_from_civil(y, m, 1) + (d - 1) + dd;
  return Value::integer((nd * 86400 + sod) * 1000000000 + rem_ns);
}
Value bi_diff(const Args& a, BuiltinContext&) {
  (void)a;
  builtin_error("time.diff", "not supported");
}

// --- semver ---
struct SemVer {
  int64_t major = 0, minor = 0, patch = 0;
  std::string pre;
};
std::optional<SemVer> parse_semver(const std::string& v) {
  static const re2::RE2 k_re(
      R"(^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$)");
  std::string ma, mi, pa, pre, build;
  if (!re2::RE2::FullMatch(v, k_re, &ma, &mi, &pa, &pre, &build)) {
    return std::nullopt;
  }
  SemVer s;
  if (ma.size() > 18 || mi.size() > 18 || pa.size() > 18) {
    return std::nullopt;
  }
  s.major = std::stoll(ma);
  s.minor = std::stoll(mi);
  s.patch = std::stoll(pa);
  s.pre = pre;
  return s;
}
int compare_pre(const std::string& a, const std::string& b) {
  if (a == b) {
    return 0;
  }
  if (a.empty()) {
    return 1;
  }
  if (b.empty()) {
    return -1;
  }
  auto split_dots = [](const std::string& x) {
    std::vector<std::string> out;
    size_t st = 0;
    while (true) {
      size_t p = x.find('.', st);
      out.push_back(x.substr(st, p == std::string::npos ? std::string::npos : p - st));
      if (p == std::string::npos) {
        return out;
      }
      st = p + 1;
    }
  };
  auto xs = split_dots(a);
  auto ys = split_dots(b);
  for (size_t i = 0; i < xs.size() && i < ys.size(); ++i) {
    bool xn = std::all_of(xs[i].begin(), xs[i].end(), ::isdigit);
    bool yn = std::all_of(ys[i].begin(), ys[i].end(), ::isdigit);
    if (xn && yn) {
      // Numeric identifiers have no leading zeros: longer is larger, then compare digits.
      if (xs[i].size() != ys[i].size()) {
        return xs[i].size() < ys[i].size() ? -1 : 1;
      }
      if (xs[i] != ys[i]) {
        return xs[i] < ys[i] ? -1 : 1;
      }
    } else if (xn != yn) {
      return xn ? -1 : 1;
    } else if (xs[i] != ys[i]) {
      return xs[i] < ys[i] ? -1 : 1;
    }
  }
  return xs.size() == ys.size() ? 0 : (xs.size() < ys.size() ? -1 : 1);
}
Value bi_semver_is_valid(const Args& a, BuiltinContext&) { return b(a[0].is_string() && parse_semver(a[0].as_string())); }
Value bi_semver_compare(const Args& a, BuiltinContext&) {
  auto x = parse_semver(str("semver.compare", a, 0));
  auto y = parse_semver(str("semver.compare", a, 1));
  if (!x) {
    builtin_error("semver.compare", "operand 1: string " + go_quote(a[0].as_string()) + " is not a valid SemVer");
  }
  if (!y) {
    builtin_error("semver.compare", "operand 2: string " + go_quote(a[1].as_string()) + " is not a valid SemVer");
  }
  auto cmp = [](int64_t p, int64_t q) { return p < q ? -1 : (p > q ? 1 : 0); };
  int c = cmp(x->major, y->major);
  if (c == 0) { c = cmp(x->minor, y->minor); }
  if (c == 0) { c = cmp(x->patch, y->patch); }
  if (c == 0) { c = compare_pre(x->pre, y->pre); }
  return Value::integer(c);
}

// --- units ---
Value parse_units(const char* name, const std::string& text, bool bytes) {
  std::string t;
  for (char c : text) {
    if (c != ' ') {
      t += c;
    }
  }
  size_t i = 0;
  while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '.' || t[i] == '-' || t[i] == '+')) {
    ++i;
  }
  std::string numpart = t.substr(0, i);
  std::string unit = t.substr(i);
  if (numpart.empty()) {
    builtin_error(name, "no amount provided");
  }
  std::string u;
  for (char c : unit) {
    u += static_cast<char>(bytes ? std::tolower(static_cast<unsigned char>(c)) : c);
  }
  if (bytes && !u.empty() && u.back() == 'b') {
    u.pop_back();
  }
  double mult = 1;
  static const std::pair<const char*, double> k_bytes[] = {
      {"", 1}, {"k", 1e3}, {"m", 1e6}, {"g", 1e9}, {"t", 1e12}, {"p", 1e15}, {"e", 1e18},
      {"ki", 1024.0}, {"mi", 1048576.0}, {"gi", 1073741824.0}, {"ti", 1099511627776.0},
      {"pi", 1125899906842624.0}, {"ei", 1152921504606846976.0}};
  static const std::pair<const char*, double> k_units[] = {
      {"", 1}, {"m", 1e-3}, {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"P", 1e15}, {"E", 1e18},
      {"ki", 1024.0}, {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0}, {"Ti", 1099511627776.0},
      {"Pi", 1125899906842624.0}, {"Ei", 1152921504606846976.0}};
  bool found = false;
  for (const auto& [k, v] : bytes ? std::span<const std::pair<const char*, double>>(k_bytes)
                                  : std::span<const std::pair<const char*, double>>(k_units)) {
    if (u == k) {
      mult = v;
      found = true;
      break;
    }
  }
  if (!found) {
    builtin_error(name, "unknown unit");
  }
  char* end = nullptr;
  double v = std::strtod(numpart.c_str(), &end);
  if (end == numpart.c_str() || *end != '\0') {
    builtin_error(name, "could not parse amount to a number");
  }
  double r = v * mult;
  if (bytes) {
    return Value::integer(static_cast<int64_t>(r));
  }
  return Value::real(r);
}
Value bi_units_parse_bytes(const Args& a, BuiltinContext&) {
  return parse_units("units.parse_bytes", str("units.parse_bytes", a, 0), true);
}
Value bi_units_parse(const Args& a, BuiltinContext&) { return parse_units("units.parse", str("units.parse", a, 0), false); }

Value bi_print(const Args&, BuiltinContext&) { return b(true); }

const BuiltinDef k_builtins[] = {
    {"equal", 2, bi_equal}, {"neq", 2, bi_neq}, {"lt", 2, bi_lt}, {"lte", 2, bi_lte}, {"gt", 2, bi_gt},
    {"gte", 2, bi_gte}, {"plus", 2, bi_plus}, {"minus", 2, bi_minus}, {"mul", 2, bi_mul}, {"div", 2, bi_div},
    {"rem", 2, bi_rem}, {"abs", 1, bi_abs}, {"round", 1, bi_round}, {"ceil", 1, bi_ceil}, {"floor", 1, bi_floor},
    {"numbers.range", 2, bi_range}, {"or", 2, bi_or}, {"and", 2, bi_and}, {"union", 1, bi_union},
    {"intersection", 1, bi_intersection}, {"internal.member_2", 2, bi_member2},
    {"internal.member_3", 3, bi_member3}, {"count", 1, bi_count}, {"sum", 1, bi_sum},
    {"product", 1, bi_product}, {"max", 1, bi_max}, {"min", 1, bi_min}, {"sort", 1, bi_sort},
    {"is_number", 1, bi_is_number}, {"is_string", 1, bi_is_string}, {"is_boolean", 1, bi_is_boolean},
    {"is_array", 1, bi_is_array}, {"is_set", 1, bi_is_set}, {"is_object", 1, bi_is_object},
    {"is_null", 1, bi_is_null}, {"type_name", 1, bi_type_name}, {"concat", 2, bi_concat},
    {"contains", 2, bi_contains}, {"startswith", 2, bi_startswith}, {"endswith", 2, bi_endswith},
    {"lower", 1, bi_lower}, {"upper", 1, bi_upper}, {"split", 2, bi_split}, {"replace", 3, bi_replace},
    {"strings.replace_n", 2, bi_replace_n}, {"trim", 2, bi_trim}, {"trim_left", 2, bi_trim_left},
    {"trim_right", 2, bi_trim_right}, {"trim_space", 1, bi_trim_space}, {"trim_prefix", 2, bi_trim_prefix},
    {"trim_suffix", 2, bi_trim_suffix}, {"substring", 3, bi_substring}, {"indexof", 2, bi_indexof},
    {"indexof_n", 2, bi_indexof_n}, {"strings.count", 2, bi_strings_count},
    {"strings.reverse", 1, bi_strings_reverse}, {"strings.any_prefix_match", 2, bi_any_prefix},
    {"strings.any_suffix_match", 2, bi_any_suffix}, {"format_int", 2, bi_format_int},
    {"sprintf", 2, bi_sprintf}, {"to_number", 1, bi_to_number}, {"regex.match", 2, bi_regex_match},
    {"re_match", 2, bi_regex_match}, {"regex.is_valid", 1, bi_regex_is_valid},
    {"regex.find_n", 3, bi_regex_find_n},
    {"regex.find_all_string_submatch_n", 3, bi_regex_find_all_submatch}, {"regex.split", 2, bi_regex_split},
    {"regex.replace", 3, bi_regex_replace}, {"base64.encode", 1, bi_base64_encode},
    {"base64.decode", 1, bi_base64_decode}, {"base64.is_valid", 1, bi_base64_is_valid},
    {"base64url.encode", 1, bi_base64url_encode}, {"base64url.encode_no_pad", 1, bi_base64url_encode_no_pad},
    {"base64url.decode", 1, bi_base64url_decode}, {"hex.encode", 1, bi_hex_encode},
    {"hex.decode", 1, bi_hex_decode}, {"json.marshal", 1, bi_json_marshal},
    {"json.unmarshal", 1, bi_json_unmarshal}, {"json.is_valid", 1, bi_json_is_valid},
    {"object.get", 3, bi_object_get}, {"object.keys", 1, bi_object_keys}, {"object.union", 2, bi_object_union},
    {"object.union_n", 1, bi_object_union_n}, {"object.remove", 2, bi_object_remove},
    {"object.filter", 2, bi_object_filter}, {"object.subset", 2, bi_object_subset},
    {"array.concat", 2, bi_array_concat}, {"array.slice", 3, bi_array_slice},
    {"array.reverse", 1, bi_array_reverse}, {"array.flatten", 1, bi_array_flatten},
    {"bits.or", 2, bi_bits_or}, {"bits.and", 2, bi_bits_and}, {"bits.xor", 2, bi_bits_xor},
    {"bits.negate", 1, bi_bits_negate}, {"bits.lsh", 2, bi_bits_lsh}, {"bits.rsh", 2, bi_bits_rsh},
    {"crypto.sha256", 1, bi_sha256}, {"crypto.sha384", 1, bi_sha384}, {"crypto.sha512", 1, bi_sha512},
    {"crypto.md5", 1, bi_md5}, {"crypto.sha1", 1, bi_sha1}, {"time.now_ns", 0, bi_now_ns},
    {"time.parse_rfc3339_ns", 1, bi_parse_rfc3339_ns}, {"time.parse_duration_ns", 1, bi_parse_duration_ns},
    {"time.date", 1, bi_date}, {"time.clock", 1, bi_clock}, {"time.weekday", 1, bi_weekday},
    {"time.add_date", 4, bi_add_date}, {"time.diff", 2, bi_diff}, {"semver.is_valid", 1, bi_semver_is_valid},
    {"semver.compare", 2, bi_semver_compare}, {"units.parse_bytes", 1, bi_units_parse_bytes},
    {"units.parse", 1, bi_units_parse}, {"print", -1, bi_print}, {"crypto.hmac.sha256", 2, bi_hmac_sha256},
    {"crypto.hmac.sha512", 2, bi_hmac_sha512}, {"crypto.hmac.sha1", 2, bi_hmac_sha1},
    {"crypto.hmac.md5", 2, bi_hmac_md5}, {"crypto.hmac.equal", 2, bi_hmac_equal},
    {"urlquery.encode", 1, bi_urlquery_encode}, {"urlquery.decode", 1, bi_urlquery_decode},
    {"numbers.range_step", 3, bi_range_step}, {"trace", 1, bi_trace},
};

} // namespace

const BuiltinDef* find_builtin(const std::string& name) {
  static const std::unordered_map<std::string, const BuiltinDef*> k_index = [] {
    std::unordered_map<std::string, const BuiltinDef*> m;
    for (const BuiltinDef& d : k_builtins) {
      m.emplace(d.name, &d);
    }
    return m;
  }();
  auto it = k_index.find(name);
  return it == k_index.end() ? nullptr : it->second;
}

} // namespace coco::rego
