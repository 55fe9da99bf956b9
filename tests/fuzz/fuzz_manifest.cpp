// libFuzzer target: manifest, index, descriptor and config parsing. Any input is answered; a manifest or
// index that parses serialises to a document that parses again to the same serialisation.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/oci/manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)coco::oci::detect_manifest_media_type(text);
  if (auto m = coco::oci::parse_image_manifest(text)) {
    std::string out = coco::oci::serialize_manifest(*m);
    auto again = coco::oci::parse_image_manifest(out);
    if (!again || coco::oci::serialize_manifest(*again) != out) {
      std::abort();
    }
  }
  if (auto index = coco::oci::parse_image_index(text)) {
    std::string out = coco::oci::serialize_index(*index);
    auto again = coco::oci::parse_image_index(out);
    if (!again || coco::oci::serialize_index(*again) != out) {
      std::abort();
    }
    (void)coco::oci::choose_instance(*index, coco::oci::Platform{"linux", "arm64", "", "", {}});
  }
  (void)coco::oci::parse_descriptor_json(text);
  (void)coco::oci::parse_image_config(text);
  return 0;
}
