#include "common/rego/value.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cmath>

namespace coco::rego {

Number Number::from_double(double d) {
  if (std::isfinite(d) && std::floor(d) == d && d >= -9.2233720368547758e18 && d < 9.2233720368547758e18) {
    return Number{true, static_cast<int64_t>(d), 0.0, nullptr};
  }
  return Number{false, 0, d, nullptr};
}

Value Value::null() {
  Value v;
  v.m_data.emplace<1>(nullptr);
  return v;
}
Value Value::boolean(bool b) {
  Value v;
  v.m_data.emplace<2>(b);
  return v;
}
Value Value::number(Number n) {
  Value v;
  v.m_data.emplace<3>(n);
  return v;
}
Value Value::string(std::string s) {
  Value v;
  v.m_data.emplace<4>(std::make_shared<const std::string>(std::move(s)));
  return v;
}
Value Value::array(Array a) {
  Value v;
  v.m_data.emplace<5>(std::make_shared<const Array>(std::move(a)));
  return v;
}
Value Value::object(Object o) {
  Value v;
  v.m_data.emplace<6>(std::make_shared<const Object>(std::move(o)));
  return v;
}
Value Value::set(Set s) {
  Value v;
  v.m_data.emplace<7>(std::make_shared<const Set>(std::move(s)));
  return v;
}
Value Value::empty_array() {
  static const Value k_value = array({});
  return k_value;
}
Value Value::empty_set() {
  static const Value k_value = set({});
  return k_value;
}
Value Value::empty_object() {
  static const Value k_value = object({});
  return k_value;
}

namespace {

constexpr size_t k_max_exact_digits = 1200;

struct Decimal {
  int sign = 0;          // -1, 0, 1
  std::string int_part;  // no leading zeros
  std::string frac_part; // no trailing zeros
};

// Parses [-+]digits[.digits][e[-+]digits] exactly. nullopt if malformed or too large.
std::optional<Decimal> parse_decimal(const std::string& text) {
  size_t i = 0;
  bool neg = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    neg = text[i] == '-';
    ++i;
  }
  std::string digits;
  size_t point = std::string::npos;
  for (; i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'); ++i) {
    if (text[i] == '.') {
      if (point != std::string::npos) {
        return std::nullopt;
      }
      point = digits.size();
    } else {
      digits += text[i];
    }
  }
  if (digits.empty()) {
    return std::nullopt;
  }
  if (point == std::string::npos) {
    point = digits.size();
  }
  long long exp = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
      eneg = text[i] == '-';
      ++i;
    }
    if (i >= text.size()) {
      return std::nullopt;
    }
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
      exp = exp * 10 + (text[i] - '0');
      if (exp > 100000) {
        return std::nullopt;
      }
    }
    exp = eneg ? -exp : exp;
  }
  if (i != text.size()) {
    return std::nullopt;
  }
  long long pos = static_cast<long long>(point) + exp;
  if (pos > static_cast<long long>(k_max_exact_digits) || pos < -static_cast<long long>(k_max_exact_digits)) {
    return std::nullopt;
  }
  Decimal d;
  if (pos <= 0) {
    d.frac_part = std::string(static_cast<size_t>(-pos), '0') + digits;
  } else if (static_cast<size_t>(pos) >= digits.size()) {
    d.int_part = digits + std::string(static_cast<size_t>(pos) - digits.size(), '0');
  } else {
    d.int_part = digits.substr(0, static_cast<size_t>(pos));
    d.frac_part = digits.substr(static_cast<size_t>(pos));
  }
  d.int_part.erase(0, std::min(d.int_part.find_first_not_of('0'), d.int_part.size()));
  while (!d.frac_part.empty() && d.frac_part.back() == '0') {
    d.frac_part.pop_back();
  }
  d.sign = d.int_part.empty() && d.frac_part.empty() ? 0 : (neg ? -1 : 1);
  return d;
}

std::string decimal_text(const Decimal& d) {
  if (d.sign == 0) {
    return "0";
  }
  std::string s = d.sign < 0 ? "-" : "";
  s += d.int_part.empty() ? "0" : d.int_part;
  if (!d.frac_part.empty()) {
    s += "." + d.frac_part;
  }
  return s;
}

