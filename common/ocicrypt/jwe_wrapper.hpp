// The `jwe` key wrapper (containers/ocicrypt keywrap/jwe/keywrapper_jwe.go): the private options are the
// payload of a JWE in JSON serialisation with enc A256GCM and one recipient per public key: RSA-OAEP for RSA
// keys, ECDH-ES+A256KW for EC keys, or the `alg` a JWK recipient names. Unwrapping accepts RSA-OAEP,
// RSA-OAEP-256, ECDH-ES+A128KW/A192KW/A256KW (see jose/jwe.hpp).
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "common/crypto/key.hpp"
#include "common/jose/jwe.hpp"
#include "common/ocicrypt/key_wrapper.hpp"

namespace coco::ocicrypt {

// A recipient from a file: PEM/DER public key, X.509 certificate, or a JWK (whose `alg`, if any, is used).
Result<jose::JweRecipient> load_jwe_recipient(std::span<const std::uint8_t> data);
Result<jose::JweRecipient> load_jwe_recipient_file(const std::filesystem::path& path);
// A decryption key: PEM (PKCS#8, PKCS#1, SEC1, encrypted with `passphrase`), DER, or a private JWK.
Result<crypto::PrivateKey> load_jwe_private_key(std::span<const std::uint8_t> data,
                                                std::optional<std::string_view> passphrase = {});
Result<crypto::PrivateKey> load_jwe_private_key_file(const std::filesystem::path& path,
                                                     std::optional<std::string_view> passphrase = {});

class JweKeyWrapper final : public KeyWrapper {
public:
  JweKeyWrapper(std::vector<jose::JweRecipient> recipients, std::vector<crypto::PrivateKey> keys)
      : m_recipients(std::move(recipients)), m_keys(std::move(keys)) {}
  [[nodiscard]] std::string scheme() const override { return "jwe"; }
  [[nodiscard]] bool can_wrap() const override { return !m_recipients.empty(); }
  [[nodiscard]] bool can_unwrap() const override { return !m_keys.empty(); }
  Result<Bytes> wrap(const Secret& private_options) override;
  Result<Secret> unwrap(std::span<const std::uint8_t> blob) override;

private:
  std::vector<jose::JweRecipient> m_recipients;
  std::vector<crypto::PrivateKey> m_keys;
};

} // namespace coco::ocicrypt
