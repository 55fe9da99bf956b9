// coco version: coco's version and git commit, and the versions of the libraries it is linked with.
#include <memory>

#include "coco_version.hpp"
#include "common/cli/version.hpp"
#include "tools/coco/commands.hpp"

namespace coco_tool {

void register_version(coco::cli::Command& cmd) {
  auto short_only = cmd.options<bool>();
  cmd.app().add_flag("--short", *short_only, "print only coco's version");
  cmd.description("Prints the version of coco, the git commit it was built from, and the versions of the "
                  "libraries it uses (as reported by each library at run time where the library can tell).");
  cmd.example("coco version", "show everything");
  cmd.example("coco version -o json | jq -r .commit", "the git commit, for a bug report");
  cmd.run([short_only](coco::cli::Context& ctx) -> coco::Status {
    const std::vector<coco::cli::LibraryVersion> libraries = coco::cli::linked_library_versions();
    nlohmann::json doc{{"version", coco::k_version}, {"commit", coco::k_git_commit}};
    if (!*short_only) {
      nlohmann::json libs = nlohmann::json::object();
      for (const coco::cli::LibraryVersion& lib : libraries) {
        libs[lib.name] = lib.version;
      }
      doc["libraries"] = libs;
    }
    return ctx.output.emit(doc, [&](std::ostream& out) {
      if (*short_only) {
        out << coco::k_version << '\n';
        return;
      }
      out << "coco " << coco::k_version << " (commit " << coco::k_git_commit << ")\n";
      for (const coco::cli::LibraryVersion& lib : libraries) {
        out << "  " << lib.name << ' ' << lib.version << '\n';
      }
    });
  });
}

} // namespace coco_tool
