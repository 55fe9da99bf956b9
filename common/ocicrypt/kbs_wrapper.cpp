#include "common/ocicrypt/kbs_wrapper.hpp"

#include <nlohmann/json.hpp>

#include "common/base/atomic_file.hpp"
#include "common/crypto/cipher.hpp"
#include "common/crypto/random.hpp"

namespace coco::ocicrypt {
namespace {

bool valid_part(std::string_view p) {
  if (p.empty()) {
    return false;
  }
  for (std::size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    bool ok_char = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                   c == '-' || (i > 0 && c == '.');
    if (!ok_char) {
      return false;
    }
  }
  return true;
}

} // namespace

Result<std::string> kbs_resource_path(std::string_view kid) {
  std::string_view rest;
  if (kid.rfind("kbs://", 0) == 0) {
    rest = kid.substr(6);
  } else {
    return make_error(Kind::invalid, "KBS key id '" + std::string(kid) + "' is not a kbs:// URI",
                      "write it as kbs:///REPO/TYPE/TAG");
  }
  auto slash = rest.find('/');
  if (slash == std::string_view::npos) {
    return make_error(Kind::invalid, "KBS key id '" + std::string(kid) + "' has no resource path");
  }
  std::string_view path = rest.substr(slash + 1);
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    auto s = path.find('/', start);
    parts.push_back(path.substr(start, s == std::string_view::npos ? std::string_view::npos : s - start));
    if (s == std::string_view::npos) {
      break;
    }
    start = s + 1;
  }
  if (parts.size() != 3 || !valid_part(parts[0]) || !valid_part(parts[1]) || !valid_part(parts[2])) {
    return make_error(Kind::invalid, "KBS key id '" + std::string(kid) + "' must name REPO/TYPE/TAG",
                      "write it as kbs:///REPO/TYPE/TAG");
  }
  return std::string(path);
}

Result<Secret> load_kek_file(const std::filesystem::path& path) {
  COCO_TRY(std::string text, read_file(path));
  Secret kek = Secret::from_string(text);
  secure_zero(text.data(), text.size());
  if (kek.size() != 32) {
    return make_error(Kind::invalid, path.string() + ": a KEK must be exactly 32 bytes (has " +
                                         std::to_string(kek.size()) + ")");
  }
  return kek;
}

Result<KbsPacket> parse_kbs_packet(std::span<const std::uint8_t> blob) {
  nlohmann::json j = nlohmann::json::parse(blob.begin(), blob.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return make_error(Kind::invalid, "KBS key packet: not a JSON object");
  }
  auto str = [&](const char* name) -> Result<std::string> {
    auto it = j.find(name);
    if (it == j.end() || !it->is_string()) {
      return make_error(Kind::invalid, std::string("KBS key packet: \"") + name + "\" missing");
    }
    return it->get<std::string>();
  };
  if (auto v = j.find("version"); v != j.end() && (!v->is_string() || v->get<std::string>() != "0.1.0")) {
    return make_error(Kind::unsupported, "KBS key packet: unsupported version");
  }
  KbsPacket p;
  COCO_TRY(p.kid, str("kid"));
  COCO_TRY(std::string wrapped, str("wrapped_data"));
  COCO_TRY(std::string iv, str("iv"));
  COCO_TRY(p.wrap_type, str("wrap_type"));
  auto w = base64_decode(wrapped);
  auto i = base64_decode(iv);
  if (!w || !i) {
    return make_error(Kind::invalid, "KBS key packet: wrapped_data or iv is not base64");
  }
  p.wrapped_data = std::move(w).value();
  p.iv = std::move(i).value();
  return p;
}

Result<Bytes> KbsKeyWrapper::wrap(const Secret& private_options) {
  if (m_kek.size() != 32) {
    return make_error(Kind::invalid, "KBS key wrapping needs a 32-byte KEK");
  }
  COCO_TRY(std::string path, kbs_resource_path(m_kid));
  (void)path;
  Bytes iv = crypto::random_bytes(12);
  COCO_TRY(crypto::GcmSealed sealed, crypto::aes_gcm_encrypt(m_kek.bytes(), iv, private_options.bytes()));
  Bytes wrapped = std::move(sealed.ciphertext);
  wrapped.insert(wrapped.end(), sealed.tag.begin(), sealed.tag.end());
  std::string out = "{\"kid\":" + nlohmann::json(m_kid).dump() + ",\"wrapped_data\":\"" + base64_encode(wrapped) +
                    "\",\"iv\":\"" + base64_encode(iv) + "\",\"wrap_type\":\"A256GCM\"}";
  return to_bytes(out);
}

Result<Secret> KbsKeyWrapper::unwrap(std::span<const std::uint8_t> blob) {
  COCO_TRY(KbsPacket p, parse_kbs_packet(blob));
  if (m_kek.size() != 32) {
    return make_error(Kind::invalid, "KBS key unwrapping needs a 32-byte KEK");
  }
  if (p.wrap_type == "A256GCM") {
    if (p.iv.size() != 12 || p.wrapped_data.size() < 16) {
      return make_error(Kind::invalid, "KBS key packet: A256GCM needs a 12-byte iv and a 16-byte tag");
    }
    std::span<const std::uint8_t> all(p.wrapped_data);
    auto out = crypto::aes_gcm_decrypt(m_kek.bytes(), p.iv, all.first(all.size() - 16), {}, all.last(16));
    if (!out) {
      return make_error(Kind::auth, "KBS key packet for " + p.kid + ": the KEK does not open it (wrong key or tampered)");
    }
    return out;
  }
  if (p.wrap_type == "A256CTR") {
    if (p.iv.size() != 16) {
      return make_error(Kind::invalid, "KBS key packet: A256CTR needs a 16-byte iv");
    }
    COCO_TRY(crypto::AesCtr ctr, crypto::AesCtr::create(m_kek.bytes(), p.iv));
    Secret out(p.wrapped_data);
    ctr.update_in_place(out.mutable_bytes());
    return out;
  }
  return make_error(Kind::unsupported, "KBS key packet: wrap_type \"" + p.wrap_type + "\" is not supported");
}

} // namespace coco::ocicrypt
