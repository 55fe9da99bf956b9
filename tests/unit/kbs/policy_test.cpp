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

TEST_CASE("Trustee's sample resource policies decide in the Rego engine as in Trustee", "[kbs][policy]") {
  {
    auto engine = make_policy_engine();
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
  CHECK(engine->check_resource_policy("package policy\ndefault allow := true\n"));
  CHECK_FALSE(engine->check_attestation_policy("package policy\nimport rego.v1\nx if no_such_function(1)\n"));
}

TEST_CASE("the shipped default policies are Trustee's texts", "[kbs][policy]") {
  auto resource = read_file(test::vectors_dir() / "rego" / "trustee" / "repo" / "kbs" / "sample_policies" / "default.rego");
  auto attestation = read_file(test::vectors_dir() / "rego" / "trustee" / "repo" / "attestation-service" / "src" /
                               "ear_token" / "ear_default_policy_cpu.rego");
  REQUIRE(resource);
  REQUIRE(attestation);
  CHECK(default_resource_policy() == *resource);
  CHECK(default_attestation_policy() == *attestation);
  auto engine = make_policy_engine();
  CHECK(engine->check_resource_policy(default_resource_policy()));
  CHECK(engine->check_attestation_policy(default_attestation_policy()));
}

namespace {
const nlohmann::json k_sample_evidence = {
    {"sample",
     {{"svn", "1"}, {"launch_digest", "abcde"}, {"debug", false}, {"platform_version", {{"major", 1}, {"minor", 1}}}}},
    {"report_data", "00"},
    {"init_data", ""}};
ReferenceValueLookup lookup_from(const nlohmann::json& values) {
  return [values](const std::string& name) -> std::optional<nlohmann::json> {
    if (!values.contains(name)) {
      return std::nullopt;
    }
    return values.at(name);
  };
}
} // namespace

TEST_CASE("Trustee's default attestation policy appraises the sample TEE through the Rego engine", "[kbs][policy]") {
  auto engine = make_policy_engine();
  const nlohmann::json rvs = {{"launch_digest", {"abcde", "other"}},
                              {"svn", {"1"}},
                              {"major_version", 1},
                              {"minimum_minor_version", 0}};
  auto good = engine->appraise("", k_sample_evidence, lookup_from(rvs));
  REQUIRE(good);
  CHECK(good->trust_vector["executables"] == 3);
  CHECK(good->trust_vector["hardware"] == 2);
  CHECK(good->trust_vector["configuration"] == 2);
  CHECK(good->trust_vector["instance-identity"] == 0);
  CHECK(good->status == "affirming");
  CHECK(good->inputs_read["reference_values"]["launch_digest"] == rvs["launch_digest"]);

  // Without reference values the executables and hardware claims keep the policy's defaults.
  auto none = engine->appraise("", k_sample_evidence, lookup_from(nlohmann::json::object()));
  REQUIRE(none);
  CHECK(none->trust_vector["executables"] == 33);
  CHECK(none->trust_vector["hardware"] == 97);
  CHECK(none->trust_vector["configuration"] == 2);
  CHECK(none->status == "contraindicated");
  CHECK(none->inputs_read["reference_values"]["svn"].is_null());

  // A minor version below the minimum fails the hardware claim only.
  auto old = engine->appraise("", k_sample_evidence,
                              lookup_from({{"launch_digest", {"abcde"}}, {"svn", {"1"}}, {"major_version", 1},
                                           {"minimum_minor_version", 2}}));
  REQUIRE(old);
  CHECK(old->trust_vector["executables"] == 3);
  CHECK(old->trust_vector["hardware"] == 97);

  // A stored policy replaces the default.
  auto custom = engine->appraise("package policy\nimport rego.v1\ntrust_claims := {\"executables\": 2, \"hardware\": 2}\n",
                                 k_sample_evidence, lookup_from(nlohmann::json::object()));
  REQUIRE(custom);
  CHECK(custom->status == "affirming");
}

TEST_CASE("the EAR status is the worst tier of the trust vector", "[kbs][policy]") {
  CHECK(ear_status({{"a", 0}, {"b", 1}}) == "none");
  CHECK(ear_status({{"a", 2}, {"b", 0}}) == "affirming");
  CHECK(ear_status({{"a", 2}, {"b", 33}}) == "warning");
  CHECK(ear_status({{"a", 2}, {"b", 97}}) == "contraindicated");
  CHECK(ear_status({{"a", -96}}) == "warning");
}
