// The `pkcs7` key wrapper (containers/ocicrypt keywrap/pkcs7, which uses smallstep/pkcs7): the private options
// are the content of a CMS EnvelopedData (RFC 5652 §6) in a ContentInfo, DER:
// - one KeyTransRecipientInfo per certificate: version 0, issuerAndSerialNumber, rsaEncryption (no
//   parameters), the content key encrypted with RSAES-PKCS1-v1_5;
// - content encryption AES-128-GCM (2.16.840.1.101.3.4.1.6) with a random 12-byte nonce; the encrypted
//   content is ciphertext || 16-byte tag, no AAD.
// smallstep writes the GCM parameters as a primitive [UNIVERSAL 16] wrapping the DER of
// SEQUENCE { [4] IMPLICIT nonce, INTEGER 16 } and reads them back from that inner SEQUENCE; we write the same
// bytes so skopeo reads ours, and read both that form and the standard GCMParameters. Decryption also accepts
// AES-256-GCM and AES-128/256-CBC content. OpenSSL's CMS code is not used: it only knows GCM inside
// AuthEnvelopedData, which smallstep neither writes nor reads.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "common/crypto/key.hpp"
#include "common/ocicrypt/key_wrapper.hpp"

namespace coco::ocicrypt {

// An X.509 certificate (PEM or DER) with an RSA public key.
struct Pkcs7Certificate {
  Bytes der;
  Bytes issuer_der;  // the issuer Name, DER
  Bytes serial_der;  // the serialNumber INTEGER, DER (tag and length included)
  crypto::PublicKey key;
  Bytes subject_key_id;  // the subjectKeyIdentifier extension's value; empty when the certificate has none
};

Result<Pkcs7Certificate> load_pkcs7_certificate(std::span<const std::uint8_t> data);
Result<Pkcs7Certificate> load_pkcs7_certificate_file(const std::filesystem::path& path);

struct Pkcs7DecryptKey {
  crypto::PrivateKey key;
  std::optional<Pkcs7Certificate> certificate;  // selects the recipient; without it every recipient is tried
};

class Pkcs7KeyWrapper final : public KeyWrapper {
public:
  Pkcs7KeyWrapper(std::vector<Pkcs7Certificate> recipients, std::vector<Pkcs7DecryptKey> keys)
      : m_recipients(std::move(recipients)), m_keys(std::move(keys)) {}
  [[nodiscard]] std::string scheme() const override { return "pkcs7"; }
  [[nodiscard]] bool can_wrap() const override { return !m_recipients.empty(); }
  [[nodiscard]] bool can_unwrap() const override { return !m_keys.empty(); }
  Result<Bytes> wrap(const Secret& private_options) override;
  Result<Secret> unwrap(std::span<const std::uint8_t> blob) override;

private:
  std::vector<Pkcs7Certificate> m_recipients;
  std::vector<Pkcs7DecryptKey> m_keys;
};

// The recipient of one KeyTransRecipientInfo of a blob: issuer and serial number (DER, as in
// Pkcs7Certificate) or, for a recipient named by subject key identifier, that identifier.
struct Pkcs7Recipient {
  Bytes issuer_der;
  Bytes serial_der;
  Bytes subject_key_id;
};

// The key-transport recipients of an EnvelopedData blob, in order, without any key. Other kinds of
// RecipientInfo (key agreement, KEK, password) are not listed.
Result<std::vector<Pkcs7Recipient>> pkcs7_recipients(std::span<const std::uint8_t> blob);

// An EnvelopedData blob without the KeyTransRecipientInfo entries for `cert` (same issuer and serial number,
// or same subject key identifier). Only the RecipientInfos SET and the lengths of the structures around it
// are rewritten; every other byte (the encrypted content, the other recipients) is kept as it was. No key is
// needed. `blob` is std::nullopt when no RecipientInfo of any kind is left.
struct Pkcs7Removal {
  std::optional<Bytes> blob;
  int removed = 0;  // RecipientInfos dropped
};
Result<Pkcs7Removal> pkcs7_remove_recipient(std::span<const std::uint8_t> blob, const Pkcs7Certificate& cert);

} // namespace coco::ocicrypt
