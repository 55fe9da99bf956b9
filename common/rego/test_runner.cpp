#include "common/rego/test_runner.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include <re2/re2.h>

#include "common/base/atomic_file.hpp"
#include "common/rego/parser.hpp"
#include "common/rego/program.hpp"

namespace coco::rego {
namespace {

namespace fs = std::filesystem;

bool is_module_file(const fs::path& p) { return p.extension() == ".rego"; }
bool is_fixture_file(const fs::path& p) {
  const auto ext = p.extension();
  return ext == ".json" || ext == ".yaml" || ext == ".yml";
}

bool is_identifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// data.a["b-c"].d
std::string data_ref(const std::vector<std::string>& path) {
  std::string out = "data";
  for (const auto& p : path) {
    out += is_identifier(p) ? "." + p : "[" + nlohmann::json(p).dump() + "]";
  }
  return out;
}

std::string rule_name(const Rule& r) { return r.path.empty() ? r.name : r.path.back(); }

HostFunction reference_value_mock(nlohmann::json reference_values) {
  return [rv = std::move(reference_values)](const std::vector<Value>& args) {
    HostResult r;
    if (args.size() != 1 || !args[0].is_string()) {
      r.error = "query_reference_value: the reference-value id must be a string";
      return r;
    }
    auto it = rv.find(args[0].as_string());
    r.value = it == rv.end() ? Value::null() : Value::from_json(*it);
    return r;
  };
}

// Merge `doc` into `into` at `prefix`, refusing to overwrite a value with a different one.
std::optional<std::string> merge_fixture(nlohmann::json& into, const std::vector<std::string>& prefix,
                                         const nlohmann::json& doc) {
  nlohmann::json* cur = &into;
  std::string where = "data";
  for (const auto& key : prefix) {
    where += "." + key;
    if (!cur->contains(key)) {
      (*cur)[key] = nlohmann::json::object();
    }
    cur = &(*cur)[key];
    if (!cur->is_object()) {
      return "conflicts with a non-object value at " + where;
    }
  }
  if (!doc.is_object()) {
    if (prefix.empty()) {
      return "a fixture at the data root must be a JSON object";
    }
    if (!cur->empty()) {
      return "conflicts with other data at " + where;
    }
    *cur = doc;
    return std::nullopt;
  }
  std::function<std::optional<std::string>(nlohmann::json&, const nlohmann::json&, const std::string&)> merge =
      [&](nlohmann::json& dst, const nlohmann::json& src, const std::string& at) -> std::optional<std::string> {
    for (const auto& [k, v] : src.items()) {
      auto it = dst.find(k);
      if (it == dst.end()) {
        dst[k] = v;
      } else if (it->is_object() && v.is_object()) {
        if (auto e = merge(*it, v, at + "." + k)) {
          return e;
        }
      } else if (*it != v) {
        return "conflicting values for " + at + "." + k;
      }
    }
    return std::nullopt;
  };
  return merge(*cur, doc, where);
}

RegoError file_error(const std::string& file, std::string message) {
  return RegoError{"rego_parse_error", std::move(message),
                   Location{std::make_shared<const std::string>(file), 0, 0}};
}

bool location_before_or_at(const Location& a, const Location& b) {
  return a.row < b.row || (a.row == b.row && a.col <= b.col);
}

bool same_error(const RegoError& a, const RegoError& b) {
  return a.code == b.code && a.message == b.message && a.loc.file_name() == b.loc.file_name() &&
         a.loc.row == b.loc.row && a.loc.col == b.loc.col;
}

TermPtr true_term(const Location& loc) {
  auto t = std::make_shared<Term>();
  t->kind = TermKind::scalar;
  t->loc = loc;
  t->value = Value::boolean(true);
  return t;
}

// A rule with the same head and a trivial body: keeps references to the rule valid while its errors are
// reported once.
std::shared_ptr<Rule> stub_rule(const Rule& r) {
  auto s = std::make_shared<Rule>();
  s->loc = r.loc;
  s->kind = r.kind;
  s->is_default = r.is_default;
  s->path = r.path;
  s->name = r.name;
  for (const auto& k : r.dyn_keys) {
    auto t = std::make_shared<Term>();
    t->kind = TermKind::scalar;
    t->loc = k->loc;
    t->value = Value::string("stub");
    s->dyn_keys.push_back(t);
  }
  if (r.key) {
    s->key = true_term(r.loc);
  }
  if (r.value) {
    s->value = true_term(r.loc);
  }
  for (size_t i = 0; i < r.args.size(); ++i) {
    auto v = std::make_shared<Term>();
    v->kind = TermKind::var;
    v->loc = r.loc;
    v->name = "__stub_arg" + std::to_string(i);
    s->args.push_back(v);
  }
  if (!r.is_default) {
    Literal lit;
    lit.loc = r.loc;
    lit.expr = true_term(r.loc);
    lit.text = "true";
    s->body.push_back(lit);
  }
  return s;
}

std::string format_duration(int64_t ns) {
  char buf[64];
  if (ns < 1000) {
    std::snprintf(buf, sizeof buf, "%lldns", static_cast<long long>(ns));
  } else if (ns < 1000000) {
    std::snprintf(buf, sizeof buf, "%.3fµs", static_cast<double>(ns) / 1e3);
  } else if (ns < 1000000000) {
    std::snprintf(buf, sizeof buf, "%.3fms", static_cast<double>(ns) / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.3fs", static_cast<double>(ns) / 1e9);
  }
  return buf;
}

} // namespace

std::string_view to_string(TestStatus status) {
  switch (status) {
  case TestStatus::pass:
    return "PASS";
  case TestStatus::fail:
    return "FAIL";
  case TestStatus::error:
    return "ERROR";
  case TestStatus::skip:
    return "SKIPPED";
  }
  return "?";
}

Result<LoadedSources> load_policy_sources(const std::vector<std::string>& paths,
                                          const std::vector<std::string>& exclude) {
  LoadedSources out;
  std::set<fs::path> excluded;
  for (const auto& e : exclude) {
    std::error_code ec;
    auto canon = fs::weakly_canonical(e, ec);
    excluded.insert(ec ? fs::path(e) : canon);
  }
  auto is_excluded = [&](const fs::path& p) {
    std::error_code ec;
    auto canon = fs::weakly_canonical(p, ec);
    return excluded.count(ec ? p : canon) != 0;
  };
  auto add = [&](const fs::path& file, std::vector<std::string> prefix) -> Status {
    if (is_excluded(file) || (!is_module_file(file) && !is_fixture_file(file))) {
      return ok();
    }
    COCO_TRY(auto text, read_file(file));
    SourceFile sf{file.string(), std::move(text), std::move(prefix)};
    (is_module_file(file) ? out.modules : out.fixtures).push_back(std::move(sf));
    return ok();
  };
  for (const auto& path : paths) {
    std::error_code ec;
    const fs::path root(path);
    if (fs::is_regular_file(root, ec)) {
      COCO_TRY_STATUS(add(root, {}));
      continue;
    }
    if (!fs::is_directory(root, ec)) {
      return make_error(Kind::not_found, path + ": no such file or directory");
    }
    std::vector<fs::path> files;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
    if (ec) {
      return make_error(Kind::io, path + ": " + ec.message());
    }
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) {
        return make_error(Kind::io, path + ": " + ec.message());
      }
      const auto name = it->path().filename().string();
      if (!name.empty() && name[0] == '.') {
        if (it->is_directory()) {
          it.disable_recursion_pending();
        }
        continue;
      }
      if (it->is_regular_file()) {
        files.push_back(it->path());
      }
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::vector<std::string> prefix;
      for (const auto& part : fs::relative(f.parent_path(), root)) {
        if (part != ".") {
          prefix.push_back(part.string());
        }
      }
      COCO_TRY_STATUS(add(f, std::move(prefix)));
    }
  }
  return out;
}

