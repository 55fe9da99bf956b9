#include "common/cli/run.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <typeinfo>

#include "common/base/interrupt.hpp"
#include "common/base/log.hpp"
#include "common/cli/progress.hpp"
#include "common/cli/spell.hpp"
#include "common/cli/tree.hpp"

namespace coco::cli {
namespace {

constexpr ExitStatusDoc k_exit_status_docs[] = {
    {k_exit_ok, "success"},
    {k_exit_failure, "failure (an input, a file, the network, a server)"},
    {k_exit_usage, "usage error: an unknown command or option, a bad or missing argument"},
    {k_exit_denied, "a verification or a policy said no"},
    {k_exit_internal, "internal error (a bug in coco; please report it)"},
    {k_exit_interrupted, "interrupted by SIGINT or SIGTERM"},
};

std::string lower_first(std::string text) {
  if (!text.empty()) {
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  }
  return text;
}

// The chain of parsed apps: root, then each selected subcommand.
std::vector<CLI::App*> selected_chain(CLI::App* root) {
  std::vector<CLI::App*> chain{root};
  CLI::App* app = root;
  for (;;) {
    std::vector<CLI::App*> subs = app->get_subcommands();
    if (subs.empty()) {
      return chain;
    }
    app = subs.front();
    chain.push_back(app);
  }
}

std::vector<std::string> option_names(const CLI::App* app) {
  std::vector<std::string> names;
  for (const CLI::Option* o : ToolTree::visible_options(app)) {
    for (const std::string& l : o->get_lnames()) {
      names.push_back("--" + l);
    }
    for (const std::string& s : o->get_snames()) {
      names.push_back("-" + s);
    }
  }
  return names;
}

Error usage_error(const ToolTree& tree, const CLI::ParseError& e, const CLI::App* deepest) {
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    std::vector<std::string> extras = tree.root->remaining(true);
    if (!extras.empty()) {
      std::string word = extras.front();
      if (word.size() > 1 && word[0] == '-') {
        std::string name = word.substr(0, word.find('='));
        std::vector<std::string> candidates = option_names(deepest);
        if (deepest != tree.root.get()) {
          std::vector<std::string> global = option_names(tree.root.get());
          candidates.insert(candidates.end(), global.begin(), global.end());
        }
        Error err = make_error(Kind::usage, "unknown option '" + name + "'");
        if (auto s = suggest(name, candidates)) {
          err.hint = "did you mean '" + *s + "'?";
        }
        return err;
      }
      std::vector<const CLI::App*> subs = ToolTree::visible_subcommands(deepest);
      if (!subs.empty() && ToolTree::positionals(deepest).empty()) {
        std::vector<std::string> names;
        for (const CLI::App* s : subs) {
          names.push_back(s->get_name());
        }
        Error err = make_error(Kind::usage, "unknown command '" + word + "' for '" + tree.display_path(deepest) + "'");
        if (auto s = suggest(word, names)) {
          err.hint = "did you mean '" + *s + "'?";
        }
        return err;
      }
      return make_error(Kind::usage, "unexpected argument '" + word + "'");
    }
  }
  return make_error(Kind::usage, lower_first(e.what()));
}

// Fill one option from the environment or the config file when the command line did not set it.
Status apply_values(CLI::Option* option, const std::vector<std::string>& values, const std::string& source) {
  try {
    for (const std::string& v : values) {
      option->add_result(v);
    }
    option->run_callback();
  } catch (const CLI::Error& e) {
    return make_error(Kind::usage, source + ": " + lower_first(e.what()));
  }
  return ok();
}

Status resolve_binding(const Binding& b, const ConfigFile& config, const EnvLookup& env, Settings& settings) {
  SettingValue value{b.key, {}, Origin::default_value, "default", b.sensitive};
  CLI::Option* option = b.option;
  if (option->count() > 0) {
    value.values = option->results();
    value.origin = Origin::flag;
    value.source = option->get_name();
  } else if (auto from_env = env(b.env); from_env && !from_env->empty()) {
    value.values = {*from_env};
    value.origin = Origin::environment;
    value.source = "env " + b.env;
    COCO_TRY_STATUS(apply_values(option, value.values, value.source));
  } else if (const std::vector<std::string>* from_config = config.lookup(b.key)) {
    value.values = *from_config;
    value.origin = Origin::config_file;
    value.source = "config " + config.path().string();
    COCO_TRY_STATUS(apply_values(option, value.values, value.source));
  } else {
    if (b.required) {
      return make_error(Kind::usage, option->get_name() + " is required",
                        "pass " + option->get_name() + ", set " + b.env + ", or set " + b.key + " in the config file");
    }
    if (!option->get_default_str().empty()) {
      value.values = {option->get_default_str()};
    }
  }
  settings.record(std::move(value));
  return ok();
}

log::Level level_for(const GlobalFlags& g) {
  if (g.quiet) {
    return log::Level::error;
  }
  switch (g.verbose) {
  case 0: return log::Level::warn;
  case 1: return log::Level::info;
  case 2: return log::Level::debug;
  default: return log::Level::trace;
  }
}

Status run_parsed(ToolTree& tree, Invocation& inv, Outcome& outcome) {
  CLI::App& root = *tree.root;
  std::vector<CLI::App*> chain;
  try {
    std::vector<std::string> reversed(inv.args.rbegin(), inv.args.rend());
    root.parse(reversed);
    chain = selected_chain(&root);
  } catch (const CLI::CallForHelp&) {
    inv.streams.out << selected_chain(&root).back()->help();
    return ok();
  } catch (const CLI::CallForAllHelp&) {
    inv.streams.out << root.help("", CLI::AppFormatMode::All);
    return ok();
  } catch (const CLI::ParseError& e) {
    const CLI::App* deepest = selected_chain(&root).back();
    outcome.command = tree.display_path(deepest);
    return usage_error(tree, e, deepest);
  }
  const CLI::App* deepest = chain.back();
  outcome.command = tree.display_path(deepest);

  if (tree.globals.list_commands) {
    for (const CLI::App* app : tree.all_commands()) {
      std::string line;
      for (const std::string& w : tree.info(app).words) {
        line += (line.empty() ? "" : " ") + w;
      }
      inv.streams.out << line << '\n';
    }
    return ok();
  }

  // The config file: --config, else COCO_CONFIG (both must exist), else the default path (may be missing).
  Settings settings;
  std::filesystem::path config_path;
  bool must_exist = true;
  SettingValue config_setting{"config", {}, Origin::default_value, "default", false};
  if (tree.config_option->count() > 0) {
    config_path = tree.globals.config;
    config_setting.origin = Origin::flag;
    config_setting.source = "--config";
  } else if (auto from_env = inv.env("COCO_CONFIG"); from_env && !from_env->empty()) {
    config_path = *from_env;
    config_setting.origin = Origin::environment;
    config_setting.source = "env COCO_CONFIG";
  } else {
    config_path = default_config_path(inv.env);
    must_exist = false;
  }
  COCO_TRY(ConfigFile config, ConfigFile::load(config_path, must_exist));
  if (config.exists()) {
    config_setting.values = {config_path.string()};
  }
  settings.record(config_setting);

  for (CLI::App* app : chain) {
    for (const auto& [owner, binding] : tree.bindings) {
      if (owner == app) {
        COCO_TRY_STATUS(resolve_binding(binding, config, inv.env, settings));
      }
    }
  }

  const GlobalFlags& g = tree.globals;
  GlobalOptions global;
  global.verbosity = g.verbose;
  global.quiet = g.quiet;
  global.output = g.output == "json" ? OutputFormat::json : OutputFormat::text;
  global.config_file = config.exists() ? config_path.string() : std::string();
  global.stderr_is_terminal = inv.stderr_is_terminal;
  auto no_color_env = inv.env("NO_COLOR");
  auto term = inv.env("TERM");
  global.dumb_terminal = term && *term == "dumb";
  global.color = !g.no_color && !(no_color_env && !no_color_env->empty()) && !global.dumb_terminal &&
                 inv.stderr_is_terminal;
  outcome.color = global.color;
  log::set_level(level_for(g));
  log::set_format(global.output == OutputFormat::json ? log::Format::json : log::Format::text);

  const CommandInfo& info = tree.info(deepest);
  if (!info.handler) {
    std::string names;
    for (const CLI::App* sub : ToolTree::visible_subcommands(deepest)) {
      names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    return make_error(Kind::usage, "missing command for '" + tree.display_path(deepest) + "'",
                      names.empty() ? std::string() : "commands: " + names);
  }

  Output output(inv.streams.out, global.output);
  std::unique_ptr<Progress> progress = make_progress(global, inv.streams.err);
  Context ctx{inv.streams, global, output, *progress, settings, tree.display_path(deepest)};
  Status status = info.handler(ctx);
  progress.reset();
  if (!status && coco::interrupted() && status.error().kind != Kind::interrupted) {
    return make_error(Kind::interrupted, "interrupted");
  }
  return status;
}

extern "C" void coco_cli_on_signal(int /*signal*/) { coco::request_interrupt(); }

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = coco_cli_on_signal;
  sigemptyset(&action.sa_mask);
  // The first signal asks the command to stop cleanly; a second one kills the process at once.
  action.sa_flags = SA_RESETHAND | SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

} // namespace

std::span<const ExitStatusDoc> exit_status_docs() { return k_exit_status_docs; }

Outcome run(const Tool& tool, Invocation invocation) {
  Outcome outcome;
  outcome.program = std::string(tool.name);
  outcome.command = std::string(tool.name);
  log::set_program(tool.name);
  try {
    std::unique_ptr<ToolTree> tree = build_tree(tool);
    const std::vector<std::string>& args = invocation.args;
    if (!args.empty() && args[0] == "__complete") {
      outcome.status = complete(*tree, std::span(args).subspan(1), invocation.streams.out);
    } else if (!args.empty() && args[0] == "__generate-docs") {
      outcome.status = generate_docs(*tree, std::span(args).subspan(1), invocation.streams);
    } else {
      outcome.status = run_parsed(*tree, invocation, outcome);
    }
  } catch (const std::exception& e) {
    outcome.status = make_error(Kind::internal, std::string("internal error: ") + e.what(),
                                "this is a bug in coco; please report it with the command line");
  } catch (...) {
    outcome.status = make_error(Kind::internal, "internal error: unknown exception",
                                "this is a bug in coco; please report it with the command line");
  }
  return outcome;
}

Outcome run(const Tool& tool, int argc, char** argv) {
  install_signal_handlers();
  Invocation invocation{std::vector<std::string>(argv + (argc > 0 ? 1 : 0), argv + argc), Streams::standard(),
                        process_env(), ::isatty(STDERR_FILENO) == 1};
  return run(tool, std::move(invocation));
}

std::string format_error(const Outcome& outcome) {
  if (outcome.status) {
    return {};
  }
  const Error& err = outcome.status.error();
  const std::string red = outcome.color ? "\033[1;31m" : "";
  const std::string yellow = outcome.color ? "\033[33m" : "";
  const std::string reset = outcome.color ? "\033[0m" : "";
  std::string message = err.message.empty() ? std::string(kind_name(err.kind)) : err.message;
  std::string text = outcome.program + ": " + red + "error:" + reset + " " + message + "\n";
  if (!err.hint.empty()) {
    text += yellow + "hint:" + reset + " " + err.hint + "\n";
  }
  if (err.kind == Kind::usage) {
    text += "Run '" + (outcome.command.empty() ? outcome.program : outcome.command) + " --help' for usage.\n";
  }
  return text;
}

int report(const Outcome& outcome, std::ostream& err) {
  if (outcome.status) {
    return k_exit_ok;
  }
  err << format_error(outcome);
  err.flush();
  return exit_code_for(outcome.status.error().kind);
}

void report_and_exit(const Outcome& outcome) {
  Outcome final_outcome = outcome;
  // As git's run_builtin: a successful command whose output could not be written did not succeed. Pipes and
  // sockets are exempt (the reader may have gone away on purpose: `coco-x ... | head`).
  std::cout.flush();
  if (final_outcome.status) {
    struct stat st {};
    if (::fstat(STDOUT_FILENO, &st) == 0 && !S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode)) {
      const bool stream_failed = std::cout.fail();
      errno = 0;
      if (std::fflush(stdout) != 0 || stream_failed) {
        const int saved = errno;
        final_outcome.status = make_error(Kind::io, std::string("write failure on standard output") +
                                                        (saved != 0 ? std::string(": ") + std::strerror(saved) : ""));
      } else if (std::ferror(stdout) != 0) {
        final_outcome.status = make_error(Kind::io, "unknown write failure on standard output");
      } else if (std::fclose(stdout) != 0) {
        final_outcome.status = make_error(Kind::io, std::string("close failed on standard output: ") + std::strerror(errno));
      }
    }
  }
  const int code = report(final_outcome, std::cerr);
  std::exit(code);
}

std::size_t first_command_word(std::span<const std::string> args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      return i + 1 < args.size() ? i + 1 : args.size();
    }
    if (a == "-o" || a == "--output" || a == "--config") {
      ++i;  // skip the value
      continue;
    }
    if (!a.empty() && a[0] == '-') {
      continue;
    }
    return i;
  }
  return args.size();
}

} // namespace coco::cli
