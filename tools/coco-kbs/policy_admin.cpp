// coco-kbs policy set/get: upload resource and attestation policies through Trustee's admin API
// (POST /kbs/v0/resource-policy, POST /kbs/v0/attestation-policy) after compiling them locally with coco's
// Rego engine, and read them back from coco-kbs serve (/kbs/coco/v1/...-policy/<id>).
#include <memory>
#include <string>

#include "common/base/atomic_file.hpp"
#include "common/kbs/policy.hpp"
#include "tools/coco-kbs/commands.hpp"
#include "tools/coco-kbs/connection.hpp"

namespace coco_kbs {
namespace {

namespace admin = coco::kbs::admin;

// Built-in resource policies by name, as kbs-client's set-resource-policy flags (the text is coco's own).
constexpr std::string_view k_allow_all = "package policy\n\ndefault allow = true\n";
constexpr std::string_view k_deny_all = "package policy\n\ndefault allow = false\n";
constexpr std::string_view k_affirming =
    "package policy\nimport rego.v1\n\n# Release only to a requester whose every EAR submodule is affirming.\n"
    "default allow := false\n\nallow if {\n\tcount(input.submods) > 0\n\tnot some_submod_not_affirming\n}\n\n"
    "some_submod_not_affirming if {\n\tsome _, submod in input.submods\n\tsubmod[\"ear.status\"] != \"affirming\"\n}\n";

struct PolicySetOptions {
  std::string kind;
  std::string file;
  std::string id;
  bool dry_run = false;
  bool allow_all = false;
  bool deny_all = false;
  bool affirming = false;
  bool default_policy = false;
};

struct PolicyGetOptions {
  std::string kind;
  std::string id;
  std::string out;
};

} // namespace

void register_policy_set(coco::cli::Command& cmd) {
  auto opts = cmd.options<PolicySetOptions>();
  auto curl = add_print_curl(cmd);
  auto& app = cmd.app();
  cmd.choices(app.add_option("KIND", opts->kind, "resource or attestation")->required(), {"resource", "attestation"});
  app.add_option("FILE", opts->file, "the Rego policy");
  app.add_option("--id", opts->id, "the attestation policy id (default default_cpu)");
  app.add_flag("--dry-run", opts->dry_run, "compile the policy and stop (nothing is sent)");
  auto* allow = app.add_flag("--allow-all", opts->allow_all, "resource policy: release to everyone");
  auto* deny = app.add_flag("--deny-all", opts->deny_all, "resource policy: release to no one");
  auto* affirming = app.add_flag("--affirming", opts->affirming, "resource policy: release when every EAR submodule is affirming");
  auto* def = app.add_flag("--default", opts->default_policy, "resource policy: coco's default (any attested TEE but sample)");
  allow->excludes(deny)->excludes(affirming)->excludes(def);
  deny->excludes(affirming)->excludes(def);
  affirming->excludes(def);
  cmd.description("Uploads a resource policy (POST /kbs/v0/resource-policy) or an attestation policy (POST "
                  "/kbs/v0/attestation-policy, id default_cpu unless --id) after compiling it with coco's Rego engine, "
                  "so a policy that does not parse never reaches the server. Built-in resource policies by name as "
                  "kbs-client's: --allow-all, --deny-all, --affirming, --default.");
  cmd.example("coco-kbs policy set resource policy.rego --dry-run", "check a policy without uploading it");
  cmd.example("coco-kbs policy set resource --affirming", "release secrets to affirming TEEs only");
  cmd.example("coco-kbs policy set attestation ear_default_policy_cpu.rego --id default_cpu", "set the CPU attestation policy");
  cmd.run([opts, curl](coco::cli::Context& ctx) -> coco::Status {
    const bool resource = opts->kind == "resource";
    std::string text;
    std::string source;
    const bool builtin = opts->allow_all || opts->deny_all || opts->affirming || opts->default_policy;
    if (builtin && !opts->file.empty()) {
      return coco::make_error(coco::Kind::usage, "give a policy FILE or a built-in policy flag, not both");
    }
    if (builtin && !resource) {
      return coco::make_error(coco::Kind::usage, "built-in policies are resource policies",
                              "give an attestation policy FILE");
    }
    if (opts->allow_all) {
      text = k_allow_all;
      source = "allow-all";
    } else if (opts->deny_all) {
      text = k_deny_all;
      source = "deny-all";
    } else if (opts->affirming) {
      text = k_affirming;
      source = "affirming";
    } else if (opts->default_policy) {
      text = coco::kbs::default_resource_policy();
      source = "default";
    } else if (!opts->file.empty()) {
      COCO_TRY(auto t, coco::read_file(opts->file));
      text = std::move(t);
      source = opts->file;
    } else {
      return coco::make_error(coco::Kind::usage, "no policy given",
                              "give a Rego FILE, or one of --allow-all --deny-all --affirming --default");
    }
    if (resource && !opts->id.empty()) {
      return coco::make_error(coco::Kind::usage, "--id is for attestation policies (the resource policy has one id)");
    }
    const std::string id = resource ? std::string(coco::kbs::k_resource_policy_id)
                                    : (opts->id.empty() ? std::string(coco::kbs::k_default_attestation_policy_id) : opts->id);
    auto engine = coco::kbs::make_policy_engine();
    coco::Status compiled = resource ? engine->check_resource_policy(text) : engine->check_attestation_policy(text);
    if (!compiled) {
      return coco::make_error(coco::Kind::invalid, source + ": the policy does not compile: " + compiled.error().message,
                              "check it with coco-kbs policy eval --policy " + source);
    }
    if (opts->dry_run) {
      return ctx.output.emit({{"kind", opts->kind}, {"id", id}, {"source", source}, {"compiles", true}, {"sent", false}},
                             [&](std::ostream& out) { out << source << ": compiles (" << opts->kind << " policy " << id << "); not sent\n"; });
    }
    COCO_TRY(auto endpoint, resolve_endpoint(ctx));
    const coco::kbs::AdminRequest request = resource ? admin::resource_policy_set(text) : admin::attestation_policy_set(id, text);
    COCO_TRY(auto exchange, admin_send(ctx, coco::kbs::AdminClient(endpoint), request, *curl));
    if (exchange.response.status == 0) {
      return coco::ok();
    }
    return ctx.output.emit({{"kind", opts->kind}, {"id", id}, {"source", source}, {"compiles", true}, {"sent", true}},
                           [&](std::ostream& out) { out << "set " << opts->kind << " policy " << id << " from " << source << '\n'; });
  });
}

void register_policy_get(coco::cli::Command& cmd) {
  auto opts = cmd.options<PolicyGetOptions>();
  auto curl = add_print_curl(cmd);
  auto& app = cmd.app();
  cmd.choices(app.add_option("KIND", opts->kind, "resource or attestation")->required(), {"resource", "attestation"});
  app.add_option("--id", opts->id, "the policy id (default resource-policy / default_cpu)");
  app.add_option("--out", opts->out, "write the policy to FILE instead of standard output")->type_name("FILE");
  cmd.description("Prints a stored policy's text, read back from coco-kbs serve (GET /kbs/coco/v1/resource-policy/ID "
                  "or /kbs/coco/v1/attestation-policy/ID). Trustee cannot return policy text (its GET "
                  "/kbs/v0/resource-policy lists ids only): against Trustee this says so and exits 1.");
  cmd.example("coco-kbs policy get resource > current.rego", "save the resource policy");
  cmd.run([opts, curl](coco::cli::Context& ctx) -> coco::Status {
    const bool resource = opts->kind == "resource";
    const std::string id = !opts->id.empty() ? opts->id
                           : resource       ? std::string(coco::kbs::k_resource_policy_id)
                                            : std::string(coco::kbs::k_default_attestation_policy_id);
    COCO_TRY(auto endpoint, resolve_endpoint(ctx));
    const coco::kbs::AdminRequest request = resource ? admin::resource_policy_get(id) : admin::attestation_policy_get(id);
    COCO_TRY(auto exchange, admin_send(ctx, coco::kbs::AdminClient(endpoint), request, *curl));
    if (exchange.response.status == 0) {
      return coco::ok();
    }
    const std::string& text = exchange.response.body;
    if (!opts->out.empty()) {
      COCO_TRY_STATUS(coco::write_file_atomic(opts->out, text, 0644));
      return ctx.output.emit({{"kind", opts->kind}, {"id", id}, {"out", opts->out}},
                             [&](std::ostream& out) { out << "wrote " << opts->kind << " policy " << id << " to " << opts->out << '\n'; });
    }
    return ctx.output.emit({{"kind", opts->kind}, {"id", id}, {"policy", text}}, [&](std::ostream& out) { out << text; });
  });
}

} // namespace coco_kbs