std::optional<Decimal> decimal_of(const Number& n) {
  if (n.is_int) {
    return parse_decimal(std::to_string(n.i));
  }
  if (n.exact) {
    return parse_decimal(*n.exact);
  }
  if (!std::isfinite(n.f)) {
    return std::nullopt;
  }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), n.f);
  return parse_decimal(std::string(buf, res.ptr));
}

int compare_magnitude(const Decimal& a, const Decimal& b) {
  if (a.int_part.size() != b.int_part.size()) {
    return a.int_part.size() < b.int_part.size() ? -1 : 1;
  }
  if (int c = a.int_part.compare(b.int_part); c != 0) {
    return c < 0 ? -1 : 1;
  }
  int c = a.frac_part.compare(b.frac_part);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// Magnitudes as digit strings without leading zeros.
std::string add_digits(const std::string& a, const std::string& b) {
  std::string out;
  int carry = 0;
  for (size_t i = 0; i < std::max(a.size(), b.size()) || carry != 0; ++i) {
    int x = i < a.size() ? a[a.size() - 1 - i] - '0' : 0;
    int y = i < b.size() ? b[b.size() - 1 - i] - '0' : 0;
    int sum = x + y + carry;
    out += static_cast<char>('0' + sum % 10);
    carry = sum / 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}
// a >= b
std::string sub_digits(const std::string& a, const std::string& b) {
  std::string out;
  int borrow = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    int x = a[a.size() - 1 - i] - '0' - borrow;
    int y = i < b.size() ? b[b.size() - 1 - i] - '0' : 0;
    borrow = x < y ? 1 : 0;
    out += static_cast<char>('0' + x + borrow * 10 - y);
  }
  while (out.size() > 1 && out.back() == '0') {
    out.pop_back();
  }
  std::reverse(out.begin(), out.end());
  return out;
}
std::string mul_digits(const std::string& a, const std::string& b) {
  std::vector<int> acc(a.size() + b.size(), 0);
  for (size_t i = 0; i < a.size(); ++i) {
    for (size_t j = 0; j < b.size(); ++j) {
      acc[i + j + 1] += (a[i] - '0') * (b[j] - '0');
    }
  }
  for (size_t k = acc.size() - 1; k > 0; --k) {
    acc[k - 1] += acc[k] / 10;
    acc[k] %= 10;
  }
  std::string out;
  for (int d : acc) {
    if (!(out.empty() && d == 0)) {
      out += static_cast<char>('0' + d);
    }
  }
  return out.empty() ? "0" : out;
}

} // namespace

Number integer_from_text(const std::string& text) {
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno == 0 && end != nullptr && *end == '\0') {
    return Number::from_int(v);
  }
  Number n;
  n.is_int = false;
  n.f = std::strtod(text.c_str(), nullptr);
  n.exact = std::make_shared<const std::string>(text);
  return n;
}

Number number_from_literal(const std::string& text) {
  auto d = parse_decimal(text);
  double approx = std::strtod(text.c_str(), nullptr);
  if (!d) {
    return Number::from_double(approx);
  }
  if (d->frac_part.empty()) {
    return integer_from_text(decimal_text(*d));
  }
  Number n;
  n.is_int = false;
  n.f = approx;
  n.exact = std::make_shared<const std::string>(decimal_text(*d));
  return n;
}

