// The docs walker: one pass over a tool's command tree (CLI11's App/Option tree plus the table's descriptions,
// examples and layered settings) writes a roff man page per command path and the tool's completion scripts.
// Hidden things (an empty CLI11 group) are left out. What the tree cannot know comes from hand-written files in
// man/: <page>.description (more DESCRIPTION paragraphs), <page>.examples (blocks separated by a blank line:
// the command line, then what it does) and <page>.see-also (one "name(section)" per line).
#include "common/cli/docs.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "coco_completion_glue.hpp"
#include "coco_version.hpp"
#include "common/base/atomic_file.hpp"
#include "common/cli/run.hpp"
#include "common/cli/settings.hpp"
#include "common/cli/tree.hpp"

namespace coco::cli {
namespace {

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  std::size_t pos = 0;
  while ((pos = text.find(from, pos)) != std::string::npos) {
    text.replace(pos, from.size(), to);
    pos += to.size();
  }
  return text;
}

std::string function_name(std::string_view program) {
  std::string name = "_" + std::string(program);
  for (char& c : name) {
    if (c == '-' || c == '.') {
      c = '_';
    }
  }
  return name;
}

// ---- roff ---------------------------------------------------------------------------------------------

// Escape running text: backslashes, and a '.' or '\'' that would start a request at the start of a line.
std::string roff(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (line_start && (c == '.' || c == '\'')) {
      out += "\\&";
      out += c;
    } else {
      out += c;
    }
    line_start = c == '\n';
  }
  return out;
}

// Running text filled for the source: a sentence starts a line (mandoc's "new sentence, new line") and no line
// is longer than 78 bytes unless one word is.
std::string fill(std::string_view text) {
  std::string out;
  std::string line;
  std::istringstream in{std::string(text)};
  std::string word;
  while (in >> word) {
    if (!line.empty() && line.size() + 1 + word.size() > 78) {
      out += line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    if (word.back() == '.' || word.back() == '?' || word.back() == '!') {
      out += line + "\n";
      line.clear();
    }
  }
  if (!line.empty()) {
    out += line + "\n";
  }
  if (!out.empty()) {
    out.pop_back();
  }
  return roff(out);
}

// Escape a literal word (a command, an option name): hyphens become minus signs, so they can be searched and
// copied.
std::string literal(std::string_view text) { return replace_all(roff(text), "-", "\\-"); }

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  return text;
}

std::string trim(std::string_view text) {
  const std::size_t b = text.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) {
    return {};
  }
  const std::size_t e = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(b, e - b + 1));
}

// Paragraphs separated by blank lines; lines inside a paragraph are joined.
std::vector<std::string> paragraphs(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty()) {
      if (!current.empty()) {
        out.push_back(current);
        current.clear();
      }
      continue;
    }
    current += (current.empty() ? "" : " ") + line;
  }
  if (!current.empty()) {
    out.push_back(current);
  }
  return out;
}

std::optional<std::string> read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string sentence(std::string text) {
  if (text.empty()) {
    return text;
  }
  text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  if (text.back() != '.') {
    text += '.';
  }
  return text;
}

// "FORMAT:{text,json}" -> "FORMAT": CLI11 appends validator descriptions to the type name.
std::string value_name(const CLI::Option* o) {
  std::string type = o->get_type_name();
  const std::size_t colon = type.find(':');
  if (colon != std::string::npos) {
    type = type.substr(0, colon);
  }
  return type.empty() ? "VALUE" : type;
}

bool takes_value(const CLI::Option* o) { return o->get_items_expected_max() > 0; }

const Binding* binding_for(const ToolTree& tree, const CLI::Option* o) {
  for (const auto& [app, binding] : tree.bindings) {
    if (binding.option == o) {
      return &binding;
    }
  }
  return nullptr;
}

