// What the benchmark programs report about their environment: where the shared vectors are and how loaded
// the machine was (figures taken under load are not comparable, so every benchmark prints it).
#pragma once

#include <stdlib.h>

#include <filesystem>

namespace coco::bench {

// $COCO_SHARED_DIR, else the ../shared beside the source tree (COCO_SHARED_DIR at build time).
inline std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("COCO_SHARED_DIR")) {
    return env;
  }
  return COCO_SHARED_DIR;
}

// The one-minute load average, -1 when unknown.
inline double load_average() {
  double l[1] = {0};
  return ::getloadavg(l, 1) == 1 ? l[0] : -1;
}

} // namespace coco::bench