Result<nlohmann::json> parse_reference_values(const std::string& text, const std::string& name) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    return make_error(Kind::invalid, name + ": not valid JSON");
  }
  if (!doc.is_object()) {
    return make_error(Kind::invalid, name + ": reference values must be a JSON object of id -> value",
                      R"(for example {"launch_digest": ["abcd..."], "svn": [1]})");
  }
  return doc;
}

Result<TestReport> run_policy_tests(const std::vector<SourceFile>& modules, const std::vector<SourceFile>& fixtures,
                                    const TestOptions& options) {
  std::unique_ptr<re2::RE2> filter;
  if (options.run) {
    filter = std::make_unique<re2::RE2>(*options.run, re2::RE2::Quiet);
    if (!filter->ok()) {
      return make_error(Kind::usage, "--run: invalid regular expression: " + filter->error());
    }
  }
  TestReport report;
  PolicyCompiler compiler(EngineOptions{.v0 = options.v0, .strict_builtin_errors = options.strict_builtin_errors});
  compiler.add_host_function("query_reference_value", 1, reference_value_mock(options.reference_values));

  // Discover the tests while parsing (each module parsed once more by the compiler, which keeps texts).
  struct Found {
    std::vector<std::string> path;
    std::string name;
    Location loc;
    bool todo = false;
  };
  std::vector<Found> found;
  std::set<std::vector<std::string>> seen;
  for (const auto& m : modules) {
    Module parsed;
    try {
      parsed = parse_module(m.name, m.text, ParseOptions{.v0 = options.v0});
    } catch (const RegoException& e) {
      report.errors.push_back(e.error);
      continue;
    }
    if (auto e = compiler.add_module(m.name, m.text)) {
      report.errors.push_back(*e);
      continue;
    }
    for (const auto& rule : parsed.rules) {
      const std::string name = rule_name(*rule);
      const bool todo = name.starts_with("todo_test_");
      if ((!name.starts_with("test_") && !todo) || rule->kind != RuleKind::complete || !rule->args.empty()) {
        continue;
      }
      if (seen.insert(rule->path).second) {
        found.push_back(Found{rule->path, name, rule->loc, todo});
      }
    }
  }
  nlohmann::json data = nlohmann::json::object();
  for (const auto& f : fixtures) {
    nlohmann::json doc = nlohmann::json::parse(f.text, nullptr, false);
    if (doc.is_discarded()) {
      const bool yaml = !f.name.ends_with(".json");
      report.errors.push_back(file_error(f.name, yaml ? "not YAML in its JSON form (only that subset is supported)"
                                                      : "not valid JSON"));
      continue;
    }
    if (auto e = merge_fixture(data, f.data_prefix, doc)) {
      report.errors.push_back(file_error(f.name, "data fixture " + *e));
    }
  }
  if (!report.errors.empty()) {
    return report;
  }
  if (auto e = compiler.add_data(data)) {
    report.errors.push_back(*e);
    return report;
  }
  auto compiled = compiler.compile();
  if (const auto* e = std::get_if<RegoError>(&compiled)) {
    report.errors.push_back(*e);
    return report;
  }
  const auto& policy = *std::get<std::shared_ptr<const CompiledPolicy>>(compiled);

  for (const auto& t : found) {
    TestResult r;
    std::vector<std::string> pkg(t.path.begin(), t.path.end() - 1);
    r.package = data_ref(pkg);
    r.name = t.name;
    r.location = t.loc;
    if (filter && !re2::RE2::PartialMatch(r.full_name(), *filter)) {
      continue;
    }
    if (t.todo) {
      r.status = TestStatus::skip;
      ++report.skipped;
      report.results.push_back(std::move(r));
      continue;
    }
    EvalOptions eo;
    eo.explain = options.explain;
    const auto start = std::chrono::steady_clock::now();
    Outcome o = policy.evaluate(data_ref(t.path), Value(), Value(), eo);
    r.duration_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
    r.output = std::move(o.prints);
    if (o.error) {
      r.status = TestStatus::error;
      r.error = o.error;
      ++report.errored;
    } else if (o.defined && o.value.is_true()) {
      r.status = TestStatus::pass;
      ++report.passed;
    } else {
      r.status = TestStatus::fail;
      if (o.defined) {
        r.value = o.value.to_json();
      }
      r.explanation = std::move(o.explanation);
      ++report.failed;
    }
    report.results.push_back(std::move(r));
  }
  return report;
}

