// The two option documents of an ocicrypt-encrypted layer (containers/ocicrypt blockcipher/blockcipher.go):
//
// - private options, wrapped for each recipient:
//     {"symkey":B64(32 bytes),"digest":"sha256:…","cipheroptions":{"nonce":B64(16 bytes)}}
// - public options, annotation org.opencontainers.image.enc.pubopts = B64 of
//     {"cipher":"AES_256_CTR_HMAC_SHA256","hmac":B64(32 bytes),"cipheroptions":{}}
//
// B64 is standard base64 with padding (Go's encoding of []byte). Members are written in exactly this order
// and every member is always present: the CoCo guest parses both with serde and no defaults.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>

#include "common/base/encoding.hpp"
#include "common/base/result.hpp"
#include "common/base/secret.hpp"

namespace coco::ocicrypt {

inline constexpr std::string_view k_cipher_aes_ctr_hmac = "AES_256_CTR_HMAC_SHA256";

struct PrivateOptions {
  Secret symkey;
  std::string digest;  // descriptor digest of the plaintext (compressed) blob
  std::map<std::string, Bytes> cipheroptions;  // "nonce"
};

struct PublicOptions {
  std::string cipher = std::string(k_cipher_aes_ctr_hmac);
  Bytes hmac;
  std::map<std::string, Bytes> cipheroptions;
};

Secret serialize_private_options(const PrivateOptions& options);
Result<PrivateOptions> parse_private_options(std::span<const std::uint8_t> json);
std::string serialize_public_options(const PublicOptions& options);
Result<PublicOptions> parse_public_options(std::string_view json);

// The nonce: public cipheroptions first, then private (as ocicrypt looks it up).
Result<Bytes> layer_nonce(const PrivateOptions& priv, const PublicOptions& pub);

} // namespace coco::ocicrypt
