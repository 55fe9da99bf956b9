// RVPS messages: reference values registered through `POST /kbs/v0/reference-value`, extracted as Trustee's
// reference value provider service extracts them (trustee rvps/src/lib.rs, rvps/src/extractors/).
//
// A message is JSON `{"version":"0.1.0","type":"<extractor>","payload":"<string>"}` (`version` defaults to
// 0.1.0; any other is refused). Extractors in current Trustee and here:
// - `sample`: payload = std base64 of a JSON object `{"<name>": <value>, ...}`; each member is one value.
// - `swid`: payload = std base64 of a SWID tag with TCG RIM bindings (ISO/IEC 19770-2 schema namespace, as
//   NVIDIA ships for GPU firmware). Name prefix `<Meta rim:PlatformManufacturerStr, spaces as _>.<Meta edition>`;
//   each Payload `Resource type="Measurement"` gives `<prefix>.measurement_<index>` (dashes as _) = the array
//   of its non-zero `Hash0`, `Hash1`... attributes (namespace http://www.w3.org/2001/04/xmlenc#sha384); a
//   resource with no non-zero hash gives nothing. The manifest's signature is not checked (Trustee neither).
// - `corim`: Trustee parses CBOR CoRIM/CoMID; coco-kbs has no CBOR parser, so it is refused (Kind::unsupported).
// Trustee removed its `in-toto` extractor; that and any other type is refused with Trustee's text
// "Could not find extractor for <type>".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/result.hpp"

namespace coco::kbs {

struct ReferenceValueEntry {
  std::string name;
  nlohmann::json value;
};

// The values a message registers, in document order. Kind::invalid for a malformed message or payload,
// Kind::unsupported for a type coco cannot extract.
Result<std::vector<ReferenceValueEntry>> extract_reference_values(std::string_view message);

} // namespace coco::kbs
