#include "common/rego/value.hpp"

#include <charconv>
#include <cmath>

namespace coco::rego {

Number Number::from_double(double d) {
  if (std::isfinite(d) && std::floor(d) == d && d >= -9.2233720368547758e18 && d < 9.2233720368547758e18) {
    return Number{true, static_cast<int64_t>(d), 0.0};
  }
  return Number{false, 0, d};
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

int compare_numbers(const Number& a, const Number& b) {
  if (a.is_int && b.is_int) {
    return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
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
      j[k.is_string() ? k.as_string() : k.to_json().dump()] = v.to_json();
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
    return to_json().dump();
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
