// Policy unit tests and static checks, as `opa test` and `opa check` do them (open-policy-agent/opa tester
// package and cmd/test.go, cmd/check.go), for `coco-kbs policy test` and `coco-kbs policy check`.
//
// Tests: every complete, argument-less rule whose name starts with `test_` is a test; it passes when it
// evaluates to `true`, fails when it is undefined or has any other value, and is an error when evaluation
// fails (conflict, strict built-in error). Rules named `todo_test_*` are skipped. Files are loaded as `opa test`
// loads a directory: `.rego` files are modules; `.json` / `.yaml` / `.yml` files are data fixtures merged into
// `data` under the path of their directory relative to the PATH argument (a fixture in PATH/a/b/ lands at
// data.a.b); a conflicting key is an error. YAML fixtures are accepted in their JSON form only (YAML is a superset
// of JSON; no YAML library is linked).
//
// The host function `query_reference_value(id)` that Trustee's Attestation Service gives attestation policies is
// always registered, answering from a JSON object of reference values (`{"id": value, ...}`) and `null` for an
// unknown id, as the AS does; tests may still replace it with `with query_reference_value as ...`.
//
// Checks: each file is parsed on its own (one parse error per file: the parser does not resynchronise inside a
// file), then the parsed files are compiled together; after a compile error the rule it is in is replaced by a
// stub with the same head and compilation resumes, so one run reports every independent compile error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/result.hpp"
#include "common/rego/engine.hpp"

namespace coco::rego {

// A policy or fixture file, already read (name = the path shown in messages).
struct SourceFile {
  std::string name;
  std::string text;
  std::vector<std::string> data_prefix; // fixtures: where under data the document goes
};

// Read PATHs as `opa test` does: a file is loaded at the root, a directory recursively (sorted), skipping hidden
// entries and the files in `exclude` (e.g. the reference-values file). Unknown extensions are ignored.
struct LoadedSources {
  std::vector<SourceFile> modules;
  std::vector<SourceFile> fixtures;
};
Result<LoadedSources> load_policy_sources(const std::vector<std::string>& paths,
                                          const std::vector<std::string>& exclude = {});

// A reference-value map for the query_reference_value mock: a JSON object id -> value.
Result<nlohmann::json> parse_reference_values(const std::string& text, const std::string& name);

enum class TestStatus { pass, fail, error, skip };
std::string_view to_string(TestStatus status);

struct TestResult {
  std::string package;   // "data.policy"
  std::string name;      // "test_allow"
  Location location;     // the (first) definition of the rule
  TestStatus status = TestStatus::fail;
  int64_t duration_ns = 0;
  std::optional<nlohmann::json> value;  // a failing test's value when it was defined but not true
  std::optional<RegoError> error;
  std::vector<std::string> explanation; // with TestOptions::explain, for failures
  std::vector<std::string> output;      // print() output

  [[nodiscard]] std::string full_name() const { return package + "." + name; }
};

struct TestOptions {
  bool v0 = false;
  bool strict_builtin_errors = true;
  bool explain = false;                 // record why failing tests failed
  std::optional<std::string> run;       // RE2 pattern matched (partially) against "data.pkg.test_name"
  nlohmann::json reference_values = nlohmann::json::object();
};

struct TestReport {
  std::vector<RegoError> errors;        // load / parse / compile errors (no test ran when not empty)
  std::vector<TestResult> results;
  size_t passed = 0;
  size_t failed = 0;
  size_t errored = 0;
  size_t skipped = 0;

  [[nodiscard]] bool ok() const { return errors.empty() && failed == 0 && errored == 0; }
  // {"results":[{"package","name","location":{file,row,col},"result","duration_ns",["value"],["error"],
  //  ["explanation"],["output"]}], "summary":{"pass","fail","error","skip","total"}, "errors":[...]}
  [[nodiscard]] nlohmann::json to_json() const;
  // One line per test ("file:row: data.pkg.test_x: PASS (12µs)"), failure details when verbose, then the
  // summary as opa prints it ("PASS: 3/4", "FAIL: 1/4").
  [[nodiscard]] std::string to_text(bool verbose) const;
};

// Run the tests in `modules` with `fixtures` as data. Fails (Error) only on a bad option (e.g. the --run pattern).
Result<TestReport> run_policy_tests(const std::vector<SourceFile>& modules, const std::vector<SourceFile>& fixtures,
                                    const TestOptions& options);

struct CheckReport {
  std::vector<RegoError> errors; // in file order, then by position
  size_t files = 0;

  [[nodiscard]] bool ok() const { return errors.empty(); }
  [[nodiscard]] nlohmann::json to_json() const; // {"files":N,"errors":[{code,message,location}]}
  [[nodiscard]] std::string to_text() const;    // "file:row:col: code: message" lines, or "N files OK"
};

CheckReport check_policies(const std::vector<SourceFile>& modules, bool v0);

} // namespace coco::rego
