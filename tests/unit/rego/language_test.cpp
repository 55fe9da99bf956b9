#include <catch2/catch.hpp>

#include "common/rego/engine.hpp"

namespace {

using coco::rego::EngineOptions;
using coco::rego::Outcome;
using coco::rego::PolicyCompiler;
using coco::rego::RegoError;
using coco::rego::Value;

Outcome eval(const std::string& module, const std::string& query, const nlohmann::json& input = nullptr,
             EngineOptions options = {}) {
  PolicyCompiler c(options);
  if (auto e = c.add_module("test.rego", module)) {
    Outcome o;
    o.error = e;
    return o;
  }
  auto r = c.compile();
  if (auto* e = std::get_if<RegoError>(&r)) {
    Outcome o;
    o.error = *e;
    return o;
  }
  return std::get<0>(r)->evaluate(query, Value::from_json(input));
}

} // namespace

TEST_CASE("numbers compare numerically across representations", "[rego]") {
  CHECK(Value::from_json(nlohmann::json::parse("3.50")) == Value::real(3.5));
  auto o = eval("package t\np if { 3.50 == 3.5 }\nq if { 1.0 == 1 }", "data.t");
  REQUIRE(o.ok());
  CHECK(o.value.to_json() == nlohmann::json::parse(R"({"p":true,"q":true})"));
}
