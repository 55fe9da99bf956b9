#include "tools/coco-kbs/commands.hpp"

namespace coco_kbs {
namespace {

const coco::cli::CommandSpec k_commands[] = {
    {"serve", "run a Key Broker Service", register_serve},
    {"policy", "work with KBS Rego policies", nullptr},
    {"policy eval", "evaluate a Rego policy as the KBS does", register_policy_eval},
    {"policy test", "run the test_* rules of Rego policies, as opa test", register_policy_test},
    {"policy check", "parse and compile Rego policies, reporting every problem", register_policy_check},
    {"explain", "show why the KBS decided a request", register_explain},
    {"secrets", "manage the secrets a KBS releases", nullptr},
    {"secrets put", "store a secret", register_secrets_put},
    {"secrets delete", "delete a secret", register_secrets_delete},
};

} // namespace

std::span<const coco::cli::CommandSpec> commands() { return k_commands; }

} // namespace coco_kbs
