// The server's HTTPS identity: the configured certificate and key, or a self-signed P-256 certificate created
// in the state directory on first start (valid 10 years, SANs localhost, 127.0.0.1, ::1 and any named host),
// whose SHA-256 fingerprint the operator gives clients to pin.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace coco::kbs {

struct TlsIdentity {
  std::filesystem::path certificate;  // PEM chain, leaf first
  std::filesystem::path private_key;  // PEM
  std::string fingerprint;            // SHA-256 of the leaf DER, "AB:CD:..."
  bool generated = false;             // created by this call
};

// Reuses dir/tls-cert.pem and dir/tls-key.pem when both exist, else creates them (key 0600).
Result<TlsIdentity> ensure_self_signed(const std::filesystem::path& dir, const std::vector<std::string>& hosts);
// The identity of given files (checks that they load).
Result<TlsIdentity> load_tls_identity(const std::filesystem::path& certificate, const std::filesystem::path& private_key);
// SHA-256 fingerprint of the first certificate of a PEM file.
Result<std::string> certificate_fingerprint(const std::filesystem::path& certificate);
// The same for PEM text.
Result<std::string> certificate_fingerprint_pem(std::string_view pem);

} // namespace coco::kbs
