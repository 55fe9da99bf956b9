// Running a tool: parse, resolve, call the handler, and (in main only) report and exit.
//
// run() never prints an error and never exits: it returns an Outcome. report_and_exit() is the one place that
// turns an Error into `coco-X: error: WHAT: WHY`, an optional `hint: ...` line and the exit code, and it is
// called only from each tool's main(). Exit codes (documented in every man page):
//   0 ok, 1 failure, 2 usage, 3 a verification or policy said no, 70 internal error, 130 interrupted.
#pragma once

#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/cli/command.hpp"
#include "common/cli/settings.hpp"

namespace coco::cli {

struct Outcome {
  Status status;
  std::string program;   // "coco-kbs"
  std::string command;   // the command the error is about, for the usage line: "coco-kbs secrets put"
  bool color = false;
};

// Everything an invocation reads from outside; tests replace the streams and the environment.
struct Invocation {
  std::vector<std::string> args;  // without argv[0]
  Streams streams;
  EnvLookup env = process_env();
  bool stderr_is_terminal = false;
};

// Parse and run in-process (tests): no signal handlers, nothing printed but through invocation.streams.
Outcome run(const Tool& tool, Invocation invocation);
// For main(): standard streams, the process environment, SIGINT/SIGTERM handlers (coco::interrupted()).
Outcome run(const Tool& tool, int argc, char** argv);

// `coco-kbs: error: WHAT: WHY` [+ `hint: ...`] [+ `Run 'coco-kbs secrets put --help' for usage.`], each line
// ending in '\n'.
std::string format_error(const Outcome& outcome);
// Prints the error (if any) to `err` and returns the exit code.
int report(const Outcome& outcome, std::ostream& err);
// Closes stdout (reporting a failed write, as git does), reports, exits. Only tools' main() call it.
[[noreturn]] void report_and_exit(const Outcome& outcome);

// The exit codes with their meaning, for the man pages' EXIT STATUS.
struct ExitStatusDoc {
  int code;
  std::string_view meaning;
};
std::span<const ExitStatusDoc> exit_status_docs();

// The global options that take a value (for a dispatcher that looks for the first command word).
// Returns the index in args of the first word that is not an option or an option's value, or args.size().
std::size_t first_command_word(std::span<const std::string> args);

} // namespace coco::cli
