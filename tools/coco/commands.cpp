// The command table of `coco` (git's commands[]): one row per built-in command, one file per command.
#include "tools/coco/commands.hpp"

namespace coco_tool {
namespace {

const coco::cli::CommandSpec k_commands[] = {
    {"completion", "print the shell completion script for coco", register_completion},
    {"env", "list the environment variables coco reads", register_env},
    {"help", "show the manual page of a tool or command", register_help},
    {"version", "print the version of coco and of the libraries it uses", register_version},
    {"__progress-demo", "simulate transfers (for tests)", register_progress_demo},
};

const coco::cli::ExternalCommand k_known_tools[] = {
    {"attest", "gather and verify TEE evidence (coco-attest)"},
    {"encrypt", "encrypt and decrypt container image layers (coco-encrypt)"},
    {"kbs", "Key Broker Service client and server (coco-kbs)"},
    {"sign", "sign container images (coco-sign)"},
    {"verify", "verify container image signatures against a policy (coco-verify)"},
};

const coco::cli::Tool k_tool{
    "coco",
    "Confidential Containers toolkit",
    k_commands,
    "coco runs the tools of the Confidential Containers toolkit: `coco TOOL ARGS...` runs coco-TOOL, found "
    "beside coco first and then on PATH, as git runs its commands. It also has built-in commands to show "
    "manual pages, print version information, completion scripts and the environment variables coco reads.",
    nullptr,
    k_known_tools,
};

} // namespace

const coco::cli::Tool& tool() { return k_tool; }
std::span<const coco::cli::CommandSpec> commands() { return k_commands; }
std::span<const coco::cli::ExternalCommand> known_tools() { return k_known_tools; }

} // namespace coco_tool
