// `coco-kbs policy test` and `policy check` library parts: test discovery and outcomes, fixtures, the
// query_reference_value mock, and the check that reports every problem.
#include <fstream>

#include <catch2/catch.hpp>

#include "common/rego/test_runner.hpp"
#include "tests/unit/test_util.hpp"

namespace {

using coco::rego::SourceFile;
using coco::rego::TestReport;
using coco::rego::TestStatus;
using nlohmann::json;

const coco::rego::TestResult* find(const TestReport& r, const std::string& name) {
  for (const auto& t : r.results) {
    if (t.name == name) {
      return &t;
    }
  }
  return nullptr;
}

void write(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

TestReport run(const std::vector<SourceFile>& modules, const std::vector<SourceFile>& fixtures = {},
               coco::rego::TestOptions options = {}) {
  auto r = coco::rego::run_policy_tests(modules, fixtures, options);
  REQUIRE(r);
  return *r;
}

const char* k_policy = R"(package policy
import rego.v1
default allow := false
allow if input.submods.cpu0["ear.status"] == "affirming"
)";

const char* k_tests = R"(package policy_test
import rego.v1
import data.policy

test_affirming_allowed if {
  policy.allow with input as {"submods": {"cpu0": {"ear.status": "affirming"}}}
}

test_warning_allowed if {
  policy.allow with input as {"submods": {"cpu0": {"ear.status": "warning"}}}
}

test_conflict := x if {
  some x in [1, 2]
}

test_not_boolean := "yes"

todo_test_later if false

helper_not_a_test := true
)";

} // namespace

TEST_CASE("policy test reports pass, fail, error and skip per test with its file and line", "[rego]") {
  auto report = run({{"policy.rego", k_policy, {}}, {"policy_test.rego", k_tests, {}}});
  REQUIRE(report.errors.empty());
  REQUIRE(report.results.size() == 5);
  CHECK(find(report, "test_affirming_allowed")->status == TestStatus::pass);
  CHECK(find(report, "test_affirming_allowed")->location.row == 5);
  CHECK(find(report, "test_affirming_allowed")->location.file_name() == "policy_test.rego");
  CHECK(find(report, "test_affirming_allowed")->package == "data.policy_test");
  CHECK(find(report, "test_warning_allowed")->status == TestStatus::fail);
  CHECK(find(report, "test_conflict")->status == TestStatus::error);
  REQUIRE(find(report, "test_conflict")->error);
  CHECK(find(report, "test_conflict")->error->code == "eval_conflict_error");
  CHECK(find(report, "test_not_boolean")->status == TestStatus::fail);
  CHECK(find(report, "test_not_boolean")->value == json("yes"));
  CHECK(find(report, "todo_test_later")->status == TestStatus::skip);
  CHECK(find(report, "helper_not_a_test") == nullptr);
  CHECK(report.passed == 1);
  CHECK(report.failed == 2);
  CHECK(report.errored == 1);
  CHECK(report.skipped == 1);
  CHECK_FALSE(report.ok());

  const json j = report.to_json();
  CHECK(j["summary"] == json{{"pass", 1}, {"fail", 2}, {"error", 1}, {"skip", 1}, {"total", 5}});
  const std::string text = report.to_text(false);
  CHECK(text.find("policy_test.rego:9: data.policy_test.test_warning_allowed: FAIL") != std::string::npos);
  CHECK(text.find("PASS: 1/5") != std::string::npos);
  CHECK(text.find("FAIL: 2/5") != std::string::npos);
}

TEST_CASE("policy test passes only when every test is true", "[rego]") {
  auto report = run({{"p.rego", "package p\nimport rego.v1\ntest_a if 1 + 1 == 2\ntest_b := true\n", {}}});
  CHECK(report.passed == 2);
  CHECK(report.ok());
}

TEST_CASE("policy test filters tests with --run against the full name", "[rego]") {
  coco::rego::TestOptions options;
  options.run = "policy_test\\.test_aff";
  auto report = run({{"policy.rego", k_policy, {}}, {"policy_test.rego", k_tests, {}}}, {}, options);
  REQUIRE(report.results.size() == 1);
  CHECK(report.results[0].name == "test_affirming_allowed");
  options.run = "(";
  CHECK_FALSE(coco::rego::run_policy_tests({{"policy.rego", k_policy, {}}}, {}, options));
}

TEST_CASE("policy test explains why a test failed when asked", "[rego]") {
  coco::rego::TestOptions options;
  options.explain = true;
  auto report = run({{"policy.rego", k_policy, {}}, {"policy_test.rego", k_tests, {}}}, {}, options);
  const auto* failed = find(report, "test_warning_allowed");
  REQUIRE(failed != nullptr);
  REQUIRE_FALSE(failed->explanation.empty());
  std::string all;
  for (const auto& line : failed->explanation) {
    all += line + "\n";
  }
  CHECK(all.find("warning") != std::string::npos);
  CHECK(report.to_text(true).find("warning") != std::string::npos);
}

TEST_CASE("policy test answers query_reference_value from the reference values, null when unknown", "[rego]") {
  const char* attestation = R"(package policy
import rego.v1
default executables := 33
executables := 3 if input.sample.launch_digest in query_reference_value("launch_digest")
unknown_is_null if query_reference_value("nope") == null
)";
  const char* tests = R"(package policy_test
