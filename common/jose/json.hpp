// The JSON type used by jose (member order preserved, so headers serialise in the order they were built) and
// small strict accessors for JOSE members.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/base/encoding.hpp"
#include "common/base/result.hpp"

namespace coco::jose {

using Json = nlohmann::ordered_json;

// Parse a JSON text; Kind::invalid naming `what` when it is not JSON or not an object.
Result<Json> parse_object(std::string_view text, std::string_view what);
// Compact serialisation (no whitespace), member order as stored.
inline std::string dump(const Json& j) { return j.dump(); }

// Member `name` as a string: absent -> not_found-style invalid error naming `what`.
Result<std::string> string_member(const Json& object, std::string_view name, std::string_view what);
std::optional<std::string> optional_string(const Json& object, std::string_view name);
// Member `name` as base64url (no padding), strictly decoded.
Result<Bytes> b64u_member(const Json& object, std::string_view name, std::string_view what);

} // namespace coco::jose
