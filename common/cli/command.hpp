// Commands: how a coco tool declares its command line (tools only; library code never includes common/cli).
//
// HOW TO ADD A TOOL (tools/coco-foo/)
//   1. tools/coco-foo/commands.hpp declares `std::span<const coco::cli::CommandSpec> commands();` and one
//      `void register_<cmd>(coco::cli::Command&);` per command; tools/coco-foo/commands.cpp holds the table:
//        const coco::cli::CommandSpec k_commands[] = {
//            {"bar", "do the bar thing", register_bar},
//            {"secrets", "manage secrets", nullptr},            // a group: only holds subcommands
//            {"secrets put", "store a secret", register_secrets_put},
//        };
//   2. tools/coco-foo/main.cpp is exactly:
//        int main(int argc, char** argv) {
//          const coco::cli::Tool tool{"coco-foo", "one-line summary", coco_foo::commands(), "long description"};
//          coco::cli::report_and_exit(coco::cli::run(tool, argc, argv));
//        }
//   3. tools/coco-foo/CMakeLists.txt: `coco_add_tool(coco-foo main.cpp commands.cpp bar.cpp ...)`; add the tool
//      to the foreach in tools/CMakeLists.txt and to k_known_tools in tools/coco/commands.cpp (so `coco foo`
//      suggests it). Man pages and completions are generated from the table and tested automatically.
//
// HOW TO ADD A COMMAND (checklist)
//   1. One file per command, tools/coco-foo/<command>.cpp, defining `void register_<command>(Command& cmd)`:
//      declare an options struct, add CLI11 options bound to its fields on `cmd.app()`, call `cmd.run(...)`
//      with a handler returning coco::Status. Write output to ctx.streams.out (or ctx.output for -o json),
//      never std::cout; messages through coco::log; long work reports to ctx.progress.
//   2. Add a row to the tool's table in commands.cpp (path words separated by one space, summary lowercase
//      without a final period) and the file to the tool's coco_add_tool() list.
//   3. Options that users may also set in the environment or config.toml: `cmd.setting(opt, "foo.key")`; the
//      variable COCO_FOO_KEY must have a row (description, sensitive bit) in common/cli/env.cpp.
//      Do not use CLI11's ->required() on such options (env/config could satisfy them): pass required=true.
//   4. Optionally cmd.description("long text for the man page") and cmd.example("coco-foo bar x", "what it
//      does"); hand-written extras go in man/coco-foo-bar.examples and man/coco-foo-bar.see-also.
//   5. A unit test running the handler in-process: coco::cli::run(tool, Invocation{...}) with string streams.
//
// Example command:
//   namespace {
//   struct BarOptions { std::string name; bool force = false; };
//   } // namespace
//   void register_bar(coco::cli::Command& cmd) {
//     auto opts = cmd.options<BarOptions>();
//     cmd.app().add_option("NAME", opts->name, "what to bar")->required();
//     cmd.setting(cmd.app().add_flag("--force", opts->force, "overwrite"), "foo.force");
//     cmd.example("coco-foo bar x --force", "bar x even if it exists");
//     cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
//       if (opts->name.empty()) { return coco::make_error(coco::Kind::usage, "NAME must not be empty"); }
//       return ctx.output.emit({{"name", opts->name}}, [&](std::ostream& out) { out << opts->name << '\n'; });
//     });
//   }
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/base/progress.hpp"
#include "common/base/result.hpp"
#include "common/cli/options.hpp"
#include "common/cli/output.hpp"

namespace coco::cli {

class Settings;
struct ToolTree;

// Where a command reads and writes: std::cin/cout/cerr in a tool, string streams in a test.
struct Streams {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  static Streams standard();
};

// What a handler receives besides its own (already resolved) options.
struct Context {
  Streams streams;
  const GlobalOptions& global;
  Output& output;
  Progress& progress;
  const Settings& settings;   // every layered value with its origin (for `config view --show-origin`)
  std::string command_path;   // "coco-kbs secrets put"
};

using Handler = std::function<Status(Context&)>;

// A candidate for completion, with an optional description shown by zsh and fish.
struct Candidate {
  std::string value;
  std::string description;
};
// Dynamic completion values for a positional or an option (contexts, secret paths, ...).
using Completer = std::function<std::vector<Candidate>(std::string_view prefix)>;

// The registration side of one command, passed to its register function.
class Command {
public:
  Command(ToolTree& tree, CLI::App& app) : m_tree(tree), m_app(app) {}

  // Add options and positionals here (CLI11 API).
  [[nodiscard]] CLI::App& app() { return m_app; }
  // A value-initialised options struct that lives as long as the command tree (CLI11 writes into it after
  // the register function has returned): bind options to its fields and capture the pointer in the handler.
  template <typename T>
  std::shared_ptr<T> options() {
    auto p = std::make_shared<T>();
    keep(p);
    return p;
  }
  // The handler, run after parsing and after layered settings are resolved.
  Command& run(Handler handler);
  // Long description (man DESCRIPTION); the summary from the command table is its first line.
  Command& description(std::string text);
  // An example invocation for the man page's EXAMPLES section.
  Command& example(std::string command_line, std::string explanation);
  // Layer this option: flag > env COCO_<KEY> (dots and dashes become '_', upper case) > config.toml key >
  // default. `env` overrides the variable's name (e.g. REGISTRY_AUTH_FILE). The variable must be listed in
  // common/cli/env.cpp (checked at registration). required: an error names the flag, the variable and the key.
  CLI::Option* setting(CLI::Option* option, std::string key, std::string env = {}, bool required = false);
  // Restrict an option to fixed values (checked, completed, listed in the man page).
  CLI::Option* choices(CLI::Option* option, std::vector<std::string> values);
  // Dynamic completion for an option's value or for the command's positionals.
  Command& complete(CLI::Option* option, Completer completer);
  Command& complete_positionals(Completer completer);

private:
  void keep(std::shared_ptr<void> owned);
  ToolTree& m_tree;
  CLI::App& m_app;
};

using RegisterFn = void (*)(Command&);

// One row of a tool's command table (git's `commands[]`).
struct CommandSpec {
  std::string_view path;     // "secrets put": words separated by one space; parents come first in the table
  std::string_view summary;  // one line, lowercase, no final period
  RegisterFn register_fn;    // nullptr: a group that only holds subcommands
};

// For the `coco` dispatcher: a command that is another executable (`coco kbs ...` runs coco-kbs). Listed by
// help, the man page and completion (which asks the tool itself); never parsed by the dispatcher.
struct ExternalCommand {
  std::string_view name;     // "kbs"
  std::string_view summary;
};

struct Tool {
  std::string_view name;     // "coco-kbs"
  std::string_view summary;  // one line for NAME and `coco help`
  std::span<const CommandSpec> commands;
  std::string_view description;  // long description for the tool's own page
  // Called on the root app after the table's commands are registered (for a tool whose root itself takes
  // options and positionals). Usually empty.
  RegisterFn register_root = nullptr;
  std::span<const ExternalCommand> external = {};
};

} // namespace coco::cli
