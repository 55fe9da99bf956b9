#include "common/cli/command.hpp"

#include <algorithm>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "common/cli/settings.hpp"
#include "common/cli/tree.hpp"

namespace coco::cli {

Streams Streams::standard() { return Streams{std::cin, std::cout, std::cerr}; }

void Command::keep(std::shared_ptr<void> owned) { m_tree.owned.push_back(std::move(owned)); }

Command& Command::run(Handler handler) {
  m_tree.commands.at(&m_app).handler = std::move(handler);
  return *this;
}

Command& Command::description(std::string text) {
  m_tree.commands.at(&m_app).description = std::move(text);
  return *this;
}

Command& Command::example(std::string command_line, std::string explanation) {
  m_tree.commands.at(&m_app).examples.emplace_back(std::move(command_line), std::move(explanation));
  return *this;
}

CLI::Option* Command::setting(CLI::Option* option, std::string key, std::string env, bool required) {
  if (env.empty()) {
    env = env_name_for_key(key);
  }
  const EnvVar* var = find_env_var(env);
  if (var == nullptr) {
    throw std::logic_error("setting " + key + ": environment variable " + env +
                           " has no row in the table in common/cli/env.cpp");
  }
  m_tree.bindings.emplace_back(&m_app, Binding{option, std::move(key), std::move(env), required, var->sensitive});
  return option;
}

CLI::Option* Command::choices(CLI::Option* option, std::vector<std::string> values) {
  option->check(CLI::IsMember(values));
  m_tree.choices[option] = std::move(values);
  return option;
}

Command& Command::complete(CLI::Option* option, Completer completer) {
  m_tree.completers[option] = std::move(completer);
  return *this;
}

Command& Command::complete_positionals(Completer completer) {
  m_tree.commands.at(&m_app).positional_completer = std::move(completer);
  return *this;
}

Status Output::emit(const nlohmann::json& document, const std::function<void(std::ostream&)>& text) {
  if (m_emitted && json()) {
    throw std::logic_error("a command emitted a second JSON document");
  }
  m_emitted = true;
  if (json()) {
    m_out << document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  } else if (text) {
    text(m_out);
  }
  m_out.flush();
  if (!m_out) {
    return make_error(Kind::io, "cannot write to standard output");
  }
  return ok();
}

// ---- the tree -------------------------------------------------------------------------------------------

std::string ToolTree::display_path(const CLI::App* app) const {
  std::string path(tool.name);
  for (const std::string& w : info(app).words) {
    path += " " + w;
  }
  return path;
}

std::string ToolTree::page_name(const CLI::App* app) const {
  std::string path(tool.name);
  for (const std::string& w : info(app).words) {
    path += "-" + w;
  }
  return path;
}

std::vector<const CLI::App*> ToolTree::visible_subcommands(const CLI::App* app) {
  return app->get_subcommands([](const CLI::App* a) { return !a->get_group().empty(); });
}

std::vector<const CLI::Option*> ToolTree::visible_options(const CLI::App* app) {
  const CLI::Option* help = app->get_help_ptr();
  return app->get_options([help](const CLI::Option* o) {
    return o != help && o->nonpositional() && !o->get_group().empty();
  });
}

std::vector<const CLI::Option*> ToolTree::positionals(const CLI::App* app) {
  return app->get_options([](const CLI::Option* o) { return !o->nonpositional(); });
}

std::vector<const CLI::App*> ToolTree::all_commands() const {
  std::vector<const CLI::App*> out;
  std::vector<const CLI::App*> stack = visible_subcommands(root.get());
  std::reverse(stack.begin(), stack.end());
  while (!stack.empty()) {
    const CLI::App* app = stack.back();
    stack.pop_back();
    if (info(app).external) {
      continue;
    }
    out.push_back(app);
    std::vector<const CLI::App*> subs = visible_subcommands(app);
    stack.insert(stack.end(), subs.rbegin(), subs.rend());
  }
  return out;
}

namespace {

std::vector<std::string> split_words(std::string_view path) {
  std::vector<std::string> words;
  std::istringstream in{std::string(path)};
  std::string w;
  while (in >> w) {
    words.push_back(w);
  }
  return words;
}

} // namespace

std::unique_ptr<ToolTree> build_tree(const Tool& tool) {
  auto tree = std::make_unique<ToolTree>(tool);
  tree->root = std::make_unique<CLI::App>(std::string(tool.summary), std::string(tool.name));
  CLI::App& root = *tree->root;
  // Before any subcommand exists: subcommands inherit these settings when created.
  root.fallthrough();
  // At most one subcommand per level: once `help` is chosen, `version` in `coco help version` is help's
  // argument, not a second command (CLI11 otherwise matches parents' subcommand names anywhere).
  root.require_subcommand(0, 1);
  root.set_help_flag("-h,--help", "print this help and exit");
  root.option_defaults()->always_capture_default();
  const std::string help_topic = tool.name.starts_with("coco-") ? " " + std::string(tool.name.substr(5)) : "";
  root.footer("Global options (-v, -q, -o, --config, --no-color) work before or after any command. "
              "See 'coco help" + help_topic + "' for the manual.");
  tree->commands[&root] = CommandInfo{{}, std::string(tool.summary), std::string(tool.description), {}, {}, {}};

  GlobalFlags& g = tree->globals;
  Command root_cmd(*tree, root);
  const std::string group = "Global options";
  root_cmd.setting(root.add_flag("-v,--verbose", g.verbose, "print more (repeat for more detail)")->group(group),
                   "verbose");
  root_cmd.setting(root.add_flag("-q,--quiet", g.quiet, "print only errors, no progress")->group(group), "quiet");
  root_cmd.setting(root_cmd.choices(root.add_option("-o,--output", g.output, "output format")
                                        ->type_name("FORMAT")
                                        ->group(group),
                                    {"text", "json"}),
                   "output");
  tree->config_option = root.add_option("--config", g.config, "config file (default $XDG_CONFIG_HOME/coco/config.toml)")
                            ->type_name("FILE")
                            ->group(group);
  root_cmd.setting(root.add_flag("--no-color", g.no_color, "no colour in messages")->group(group), "no-color");
  root.add_flag("--list-commands", g.list_commands, "list every command path")->group("");

  for (const CommandSpec& spec : tool.commands) {
    std::vector<std::string> words = split_words(spec.path);
    if (words.empty()) {
      throw std::logic_error(std::string(tool.name) + ": empty command path in the command table");
    }
    CLI::App* parent = &root;
    for (std::size_t i = 0; i + 1 < words.size(); ++i) {
      CLI::App* next = nullptr;
      for (CLI::App* sub : parent->get_subcommands([](CLI::App*) { return true; })) {
        if (sub->get_name() == words[i]) {
          next = sub;
        }
      }
      if (next == nullptr) {
        throw std::logic_error(std::string(tool.name) + ": command '" + std::string(spec.path) +
                               "' comes before its group '" + words[i] + "' in the command table");
      }
      parent = next;
    }
    CLI::App* app = parent->add_subcommand(words.back(), std::string(spec.summary));
    app->group("Commands");
    tree->commands[app] = CommandInfo{words, std::string(spec.summary), {}, {}, {}, {}};
    if (spec.register_fn != nullptr) {
      Command cmd(*tree, *app);
      spec.register_fn(cmd);
    }
  }
  for (const ExternalCommand& ext : tool.external) {
    CLI::App* app = root.add_subcommand(std::string(ext.name), std::string(ext.summary));
    app->group("Tools");
    app->prefix_command();
    tree->commands[app] = CommandInfo{{std::string(ext.name)}, std::string(ext.summary), {}, {}, {}, {}, true};
  }
  if (tool.register_root != nullptr) {
    tool.register_root(root_cmd);
  }
  return tree;
}

} // namespace coco::cli
