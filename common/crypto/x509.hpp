// X.509 certificates (RFC 5280) for evidence verification: parsing PEM/DER, signature checks between a
// certificate and its issuer (RSA PKCS#1, RSASSA-PSS as AMD uses it, ECDSA), chains to pinned roots, extension
// lookup by OID and SPKI hashes (pinning by key, not by name: Intel's test CA reuses production names).
//
// Chain verification here is deliberately narrower than a TLS path builder: vendor attestation PKIs (AMD KDS,
// Intel PCS) are fixed three-level trees whose leaves lack the key-usage/purpose bits a generic validator wants,
// so we check signatures, issuer names and optionally validity times, and require the top to be a pinned root.
// verify_pkix_chain is the other kind: OpenSSL's full path validation against trusted certificates.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/encoding.hpp"
#include "common/base/result.hpp"

using X509 = struct x509_st;
using EVP_PKEY = struct evp_pkey_st;

namespace coco::crypto {

class Certificate {
public:
  // Parse one DER certificate (trailing bytes are an error).
  static Result<Certificate> from_der(std::span<const std::uint8_t> der);
  // The first certificate of a PEM text.
  static Result<Certificate> from_pem(std::string_view pem);
  // Every certificate of a PEM bundle, in order; trailing NUL bytes and text between blocks are ignored.
  static Result<std::vector<Certificate>> parse_pem_bundle(std::string_view pem);

  Certificate(const Certificate& other);
  Certificate& operator=(const Certificate& other);
  Certificate(Certificate&& other) noexcept;
  Certificate& operator=(Certificate&& other) noexcept;
  ~Certificate();

  [[nodiscard]] Bytes der() const;
  [[nodiscard]] std::string to_pem() const;
  // RFC 2253 forms, e.g. "CN=SEV-Milan,OU=Engineering,O=Advanced Micro Devices,...".
  [[nodiscard]] std::string subject() const;
  [[nodiscard]] std::string issuer() const;
  // The subject's single commonName ("" when absent).
  [[nodiscard]] std::string common_name() const;
  [[nodiscard]] Bytes spki_der() const;
  [[nodiscard]] Bytes spki_sha256() const;
  [[nodiscard]] Bytes sha256() const; // of the DER certificate
  [[nodiscard]] std::time_t not_before() const;
  [[nodiscard]] std::time_t not_after() const;
  // The extnValue contents (the bytes inside the OCTET STRING) of the extension `oid` (dotted form).
  [[nodiscard]] std::optional<Bytes> extension(std::string_view oid) const;
  // Whether `issuer`'s key verifies this certificate's signature (any algorithm OpenSSL knows, PSS included).
  [[nodiscard]] bool is_signed_by(const Certificate& issuer) const;
  [[nodiscard]] bool is_self_signed() const { return is_signed_by(*this); }
  [[nodiscard]] bool same_as(const Certificate& other) const { return der() == other.der(); }

  // Borrowed; valid as long as this Certificate.
  [[nodiscard]] X509* native() const { return m_cert; }
  [[nodiscard]] EVP_PKEY* public_key() const;

private:
  explicit Certificate(X509* cert) : m_cert(cert) {}
  X509* m_cert = nullptr;
};

struct ChainOptions {
  // Check notBefore/notAfter of every certificate against this time (nullopt: no time check, as Trustee).
  std::optional<std::time_t> at_time;
};

// Verify leaf -> intermediates... -> one of `roots`. Intermediates may be given in any order; each link needs
// the issuer name to match and the signature to verify; the path must end at a certificate whose SPKI equals
// a root's SPKI (a pinned root need not be in `intermediates`). Returns the path leaf-first, root last.
// Errors (Kind::denied) name the certificate that failed.
Result<std::vector<Certificate>> verify_chain(const Certificate& leaf, std::span<const Certificate> intermediates,
                                              std::span<const Certificate> roots, const ChainOptions& options = {});

// Generic RFC 5280 path validation by OpenSSL (X509_verify_cert with default flags), for PKIs that are not the
// fixed vendor trees above, e.g. a JWT header jwk's x5c chain checked against configured trust anchors (as
// Trustee's JwtVerifier does with openssl's X509Store). Unlike verify_chain it also enforces what a TLS-style
// validator enforces: validity times at the current time, basicConstraints CA:TRUE and keyCertSign on every
// issuer, path length limits. Trust is by anchor certificate (OpenSSL's issuer lookup), not by SPKI pinning;
// an anchor is only ever taken from `trusted` (a root copied into `untrusted` does not become trusted), and
// without X509_V_FLAG_PARTIAL_CHAIN the path must end at a self-signed certificate of `trusted` (a trusted
// intermediate alone does not anchor a chain). `untrusted` are intermediates in any order. Errors: Kind::denied
// with OpenSSL's reason and the failing depth ("certificate chain of CN=x does not verify (unable to get local
// issuer certificate at depth 0)"); Kind::internal when OpenSSL cannot set up the check.
Status verify_pkix_chain(const Certificate& leaf, std::span<const Certificate> untrusted,
                         std::span<const Certificate> trusted);

// DER INTEGER contents as an unsigned value (for AMD's TCB extensions: INTEGER inside the extnValue).
Result<std::uint64_t> der_integer_value(std::span<const std::uint8_t> der);

} // namespace coco::crypto
