// Conformance: Trustee's recorded policy cases, regorus' recorded Kata agent traffic, and OPA's YAML
// conformance cases (converted to JSON by opa_cases_to_json.py at test time). OPA cases may only fail if
// listed in opa_known_failures.txt, and a listed case that passes must be removed from the list.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "common/rego/engine.hpp"
#include "tests/unit/test_util.hpp"

namespace {

using coco::rego::CompiledPolicy;
using coco::rego::EngineOptions;
using coco::rego::HostResult;
using coco::rego::PolicyCompiler;
using coco::rego::RegoError;
using coco::rego::Value;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::shared_ptr<const CompiledPolicy> must_compile(PolicyCompiler& c) {
  auto r = c.compile();
  if (const auto* e = std::get_if<RegoError>(&r)) {
    FAIL("compile: " << e->to_string());
  }
  return std::get<std::shared_ptr<const CompiledPolicy>>(r);
}

// Sort array values recursively (OPA's sort_bindings).
Value sorted(const Value& v) {
  if (v.is_array()) {
    coco::rego::Array a;
    for (const Value& e : v.as_array()) {
      a.push_back(sorted(e));
    }
    std::sort(a.begin(), a.end());
    return Value::array(std::move(a));
  }
  return v;
}

} // namespace

TEST_CASE("trustee policy cases evaluate to their recorded results", "[rego][conformance]") {
  auto dir = coco::test::vectors_dir() / "rego" / "trustee" / "cases";
  int passed = 0;
  int total = 0;
  for (const char* file : {"kbs-resource-policy.json", "kbs-sample-policies.json", "as-default-policies.json"}) {
    auto doc = nlohmann::json::parse(slurp(dir / file));
    for (const auto& c : doc["cases"]) {
      ++total;
      auto policy_path = dir / c["policy"].get<std::string>();
      PolicyCompiler compiler(EngineOptions{});
      auto rvs = c.value("reference_values", nlohmann::json::object());
      compiler.add_host_function("query_reference_value", 1, [rvs](const std::vector<Value>& args) {
        if (args[0].is_string() && rvs.contains(args[0].as_string())) {
          return HostResult{Value::from_json(rvs[args[0].as_string()]), std::nullopt};
        }
        return HostResult{Value::null(), std::nullopt};
      });
      auto err = compiler.add_module(policy_path.filename().string(), slurp(policy_path));
      INFO(file << ": " << c.value("note", std::string()) << " " << c["policy"].get<std::string>());
      INFO((err ? err->to_string() : std::string()));
      REQUIRE_FALSE(err.has_value());
      auto policy = must_compile(compiler);
      auto out = policy->evaluate(c["query"].get<std::string>(), Value::from_json(c.value("input", nlohmann::json())),
                                  Value::from_json(c.value("data", nlohmann::json::object())));
      if (out.error) {
        FAIL_CHECK("error: " << out.error->to_string());
        continue;
      }
      Value want = Value::from_json(c["want"]);
      Value got = Value::from_json(out.value.to_json());
      CHECK(out.defined);
      CHECK(got.to_string() == want.to_string());
      passed += (out.defined && got == want) ? 1 : 0;
    }
  }
  std::cout << "rego conformance: trustee " << passed << "/" << total << " passed\n";
  CHECK(passed == total);
}

TEST_CASE("kata agent policies replay regorus' recorded requests", "[rego][conformance]") {
  auto dir = coco::test::vectors_dir() / "rego" / "kata" / "regorus-tests";
  int passed = 0;
  int total = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!std::filesystem::exists(entry.path() / "inputs.txt")) {
      continue;
    }
    PolicyCompiler compiler(EngineOptions{.v0 = true, .strict_builtin_errors = false});
    auto err = compiler.add_module(entry.path().filename().string() + "/policy.rego", slurp(entry.path() / "policy.rego"));
    if (err) {
      FAIL_CHECK(err->to_string());
      continue;
    }
    auto policy = must_compile(compiler);
    auto outputs = nlohmann::json::parse(slurp(entry.path() / "outputs.json"));
    std::istringstream lines(slurp(entry.path() / "inputs.txt"));
    std::string line;
    size_t index = 0;
    while (std::getline(lines, line)) {
      auto first = line.find_first_not_of(" \t\r");
      if (first == std::string::npos) {
        continue;
      }
      auto pos = line.find("\"ep\":");
      if (pos != std::string::npos) {
        line.erase(pos, 5);
      }
      while (!line.empty() && (line.back() == ',' || std::isspace(static_cast<unsigned char>(line.back())))) {
        line.pop_back();
      }
      auto req = nlohmann::json::parse(line);
      ++total;
      auto out = policy->evaluate("data.agent_policy." + req[0].get<std::string>(), Value::from_json(req[1]),
                                  Value::from_json(nlohmann::json{{"pstate", nlohmann::json::object()}}));
      REQUIRE(index < outputs.size());
      Value want = Value::from_json(outputs[index++]);
      bool ok = !out.error && out.defined && Value::from_json(out.value.to_json()) == want;
      if (!ok) {
        UNSCOPED_INFO(entry.path().filename().string() << " request " << index << " (" << req[0] << "): got "
                                                      << (out.error ? out.error->to_string() : out.defined ? out.value.to_string() : "undefined")
                                                      << ", want " << want.to_string());
      }
      passed += ok ? 1 : 0;
    }
  }
  std::cout << "rego conformance: kata " << passed << "/" << total << " passed\n";
  CHECK(passed == total);
}

