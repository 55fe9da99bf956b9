// libFuzzer target: image reference parsing. Any input is answered (no crash, no exception), and a reference
// that parses prints back to a string that parses to the same reference.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/oci/manifest.hpp"
#include "common/oci/reference.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto ref = coco::oci::parse_image_reference(text);
  if (ref) {
    std::string printed = ref->str();
    auto again = coco::oci::parse_image_reference(printed);
    if (!again || again->str() != printed) {
      std::abort();
    }
  }
  (void)coco::oci::parse_docker_reference(text);
  (void)coco::oci::parse_digest(text);
  (void)coco::oci::parse_platform(text);
  return 0;
}
