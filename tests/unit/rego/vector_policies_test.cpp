// Every policy collected in the vectors parses and compiles, as Rego v1 or (for the v0 ones) as Rego v0.
#include <catch2/catch.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include "common/rego/engine.hpp"
#include "tests/unit/test_util.hpp"

namespace {

std::optional<coco::rego::RegoError> compile_file(const std::filesystem::path& p, bool v0) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  coco::rego::PolicyCompiler c(coco::rego::EngineOptions{.v0 = v0});
  c.add_host_function("query_reference_value", 1, [](const std::vector<coco::rego::Value>&) {
    return coco::rego::HostResult{coco::rego::Value::null(), std::nullopt};
  });
  if (auto e = c.add_module(p.filename().string(), ss.str())) {
    return e;
  }
  auto r = c.compile();
  if (auto* e = std::get_if<coco::rego::RegoError>(&r)) {
    return *e;
  }
  return std::nullopt;
}

} // namespace

// Files that are not valid Rego as collected, each with the reason (see the vectors' SOURCE.md files).
const std::map<std::string, std::string> k_expected_failures = {
    {"trustee/inline/kbs_quickstart--01.rego", "references undefined reference_tdx_mrtd (compile error in OPA)"},
    {"kata/kata-containers/src/tools/genpolicy/rules.rego", "genpolicy appends policy_data before use"},
    {"kata/regorus-tests/large.rego", "ends with a NUL byte"},
    {"trustee/inline/integration-tests_tests_init_data--01.rego", "Rust string escapes (\\\") left in"},
    {"trustee/inline/integration-tests_tests_init_data--02.rego", "Rust string escapes left in"},
    {"trustee/inline/integration-tests_tests_init_data--04.rego", "Rust string escapes left in"},
    {"trustee/inline/integration-tests_tests_get_resource--01.rego", "Rust string escapes left in"},
    {"trustee/inline/integration-tests_tests_get_resource--02.rego", "Rust string escapes left in"},
};

TEST_CASE("every collected policy parses and compiles as v1 or v0", "[rego][vectors]") {
  auto root = coco::test::vectors_dir() / "rego";
  int v1 = 0;
  int v0 = 0;
  std::vector<std::string> failures;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ".rego") {
      continue;
    }
    auto rel = std::filesystem::relative(entry.path(), root).string();
    auto e1 = compile_file(entry.path(), false);
    if (!e1) {
      ++v1;
      continue;
    }
    auto e0 = compile_file(entry.path(), true);
    if (!e0) {
      ++v0;
      if (e1->message.find("rego v0 syntax") == std::string::npos) {
        failures.push_back(rel + ": v0-only but v1 error does not say so: " + e1->to_string());
      }
      continue;
    }
    if (k_expected_failures.count(rel) == 0) {
      failures.push_back(rel + ": " + e1->to_string() + " / as v0: " + e0->to_string());
    }
    CHECK(e1->loc.row > 0);
  }
  std::cout << "rego vectors: " << v1 << " policies compile as v1, " << v0 << " only as v0, " << failures.size()
            << " unexpected failures\n";
  for (const auto& f : failures) {
    UNSCOPED_INFO(f);
  }
  CHECK(failures.empty());
  CHECK(v0 >= 10);
}
