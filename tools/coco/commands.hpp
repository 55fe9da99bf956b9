// The `coco` dispatcher: built-in commands (help, version, completion, env) and the other tools it runs
// (`coco kbs ...` runs coco-kbs, found beside coco first, then on PATH).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/cli/command.hpp"
#include "common/cli/run.hpp"

namespace coco_tool {

const coco::cli::Tool& tool();
std::span<const coco::cli::CommandSpec> commands();
// The tools `coco X` runs as coco-X.
std::span<const coco::cli::ExternalCommand> known_tools();

void register_completion(coco::cli::Command& cmd);
void register_env(coco::cli::Command& cmd);
void register_help(coco::cli::Command& cmd);
void register_progress_demo(coco::cli::Command& cmd);
void register_version(coco::cli::Command& cmd);

// The directory holding the running executable (readlink /proc/self/exe), "" if unknown.
std::string self_directory();
// coco-NAME beside coco, else on PATH; nullopt when neither exists.
std::optional<std::string> find_tool(std::string_view name);
// If args name a tool rather than a built-in command, exec it (never returns on success) and return the
// failure; nullopt when the dispatcher itself should run the command.
std::optional<coco::cli::Outcome> dispatch_external(const std::vector<std::string>& args);

} // namespace coco_tool
