// A small tool with nested commands for the cli tests, run in-process with string streams.
#pragma once

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/cli/run.hpp"

namespace coco::test {

struct Ran {
  cli::Outcome outcome;
  std::string out;
  std::string err;
  int code = 0;
};

inline Ran run_tool(const cli::Tool& tool, std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  std::istringstream in;
  std::ostringstream out;
  std::ostringstream err;
  if (env.find("HOME") == env.end()) {
    env["HOME"] = "/nonexistent-coco-test-home";
  }
  cli::Invocation inv{std::move(args), cli::Streams{in, out, err}, cli::map_env(std::move(env)), false};
  Ran ran{cli::run(tool, std::move(inv)), {}, {}, 0};
  ran.code = cli::report(ran.outcome, err);
  ran.out = out.str();
  ran.err = err.str();
  return ran;
}

} // namespace coco::test
