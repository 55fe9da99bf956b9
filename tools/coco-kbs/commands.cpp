#include "tools/coco-kbs/commands.hpp"

namespace coco_kbs {
namespace {

const coco::cli::CommandSpec k_commands[] = {
    {"serve", "run a Key Broker Service", register_serve},
    {"status", "check a KBS: reachability, TLS, protocol version, admin access", register_status},
    {"secrets", "manage the secrets a KBS releases", nullptr},
    {"secrets put", "store a secret", register_secrets_put},
    {"secrets delete", "delete a secret", register_secrets_delete},
    {"secrets get", "read a secret back (coco-kbs serve)", register_secrets_get},
    {"secrets list", "list the stored secrets (coco-kbs serve)", register_secrets_list},
    {"secrets history", "list the versions of a secret (coco-kbs serve)", register_secrets_history},
    {"secrets rollback", "make an earlier version current again (coco-kbs serve)", register_secrets_rollback},
    {"secrets undelete", "restore a deleted secret (coco-kbs serve)", register_secrets_undelete},
    {"policy", "work with KBS Rego policies", nullptr},
    {"policy eval", "evaluate a Rego policy as the KBS does", register_policy_eval},
    {"policy set", "upload a resource or attestation policy", register_policy_set},
    {"policy get", "print a stored policy (coco-kbs serve)", register_policy_get},
    {"policy test", "run the test_* rules of Rego policies, as opa test", register_policy_test},
    {"policy check", "parse and compile Rego policies, reporting every problem", register_policy_check},
    {"rv", "manage reference values", nullptr},
    {"rv register", "register reference values (RVPS message)", register_rv_register},
    {"rv get", "print one reference value", register_rv_get},
    {"rv list", "list the reference values (coco-kbs serve)", register_rv_list},
    {"rv delete", "delete a reference value (coco-kbs serve)", register_rv_delete},
    {"explain", "show why the KBS decided a request", register_explain},
    {"config", "named KBS connections (contexts)", nullptr},
    {"config set-context", "create or update a context", register_config_set_context},
    {"config use-context", "make a context the current one", register_config_use_context},
    {"config get-contexts", "list the contexts", register_config_get_contexts},
    {"config current-context", "print the current context", register_config_current_context},
    {"config delete-context", "remove a context", register_config_delete_context},
    {"auth", "admin keys and tokens", nullptr},
    {"auth keygen", "generate an admin key pair", register_auth_keygen},
    {"auth token", "mint an admin bearer token", register_auth_token},
    {"auth config-snippet", "print the [admin] config trusting an admin key", register_auth_config_snippet},
};

} // namespace

std::span<const coco::cli::CommandSpec> commands() { return k_commands; }

} // namespace coco_kbs
