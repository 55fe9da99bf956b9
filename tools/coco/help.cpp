// coco help [TOOL [COMMAND...]]: the manual page coco-TOOL-COMMAND(1), as `git help` does; the page beside the
// executable (../share/man/man1, a build tree or an install prefix) first, then man's own search; without man
// or the page, the command's --help output.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <filesystem>
#include <memory>

#include "common/cli/spell.hpp"
#include "tools/coco/commands.hpp"

extern char** environ;

namespace coco_tool {
namespace {

// Runs argv, optionally with stdout and stderr sent to /dev/null; returns the exit status, or -1 if it could
// not be started.
int spawn_and_wait(const std::vector<std::string>& args, bool quiet) {
  std::vector<char*> argv;
  std::vector<std::string> copy = args;
  for (std::string& a : copy) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (quiet) {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  }
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return -1;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return -1;
    }
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool is_builtin(std::string_view word) {
  for (const coco::cli::CommandSpec& spec : commands()) {
    if (spec.path == word) {
      return true;
    }
  }
  return false;
}

std::vector<coco::cli::Candidate> help_candidates(std::string_view /*prefix*/) {
  std::vector<coco::cli::Candidate> out;
  for (const coco::cli::ExternalCommand& t : known_tools()) {
    out.push_back({std::string(t.name), std::string(t.summary)});
  }
  for (const coco::cli::CommandSpec& spec : commands()) {
    out.push_back({std::string(spec.path), std::string(spec.summary)});
  }
  return out;
}

} // namespace

void register_help(coco::cli::Command& cmd) {
  auto words = cmd.options<std::vector<std::string>>();
  cmd.app().add_option("TOPIC", *words, "a tool and optionally its command, e.g. kbs secrets put");
  cmd.complete_positionals(help_candidates);
  cmd.description("Shows the manual page of coco, of a tool (coco help kbs shows coco-kbs(1)) or of one of its "
                  "commands (coco help kbs secrets put shows coco-kbs-secrets-put(1)). The pages installed beside "
                  "the executable are preferred; when man or the page is missing, the command's --help is printed.");
  cmd.example("coco help", "the coco page, listing the tools");
  cmd.example("coco help kbs", "the coco-kbs page");
  cmd.run([words](coco::cli::Context& ctx) -> coco::Status {
    std::string page = "coco";
    for (const std::string& w : *words) {
      page += "-" + w;
    }
    std::vector<std::string> fallback;
    if (words->empty() || is_builtin(words->front())) {
      fallback.push_back("/proc/self/exe");
      fallback.insert(fallback.end(), words->begin(), words->end());
    } else {
      std::optional<std::string> tool_path = find_tool(words->front());
      if (!tool_path) {
        std::vector<std::string> names;
        for (const coco::cli::Candidate& c : help_candidates("")) {
          names.push_back(c.value);
        }
        coco::Error err = coco::make_error(coco::Kind::usage, "no help for '" + words->front() + "': not a coco tool or command");
        if (std::optional<std::string> s = coco::cli::suggest(words->front(), names)) {
          err.hint = "did you mean '" + *s + "'?";
        }
        return err;
      }
      fallback.push_back(*tool_path);
      fallback.insert(fallback.end(), words->begin() + 1, words->end());
    }
    fallback.emplace_back("--help");
    ctx.streams.out.flush();

    const std::filesystem::path local =
        std::filesystem::path(self_directory()) / ".." / "share" / "man" / "man1" / (page + ".1");
    std::error_code ec;
    if (std::filesystem::exists(local, ec)) {
      if (spawn_and_wait({"man", "-l", local.lexically_normal().string()}, false) == 0) {
        return coco::ok();
      }
    } else if (spawn_and_wait({"man", "-w", page}, true) == 0 && spawn_and_wait({"man", page}, false) == 0) {
      return coco::ok();
    }
    const int rc = spawn_and_wait(fallback, false);
    if (rc != 0) {
      return coco::make_error(coco::Kind::failure, "no manual page " + page + "(1), and its --help failed");
    }
    return coco::ok();
  });
}

} // namespace coco_tool
