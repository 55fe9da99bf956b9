// coco-kbs policy check: parse and compile Rego policies, reporting every problem with file:line:column.
#include <string>
#include <vector>

#include "common/base/atomic_file.hpp"
#include "common/rego/test_runner.hpp"
#include "tools/coco-kbs/commands.hpp"

namespace coco_kbs {
namespace {

struct PolicyCheckOptions {
  std::vector<std::string> files;
  bool v0 = false;
};

} // namespace

void register_policy_check(coco::cli::Command& cmd) {
  auto opts = cmd.options<PolicyCheckOptions>();
  cmd.app().add_option("FILE", opts->files, "Rego policy files or directories (searched for .rego files)")->required();
  cmd.app().add_flag("--v0", opts->v0, "parse the policies as Rego v0 (without the v1 keywords)");
  cmd.description(
      "Parses and compiles Rego policies with the engine the KBS uses, as `opa check` does: syntax, unknown "
      "built-ins and functions, arities, unsafe variables, conflicting rules. The files are compiled together "
      "(a policy may call functions of another) with Trustee's host function query_reference_value declared. "
      "Every problem is reported as file:line:column: code: message (one parse error per file, since parsing "
      "stops at the first; every independent compile error). With -o json prints "
      "{\"files\":N,\"errors\":[{\"code\",\"message\",\"location\":{\"file\",\"row\",\"col\"}}]}. Exits 1 if any "
      "problem is found.");
  cmd.example("coco-kbs policy check resource.rego attestation.rego", "check two policies before uploading them");
  cmd.example("coco-kbs policy check --v0 old-policies/", "check policies written in Rego v0");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(auto sources, coco::rego::load_policy_sources(opts->files));
    if (sources.modules.empty()) {
      return coco::make_error(coco::Kind::usage, "no .rego files found");
    }
    const coco::rego::CheckReport report = coco::rego::check_policies(sources.modules, opts->v0);
    COCO_TRY_STATUS(ctx.output.emit(report.to_json(), [&](std::ostream& out) { out << report.to_text(); }));
    if (!report.ok()) {
      return coco::make_error(coco::Kind::failure, std::to_string(report.errors.size()) + " policy problem" +
                                                       (report.errors.size() == 1 ? "" : "s") + " found");
    }
    return coco::ok();
  });
}

} // namespace coco_kbs
