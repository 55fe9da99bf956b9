// coco-kbs policy test: `opa test` for KBS policies, with a query_reference_value mock for attestation policies.
#include <string>
#include <vector>

#include "common/base/atomic_file.hpp"
#include "common/rego/test_runner.hpp"
#include "tools/coco-kbs/commands.hpp"

namespace coco_kbs {
namespace {

struct PolicyTestOptions {
  std::vector<std::string> paths;
  std::string run;
  std::string reference_values;
  bool v0 = false;
};

} // namespace

void register_policy_test(coco::cli::Command& cmd) {
  auto opts = cmd.options<PolicyTestOptions>();
  cmd.app().add_option("PATH", opts->paths, "Rego files, data fixtures (.json, .yaml) or directories")->required();
  cmd.app().add_option("--run", opts->run, "run only the tests whose name (data.pkg.test_x) matches this RE2 pattern")
      ->type_name("REGEX");
  cmd.app().add_option("--reference-values", opts->reference_values,
                       "a JSON object of reference values answered by query_reference_value(id)")
      ->type_name("FILE");
  cmd.app().add_flag("--v0", opts->v0, "parse the policies as Rego v0 (without the v1 keywords)");
  cmd.description(
      "Runs the unit tests of KBS resource and attestation policies as `opa test` does: every rule named test_* "
      "in the given Rego files (directories are searched recursively) is a test that passes when it is true. "
      "JSON and YAML (JSON form) files beside the policies are data fixtures, merged into data under their "
      "directory's path. Attestation policies call Trustee's host function query_reference_value(id): it answers "
      "from --reference-values (null for an unknown id, as Trustee's AS does), and tests can also replace it with "
      "`with query_reference_value as ...`. Prints one line per test with its file:line and a summary; -v adds "
      "why a failing test failed and the tests' print() output. Exits 0 only if every test passes.");
  cmd.example("coco-kbs policy test policies/", "run every test under policies/");
  cmd.example("coco-kbs policy test attestation.rego attestation_test.rego --reference-values rv.json -v",
              "test an attestation policy offline against a set of reference values");
  cmd.example("coco-kbs -o json policy test . --run 'test_deny'", "run the deny tests, report as JSON");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    coco::rego::TestOptions options;
    options.v0 = opts->v0;
    options.explain = ctx.global.verbosity > 0;
    if (!opts->run.empty()) {
      options.run = opts->run;
    }
    std::vector<std::string> exclude;
    if (!opts->reference_values.empty()) {
      COCO_TRY(auto text, coco::read_file(opts->reference_values));
      COCO_TRY(auto rv, coco::rego::parse_reference_values(text, opts->reference_values));
      options.reference_values = std::move(rv);
      exclude.push_back(opts->reference_values);
    }
    COCO_TRY(auto sources, coco::rego::load_policy_sources(opts->paths, exclude));
    COCO_TRY(auto report, coco::rego::run_policy_tests(sources.modules, sources.fixtures, options));
    COCO_TRY_STATUS(ctx.output.emit(report.to_json(), [&](std::ostream& out) {
      out << report.to_text(ctx.global.verbosity > 0);
    }));
    if (!report.errors.empty()) {
      return coco::make_error(coco::Kind::failure, "policies do not load: no test ran");
    }
    if (!report.ok()) {
      return coco::make_error(coco::Kind::failure, std::to_string(report.failed + report.errored) + " of " +
                                                       std::to_string(report.results.size()) + " tests did not pass");
    }
    return coco::ok();
  });
}

} // namespace coco_kbs
