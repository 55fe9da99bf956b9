#include "common/ocicrypt/options.hpp"

#include <nlohmann/json.hpp>

namespace coco::ocicrypt {
namespace {

// Appends "name":"b64" members of a map, Go-style (map keys sorted, which std::map gives).
void append_map(std::string& out, const std::map<std::string, Bytes>& m) {
  out += "{";
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) {
      out += ",";
    }
    first = false;
    out += nlohmann::json(k).dump() + ":\"" + base64_encode(v) + "\"";
  }
  out += "}";
}

Result<std::map<std::string, Bytes>> read_map(const nlohmann::json& j, std::string_view what) {
  auto it = j.find("cipheroptions");
  if (it == j.end() || !it->is_object()) {
    return make_error(Kind::invalid, std::string(what) + ": \"cipheroptions\" missing or not an object");
  }
  std::map<std::string, Bytes> out;
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) {
      return make_error(Kind::invalid, std::string(what) + ": cipher option \"" + k + "\" is not a string");
    }
    auto bytes = base64_decode(v.get<std::string>());
    if (!bytes) {
      return make_error(Kind::invalid, std::string(what) + ": cipher option \"" + k + "\" is not base64");
    }
    out[k] = std::move(bytes).value();
  }
  return out;
}

} // namespace

Secret serialize_private_options(const PrivateOptions& options) {
  std::string out = "{\"symkey\":\"" + base64_encode(options.symkey.bytes()) + "\",\"digest\":" +
                    nlohmann::json(options.digest).dump() + ",\"cipheroptions\":";
  append_map(out, options.cipheroptions);
  out += "}";
  Secret s = Secret::from_string(out);
  secure_zero(out.data(), out.size());
  return s;
}

Result<PrivateOptions> parse_private_options(std::span<const std::uint8_t> json) {
  nlohmann::json j = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return make_error(Kind::invalid, "layer private options: not a JSON object");
  }
  PrivateOptions out;
  auto symkey = j.find("symkey");
  if (symkey == j.end() || !symkey->is_string()) {
    return make_error(Kind::invalid, "layer private options: \"symkey\" missing");
  }
  auto& symkey_text = symkey->get_ref<std::string&>();
  auto key = base64_decode(symkey_text);
  secure_zero(symkey_text.data(), symkey_text.size());
  if (!key) {
    return make_error(Kind::invalid, "layer private options: \"symkey\" is not base64");
  }
  out.symkey = Secret(std::move(key).value());
  if (auto d = j.find("digest"); d != j.end() && d->is_string()) {
    out.digest = d->get<std::string>();
  } else {
    return make_error(Kind::invalid, "layer private options: \"digest\" missing");
  }
  COCO_TRY(out.cipheroptions, read_map(j, "layer private options"));
  return out;
}

std::string serialize_public_options(const PublicOptions& options) {
  std::string out = "{\"cipher\":" + nlohmann::json(options.cipher).dump() + ",\"hmac\":\"" +
                    base64_encode(options.hmac) + "\",\"cipheroptions\":";
  append_map(out, options.cipheroptions);
  out += "}";
  return out;
}

Result<PublicOptions> parse_public_options(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return make_error(Kind::invalid, "layer public options: not a JSON object");
  }
  PublicOptions out;
  auto cipher = j.find("cipher");
  if (cipher == j.end() || !cipher->is_string()) {
    return make_error(Kind::invalid, "layer public options: \"cipher\" missing");
  }
  out.cipher = cipher->get<std::string>();
  auto hmac = j.find("hmac");
  if (hmac == j.end() || !hmac->is_string()) {
    return make_error(Kind::integrity, "layer public options: \"hmac\" missing",
                      "an encrypted layer without an HMAC cannot be checked");
  }
  auto mac = base64_decode(hmac->get<std::string>());
  if (!mac) {
    return make_error(Kind::invalid, "layer public options: \"hmac\" is not base64");
  }
  out.hmac = std::move(mac).value();
  COCO_TRY(out.cipheroptions, read_map(j, "layer public options"));
  return out;
}

Result<Bytes> layer_nonce(const PrivateOptions& priv, const PublicOptions& pub) {
  if (auto it = pub.cipheroptions.find("nonce"); it != pub.cipheroptions.end()) {
    return it->second;
  }
  if (auto it = priv.cipheroptions.find("nonce"); it != priv.cipheroptions.end()) {
    return it->second;
  }
  return make_error(Kind::invalid, "layer options: no nonce");
}

} // namespace coco::ocicrypt