std::optional<Number> integer_arith(const Number& a, const Number& b, char op) {
  if (!a.is_integral() || !b.is_integral()) {
    return std::nullopt;
  }
  auto x = decimal_of(a);
  auto y = decimal_of(b);
  if (!x || !y) {
    return std::nullopt;
  }
  std::string xm = x->int_part.empty() ? "0" : x->int_part;
  std::string ym = y->int_part.empty() ? "0" : y->int_part;
  int xs = x->sign;
  int ys = op == '-' ? -y->sign : y->sign;
  std::string mag;
  int sign = 0;
  if (op == '*') {
    mag = mul_digits(xm, ym);
    sign = xs * y->sign;
  } else if (xs == 0 || ys == 0) {
    mag = xs == 0 ? ym : xm;
    sign = xs == 0 ? ys : xs;
  } else if (xs == ys) {
    mag = add_digits(xm, ym);
    sign = xs;
  } else {
    Decimal dx{1, xm, ""};
    Decimal dy{1, ym, ""};
    int c = compare_magnitude(dx, dy);
    if (c == 0) {
      return Number::from_int(0);
    }
    mag = c > 0 ? sub_digits(xm, ym) : sub_digits(ym, xm);
    sign = c > 0 ? xs : ys;
  }
  if (mag == "0" || sign == 0) {
    return Number::from_int(0);
  }
  if (mag.size() > k_max_exact_digits) {
    return std::nullopt;
  }
  return integer_from_text((sign < 0 ? "-" : "") + mag);
}

int compare_numbers(const Number& a, const Number& b) {
  if (a.is_int && b.is_int) {
    return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
  }
  if (a.exact || b.exact) {
    auto x = decimal_of(a);
    auto y = decimal_of(b);
    if (x && y) {
      if (x->sign != y->sign) {
        return x->sign < y->sign ? -1 : 1;
      }
      int c = compare_magnitude(*x, *y);
      return x->sign < 0 ? -c : c;
    }
  }
  double x = a.as_double();
  double y = b.as_double();
  return x < y ? -1 : (x > y ? 1 : 0);
}