import rego.v1
test_digest_matches if {
  data.policy.executables == 3 with input as {"sample": {"launch_digest": "abcd"}}
}
test_digest_differs if {
  data.policy.executables == 33 with input as {"sample": {"launch_digest": "ffff"}}
}
test_unknown_is_null if data.policy.unknown_is_null
mock(_) := ["ffff"]
test_replaced_with_mock if {
  data.policy.executables == 3 with input as {"sample": {"launch_digest": "ffff"}}
    with query_reference_value as mock
}
)";
  coco::rego::TestOptions options;
  options.reference_values = json{{"launch_digest", {"abcd", "0123"}}};
  auto report = run({{"attestation.rego", attestation, {}}, {"attestation_test.rego", tests, {}}}, {}, options);
  REQUIRE(report.errors.empty());
  for (const auto& r : report.results) {
    INFO(r.name << (r.error ? " " + r.error->to_string() : std::string()));
    CHECK(r.status == TestStatus::pass);
  }
  CHECK(report.passed == 4);

  // Without reference values, every id is unknown: the digest no longer matches.
  auto without = run({{"attestation.rego", attestation, {}}, {"attestation_test.rego", tests, {}}});
  CHECK(find(without, "test_digest_matches")->status == TestStatus::fail);
  CHECK(find(without, "test_unknown_is_null")->status == TestStatus::pass);
}

TEST_CASE("policy test loads directories with fixtures under their directory's path", "[rego]") {
  coco::test::TempDir dir;
  write(dir / "policy.rego", k_policy);
  write(dir / "tests" / "fixture_test.rego", R"(package fixture_test
import rego.v1
test_root_fixture if data.allowed_tees == ["sample", "tdx"]
test_nested_fixture if data.tests.limits.max == 3
)");
  write(dir / "data.json", R"({"allowed_tees": ["sample", "tdx"]})");
  write(dir / "tests" / "data.yaml", R"({"limits": {"max": 3}})");
  write(dir / "rv.json", R"({"svn": [1]})");
  write(dir / ".hidden" / "broken.rego", "package broken\nallow if {");
  auto sources = coco::rego::load_policy_sources({dir.path().string()}, {(dir / "rv.json").string()});
  REQUIRE(sources);
  CHECK(sources->modules.size() == 2);
  REQUIRE(sources->fixtures.size() == 2);
  auto report = run(sources->modules, sources->fixtures);
  REQUIRE(report.errors.empty());
  CHECK(report.passed == 2);

  // A conflicting fixture is an error naming the file; no test runs.
  write(dir / "other.json", R"({"allowed_tees": ["snp"]})");
  auto again = coco::rego::load_policy_sources({dir.path().string()}, {(dir / "rv.json").string()});
  REQUIRE(again);
  auto conflict = run(again->modules, again->fixtures);
  REQUIRE(conflict.errors.size() == 1);
  CHECK(conflict.errors[0].loc.file_name().ends_with("other.json"));
  CHECK(conflict.results.empty());
  CHECK_FALSE(conflict.ok());

  CHECK_FALSE(coco::rego::load_policy_sources({(dir / "missing").string()}));
}

TEST_CASE("policy test reports a policy that does not compile instead of running tests", "[rego]") {
  auto report = run({{"bad.rego", "package p\nimport rego.v1\ntest_x if no_such_builtin(1)\n", {}}});
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors[0].loc.row == 3);
  CHECK(report.results.empty());
  CHECK_FALSE(report.ok());
}

TEST_CASE("policy check reports every problem with file, line and column", "[rego]") {
  std::vector<SourceFile> files = {
      {"good.rego", "package good\nimport rego.v1\nf(x) := x + 1\nallow if f(1) == 2\n", {}},
      {"parse.rego", "package parse\nimport rego.v1\nallow if {\n  input.x ==\n", {}},
      {"compile.rego",
       "package compile\nimport rego.v1\n\na if unknown_fn(1)\n\nb if {\n  x == 1\n}\n\nc if data.good.f(1, 2, 3)\n"
       "ok if true\n",
       {}},
  };
  auto report = coco::rego::check_policies(files, false);
  CHECK(report.files == 3);
  REQUIRE(report.errors.size() == 4);
  // Sorted by file order, then position.
  CHECK(report.errors[0].loc.file_name() == "parse.rego");
  CHECK(report.errors[0].code == "rego_parse_error");
  CHECK(report.errors[1].loc.file_name() == "compile.rego");
  CHECK(report.errors[1].loc.row == 4);
  CHECK(report.errors[1].message.find("unknown_fn") != std::string::npos);
  CHECK(report.errors[2].loc.row == 7);
  CHECK(report.errors[2].code == "rego_unsafe_var_error");
  CHECK(report.errors[3].loc.row == 10);
  for (const auto& e : report.errors) {
    CHECK(e.loc.col > 0);
  }
  const json j = report.to_json();
  CHECK(j["errors"].size() == 4);
  CHECK(j["errors"][1]["location"]["file"] == "compile.rego");
  CHECK(report.to_text().find("compile.rego:7:") != std::string::npos);
}

TEST_CASE("policy check accepts Trustee's policies and its host function", "[rego]") {
  const auto dir = coco::test::vectors_dir() / "rego" / "trustee" / "repo";
  auto sources = coco::rego::load_policy_sources({(dir / "attestation-service" / "src").string(),
                                                  (dir / "kbs" / "sample_policies").string()});
  REQUIRE(sources);
  REQUIRE(sources->modules.size() >= 8);
  // Each file alone: they share `package policy`, so together their rules would clash.
  for (const auto& m : sources->modules) {
    auto report = coco::rego::check_policies({m}, false);
    INFO(m.name << ": " << report.to_text());
    CHECK(report.ok());
  }
}

TEST_CASE("policy check with v0 accepts v0 syntax that v1 refuses", "[rego]") {
  std::vector<SourceFile> files = {{"old.rego", "package old\ndefault allow = false\nallow { input.x == 1 }\n", {}}};
  CHECK_FALSE(coco::rego::check_policies(files, false).ok());
  CHECK(coco::rego::check_policies(files, true).ok());
}
