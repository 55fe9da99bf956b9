// The key-encryption key that seals resource values at rest.
//
// 32 random bytes in a file outside the database (created 0600 on first start; a file readable by others
// is refused). Each value is sealed with AES-256-GCM under it: `0x01 || nonce(12) || ciphertext || tag(16)`,
// with the resource path and version as associated data so a row copied to another path or version does
// not open. Someone holding only the database (a backup, a replica's disk) learns no secret.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "common/base/encoding.hpp"
#include "common/base/result.hpp"
#include "common/base/secret.hpp"

namespace coco::store {

class KeyEncryptionKey {
public:
  // Load the key at `path`, creating it (0600, parent directory 0700) when absent.
  static Result<KeyEncryptionKey> load_or_create(const std::filesystem::path& path);
  static Result<KeyEncryptionKey> from_bytes(std::span<const std::uint8_t> key);

  [[nodiscard]] Result<Bytes> seal(std::span<const std::uint8_t> plaintext, std::string_view aad) const;
  [[nodiscard]] Result<Secret> open(std::span<const std::uint8_t> sealed, std::string_view aad) const;
  // Short public identifier of the key (first 8 bytes of SHA-256 of it, hex): stored beside each value so a
  // wrong key file is reported as such, not as tampering.
  [[nodiscard]] const std::string& id() const { return m_id; }

private:
  explicit KeyEncryptionKey(Secret key);
  Secret m_key;
  std::string m_id;
};

} // namespace coco::store
