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

// The key ids (16 hex digits, uppercase) of the keys in the keyring that `id` names and of all their
// subkeys: the ids a session key packet for that recipient can carry. `id` is a fingerprint or key id, or an
// e-mail address (matched exactly, every key with that address counts). Unlike encryption, revoked and
// expired keys are found too. not_found when the keyring has no such key.
Result<std::vector<std::string>> pgp_key_ids(const std::string& id, const PgpOptions& options);

// A message without the public-key encrypted session key packets (RFC 4880 §5.1) naming one of `key_ids`
// (as pgp_key_ids returns them). The packets are walked by their framing only (old and new formats,
// RFC 4880 §4.2); the other session key packets and the encrypted data packet with everything after it are
// kept byte for byte. A session key packet with the wildcard key id (a hidden recipient) never matches.
// Framing that cannot be followed, a session key packet of an unknown version, or no encrypted data packet
// is Kind::invalid. `message` is std::nullopt when no session key packet is left.
struct PgpRemoval {
  std::optional<Bytes> message;
  int removed = 0;  // packets dropped
  int kept = 0;     // session key packets left, hidden ones included
  int hidden = 0;   // of those, packets with the wildcard key id
};
Result<PgpRemoval> pgp_remove_recipients(std::span<const std::uint8_t> message, std::span<const std::string> key_ids);

} // namespace coco::ocicrypt