int compare(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) {
    return a.kind() < b.kind() ? -1 : 1;
  }
  switch (a.kind()) {
  case Value::Kind::undefined:
  case Value::Kind::null:
    return 0;
  case Value::Kind::boolean:
    return static_cast<int>(a.as_bool()) - static_cast<int>(b.as_bool());
  case Value::Kind::number:
    return compare_numbers(a.as_number(), b.as_number());
  case Value::Kind::string: {
    int c = a.as_string().compare(b.as_string());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  case Value::Kind::array: {
    const Array& x = a.as_array();
    const Array& y = b.as_array();
    if (&x == &y) {
      return 0;
    }
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (int c = compare(x[i], y[i]); c != 0) {
        return c;
      }
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  case Value::Kind::object: {
    const Object& x = a.as_object();
    const Object& y = b.as_object();
    if (&x == &y) {
      return 0;
    }
    auto ix = x.begin();
    auto iy = y.begin();
    for (; ix != x.end() && iy != y.end(); ++ix, ++iy) {
      if (int c = compare(ix->first, iy->first); c != 0) {
        return c;
      }
      if (int c = compare(ix->second, iy->second); c != 0) {
        return c;
      }
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  case Value::Kind::set: {
    const Set& x = a.as_set();
    const Set& y = b.as_set();
    if (&x == &y) {
      return 0;
    }
    auto ix = x.begin();
    auto iy = y.begin();
    for (; ix != x.end() && iy != y.end(); ++ix, ++iy) {
      if (int c = compare(*ix, *iy); c != 0) {
        return c;
      }
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  }
  return 0;
}

Value Value::get(const Value& key) const {
  switch (kind()) {
  case Kind::array: {
    if (!key.is_number() || !key.as_number().is_int) {
      return {};
    }
    int64_t i = key.as_number().i;
    const Array& a = as_array();
    if (i < 0 || static_cast<uint64_t>(i) >= a.size()) {
      return {};
    }
    return a[static_cast<size_t>(i)];
  }
  case Kind::object: {
    const Object& o = as_object();
    auto it = o.find(key);
    return it == o.end() ? Value{} : it->second;
  }
  case Kind::set: {
    const Set& s = as_set();
    auto it = s.find(key);
    return it == s.end() ? Value{} : *it;
  }
  default:
    return {};
  }
}

Value Value::member(std::string_view key) const {
  if (!is_object()) {
    return {};
  }
  return get(Value::string(std::string(key)));
}

std::string number_to_string(const Number& n) {
  if (n.is_int) {
    return std::to_string(n.i);
  }
  if (n.is_big_int()) {
    return *n.exact;
  }
  if (!std::isfinite(n.f)) {
    return n.f > 0 ? "+Inf" : (n.f < 0 ? "-Inf" : "NaN");
  }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), n.f);
  std::string s(buf, res.ptr);
  // Go prints large exponents as 1e+21; to_chars gives 1e+21 too. Nothing more to do.
  return s;
}

nlohmann::json Value::to_json() const {
  switch (kind()) {
  case Kind::undefined:
  case Kind::null:
    return nullptr;
  case Kind::boolean:
    return as_bool();
  case Kind::number: {
    const Number& n = as_number();
    if (n.is_int) {
      return n.i;
    }
    if (n.is_big_int() && n.exact->front() != '-') {
      errno = 0;
      unsigned long long u = std::strtoull(n.exact->c_str(), nullptr, 10);
      if (errno == 0) {
        return static_cast<uint64_t>(u);
      }
    }
    return n.f;
  }
  case Kind::string:
    return as_string();
  case Kind::array: {
    nlohmann::json j = nlohmann::json::array();
    for (const Value& v : as_array()) {
      j.push_back(v.to_json());
    }
    return j;
  }
  case Kind::set: {
    nlohmann::json j = nlohmann::json::array();
    for (const Value& v : as_set()) {
      j.push_back(v.to_json());
    }
    return j;
  }
  case Kind::object: {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : as_object()) {
      j[k.is_string() ? k.as_string() : k.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)] = v.to_json();
    }
    return j;
  }
  }
  return nullptr;
}

Value Value::from_json(const nlohmann::json& j) {
  switch (j.type()) {
  case nlohmann::json::value_t::null:
    return null();
  case nlohmann::json::value_t::boolean:
    return boolean(j.get<bool>());
  case nlohmann::json::value_t::number_integer:
    return integer(j.get<int64_t>());
  case nlohmann::json::value_t::number_unsigned: {
    auto u = j.get<uint64_t>();
    if (u <= static_cast<uint64_t>(INT64_MAX)) {
      return integer(static_cast<int64_t>(u));
    }
    return real(static_cast<double>(u));
  }
  case nlohmann::json::value_t::number_float:
    return real(j.get<double>());
  case nlohmann::json::value_t::string:
    return string(j.get<std::string>());
  case nlohmann::json::value_t::array: {
    Array a;
    a.reserve(j.size());
    for (const auto& e : j) {
      a.push_back(from_json(e));
    }
    return array(std::move(a));
  }
  case nlohmann::json::value_t::object: {
    Object o;
    for (auto it = j.begin(); it != j.end(); ++it) {
      o.emplace(string(it.key()), from_json(it.value()));
    }
    return object(std::move(o));
  }
  default:
    return null();
  }
}

std::string Value::to_string() const {
  switch (kind()) {
  case Kind::undefined:
    return "undefined";
  case Kind::set: {
    if (as_set().empty()) {
      return "set()";
    }
    std::string s = "{";
    bool first = true;
    for (const Value& v : as_set()) {
      s += first ? "" : ", ";
      s += v.to_string();
      first = false;
    }
    return s + "}";
  }
  case Kind::array: {
    std::string s = "[";
    bool first = true;
    for (const Value& v : as_array()) {
      s += first ? "" : ", ";
      s += v.to_string();
      first = false;
    }
    return s + "]";
  }
  case Kind::object: {
    std::string s = "{";
    bool first = true;
    for (const auto& [k, v] : as_object()) {
      s += first ? "" : ", ";
      s += k.to_string() + ": " + v.to_string();
      first = false;
    }
    return s + "}";
  }
  case Kind::number:
    return number_to_string(as_number());
  default:
    return to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

std::string Value::type_name() const {
  switch (kind()) {
  case Kind::undefined:
    return "undefined";
  case Kind::null:
    return "null";
  case Kind::boolean:
    return "boolean";
  case Kind::number:
    return "number";
  case Kind::string:
    return "string";
  case Kind::array:
    return "array";
  case Kind::object:
    return "object";
  case Kind::set:
    return "set";
  }
  return "undefined";
}

} // namespace coco::rego
