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
void register_explain(coco::cli::Command& cmd);
void register_secrets_put(coco::cli::Command& cmd);
void register_secrets_delete(coco::cli::Command& cmd);

} // namespace coco_kbs
