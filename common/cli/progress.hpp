// The progress reporter behind coco::Progress (common/base/progress.hpp), chosen from the global options:
//   a terminal (stderr is a TTY, not -q, TERM not dumb): one bar per task with bytes, rate and ETA, redrawn
//     at most every 100 ms and cleared when the task ends;
//   -o json (not -q): one JSON object per line on stderr for begin and end, and advances at most every second;
//   otherwise (a pipe, a log file, -q): nothing.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <ostream>

#include "common/base/progress.hpp"
#include "common/cli/options.hpp"

namespace coco::cli {

using Clock = std::function<std::chrono::steady_clock::time_point()>;

std::unique_ptr<Progress> make_progress(const GlobalOptions& global, std::ostream& err);

// The two visible reporters, for tests (a fake clock makes rate and ETA deterministic).
std::unique_ptr<Progress> make_bar_progress(std::ostream& err, int width, Clock clock = {});
std::unique_ptr<Progress> make_json_progress(std::ostream& err, Clock clock = {});

// "1.5 MiB", "999 B": binary units with one decimal.
std::string format_bytes(std::uint64_t bytes);
// "1m05s", "12s", "2h03m".
std::string format_duration(std::chrono::seconds duration);

} // namespace coco::cli
