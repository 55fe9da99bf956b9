// Progress: how library code reports long work without printing.
//
// Library functions that move many bytes take a `Progress&` and call begin/advance/end per task (one task per
// blob or layer). common/cli implements it as bars with rate and ETA on a terminal, JSON lines with -o json,
// and nothing with -q or when stderr is not a terminal. `Progress::none()` discards everything.
#pragma once

#include <cstdint>
#include <string_view>

namespace coco {

class Progress {
public:
  Progress() = default;
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  virtual ~Progress() = default;

  // A task is identified by an id unique within the run (e.g. a blob digest); total 0 means unknown.
  virtual void begin(std::string_view id, std::string_view label, std::uint64_t total) = 0;
  virtual void advance(std::string_view id, std::uint64_t bytes) = 0;
  // status: "done", "skipped" (blob already present), "failed".
  virtual void end(std::string_view id, std::string_view status) = 0;

  static Progress& none();
};

} // namespace coco
