#include "common/cli/run.hpp"
#include "tools/coco/commands.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  if (std::optional<coco::cli::Outcome> failed = coco_tool::dispatch_external(args)) {
    coco::cli::report_and_exit(*failed);
  }
  coco::cli::report_and_exit(coco::cli::run(coco_tool::tool(), argc, argv));
}
