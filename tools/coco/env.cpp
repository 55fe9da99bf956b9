// coco env: the environment variables coco reads (the table in common/cli/env.cpp), with their values here;
// sensitive values are masked.
#include "common/cli/settings.hpp"
#include "tools/coco/commands.hpp"

namespace coco_tool {

void register_env(coco::cli::Command& cmd) {
  cmd.description("Lists every environment variable coco's tools read, with its current value (masked when it "
                  "holds a secret) and what it does.");
  cmd.example("coco env -o json", "the same as a JSON array");
  cmd.run([](coco::cli::Context& ctx) -> coco::Status {
    const coco::cli::EnvLookup env = coco::cli::process_env();
    nlohmann::json doc = nlohmann::json::array();
    std::string text;
    for (const coco::cli::EnvVar& var : coco::cli::env_vars()) {
      std::optional<std::string> value = env(var.name);
      std::string shown = !value ? "" : (var.sensitive ? "********" : *value);
      doc.push_back({{"name", var.name},
                     {"set", value.has_value()},
                     {"value", shown},
                     {"sensitive", var.sensitive},
                     {"scope", var.scope.empty() ? "all" : var.scope},
                     {"description", var.description}});
      text += std::string(var.name) + "=" + (value ? shown : "") + (value ? "" : "  (unset)") + "\n    " +
              std::string(var.description) + "\n";
    }
    return ctx.output.emit(doc, [&](std::ostream& out) { out << text; });
  });
}

} // namespace coco_tool
