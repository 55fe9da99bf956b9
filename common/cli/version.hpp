// Versions of the libraries coco is linked with, for `coco version`: asked of the library at run time where it
// can tell (OpenSSL, libcurl, SQLite, ...), else the version of the headers coco was built with (CLI11,
// nlohmann-json, toml++). RE2 exposes no version and is not listed.
#pragma once

#include <string>
#include <vector>

namespace coco::cli {

struct LibraryVersion {
  std::string name;
  std::string version;
};

std::vector<LibraryVersion> linked_library_versions();

} // namespace coco::cli
