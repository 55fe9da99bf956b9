// Vendor root certificates shipped with coco (embedded at build time from common/attest/data/).
//
// AMD: per SEV-SNP generation the ASK, ARK and ASVK exactly as Trustee compiles them in
// (deps/verifier/src/snp/<gen>_ask_ark_asvk.pem, PEM order ASK, ARK, ASVK; RSA-4096, RSASSA-PSS SHA-384).
// Intel: the SGX Root CA (also the TDX PCK root), pinned by its SPKI SHA-256.
#pragma once

#include <string_view>

#include "common/base/result.hpp"
#include "common/crypto/x509.hpp"

namespace coco::attest {

enum class SnpGeneration { milan, genoa, turin };

std::string_view generation_name(SnpGeneration generation); // "Milan", "Genoa", "Turin"

struct AmdVendorCerts {
  crypto::Certificate ask;
  crypto::Certificate ark;
  crypto::Certificate asvk;
};

Result<AmdVendorCerts> amd_vendor_certs(SnpGeneration generation);

inline constexpr std::string_view k_intel_sgx_root_spki_sha256 =
    "a0af031289f5d5d4132f9186068a7fc13628633ba235777472e29b6b6c67a49e";

// The embedded Intel SGX Root CA; fails if its SPKI is not the pinned one.
Result<crypto::Certificate> intel_sgx_root_ca();

} // namespace coco::attest
