// `coco TOOL ARGS...` runs coco-TOOL (git's execv_dashed_external): beside the coco executable first, so a
// build tree or an install prefix uses its own tools, then on PATH.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "common/cli/spell.hpp"
#include "tools/coco/commands.hpp"

namespace coco_tool {
namespace {

bool is_builtin(std::string_view word) {
  for (const coco::cli::CommandSpec& spec : commands()) {
    if (spec.path == word) {
      return true;
    }
  }
  return false;
}

bool is_known_tool(std::string_view word) {
  for (const coco::cli::ExternalCommand& t : known_tools()) {
    if (t.name == word) {
      return true;
    }
  }
  return false;
}

bool valid_tool_name(std::string_view name) {
  if (name.empty() || name[0] == '-' || name[0] == '_') {
    return false;
  }
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return false;
    }
  }
  return true;
}

bool executable(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

coco::cli::Outcome failure(coco::Error err) {
  coco::cli::Outcome outcome;
  outcome.status = std::move(err);
  outcome.program = "coco";
  outcome.command = "coco";
  return outcome;
}

// Replaces the process with coco-NAME; returns only if exec failed.
coco::cli::Outcome exec_tool(const std::string& path, const std::string& name, std::vector<std::string> args) {
  std::vector<char*> argv;
  std::string argv0 = "coco-" + name;
  argv.push_back(argv0.data());
  for (std::string& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  ::execv(path.c_str(), argv.data());
  return failure(coco::make_error(coco::Kind::failure, "cannot run " + path + ": " + std::strerror(errno)));
}

} // namespace

std::string self_directory() {
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : self.parent_path().string();
}

std::optional<std::string> find_tool(std::string_view name) {
  if (!valid_tool_name(name)) {
    return std::nullopt;
  }
  const std::string file = "coco-" + std::string(name);
  if (std::string dir = self_directory(); !dir.empty() && executable(std::filesystem::path(dir) / file)) {
    return (std::filesystem::path(dir) / file).string();
  }
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "";
  while (!rest.empty()) {
    const std::size_t colon = rest.find(':');
    std::string dir(rest.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    if (!dir.empty() && executable(std::filesystem::path(dir) / file)) {
      return (std::filesystem::path(dir) / file).string();
    }
  }
  return std::nullopt;
}

std::optional<coco::cli::Outcome> dispatch_external(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "__complete") {
    // `coco __complete kbs secr` asks `coco-kbs __complete secr`, unless the tool's name is the word being
    // completed (then coco lists its commands and tools itself).
    std::vector<std::string> words(args.begin() + 1, args.end());
    const std::size_t i = coco::cli::first_command_word(words);
    if (i + 1 < words.size() && !is_builtin(words[i])) {
      if (std::optional<std::string> path = find_tool(words[i])) {
        std::string name = words[i];
        words.erase(words.begin() + static_cast<std::ptrdiff_t>(i));
        words.insert(words.begin(), "__complete");
        return exec_tool(*path, name, std::move(words));
      }
    }
    return std::nullopt;
  }
  if (!args.empty() && args[0].starts_with("__")) {
    return std::nullopt;
  }
  const std::size_t i = coco::cli::first_command_word(args);
  if (i >= args.size() || is_builtin(args[i])) {
    return std::nullopt;
  }
  const std::string& word = args[i];
  std::optional<std::string> path = find_tool(word);
  if (!path) {
    if (is_known_tool(word)) {
      return failure(coco::make_error(coco::Kind::not_found, "coco-" + word + " is not installed",
                                      "build it, or put the directory holding it on PATH"));
    }
    std::vector<std::string> names;
    for (const coco::cli::ExternalCommand& t : known_tools()) {
      names.emplace_back(t.name);
    }
    for (const coco::cli::CommandSpec& spec : commands()) {
      names.emplace_back(spec.path);
    }
    coco::Error err = coco::make_error(coco::Kind::usage, "'" + word + "' is not a coco command");
    if (std::optional<std::string> s = coco::cli::suggest(word, names)) {
      err.hint = "did you mean '" + *s + "'?";
    }
    return failure(std::move(err));
  }
  std::vector<std::string> rest;
  for (std::size_t j = 0; j < args.size(); ++j) {
    if (j != i) {
      rest.push_back(args[j]);
    }
  }
  return exec_tool(*path, word, std::move(rest));
}

} // namespace coco_tool
