// Language behaviour of the Rego engine, one behaviour per test case.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "common/rego/engine.hpp"

namespace {

using coco::rego::CompiledPolicy;
using coco::rego::EngineOptions;
using coco::rego::HostResult;
using coco::rego::Outcome;
using coco::rego::PolicyCompiler;
using coco::rego::RegoError;
using coco::rego::Value;
using nlohmann::json;

std::variant<std::shared_ptr<const CompiledPolicy>, RegoError> build(const std::string& module, EngineOptions options = {}) {
  PolicyCompiler c(options);
  if (auto e = c.add_module("test.rego", module)) {
    return *e;
  }
  return c.compile();
}

Outcome eval(const std::string& module, const std::string& query, const json& input = nullptr,
             EngineOptions options = {}) {
  auto r = build(module, options);
  if (auto* e = std::get_if<RegoError>(&r)) {
    Outcome o;
    o.error = *e;
    return o;
  }
  return std::get<0>(r)->evaluate(query, input.is_null() ? Value() : Value::from_json(input));
}

json value_of(const Outcome& o) {
  INFO((o.error ? o.error->to_string() : std::string()));
  REQUIRE(o.ok());
  REQUIRE(o.defined);
  return o.value.to_json();
}

} // namespace

TEST_CASE("numbers compare numerically across representations", "[rego]") {
  CHECK(Value::from_json(json::parse("3.50")) == Value::real(3.5));
  auto o = eval("package t\np if { 3.50 == 3.5 }\nq if { 1.0 == 1 }\nr := 7 / 2\ns := 6 / 2", "data.t");
  CHECK(value_of(o) == json::parse(R"({"p":true,"q":true,"r":3.5,"s":3})"));
}

TEST_CASE("a rule whose body fails is undefined, not false", "[rego]") {
  auto o = eval("package t\np if { false }\ndefault q := false\nq if { false }", "data.t.p");
  REQUIRE(o.ok());
  CHECK_FALSE(o.defined);
  CHECK(value_of(eval("package t\ndefault q := false\nq if { false }", "data.t.q")) == false);
}

TEST_CASE("v0 rule bodies are rejected in v1 mode with a hint and accepted in v0 mode", "[rego]") {
  std::string policy = "package t\n\nallow {\n  input.x == 1\n}\n";
  auto r = build(policy);
  REQUIRE(std::holds_alternative<RegoError>(r));
  const auto& e = std::get<RegoError>(r);
  CHECK(e.code == "rego_parse_error");
  CHECK(e.message.find("rego v0 syntax: add `if`") != std::string::npos);
  CHECK(e.loc.file_name() == "test.rego");
  CHECK(e.loc.row == 3);
  CHECK(e.loc.col == 7);
  CHECK(value_of(eval(policy, "data.t.allow", json{{"x", 1}}, EngineOptions{.v0 = true})) == true);
}

TEST_CASE("v0 partial set rules with brackets collect a set", "[rego]") {
  auto o = eval("package t\np[x] { x := input.xs[_] }", "data.t.p", json{{"xs", {3, 1, 3}}}, EngineOptions{.v0 = true});
  CHECK(value_of(o) == json::array({1, 3}));
}

TEST_CASE("an unknown built-in is a compile error naming it and its line", "[rego]") {
  auto r = build("package t\n\np if {\n  no_such.fn(1)\n}\n");
  REQUIRE(std::holds_alternative<RegoError>(r));
  const auto& e = std::get<RegoError>(r);
  CHECK(e.code == "rego_type_error");
  CHECK(e.message.find("no_such.fn") != std::string::npos);
  CHECK(e.loc.row == 4);
}

TEST_CASE("complete rules with different values conflict", "[rego]") {
  auto o = eval("package t\np := 1 if { true }\np := 2 if { true }", "data.t.p");
  REQUIRE(o.error);
  CHECK(o.error->code == "eval_conflict_error");
}

TEST_CASE("recursive rules are reported", "[rego]") {
  auto o = eval("package t\np if { q }\nq if { p }", "data.t.p");
  REQUIRE(o.error);
  CHECK(o.error->code == "rego_recursion_error");
}

