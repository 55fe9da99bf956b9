// The CoCo KBS recipient: the annotation packet of guest-components' attestation-agent keyprovider
// (coco_keyprovider enc_mods), stored as org.opencontainers.image.enc.keys.provider.attestation-agent:
//
//   {"kid":"kbs:///REPO/TYPE/TAG","wrapped_data":B64,"iv":B64,"wrap_type":"A256GCM"}
//
// compact, in this order, standard base64. The key-encryption key (KEK) is a KBS resource of 32 raw bytes
// at `kid`; A256GCM wraps the private options JSON with a random 12-byte iv, wrapped_data = ciphertext ||
// 16-byte tag, no AAD. Unwrapping also accepts A256CTR (16-byte iv, no integrity), which the guest accepts.
// Extra members (version, provider, ...) are ignored as the guest does.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/base/secret.hpp"
#include "common/ocicrypt/key_wrapper.hpp"

namespace coco::ocicrypt {

inline constexpr std::string_view k_kbs_provider_name = "attestation-agent";

struct KbsPacket {
  std::string kid;
  Bytes wrapped_data;
  Bytes iv;
  std::string wrap_type;
};

Result<KbsPacket> parse_kbs_packet(std::span<const std::uint8_t> blob);
// The KBS resource path "REPO/TYPE/TAG" of a kid "kbs:///REPO/TYPE/TAG" (or "kbs://host[:port]/..."); each
// part as the KBS accepts it ([A-Za-z0-9_-][A-Za-z0-9_.-]*).
Result<std::string> kbs_resource_path(std::string_view kid);
// A KEK file: exactly 32 bytes.
Result<Secret> load_kek_file(const std::filesystem::path& path);

class KbsKeyWrapper final : public KeyWrapper {
public:
  // Wraps for `kid` with `kek` (kid empty: unwrap only). Unwrapping uses the same KEK.
  KbsKeyWrapper(std::string kid, Secret kek) : m_kid(std::move(kid)), m_kek(std::move(kek)) {}
  [[nodiscard]] std::string scheme() const override { return "provider." + std::string(k_kbs_provider_name); }
  [[nodiscard]] bool can_wrap() const override { return !m_kid.empty(); }
  [[nodiscard]] bool can_unwrap() const override { return !m_kek.empty(); }
  Result<Bytes> wrap(const Secret& private_options) override;
  Result<Secret> unwrap(std::span<const std::uint8_t> blob) override;

private:
  std::string m_kid;
  Secret m_kek;
};

} // namespace coco::ocicrypt
