#include "common/ocicrypt/annotations.hpp"

#include "common/base/encoding.hpp"

namespace coco::ocicrypt {

std::string keys_annotation(std::string_view scheme) { return std::string(k_annotation_keys_prefix) + std::string(scheme); }

bool is_encrypted_media_type(std::string_view media_type) {
  return media_type.find(k_encrypted_suffix) != std::string_view::npos;
}

Result<std::string> encrypted_media_type(std::string_view media_type) {
  if (is_encrypted_media_type(media_type)) {
    return make_error(Kind::invalid, "media type " + std::string(media_type) + " is already encrypted");
  }
  std::string_view base = media_type.substr(0, media_type.find('+'));
  const bool encryptable = base == "application/vnd.oci.image.layer.v1.tar" ||
                           base == "application/vnd.oci.image.layer.nondistributable.v1.tar" ||
                           media_type == "application/vnd.docker.image.rootfs.diff.tar.gzip";
  if (!encryptable) {
    return make_error(Kind::unsupported, "layers of media type " + std::string(media_type) + " cannot be encrypted");
  }
  return std::string(media_type) + std::string(k_encrypted_suffix);
}

Result<std::string> decrypted_media_type(std::string_view media_type) {
  auto pos = media_type.rfind(k_encrypted_suffix);
  if (pos == std::string_view::npos || pos + k_encrypted_suffix.size() != media_type.size()) {
    return make_error(Kind::invalid, "media type " + std::string(media_type) + " is not an encrypted layer type");
  }
  return std::string(media_type.substr(0, pos));
}

Result<std::vector<std::string>> split_key_annotation(std::string_view value) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= value.size()) {
    auto comma = value.find(',', start);
    std::string_view part = value.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (!part.empty()) {
      auto raw = base64_decode(part);
      if (!raw) {
        return make_error(Kind::invalid, "key annotation is not base64");
      }
      out.emplace_back(as_string(*raw));
    }
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  if (out.empty()) {
    return make_error(Kind::invalid, "key annotation is empty");
  }
  return out;
}

} // namespace coco::ocicrypt