TEST_CASE("a variable that nothing binds is unsafe at compile time", "[rego]") {
  auto r = build("package t\np if { x == 1 }");
  REQUIRE(std::holds_alternative<RegoError>(r));
  CHECK(std::get<RegoError>(r).code == "rego_unsafe_var_error");
  CHECK(std::get<RegoError>(r).message == "var x is unsafe");
}

TEST_CASE("built-in errors abort in strict mode and make the call undefined otherwise", "[rego]") {
  std::string policy = "package t\np := x if { x := to_number(\"abc\") }\ndefault q := 0\nq := to_number(\"x\")";
  auto strict = eval(policy, "data.t.p");
  REQUIRE(strict.error);
  CHECK(strict.error->code == "eval_builtin_error");
  auto lax = eval(policy, "data.t", nullptr, EngineOptions{.strict_builtin_errors = false});
  CHECK(value_of(lax) == json::parse(R"({"q":0})"));
}

TEST_CASE("sets print as sorted arrays and support set operators", "[rego]") {
  auto o = eval("package t\na := {3, 1, 2}\nb := {2, 5}\nu := a | b\ni := a & b\nd := a - b", "data.t");
  CHECK(value_of(o) == json::parse(R"({"a":[1,2,3],"b":[2,5],"u":[1,2,3,5],"i":[2],"d":[1,3]})"));
}

TEST_CASE("with replaces input, data and functions for one expression", "[rego]") {
  std::string policy = R"(package t
import rego.v1
p if input.x == 1
f(x) := x + 1
q := [a, b, c] if {
  a := p with input as {"x": 1}
  b := data.d.v with data.d.v as 7
  c := f(1) with f as 10
}
)";
  CHECK(value_of(eval(policy, "data.t.q")) == json::parse("[true, 7, 10]"));
}

TEST_CASE("with takes the value of a call as the replacement input or data", "[rego]") {
  std::string policy = R"(package t
import rego.v1
base := {"a": {"x": 1, "y": 2}}
p := input.a if true
q := [r, s] if {
  r := p with input as object.union(base, {"a": {"x": 5}})
  s := data.d with data.d as concat("-", ["a", "b"])
}
)";
  CHECK(value_of(eval(policy, "data.t.q")) == json::parse(R"([{"x": 5, "y": 2}, "a-b"])"));
}

TEST_CASE("some, every and comprehensions iterate collections", "[rego]") {
  std::string policy = R"(package t
import rego.v1
evens := [x | some x in input.xs; x % 2 == 0]
keys := {k | some k, _ in input.o}
doubled := {k: v * 2 | some k, v in input.o}
all_pos if every x in input.xs { x > 0 }
)";
  json input = {{"xs", {1, 2, 3, 4}}, {"o", {{"a", 1}, {"b", 2}}}};
  CHECK(value_of(eval(policy, "data.t", input)) ==
        json::parse(R"({"all_pos":true,"doubled":{"a":2,"b":4},"evens":[2,4],"keys":["a","b"]})"));
}

TEST_CASE("string built-ins count code points", "[rego]") {
  std::string policy = "package t\nn := count(\"h\u00e9llo\")\ns := substring(\"h\u00e9llo\", 1, 2)\ni := indexof(\"h\u00e9llo\", \"l\")";
  CHECK(value_of(eval(policy, "data.t")) == json::parse("{\"i\":2,\"n\":5,\"s\":\"\u00e9l\"}"));
}

TEST_CASE("sprintf formats like Go", "[rego]") {
  auto o = eval(R"(package t
s := sprintf("%s=%d %v %q %x %.2f %%", ["a", 42, [1, "b"], "q", 255, 3.14159]))",
                "data.t.s");
  CHECK(value_of(o) == "a=42 [1, \"b\"] \"q\" ff 3.14 %");
}

TEST_CASE("string-keyed references and import aliases resolve", "[rego]") {
  std::string policy = R"(package t
import rego.v1
import input["az-snp-vtpm"] as vtpm
p := vtpm.measurement
q := input["az-snp-vtpm"]["measurement"]
)";
  json input = {{"az-snp-vtpm", {{"measurement", "abc"}}}};
  CHECK(value_of(eval(policy, "data.t", input)) == json::parse(R"({"p":"abc","q":"abc"})"));
}