TEST_CASE("OPA conformance cases pass except the listed known failures", "[rego][conformance]") {
  coco::test::TempDir tmp;
  auto json_path = tmp / "opa-cases.json";
  std::string cmd = "python3 '" + (coco::test::source_dir() / "tests/unit/rego/opa_cases_to_json.py").string() +
                    "' '" + (coco::test::vectors_dir() / "rego" / "opa-cases").string() + "' '" +
                    json_path.string() + "'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  auto cases = nlohmann::json::parse(slurp(json_path));
  std::set<std::string> known;
  {
    std::istringstream in(slurp(coco::test::source_dir() / "tests/unit/rego/opa_known_failures.txt"));
    std::string l;
    while (std::getline(in, l)) {
      if (!l.empty() && l[0] != '#') {
        known.insert(l);
      }
    }
  }
  std::map<std::string, std::pair<int, int>> per_dir;
  std::vector<std::string> regressions;
  std::vector<std::string> fixed;
  std::vector<std::string> all_failures;
  int passed = 0;
  std::map<std::string, int> seen;
  for (const auto& c : cases) {
    std::string name = c["file"].get<std::string>() + "#" + c.value("note", std::string());
    // Some files repeat a note: number the repeats.
    if (int n = ++seen[name]; n > 1) {
      name += "#" + std::to_string(n);
    }
    std::string why;
    bool ok = [&]() -> bool {
      bool strict = c.value("strict_error", false);
      PolicyCompiler compiler(EngineOptions{.v0 = c.value("v0", false), .strict_builtin_errors = strict});
      std::string want_code = c.value("want_error_code", std::string());
      std::string want_msg = c.value("want_error", std::string());
      auto matches_error = [&](const RegoError& e) {
        why = e.to_string();
        if (want_code.empty() && want_msg.empty()) {
          return false;
        }
        return (want_code.empty() || e.code == want_code) &&
               (want_msg.empty() || e.message.find(want_msg) != std::string::npos);
      };
      int i = 0;
      if (c.contains("modules") && c["modules"].is_array()) {
        for (const auto& m : c["modules"]) {
          if (auto e = compiler.add_module("test-" + std::to_string(i++) + ".rego", m.get<std::string>())) {
            return matches_error(*e);
          }
        }
      }
      if (c.contains("data") && c["data"].is_object()) {
        compiler.add_data(c["data"]);
      }
      auto compiled = compiler.compile();
      if (const auto* e = std::get_if<RegoError>(&compiled)) {
        return matches_error(*e);
      }
      auto policy = std::get<std::shared_ptr<const CompiledPolicy>>(compiled);
      Value input;
      if (c.contains("input")) {
        input = Value::from_json(c["input"]);
      } else if (c.contains("input_term")) {
        auto o = policy->evaluate(c["input_term"].get<std::string>(), Value());
        if (o.error) {
          return matches_error(*o.error);
        }
        input = o.value;
      }
      coco::rego::EvalOptions opts;
      opts.strict_builtin_errors = strict;
      auto q = policy->query(c["query"].get<std::string>(), input, Value(), opts);
      if (q.error) {
        return matches_error(*q.error);
      }
      if (!want_code.empty() || !want_msg.empty()) {
        why = "no error, " + std::to_string(q.results.size()) + " results";
        return false;
      }
      if (!c.contains("want_result")) {
        why = "no want_result";
        return false;
      }
      bool sort = c.value("sort_bindings", false);
      std::vector<Value> got;
      for (const auto& b : q.results) {
        coco::rego::Object o;
        for (const auto& [k, v] : b) {
          Value j = Value::from_json(v.to_json());
          o[Value::string(k)] = sort ? sorted(j) : j;
        }
        got.push_back(Value::object(std::move(o)));
      }
      std::vector<Value> want;
      for (const auto& w : c["want_result"].is_array() ? c["want_result"] : nlohmann::json::array()) {
        Value v = Value::from_json(w);
        if (sort && v.is_object()) {
          coco::rego::Object o;
          for (const auto& [k, x] : v.as_object()) {
            o[k] = sorted(x);
          }
          v = Value::object(std::move(o));
        }
        want.push_back(v);
      }
      std::sort(got.begin(), got.end());
      std::sort(want.begin(), want.end());
      if (got != want) {
        why = "got " + Value::array(got).to_string() + " want " + Value::array(want).to_string();
        return false;
      }
      return true;
    }();
    auto& d = per_dir[c["dir"].get<std::string>()];
    ++d.second;
    if (ok) {
      ++d.first;
      ++passed;
      if (known.count(name) != 0) {
        fixed.push_back(name);
      }
    } else {
      all_failures.push_back(name);
      if (known.count(name) == 0) {
        regressions.push_back(name + ": " + why);
      }
    }
  }
  for (const auto& [dir, counts] : per_dir) {
    std::cout << "rego conformance: opa " << dir << " " << counts.first << "/" << counts.second << "\n";
  }
  std::cout << "rego conformance: opa total " << passed << "/" << cases.size() << " passed\n";
  // COCO_REGO_FAILURES_OUT=FILE writes every failing case name (to refresh the known-failures list).
  if (const char* out_path = std::getenv("COCO_REGO_FAILURES_OUT")) {
    std::ofstream out(out_path);
    out << "# OPA conformance cases known to fail (file#note). This list may only shrink.\n";
    for (const auto& name : all_failures) {
      out << name << "\n";
    }
  }
  for (const auto& r : regressions) {
    UNSCOPED_INFO("unexpected failure: " << r);
  }
  for (const auto& f : fixed) {
    UNSCOPED_INFO("now passes, remove from opa_known_failures.txt: " << f);
  }
  CHECK(regressions.empty());
  CHECK(fixed.empty());
}
