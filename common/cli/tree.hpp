// The command tree of one tool: the CLI11 App tree built from the tool's command table, plus what CLI11 cannot
// hold (handlers, long descriptions, examples, layered settings, completion). Internal to common/cli: run(),
// the docs walker and `__complete` read it.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/cli/command.hpp"

namespace coco::cli {

struct CommandInfo {
  std::vector<std::string> words;  // {"secrets", "put"}; empty for the root
  std::string summary;
  std::string description;
  std::vector<std::pair<std::string, std::string>> examples;
  Handler handler;
  Completer positional_completer;
  bool external = false;  // another executable (the dispatcher's tools): no page, no --list-commands entry
};

struct Binding {
  CLI::Option* option = nullptr;
  std::string key;
  std::string env;
  bool required = false;
  bool sensitive = false;
};

// The raw values of the global flags, bound to the root's options.
struct GlobalFlags {
  int verbose = 0;
  bool quiet = false;
  std::string output = "text";
  std::string config;
  bool no_color = false;
  bool list_commands = false;
};

struct ToolTree {
  explicit ToolTree(const Tool& t) : tool(t) {}
  const Tool& tool;
  std::unique_ptr<CLI::App> root;
  GlobalFlags globals;
  CLI::Option* config_option = nullptr;
  std::map<const CLI::App*, CommandInfo> commands;  // every app of the tree, the root included
  std::vector<std::pair<const CLI::App*, Binding>> bindings;  // in registration order (root's first)
  std::map<const CLI::Option*, std::vector<std::string>> choices;
  std::map<const CLI::Option*, Completer> completers;
  std::vector<std::shared_ptr<void>> owned;  // Command::options<T>(), alive as long as the tree

  [[nodiscard]] const CommandInfo& info(const CLI::App* app) const { return commands.at(app); }
  // "coco-kbs secrets put"
  [[nodiscard]] std::string display_path(const CLI::App* app) const;
  // "coco-kbs-secrets-put" (the man page name)
  [[nodiscard]] std::string page_name(const CLI::App* app) const;
  // Visible (non-hidden) subcommands of an app, in table order.
  [[nodiscard]] static std::vector<const CLI::App*> visible_subcommands(const CLI::App* app);
  // Visible options of an app (not the help flag, not positionals).
  [[nodiscard]] static std::vector<const CLI::Option*> visible_options(const CLI::App* app);
  [[nodiscard]] static std::vector<const CLI::Option*> positionals(const CLI::App* app);
  // Every command app (not the root) in table order, depth first.
  [[nodiscard]] std::vector<const CLI::App*> all_commands() const;
};

// Builds the tree: global options, the table's commands (register functions called), hidden builtins.
// Throws std::logic_error for a bad table (a bug in the tool, reported as an internal error).
std::unique_ptr<ToolTree> build_tree(const Tool& tool);

// What the walker merges into the generated pages.
struct DocsOptions {
  std::string date;     // .TH date, YYYY-MM-DD
  std::string version;  // "coco 0.1.0"
  std::filesystem::path man_src;  // hand-written parts: <page>.examples, <page>.see-also, <page>.description
};
// The roff man page of one command (or of the tool, for the root).
std::string render_man_page(const ToolTree& tree, const CLI::App* app, const DocsOptions& options);

// Hidden builtins every tool has, run by run() before CLI11 sees the arguments.
Status generate_docs(const ToolTree& tree, std::span<const std::string> args, Streams streams);
Status complete(const ToolTree& tree, std::span<const std::string> words, std::ostream& out);

} // namespace coco::cli
