// coco-encrypt: ocicrypt layer encryption over the copy engine (common/oci/copy.hpp, common/ocicrypt).
#pragma once

#include <span>

#include "common/cli/command.hpp"

namespace coco_encrypt {

std::span<const coco::cli::CommandSpec> commands();

void register_decrypt(coco::cli::Command& cmd);
void register_encrypt(coco::cli::Command& cmd);
void register_inspect(coco::cli::Command& cmd);
void register_keygen(coco::cli::Command& cmd);
void register_recipients_add(coco::cli::Command& cmd);
void register_recipients_remove(coco::cli::Command& cmd);
void register_verify(coco::cli::Command& cmd);

} // namespace coco_encrypt
