// coco-kbs policy eval: a thin wrapper over coco::rego::policy_eval.
#include <memory>
#include <string>
#include <vector>

#include "common/base/atomic_file.hpp"
#include "common/rego/engine.hpp"
#include "tools/coco-kbs/commands.hpp"

namespace coco_kbs {
namespace {

struct PolicyEvalOptions {
  std::vector<std::string> policies;
  std::string data;
  std::string input;
  std::string query = "data.policy.allow";
  bool v0 = false;
  bool explain = false;
};

coco::Result<nlohmann::json> read_json_file(const std::string& path) {
  COCO_TRY(auto text, coco::read_file(path));
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    return coco::make_error(coco::Kind::invalid, path + ": not valid JSON");
  }
  return doc;
}

} // namespace

void register_policy_eval(coco::cli::Command& cmd) {
  auto opts = cmd.options<PolicyEvalOptions>();
  cmd.app().add_option("--policy", opts->policies, "a Rego policy file (repeatable)")->required();
  cmd.app().add_option("--data", opts->data, "a JSON file merged into data");
  cmd.app().add_option("--input", opts->input, "a JSON file used as input");
  cmd.app().add_option("--query", opts->query, "the reference to evaluate")->capture_default_str();
  cmd.app().add_flag("--v0", opts->v0, "parse the policies as Rego v0 (without the v1 keywords)");
  cmd.app().add_flag("--explain", opts->explain, "include the rules that decided the result");
  cmd.description("Evaluates a reference (data.policy.allow by default) over one or more Rego policy files with "
                  "the same engine the KBS uses for its resource and attestation policies. Prints the value as "
                  "JSON, or `undefined`; with -o json prints {\"defined\":true,\"value\":V}, {\"defined\":false} "
                  "or {\"error\":{...}}. Exits 1 when evaluation fails.");
  cmd.example("coco-kbs policy eval --policy policy.rego --input input.json", "is the request allowed");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    coco::rego::PolicyEvalRequest request;
    for (const std::string& path : opts->policies) {
      COCO_TRY(auto text, coco::read_file(path));
      request.policies.push_back(coco::rego::PolicyFile{path, std::move(text)});
    }
    if (!opts->data.empty()) {
      COCO_TRY(auto data, read_json_file(opts->data));
      request.data = std::move(data);
    }
    if (!opts->input.empty()) {
      COCO_TRY(auto input, read_json_file(opts->input));
      request.input = std::move(input);
    }
    request.query = opts->query;
    request.v0 = opts->v0;
    request.explain = opts->explain;
    const coco::rego::PolicyEvalResponse response = coco::rego::policy_eval(request);
    COCO_TRY_STATUS(ctx.output.emit(response.json, [&](std::ostream& out) { out << response.text << '\n'; }));
    if (response.failed) {
      return coco::make_error(coco::Kind::failure, "policy evaluation failed");
    }
    return coco::ok();
  });
}

} // namespace coco_kbs
