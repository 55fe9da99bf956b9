// libFuzzer target: compile a Rego module and evaluate its whole package tree with an input.
// The fuzz input is "<policy>\n---\n<input JSON>"; strict mode when the first byte is odd.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/rego/engine.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::string policy = text;
  nlohmann::json input = nullptr;
  if (auto sep = text.find("\n---\n"); sep != std::string::npos) {
    policy = text.substr(0, sep);
    input = nlohmann::json::parse(text.substr(sep + 5), nullptr, false);
    if (input.is_discarded()) {
      input = nullptr;
    }
  }
  bool strict = size > 0 && (data[0] & 1) != 0;
  coco::rego::PolicyCompiler compiler(coco::rego::EngineOptions{.v0 = false, .strict_builtin_errors = strict});
  compiler.add_host_function("query_reference_value", 1, [](const std::vector<coco::rego::Value>& args) {
    return coco::rego::HostResult{coco::rego::Value::array({args[0]}), std::nullopt};
  });
  if (compiler.add_module("fuzz.rego", policy)) {
    return 0;
  }
  auto compiled = compiler.compile();
  if (!std::holds_alternative<std::shared_ptr<const coco::rego::CompiledPolicy>>(compiled)) {
    return 0;
  }
  auto out = std::get<0>(compiled)->evaluate("data", coco::rego::Value::from_json(input));
  if (out.defined) {
    (void)out.value.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return 0;
}
