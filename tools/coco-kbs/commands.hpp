// coco-kbs: the Key Broker Service server and its client commands.
#pragma once

#include <span>

#include "common/cli/command.hpp"

namespace coco_kbs {

std::span<const coco::cli::CommandSpec> commands();

void register_serve(coco::cli::Command& cmd);
void register_policy_eval(coco::cli::Command& cmd);
void register_policy_test(coco::cli::Command& cmd);
void register_policy_check(coco::cli::Command& cmd);
void register_policy_set(coco::cli::Command& cmd);
void register_policy_get(coco::cli::Command& cmd);
void register_explain(coco::cli::Command& cmd);
void register_secrets_put(coco::cli::Command& cmd);
void register_secrets_delete(coco::cli::Command& cmd);
void register_secrets_get(coco::cli::Command& cmd);
void register_secrets_list(coco::cli::Command& cmd);
void register_secrets_history(coco::cli::Command& cmd);
void register_secrets_rollback(coco::cli::Command& cmd);
void register_secrets_undelete(coco::cli::Command& cmd);
void register_rv_register(coco::cli::Command& cmd);
void register_rv_get(coco::cli::Command& cmd);
void register_rv_list(coco::cli::Command& cmd);
void register_rv_delete(coco::cli::Command& cmd);
void register_status(coco::cli::Command& cmd);
void register_config_set_context(coco::cli::Command& cmd);
void register_config_use_context(coco::cli::Command& cmd);
void register_config_get_contexts(coco::cli::Command& cmd);
void register_config_current_context(coco::cli::Command& cmd);
void register_config_delete_context(coco::cli::Command& cmd);
void register_auth_keygen(coco::cli::Command& cmd);
void register_auth_token(coco::cli::Command& cmd);
void register_auth_config_snippet(coco::cli::Command& cmd);
// Root options shared by the client commands (tools/coco-kbs/connection.cpp).
void register_connection_root(coco::cli::Command& cmd);

} // namespace coco_kbs
