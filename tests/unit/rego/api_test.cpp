// Trustee's contracts (resource and attestation policies) and the `coco-kbs policy eval` result shape.
#include <catch2/catch.hpp>

#include "common/rego/engine.hpp"

namespace {

using coco::rego::CompiledPolicy;
using coco::rego::PolicyCompiler;
using coco::rego::RegoError;
using nlohmann::json;

std::shared_ptr<const CompiledPolicy> compile(const std::string& text) {
  PolicyCompiler c;
  auto e = c.add_module("policy.rego", text);
  REQUIRE_FALSE(e);
  auto r = c.compile();
  REQUIRE(std::holds_alternative<std::shared_ptr<const CompiledPolicy>>(r));
  return std::get<0>(r);
}

} // namespace

TEST_CASE("resource policy sees the request as data and the token claims as input", "[rego]") {
  auto policy = compile(R"(package policy
import rego.v1
default allow := false
allow if {
  data.plugin == "resource"
  data["resource-path"] == ["repo", "key"]
  data.query.version == "1"
  input.submods.cpu0["ear.status"] == "affirming"
}
)");
  json claims = json::parse(R"({"submods":{"cpu0":{"ear.status":"affirming"}}})");
  auto yes = coco::rego::evaluate_resource_policy(*policy, claims, "resource", {"repo", "key"}, {{"version", "1"}});
  CHECK(yes.allow);
  CHECK_FALSE(yes.warning);
  auto no = coco::rego::evaluate_resource_policy(*policy, claims, "resource", {"repo", "other"}, {{"version", "1"}});
  CHECK_FALSE(no.allow);
}

TEST_CASE("resource policy without a boolean allow denies with a warning", "[rego]") {
  auto missing = compile("package policy\nother := true\n");
  auto d1 = coco::rego::evaluate_resource_policy(*missing, json::object(), "resource", {"a"}, {});
  CHECK_FALSE(d1.allow);
  CHECK(d1.warning);
  auto wrong = compile("package policy\nallow := \"yes\"\n");
  auto d2 = coco::rego::evaluate_resource_policy(*wrong, json::object(), "resource", {"a"}, {});
  CHECK_FALSE(d2.allow);
  CHECK(d2.warning);
}

TEST_CASE("attestation policy yields integer trust claims and optional extensions", "[rego]") {
  auto policy = compile(R"(package policy
import rego.v1
default executables := 33
executables := 2 if input.tdx.quote.body.mr_td == "ok"
trust_claims := {"executables": executables, "hardware": 97}
extensions := [{"name": "n", "key": -1, "value": 1}] if input.tdx
)");
  auto d = coco::rego::evaluate_attestation_policy(*policy, json::parse(R"({"tdx":{"quote":{"body":{"mr_td":"ok"}}}})"));
  REQUIRE_FALSE(d.error);
  CHECK(d.trust_claims == std::map<std::string, int64_t>{{"executables", 2}, {"hardware", 97}});
  REQUIRE(d.extensions);
  CHECK((*d.extensions)[0]["key"] == -1);
  auto none = coco::rego::evaluate_attestation_policy(*policy, json::object());
  CHECK(none.trust_claims.at("executables") == 33);
  CHECK_FALSE(none.extensions);
}

TEST_CASE("policy eval prints defined, undefined and error results in OPA's shape", "[rego]") {
  coco::rego::PolicyEvalRequest req;
  req.policies = {{"p.rego", "package policy\nimport rego.v1\nallow if input.x == 1\ns := {2, 1}\n"}};
  req.input = json{{"x", 1}};
  auto r1 = coco::rego::policy_eval(req);
  CHECK_FALSE(r1.failed);
  CHECK(r1.json == json::parse(R"({"defined":true,"value":true})"));
  req.query = "data.policy.s";
  CHECK(coco::rego::policy_eval(req).json == json::parse(R"({"defined":true,"value":[1,2]})"));
  req.input = json{{"x", 2}};
  req.query = "data.policy.allow";
  auto r2 = coco::rego::policy_eval(req);
  CHECK(r2.json == json::parse(R"({"defined":false})"));
  CHECK(r2.text == "undefined");
  req.policies = {{"bad.rego", "package policy\n\nallow if {\n  x ==\n}\n"}};
  auto r3 = coco::rego::policy_eval(req);
  CHECK(r3.failed);
  CHECK(r3.json["error"]["code"] == "rego_parse_error");
  CHECK(r3.json["error"]["location"]["file"] == "bad.rego");
  CHECK(r3.json["error"]["location"]["row"] == 5);
}

TEST_CASE("attestation policy evaluation asks the host for each reference value once", "[rego]") {
  auto calls = std::make_shared<int>(0);
  PolicyCompiler c;
  c.add_host_function("query_reference_value", 1, [calls](const std::vector<coco::rego::Value>& args) {
    ++*calls;
    return coco::rego::HostResult{coco::rego::Value::array({args[0]}), std::nullopt};
  });
  REQUIRE_FALSE(c.add_module("p.rego", R"(package policy
import rego.v1
hardware := 2 if "a" in query_reference_value("a")
trust_claims := {"hardware": hardware}
extensions := [1] if "a" in query_reference_value("a")
)"));
  auto r = c.compile();
  REQUIRE(std::holds_alternative<std::shared_ptr<const CompiledPolicy>>(r));
  auto d = coco::rego::evaluate_attestation_policy(*std::get<0>(r), json::object());
  REQUIRE_FALSE(d.error);
  CHECK(d.trust_claims.at("hardware") == 2);
  CHECK(d.extensions == json::array({1}));
  CHECK(*calls == 1);
}
