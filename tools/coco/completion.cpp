// coco completion SHELL: the completion script for coco (which completes every tool through `coco TOOL`).
#include <memory>

#include "common/cli/docs.hpp"
#include "tools/coco/commands.hpp"

namespace coco_tool {

void register_completion(coco::cli::Command& cmd) {
  auto shell = cmd.options<std::string>();
  auto program = cmd.options<std::string>();
  *program = "coco";
  cmd.choices(cmd.app().add_option("SHELL", *shell, "bash, zsh or fish")->required(), {"bash", "zsh", "fish"});
  cmd.app()
      .add_option("--program", *program, "the tool to write the script for (coco, coco-kbs, ...)")
      ->type_name("NAME");
  cmd.description("Prints a completion script on standard output. The script asks the program itself for "
                  "candidates (`coco __complete WORDS...`), so it never goes stale. `cmake --install` also "
                  "installs a script per tool where bash-completion, zsh and fish look for them; this command "
                  "is for shells set up by hand. The output is the script even with -o json.");
  cmd.example("source <(coco completion bash)", "enable completion in the current bash");
  cmd.example("coco completion zsh > \"${fpath[1]}/_coco\"", "install it for zsh");
  cmd.example("coco completion fish > ~/.config/fish/completions/coco.fish", "install it for fish");
  cmd.run([shell, program](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(std::string script, coco::cli::completion_script(*shell, *program));
    ctx.streams.out << script;
    ctx.streams.out.flush();
    if (!ctx.streams.out) {
      return coco::make_error(coco::Kind::io, "cannot write to standard output");
    }
    return coco::ok();
  });
}

} // namespace coco_tool