void write_option(std::ostringstream& page, const ToolTree& tree, const CLI::Option* o) {
  page << ".TP\n";
  std::string names;
  for (const std::string& s : o->get_snames()) {
    names += (names.empty() ? "" : ", ") + std::string("\\fB\\-") + literal(s) + "\\fR";
  }
  for (const std::string& l : o->get_lnames()) {
    names += (names.empty() ? "" : ", ") + std::string("\\fB\\-\\-") + literal(l) + "\\fR";
  }
  if (takes_value(o)) {
    names += " \\fI" + literal(value_name(o)) + "\\fR";
  }
  page << names << "\n";
  std::string text = sentence(o->get_description());
  if (auto it = tree.choices.find(o); it != tree.choices.end()) {
    std::string values;
    for (const std::string& v : it->second) {
      values += (values.empty() ? "" : ", ") + v;
    }
    text += " One of: " + values + ".";
  }
  if (takes_value(o) && !o->get_default_str().empty()) {
    text += " Default: " + o->get_default_str() + ".";
  }
  if (const Binding* b = binding_for(tree, o)) {
    text += " Also set by the environment variable " + b->env + " or the config key " + b->key + ".";
  }
  if (o->get_required()) {
    text += " Required.";
  }
  page << fill(text) << "\n";
}

void write_see_also(std::ostringstream& page, const std::vector<std::string>& refs) {
  if (refs.empty()) {
    return;
  }
  page << ".SH SEE ALSO\n";
  for (std::size_t i = 0; i < refs.size(); ++i) {
    const std::string& ref = refs[i];
    const std::size_t paren = ref.find('(');
    const std::string name = ref.substr(0, paren);
    const std::string section = paren == std::string::npos ? "(1)" : ref.substr(paren);
    page << ".BR " << literal(name) << " " << section << (i + 1 < refs.size() ? "," : "") << "\n";
  }
}

} // namespace

Result<std::string> completion_script(std::string_view shell, std::string_view program) {
  const char* glue = nullptr;
  if (shell == "bash") {
    glue = glue::k_bash;
  } else if (shell == "zsh") {
    glue = glue::k_zsh;
  } else if (shell == "fish") {
    glue = glue::k_fish;
  } else {
    return make_error(Kind::usage, "unknown shell '" + std::string(shell) + "'", "use bash, zsh or fish");
  }
  // The function name first: it contains the program name, which must not be substituted twice.
  std::string script = replace_all(glue, "__FUNC__", function_name(program));
  return replace_all(std::move(script), "__PROG__", program);
}

Result<std::string> completion_path(std::string_view shell, std::string_view program) {
  if (shell == "bash") {
    return "bash-completion/completions/" + std::string(program);
  }
  if (shell == "zsh") {
    return "zsh/site-functions/" + function_name(program);
  }
  if (shell == "fish") {
    return "fish/vendor_completions.d/" + std::string(program) + ".fish";
  }
  return make_error(Kind::usage, "unknown shell '" + std::string(shell) + "'", "use bash, zsh or fish");
}

