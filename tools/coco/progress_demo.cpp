// coco __progress-demo: a hidden command for the end-to-end tests of the progress reporter and of interruption.
// It pretends to transfer a few blobs, reporting to ctx.progress and polling coco::interrupted() between chunks
// as library code does.
#include <chrono>
#include <thread>

#include "common/base/interrupt.hpp"
#include "tools/coco/commands.hpp"

namespace coco_tool {
namespace {
struct DemoOptions {
  int tasks = 2;
  std::uint64_t size = 4 << 20;
  int duration_ms = 600;
};
} // namespace

void register_progress_demo(coco::cli::Command& cmd) {
  cmd.app().group("");  // hidden: no page, no completion, not in --list-commands
  auto opts = cmd.options<DemoOptions>();
  cmd.app().add_option("--tasks", opts->tasks, "number of simulated transfers")->check(CLI::Range(1, 8));
  cmd.app().add_option("--size", opts->size, "bytes per transfer");
  cmd.app().add_option("--duration-ms", opts->duration_ms, "how long the transfers take")->check(CLI::Range(0, 60000));
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    constexpr int k_steps = 20;
    const std::uint64_t chunk = opts->size / k_steps;
    for (int t = 0; t < opts->tasks; ++t) {
      ctx.progress.begin("sha256:" + std::to_string(t), "blob " + std::to_string(t), opts->size);
    }
    for (int step = 0; step < k_steps; ++step) {
      std::this_thread::sleep_for(std::chrono::milliseconds(opts->duration_ms / k_steps));
      if (coco::interrupted()) {
        for (int t = 0; t < opts->tasks; ++t) {
          ctx.progress.end("sha256:" + std::to_string(t), "failed");
        }
        return coco::make_error(coco::Kind::interrupted, "interrupted");
      }
      for (int t = 0; t < opts->tasks; ++t) {
        ctx.progress.advance("sha256:" + std::to_string(t), step + 1 == k_steps ? opts->size - chunk * (k_steps - 1) : chunk);
      }
    }
    for (int t = 0; t < opts->tasks; ++t) {
      ctx.progress.end("sha256:" + std::to_string(t), "done");
    }
    return ctx.output.emit({{"tasks", opts->tasks}, {"bytes", opts->size * static_cast<std::uint64_t>(opts->tasks)}},
                           [&](std::ostream& out) { out << "transferred " << opts->tasks << " blobs\n"; });
  });
}

} // namespace coco_tool
