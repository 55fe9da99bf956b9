// Rego values: the JSON data model plus sets, with OPA's ordering and number semantics.
//
// OPA (open-policy-agent/opa, ast/term.go and ast/compare.go) orders values by type first
// (null < boolean < number < string < array < object < set), then by content: numbers numerically
// (3.50 == 3.5), strings by bytes, arrays element-wise then by length, objects by sorted keys then values,
// sets by sorted elements. Integers stay exact as int64; other numbers are doubles. `undefined` is a value
// kind here only so evaluation code can say "no result" without an extra optional; it never appears inside
// a composite value. Containers are shared and immutable, so copying a Value is cheap.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace coco::rego {

struct Number {
  bool is_int = true; // an int64 in i
  int64_t i = 0;
  double f = 0.0;     // otherwise: the nearest double
  // Exact decimal text ("[-]digits[.digits]", no exponent) for integers beyond int64 and for decimal
  // literals, so that they compare and add exactly as OPA's arbitrary-precision numbers do.
  std::shared_ptr<const std::string> exact;

  [[nodiscard]] double as_double() const { return is_int ? static_cast<double>(i) : f; }
  // An integer outside int64 (exact digits).
  [[nodiscard]] bool is_big_int() const { return !is_int && exact && exact->find('.') == std::string::npos; }
  [[nodiscard]] bool is_integral() const { return is_int || is_big_int(); }
  // Normalise: a double with an exact int64 value becomes an integer.
  static Number from_double(double d);
  static Number from_int(int64_t v) { return Number{true, v, 0.0, nullptr}; }
};

class Value;
using Array = std::vector<Value>;
using Set = std::set<Value>;
using Object = std::map<Value, Value>;

class Value {
public:
  // Declaration order is OPA's sort order by type (undefined first, never compared in practice).
  enum class Kind : uint8_t { undefined, null, boolean, number, string, array, object, set };

  Value() = default; // undefined
  static Value null();
  static Value boolean(bool b);
  static Value number(Number n);
  static Value integer(int64_t v) { return number(Number::from_int(v)); }
  static Value real(double d) { return number(Number::from_double(d)); }
  static Value string(std::string s);
  static Value array(Array a);
  static Value set(Set s);
  static Value object(Object o);
  static Value empty_array();
  static Value empty_set();
  static Value empty_object();

  [[nodiscard]] Kind kind() const { return static_cast<Kind>(m_data.index()); }
  [[nodiscard]] bool is_undefined() const { return kind() == Kind::undefined; }
  [[nodiscard]] bool is_defined() const { return kind() != Kind::undefined; }
  [[nodiscard]] bool is_null() const { return kind() == Kind::null; }
  [[nodiscard]] bool is_bool() const { return kind() == Kind::boolean; }
  [[nodiscard]] bool is_number() const { return kind() == Kind::number; }
  [[nodiscard]] bool is_string() const { return kind() == Kind::string; }
  [[nodiscard]] bool is_array() const { return kind() == Kind::array; }
  [[nodiscard]] bool is_object() const { return kind() == Kind::object; }
  [[nodiscard]] bool is_set() const { return kind() == Kind::set; }
  [[nodiscard]] bool is_false() const { return is_bool() && !as_bool(); }
  [[nodiscard]] bool is_true() const { return is_bool() && as_bool(); }

  [[nodiscard]] bool as_bool() const { return std::get<2>(m_data); }
  [[nodiscard]] const Number& as_number() const { return std::get<3>(m_data); }
  [[nodiscard]] const std::string& as_string() const { return *std::get<4>(m_data); }
  [[nodiscard]] const Array& as_array() const { return *std::get<5>(m_data); }
  [[nodiscard]] const Object& as_object() const { return *std::get<6>(m_data); }
  [[nodiscard]] const Set& as_set() const { return *std::get<7>(m_data); }

  // Index a composite: array by integer number, object by key, set by membership (returns the element).
  // Undefined when absent or not indexable.
  [[nodiscard]] Value get(const Value& key) const;
  // Object member by string key (undefined when absent or not an object).
  [[nodiscard]] Value member(std::string_view key) const;

  [[nodiscard]] nlohmann::json to_json() const;
  static Value from_json(const nlohmann::json& j);
  // Rego/OPA text form: JSON for JSON values, `{1, 2}` for sets, `set()` for the empty set.
  [[nodiscard]] std::string to_string() const;
  [[nodiscard]] std::string type_name() const;

  friend int compare(const Value& a, const Value& b);
  friend bool operator==(const Value& a, const Value& b) { return compare(a, b) == 0; }
  friend bool operator<(const Value& a, const Value& b) { return compare(a, b) < 0; }

private:
  std::variant<std::monostate, std::nullptr_t, bool, Number, std::shared_ptr<const std::string>,
               std::shared_ptr<const Array>, std::shared_ptr<const Object>, std::shared_ptr<const Set>>
      m_data;
};

int compare(const Value& a, const Value& b);
int compare_numbers(const Number& a, const Number& b);
// A number from Rego literal text (`1e30`, `3.50`, `28857836529306024611913`), kept exact.
Number number_from_literal(const std::string& text);
// Exact integer arithmetic for integral operands ('+', '-', '*'); nullopt if either is not integral.
std::optional<Number> integer_arith(const Number& a, const Number& b, char op);
// Integer from decimal digits with optional sign: int64 when it fits, else exact big integer.
Number integer_from_text(const std::string& text);
// OPA's number text: integers exactly, other numbers in the shortest form that round-trips.
std::string number_to_string(const Number& n);

} // namespace coco::rego