std::string render_man_page(const ToolTree& tree, const CLI::App* app, const DocsOptions& options) {
  const CommandInfo& info = tree.info(app);
  const bool is_root = app == tree.root.get();
  const std::string page_name = tree.page_name(app);
  const std::filesystem::path extras = options.man_src / page_name;
  std::ostringstream page;

  page << ".\\\" Generated by " << tree.tool.name << " __generate-docs from its command definitions and "
       << "man/" << page_name << ".*; do not edit.\n";
  page << ".TH " << literal(upper(page_name)) << " 1 " << options.date << " \"" << roff(options.version)
       << "\" \"coco manual\"\n";

  page << ".SH NAME\n" << literal(page_name) << " \\- " << roff(info.summary) << "\n";

  // SYNOPSIS
  page << ".SH SYNOPSIS\n.B " << literal(tree.display_path(app)) << "\n";
  std::vector<const CLI::App*> subs = ToolTree::visible_subcommands(app);
  const std::vector<const CLI::Option*> positionals = ToolTree::positionals(app);
  page << "[\\fIOPTIONS\\fR]\n";
  if (!subs.empty()) {
    page << "\\fICOMMAND\\fR [\\fIARGS\\fR...]\n";
  }
  for (const CLI::Option* p : positionals) {
    const bool many = p->get_items_expected_max() > 1;
    const std::string word = "\\fI" + literal(p->get_name()) + "\\fR" + (many ? "..." : "");
    page << (p->get_required() ? word : "[" + word + "]") << "\n";
  }

  // DESCRIPTION
  page << ".SH DESCRIPTION\n";
  std::vector<std::string> description = paragraphs(info.description.empty() ? sentence(info.summary) : info.description);
  if (auto more = read_text(extras.string() + ".description")) {
    for (std::string& p : paragraphs(*more)) {
      description.push_back(std::move(p));
    }
  }
  for (std::size_t i = 0; i < description.size(); ++i) {
    page << (i == 0 ? "" : ".PP\n") << fill(description[i]) << "\n";
  }

  // COMMANDS, TOOLS
  std::vector<const CLI::App*> commands;
  std::vector<const CLI::App*> externals;
  for (const CLI::App* sub : subs) {
    (tree.info(sub).external ? externals : commands).push_back(sub);
  }
  if (!commands.empty()) {
    page << ".SH COMMANDS\n";
    for (const CLI::App* sub : commands) {
      page << ".TP\n.B " << literal(sub->get_name()) << "\n"
           << fill(sentence(tree.info(sub).summary)) << "\nSee\n.BR " << literal(tree.page_name(sub)) << " (1).\n";
    }
  }
  if (!externals.empty()) {
    page << ".SH TOOLS\n";
    for (const CLI::App* sub : externals) {
      page << ".TP\n.B " << literal(sub->get_name()) << "\n"
           << fill(sentence(tree.info(sub).summary)) << "\nRuns\n.BR " << literal(tree.page_name(sub)) << " (1).\n";
    }
  }

  // ARGUMENTS, OPTIONS, GLOBAL OPTIONS
  if (!positionals.empty()) {
    page << ".SH ARGUMENTS\n";
    for (const CLI::Option* p : positionals) {
      page << ".TP\n.I " << literal(p->get_name()) << "\n" << fill(sentence(p->get_description()));
      if (auto it = tree.choices.find(p); it != tree.choices.end()) {
        std::string values;
        for (const std::string& v : it->second) {
          values += (values.empty() ? "" : ", ") + v;
        }
        page << "\nOne of: " << roff(values) << ".";
      }
      page << "\n";
    }
  }
  std::vector<const CLI::Option*> own;
  for (const CLI::Option* o : ToolTree::visible_options(app)) {
    if (o->get_group() != "Global options") {
      own.push_back(o);
    }
  }
  page << ".SH OPTIONS\n";
  page << ".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nPrint a summary of the options and exit.\n";
  for (const CLI::Option* o : own) {
    write_option(page, tree, o);
  }
  page << ".SH GLOBAL OPTIONS\n" << fill("These work with every command of every coco tool, before or after the command.")
       << "\n";
  for (const CLI::Option* o : ToolTree::visible_options(tree.root.get())) {
    if (o->get_group() == "Global options") {
      write_option(page, tree, o);
    }
  }
  page << ".PP\n"
       << fill("A value not given as a flag comes from the environment variable, else from the config file "
               "($XDG_CONFIG_HOME/coco/config.toml, or --config), else from the default.")
       << "\n";

  // ENVIRONMENT: the variables every tool reads, those of this tool (on its own page) and those bound to this
  // command's options.
  std::set<std::string> bound;
  for (const auto& [owner, binding] : tree.bindings) {
    if (owner == app) {
      bound.insert(binding.env);
    }
  }
  page << ".SH ENVIRONMENT\n";
  for (const EnvVar& var : env_vars()) {
    const bool relevant = var.scope.empty() || bound.count(std::string(var.name)) > 0 ||
                          (is_root && var.scope == tree.tool.name);
    if (relevant) {
      page << ".TP\n.B " << roff(var.name) << "\n" << fill(sentence(std::string(var.description)));
      if (var.sensitive) {
        page << "\nHolds a secret: never shown by coco.";
      }
      page << "\n";
    }
  }

  page << ".SH EXIT STATUS\n";
  for (const ExitStatusDoc& doc : exit_status_docs()) {
    page << ".TP\n.B " << doc.code << "\n" << fill(sentence(std::string(doc.meaning))) << "\n";
  }

  // EXAMPLES: the registration's, then man/<page>.examples.
  std::vector<std::pair<std::string, std::string>> examples = info.examples;
  if (auto text = read_text(extras.string() + ".examples")) {
    std::istringstream in(*text);
    std::string line;
    std::pair<std::string, std::string> current;
    auto flush = [&] {
      if (!current.first.empty()) {
        examples.push_back(current);
      }
      current = {};
    };
    while (std::getline(in, line)) {
      line = trim(line);
      if (line.empty()) {
        flush();
      } else if (current.first.empty()) {
        current.first = line;
      } else {
        current.second += (current.second.empty() ? "" : " ") + line;
      }
    }
    flush();
  }
  if (!examples.empty()) {
    page << ".SH EXAMPLES\n";
    for (std::size_t i = 0; i < examples.size(); ++i) {
      page << (i == 0 ? "" : ".PP\n") << fill(sentence(examples[i].second)) << "\n";
      page << ".PP\n.RS 4\n.EX\n" << literal(examples[i].first) << "\n.EE\n.RE\n";
    }
  }

  // SEE ALSO: the parent, the subcommands, coco(1) and coco(7), then man/<page>.see-also.
  std::vector<std::string> refs;
  if (!is_root) {
    refs.push_back(tree.page_name(app->get_parent()) + "(1)");
  }
  for (const CLI::App* sub : subs) {
    refs.push_back(tree.page_name(sub) + "(1)");
  }
  if (tree.tool.name != "coco") {
    refs.emplace_back("coco(1)");
  }
  refs.emplace_back("coco(7)");
  if (auto text = read_text(extras.string() + ".see-also")) {
    std::istringstream in(*text);
    std::string line;
    while (std::getline(in, line)) {
      if (!trim(line).empty()) {
        refs.push_back(trim(line));
      }
    }
  }
  write_see_also(page, refs);
  return page.str();
}

