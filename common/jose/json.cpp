#include "common/jose/json.hpp"

namespace coco::jose {

Result<Json> parse_object(std::string_view text, std::string_view what) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    return make_error(Kind::invalid, std::string(what) + ": not valid JSON");
  }
  if (!j.is_object()) {
    return make_error(Kind::invalid, std::string(what) + ": not a JSON object");
  }
  return j;
}

Result<std::string> string_member(const Json& object, std::string_view name, std::string_view what) {
  auto it = object.find(std::string(name));
  if (it == object.end()) {
    return make_error(Kind::invalid, std::string(what) + ": missing \"" + std::string(name) + "\"");
  }
  if (!it->is_string()) {
    return make_error(Kind::invalid, std::string(what) + ": \"" + std::string(name) + "\" is not a string");
  }
  return it->get<std::string>();
}

std::optional<std::string> optional_string(const Json& object, std::string_view name) {
  auto it = object.find(std::string(name));
  if (it == object.end() || !it->is_string()) {
    return std::nullopt;
  }
  return it->get<std::string>();
}

Result<Bytes> b64u_member(const Json& object, std::string_view name, std::string_view what) {
  COCO_TRY(std::string text, string_member(object, name, what));
  auto bytes = base64url_decode(text);
  if (!bytes) {
    return make_error(Kind::invalid, std::string(what) + ": \"" + std::string(name) + "\" is not base64url");
  }
  return bytes;
}

} // namespace coco::jose
