// libFuzzer target: parse and compile arbitrary text as a Rego module (v1, and v0 when the first byte is odd).
// Errors must come back as values with a location; nothing may crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/rego/engine.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  bool v0 = size > 0 && (data[0] & 1) != 0;
  coco::rego::PolicyCompiler compiler(coco::rego::EngineOptions{.v0 = v0});
  if (compiler.add_module("fuzz.rego", text)) {
    return 0;
  }
  (void)compiler.compile();
  return 0;
}