Status generate_docs(const ToolTree& tree, std::span<const std::string> args, Streams streams) {
  DocsOptions options{"", std::string("coco ") + k_version, {}};
  std::filesystem::path out_dir;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if ((args[i] == "--man-src" || args[i] == "--date") && i + 1 < args.size()) {
      if (args[i] == "--date") {
        options.date = args[i + 1];
      } else {
        options.man_src = args[i + 1];
      }
      ++i;
    } else if (out_dir.empty() && !args[i].starts_with("-")) {
      out_dir = args[i];
    } else {
      return make_error(Kind::usage, "__generate-docs: unexpected argument '" + args[i] + "'",
                        "usage: __generate-docs SHARE_DIR [--man-src DIR] [--date YYYY-MM-DD]");
    }
  }
  if (out_dir.empty()) {
    return make_error(Kind::usage, "__generate-docs: missing SHARE_DIR",
                      "usage: __generate-docs SHARE_DIR [--man-src DIR] [--date YYYY-MM-DD]");
  }
  if (options.date.empty()) {
    options.date = "1970-01-01";
  }
  std::error_code ec;
  const std::filesystem::path man1 = out_dir / "man" / "man1";
  std::filesystem::create_directories(man1, ec);
  if (ec) {
    return make_error(Kind::io, man1.string() + ": " + ec.message());
  }
  std::vector<const CLI::App*> apps{tree.root.get()};
  for (const CLI::App* app : tree.all_commands()) {
    apps.push_back(app);
  }
  for (const CLI::App* app : apps) {
    const std::filesystem::path file = man1 / (tree.page_name(app) + ".1");
    COCO_TRY_STATUS(write_file_atomic(file, render_man_page(tree, app, options)));
  }
  for (std::string_view shell : {"bash", "zsh", "fish"}) {
    COCO_TRY(std::string script, completion_script(shell, tree.tool.name));
    COCO_TRY(std::string relative, completion_path(shell, tree.tool.name));
    const std::filesystem::path file = out_dir / relative;
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) {
      return make_error(Kind::io, file.parent_path().string() + ": " + ec.message());
    }
    COCO_TRY_STATUS(write_file_atomic(file, script));
  }
  streams.out << tree.tool.name << ": " << apps.size() << " man pages and 3 completion scripts in " << out_dir.string()
              << "\n";
  return ok();
}

} // namespace coco::cli