TEST_CASE("functions with several definitions and else chains pick the defined branch", "[rego]") {
  std::string policy = R"(package t
import rego.v1
kind(x) := "small" if x < 10
kind(x) := "big" if x >= 10
grade := "a" if input.s > 90
else := "b" if input.s > 50
else := "c"
r := [kind(1), kind(20)]
)";
  CHECK(value_of(eval(policy, "data.t", json{{"s", 60}})) == json::parse(R"({"grade":"b","r":["small","big"]})"));
}

TEST_CASE("host functions are memoised per evaluation", "[rego]") {
  auto calls = std::make_shared<std::atomic<int>>(0);
  PolicyCompiler c;
  c.add_host_function("query_reference_value", 1, [calls](const std::vector<Value>& args) {
    ++*calls;
    return HostResult{Value::array({args[0]}), std::nullopt};
  });
  REQUIRE_FALSE(c.add_module("p.rego", R"(package policy
import rego.v1
a if "x" in query_reference_value("x")
b if "x" in query_reference_value("x")
c if count(query_reference_value("y")) == 1
)"));
  auto compiled = c.compile();
  REQUIRE(std::holds_alternative<std::shared_ptr<const CompiledPolicy>>(compiled));
  auto policy = std::get<0>(compiled);
  CHECK(value_of(policy->evaluate("data.policy", Value())) == json::parse(R"({"a":true,"b":true,"c":true})"));
  CHECK(*calls == 2);
  (void)policy->evaluate("data.policy", Value());
  CHECK(*calls == 4);
}

TEST_CASE("concurrent evaluations of one compiled policy agree", "[rego]") {
  auto r = build("package t\nimport rego.v1\np := sum([x | some x in input.xs])");
  REQUIRE(std::holds_alternative<std::shared_ptr<const CompiledPolicy>>(r));
  auto policy = std::get<0>(r);
  std::atomic<int> wrong{0};
  auto work = [&](int seed) {
    for (int i = 0; i < 200; ++i) {
      json input = {{"xs", {seed, i}}};
      auto o = policy->evaluate("data.t.p", Value::from_json(input));
      if (!o.defined || o.value.to_json() != seed + i) {
        ++wrong;
      }
    }
  };
  std::thread t1(work, 1);
  std::thread t2(work, 1000);
  t1.join();
  t2.join();
  CHECK(wrong == 0);
}

TEST_CASE("explanations name the failed rule, line, expression and value", "[rego]") {
  auto r = build(R"(package policy
import rego.v1
default allow := false
allow if {
  input.submods.cpu0["ear.status"] == "affirming"
}
)");
  REQUIRE(std::holds_alternative<std::shared_ptr<const CompiledPolicy>>(r));
  coco::rego::EvalOptions opts;
  opts.explain = true;
  json input = json::parse(R"({"submods":{"cpu0":{"ear.status":"warning"}}})");
  auto o = std::get<0>(r)->evaluate("data.policy.allow", Value::from_json(input), Value(), opts);
  REQUIRE(o.ok());
  CHECK(o.value.to_json() == false);
  REQUIRE_FALSE(o.explanation.empty());
  CHECK(o.explanation[0] ==
        "rule allow in test.rego:5 failed at `input.submods.cpu0[\"ear.status\"] == \"affirming\"` (value: \"warning\")");
}

TEST_CASE("body literals are reordered so variables are bound before use", "[rego]") {
  std::string policy = "package t\nimport rego.v1\np if {\n  x > 1\n  x = input.y\n}\nq := [v | v > 0; v = input.zs[_]]\n";
  CHECK(value_of(eval(policy, "data.t", json{{"y", 2}, {"zs", {-1, 3}}})) == json::parse(R"({"p":true,"q":[3]})"));
}

TEST_CASE("crypto, encoding and url built-ins match their reference outputs", "[rego]") {
  std::string policy = R"(package t
h := crypto.sha256("abc")
m := crypto.hmac.sha256("The quick brown fox jumps over the lazy dog", "key")
u := urlquery.encode("a b&c")
d := urlquery.decode("a+b%26c")
x := base64url.encode("\u00ff\u00fe")
r := numbers.range_step(1, 7, 3)
)";
  CHECK(value_of(eval(policy, "data.t")) == json::parse(R"({
    "h": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    "m": "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
    "u": "a+b%26c", "d": "a b&c", "x": "w7_Dvg==", "r": [1, 4, 7]})"));
}
