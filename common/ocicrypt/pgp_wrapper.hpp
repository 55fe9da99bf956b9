// The `pgp` key wrapper (containers/ocicrypt keywrap/pgp): the private options are an OpenPGP message
// (RFC 4880) encrypted to every recipient: one public-key encrypted session key packet per recipient and a
// symmetrically encrypted integrity-protected data packet, no compression, no signature. coco drives GnuPG
// through gpgme: recipients are looked up by e-mail address or fingerprint in the user's keyring
// ($GNUPGHOME or an explicit home), and decryption uses the secret keys of that keyring. Keys are always
// trusted for encryption (the caller named them). Pinentry is never started: a protected key needs the
// passphrase given here (loopback mode).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/ocicrypt/key_wrapper.hpp"

namespace coco::ocicrypt {

struct PgpOptions {
  std::optional<std::filesystem::path> gnupg_home;  // default: $GNUPGHOME, else ~/.gnupg
  std::optional<Secret> passphrase;                 // for protected secret keys
};

class PgpKeyWrapper final : public KeyWrapper {
public:
  // recipients: e-mail addresses or fingerprints to encrypt to; decrypt: whether unwrap may use the keyring.
  PgpKeyWrapper(std::vector<std::string> recipients, bool decrypt, PgpOptions options = {})
      : m_recipients(std::move(recipients)), m_decrypt(decrypt), m_options(std::move(options)) {}
  [[nodiscard]] std::string scheme() const override { return "pgp"; }
  [[nodiscard]] bool can_wrap() const override { return !m_recipients.empty(); }
  [[nodiscard]] bool can_unwrap() const override { return m_decrypt; }
  Result<Bytes> wrap(const Secret& private_options) override;
  Result<Secret> unwrap(std::span<const std::uint8_t> blob) override;

private:
  std::vector<std::string> m_recipients;
  bool m_decrypt;
  PgpOptions m_options;
};

// The key ids (16 hex digits, uppercase) of the public-key encrypted session key packets of a message, for
// inspection without any key.
Result<std::vector<std::string>> pgp_recipient_key_ids(std::span<const std::uint8_t> message);

} // namespace coco::ocicrypt