nlohmann::json TestReport::to_json() const {
  nlohmann::json out = {{"results", nlohmann::json::array()}, {"errors", nlohmann::json::array()}};
  for (const auto& e : errors) {
    out["errors"].push_back(e.to_json());
  }
  for (const auto& r : results) {
    std::string status(to_string(r.status));
    std::transform(status.begin(), status.end(), status.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
    if (status == "skipped") {
      status = "skip";
    }
    nlohmann::json j = {{"package", r.package},
                        {"name", r.name},
                        {"location", {{"file", r.location.file_name()}, {"row", r.location.row}, {"col", r.location.col}}},
                        {"result", status},
                        {"duration_ns", r.duration_ns}};
    if (r.value) {
      j["value"] = *r.value;
    }
    if (r.error) {
      j["error"] = r.error->to_json();
    }
    if (!r.explanation.empty()) {
      j["explanation"] = r.explanation;
    }
    if (!r.output.empty()) {
      j["output"] = r.output;
    }
    out["results"].push_back(std::move(j));
  }
  out["summary"] = {{"pass", passed}, {"fail", failed}, {"error", errored}, {"skip", skipped}, {"total", results.size()}};
  return out;
}

std::string TestReport::to_text(bool verbose) const {
  std::string out;
  for (const auto& e : errors) {
    out += e.to_string() + "\n";
  }
  for (const auto& r : results) {
    out += r.location.file_name() + ":" + std::to_string(r.location.row) + ": " + r.full_name() + ": " +
           std::string(to_string(r.status));
    if (r.status != TestStatus::skip) {
      out += " (" + format_duration(r.duration_ns) + ")";
    }
    out += "\n";
    if (r.error) {
      out += "  " + r.error->to_string() + "\n";
    }
    if (verbose && r.status == TestStatus::fail) {
      out += r.value ? "  value: " + r.value->dump() + " (a test passes only when it is true)\n"
                     : std::string("  the test rule is undefined\n");
      for (const auto& line : r.explanation) {
        out += "  " + line + "\n";
      }
    }
    if (verbose) {
      for (const auto& line : r.output) {
        out += "  print: " + line + "\n";
      }
    }
  }
  if (!errors.empty()) {
    return out;
  }
  const size_t total = results.size();
  out += std::string(80, '-') + "\n";
  if (total == 0) {
    out += "no tests found\n";
    return out;
  }
  auto line = [&](const char* label, size_t n) {
    if (n > 0) {
      out += std::string(label) + ": " + std::to_string(n) + "/" + std::to_string(total) + "\n";
    }
  };
  line("PASS", passed);
  line("FAIL", failed);
  line("ERROR", errored);
  line("SKIPPED", skipped);
  return out;
}

// --- check ---

CheckReport check_policies(const std::vector<SourceFile>& modules, bool v0) {
  CheckReport report;
  report.files = modules.size();
  struct Entry {
    const SourceFile* file;
    std::map<size_t, bool> stubbed; // rule index -> removed (true) or replaced by a stub (false)
    bool dropped = false;
  };
  std::vector<Entry> entries;
  for (const auto& m : modules) {
    try {
      (void)parse_module(m.name, m.text, ParseOptions{.v0 = v0});
      entries.push_back(Entry{&m, {}, false});
    } catch (const RegoException& e) {
      report.errors.push_back(e.error);
    }
  }
  std::vector<RegoError> compile_errors;
  constexpr size_t k_max_rounds = 200;
  for (size_t round = 0; round < k_max_rounds; ++round) {
    Program program;
    program.options.v0 = v0;
    program.hosts["query_reference_value"] = HostFunctionEntry{1, reference_value_mock(nlohmann::json::object())};
    std::vector<Entry*> live;
    try {
      for (auto& e : entries) {
        if (e.dropped) {
          continue;
        }
        auto mod = std::make_shared<Module>(parse_module(e.file->name, e.file->text, ParseOptions{.v0 = v0}));
        for (const auto& [i, remove] : e.stubbed) {
          mod->rules[i] = remove ? nullptr : stub_rule(*mod->rules[i]);
        }
        std::erase(mod->rules, nullptr);
        program.modules.push_back(mod);
        live.push_back(&e);
      }
    } catch (const RegoException& ex) {
      // Cannot happen: every entry parsed above. Report and stop rather than loop.
      compile_errors.push_back(ex.error);
      break;
    }
    try {
      compile_program(program);
      break;
    } catch (const RegoException& ex) {
      const RegoError& err = ex.error;
      const bool repeated = std::any_of(compile_errors.begin(), compile_errors.end(),
                                        [&](const RegoError& e) { return same_error(e, err); });
      if (!repeated) {
        compile_errors.push_back(err);
      }
      // Find the module and the rule the error is in (indices of the parsed file, parsing being deterministic).
      std::vector<Module> originals;
      for (Entry* e : live) {
        originals.push_back(parse_module(e->file->name, e->file->text, ParseOptions{.v0 = v0}));
      }
      Entry* owner = nullptr;
      const Module* owner_module = nullptr;
      for (size_t i = 0; i < live.size(); ++i) {
        if (live[i]->file->name == err.loc.file_name()) {
          owner = live[i];
          owner_module = &originals[i];
        }
      }
      if (owner == nullptr) {
        break; // not attributable to a file: nothing more can be separated
      }
      std::optional<size_t> rule_index;
      for (size_t i = 0; i < owner_module->rules.size(); ++i) {
        if (err.loc.row > 0 && location_before_or_at(owner_module->rules[i]->loc, err.loc)) {
          if (!rule_index || location_before_or_at(owner_module->rules[*rule_index]->loc, owner_module->rules[i]->loc)) {
            rule_index = i;
          }
        }
      }
      if (repeated || !rule_index || owner->stubbed.count(*rule_index) != 0) {
        owner->dropped = true; // the file's remaining problems cannot be separated from this one
      } else {
        // Conflicts between definitions are about the rule's existence: drop it; other errors keep its head.
        const bool remove = err.message.starts_with("conflicting rules") || err.message.starts_with("multiple default");
        owner->stubbed[*rule_index] = remove;
      }
    }
  }
  report.errors.insert(report.errors.end(), compile_errors.begin(), compile_errors.end());
  std::stable_sort(report.errors.begin(), report.errors.end(), [&](const RegoError& a, const RegoError& b) {
    auto file_index = [&](const RegoError& e) {
      for (size_t i = 0; i < modules.size(); ++i) {
        if (modules[i].name == e.loc.file_name()) {
          return i;
        }
      }
      return modules.size();
    };
    const size_t fa = file_index(a);
    const size_t fb = file_index(b);
    if (fa != fb) {
      return fa < fb;
    }
    return a.loc.row < b.loc.row || (a.loc.row == b.loc.row && a.loc.col < b.loc.col);
  });
  return report;
}

nlohmann::json CheckReport::to_json() const {
  nlohmann::json out = {{"files", files}, {"errors", nlohmann::json::array()}};
  for (const auto& e : errors) {
    out["errors"].push_back(e.to_json());
  }
  return out;
}

std::string CheckReport::to_text() const {
  std::string out;
  for (const auto& e : errors) {
    out += e.to_string() + "\n";
  }
  if (errors.empty()) {
    out += std::to_string(files) + (files == 1 ? " file" : " files") + " OK\n";
  } else {
    out += std::to_string(errors.size()) + (errors.size() == 1 ? " problem\n" : " problems\n");
  }
  return out;
}

} // namespace coco::rego
