#include "common/kbs/policy.hpp"

#include <catch2/catch.hpp>

#include "common/base/atomic_file.hpp"
#include "tests/unit/test_util.hpp"

using namespace coco;
using namespace coco::kbs;

namespace {
std::string trustee_policy(const std::string& name) {
  auto text = read_file(test::vectors_dir() / "kbs" / "policies" / name);
  REQUIRE(text);
  return *text;
}
const nlohmann::json k_data = {{"plugin", "resource"}, {"resource-path", {"a", "b", "c"}}, {"query", nlohmann::json::object()}};
nlohmann::json claims_with(const std::string& status, bool sample) {
  nlohmann::json evidence = sample ? nlohmann::json{{"sample", {{"svn", "1"}}}} : nlohmann::json{{"snp", {{"measurement", "ab"}}}};
  return {{"submods", {{"cpu0", {{"ear.status", status}, {"ear.veraison.annotated-evidence", evidence}}}}}};
}
} // namespace

TEST_CASE("Trustee's sample resource policies decide the same in the Rego engine and the built-in stand-in", "[kbs][policy]") {
  for (auto make : {make_policy_engine, make_builtin_policy_engine}) {
    auto engine = make();
    INFO(engine->name());
    CHECK(engine->evaluate_resource(trustee_policy("allow_all.rego"), claims_with("warning", true), k_data)->allow);
    CHECK_FALSE(engine->evaluate_resource(trustee_policy("deny_all.rego"), claims_with("affirming", false), k_data)->allow);
    CHECK(engine->evaluate_resource(trustee_policy("affirming.rego"), claims_with("affirming", false), k_data)->allow);
    CHECK_FALSE(engine->evaluate_resource(trustee_policy("affirming.rego"), claims_with("warning", false), k_data)->allow);
    CHECK(engine->evaluate_resource(trustee_policy("default.rego"), claims_with("warning", false), k_data)->allow);
    CHECK_FALSE(engine->evaluate_resource(trustee_policy("default.rego"), claims_with("affirming", true), k_data)->allow);
    CHECK(engine->evaluate_resource(default_resource_policy(), claims_with("warning", false), k_data)->allow);
    CHECK_FALSE(engine->evaluate_resource(default_resource_policy(), claims_with("affirming", true), k_data)->allow);
  }
}

TEST_CASE("a policy the engine cannot compile is refused at upload", "[kbs][policy]") {
  auto engine = make_policy_engine();
  CHECK_FALSE(engine->check_resource_policy("package policy\nallow if {"));
  CHECK(engine->check_resource_policy(trustee_policy("allow_all.rego")));
  CHECK_FALSE(make_builtin_policy_engine()->check_resource_policy("package policy\ndefault allow := true\n"));
}

TEST_CASE("the EAR status is the worst tier of the trust vector", "[kbs][policy]") {
  CHECK(ear_status({{"a", 0}, {"b", 1}}) == "none");
  CHECK(ear_status({{"a", 2}, {"b", 0}}) == "affirming");
  CHECK(ear_status({{"a", 2}, {"b", 33}}) == "warning");
  CHECK(ear_status({{"a", 2}, {"b", 97}}) == "contraindicated");
  CHECK(ear_status({{"a", -96}}) == "warning");
}
