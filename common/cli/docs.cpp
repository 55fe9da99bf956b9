#include "common/cli/docs.hpp"

#include "coco_completion_glue.hpp"
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

Status generate_docs(const ToolTree& /*tree*/, std::span<const std::string> /*args*/, Streams /*streams*/) {
  return make_error(Kind::unsupported, "__generate-docs is not implemented yet");
}

} // namespace coco::cli
