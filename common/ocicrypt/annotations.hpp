// Where ocicrypt keeps a layer's keys and options (containers/ocicrypt encryption.go) and how the layer's
// media type marks it (containers/image manifest/oci.go):
// - org.opencontainers.image.enc.keys.<scheme>: B64(blob of the key wrapper), scheme jwe, pkcs7, pgp,
//   provider.<name>; a comma-separated list when recipients were added later (readers try each);
// - org.opencontainers.image.enc.pubopts: B64(public options JSON);
// - media type + "+encrypted" for tar, tar+gzip, tar+zstd layers (OCI and non-distributable) and the Docker
//   gzip layer type; decrypting strips the suffix.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace coco::ocicrypt {

inline constexpr std::string_view k_annotation_keys_prefix = "org.opencontainers.image.enc.keys.";
inline constexpr std::string_view k_annotation_pubopts = "org.opencontainers.image.enc.pubopts";
inline constexpr std::string_view k_encrypted_suffix = "+encrypted";

std::string keys_annotation(std::string_view scheme);  // k_annotation_keys_prefix + scheme

// The encrypted media type, or an error when the type cannot be encrypted (unknown base type) or already is.
Result<std::string> encrypted_media_type(std::string_view media_type);
// The media type with "+encrypted" removed; an error when it has no such suffix.
Result<std::string> decrypted_media_type(std::string_view media_type);
bool is_encrypted_media_type(std::string_view media_type);

// The comma-separated values of a keys annotation, base64-decoded; invalid entries are an error.
Result<std::vector<std::string>> split_key_annotation(std::string_view value);

} // namespace coco::ocicrypt
