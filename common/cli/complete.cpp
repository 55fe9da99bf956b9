// `coco-X __complete WORDS...`: the dynamic half of shell completion, in cobra's protocol. WORDS are the command
// line after the program name, the last one being the word under the cursor ("" for a new word). The answer is
// one candidate per line (`value<TAB>description`), then `:<directive>`, a bit set the shell scripts read:
// 1 error, 2 no space after the word, 4 no file completion, 16 complete directories only; 0 lets the shell
// fall back to file names.
#include <algorithm>
#include <ostream>

#include "common/cli/tree.hpp"

namespace coco::cli {
namespace {

constexpr int k_directive_error = 1;
constexpr int k_directive_no_space = 2;
constexpr int k_directive_no_file = 4;
constexpr int k_directive_dirs = 16;

std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\t', ' ');
  return text;
}

// The option named `word` ("--output", "-o") on app or, through fallthrough, on its ancestors.
const CLI::Option* find_option(const CLI::App* app, const std::string& word) {
  for (const CLI::App* a = app; a != nullptr; a = a->get_parent()) {
    for (const CLI::Option* o : a->get_options()) {
      if (o->nonpositional() && o->check_name(word)) {
        return o;
      }
    }
  }
  return nullptr;
}

bool takes_value(const CLI::Option* o) { return o->get_items_expected_max() > 0; }

struct Answer {
  std::vector<Candidate> candidates;
  int directive = k_directive_no_file;
};

Answer option_values(const ToolTree& tree, const CLI::Option* o, std::string_view prefix) {
  Answer answer;
  if (auto it = tree.choices.find(o); it != tree.choices.end()) {
    for (const std::string& v : it->second) {
      if (v.starts_with(prefix)) {
        answer.candidates.push_back({v, ""});
      }
    }
    return answer;
  }
  if (auto it = tree.completers.find(o); it != tree.completers.end()) {
    for (Candidate& c : it->second(prefix)) {
      if (c.value.starts_with(prefix)) {
        answer.candidates.push_back(std::move(c));
      }
    }
    return answer;
  }
  const std::string type = o->get_type_name();
  if (type.find("DIR") != std::string::npos) {
    answer.directive = k_directive_dirs;
  } else if (type.find("FILE") != std::string::npos || type.find("PATH") != std::string::npos) {
    answer.directive = 0;
  }
  return answer;
}

Answer option_names(const CLI::App* app, std::string_view prefix) {
  Answer answer;
  std::vector<const CLI::App*> levels;
  for (const CLI::App* a = app; a != nullptr; a = a->get_parent()) {
    levels.push_back(a);
  }
  for (const CLI::App* a : levels) {
    std::vector<const CLI::Option*> options = ToolTree::visible_options(a);
    if (a->get_help_ptr() != nullptr && a == app) {
      options.push_back(a->get_help_ptr());
    }
    for (const CLI::Option* o : options) {
      const std::string description = one_line(o->get_description());
      for (const std::string& l : o->get_lnames()) {
        const std::string name = "--" + l;
        if (name.starts_with(prefix)) {
          answer.candidates.push_back({name, description});
        }
      }
      // Short names only when the user typed just "-" or the short name itself.
      for (const std::string& s : o->get_snames()) {
        const std::string name = "-" + s;
        if (prefix == "-" || name == prefix) {
          answer.candidates.push_back({name, description});
        }
      }
    }
  }
  return answer;
}

} // namespace

Status complete(const ToolTree& tree, std::span<const std::string> words, std::ostream& out) {
  const std::string cur = words.empty() ? std::string() : words.back();
  const std::span<const std::string> before = words.empty() ? words : words.first(words.size() - 1);
  const CLI::App* app = tree.root.get();
  const CLI::Option* pending = nullptr;
  bool only_positionals = false;
  for (const std::string& w : before) {
    if (pending != nullptr) {
      pending = nullptr;
      continue;
    }
    if (!only_positionals && w == "--") {
      only_positionals = true;
      continue;
    }
    if (!only_positionals && w.size() > 1 && w[0] == '-') {
      if (w.find('=') == std::string::npos) {
        const CLI::Option* o = find_option(app, w);
        if (o != nullptr && takes_value(o)) {
          pending = o;
        }
      }
      continue;
    }
    if (!only_positionals) {
      for (const CLI::App* sub : ToolTree::visible_subcommands(app)) {
        if (sub->get_name() == w) {
          app = sub;
          break;
        }
      }
    }
  }

  Answer answer;
  if (pending != nullptr) {
    answer = option_values(tree, pending, cur);
  } else if (!only_positionals && cur.starts_with("--") && cur.find('=') != std::string::npos) {
    const std::string name = cur.substr(0, cur.find('='));
    const std::string value = cur.substr(cur.find('=') + 1);
    if (const CLI::Option* o = find_option(app, name); o != nullptr && takes_value(o)) {
      answer = option_values(tree, o, value);
      for (Candidate& c : answer.candidates) {
        c.value = name + "=" + c.value;
      }
    }
  } else if (!only_positionals && cur.starts_with("-")) {
    answer = option_names(app, cur);
  } else {
    if (!only_positionals) {
      for (const CLI::App* sub : ToolTree::visible_subcommands(app)) {
        if (sub->get_name().starts_with(cur)) {
          answer.candidates.push_back({sub->get_name(), one_line(sub->get_description())});
        }
      }
    }
    const CommandInfo& info = tree.info(app);
    for (const CLI::Option* p : ToolTree::positionals(app)) {
      if (auto it = tree.choices.find(p); it != tree.choices.end()) {
        for (const std::string& v : it->second) {
          if (v.starts_with(cur)) {
            answer.candidates.push_back({v, ""});
          }
        }
      }
    }
    if (info.positional_completer) {
      for (Candidate& c : info.positional_completer(cur)) {
        if (c.value.starts_with(cur)) {
          answer.candidates.push_back(std::move(c));
        }
      }
    } else if (answer.candidates.empty() && !ToolTree::positionals(app).empty()) {
      answer.directive = 0;
    }
  }
  (void)k_directive_error;
  (void)k_directive_no_space;
  for (const Candidate& c : answer.candidates) {
    out << c.value;
    if (!c.description.empty()) {
      out << '\t' << c.description;
    }
    out << '\n';
  }
  out << ':' << answer.directive << '\n';
  out.flush();
  if (!out) {
    return make_error(Kind::io, "cannot write to standard output");
  }
  return ok();
}

} // namespace coco::cli
