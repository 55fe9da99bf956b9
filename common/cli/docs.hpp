// Generated documentation: man pages and shell completion scripts, from a tool's command tree (the walker in
// docs.cpp reads CLI11's App/Option tree plus the table's descriptions and examples).
#pragma once

#include <string>
#include <string_view>

#include "common/base/result.hpp"

namespace coco::cli {

// The completion script of `program` for bash, zsh or fish (the glue of completions/coco.<shell> with the
// program's name); the script asks `program __complete` for candidates.
Result<std::string> completion_script(std::string_view shell, std::string_view program);
// Where a shell looks for a completion file, relative to <prefix>/share, and the file name for `program`.
Result<std::string> completion_path(std::string_view shell, std::string_view program);

} // namespace coco::cli
