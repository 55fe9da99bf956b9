// AMD SEV-SNP attestation reports (SEV-SNP Firmware ABI spec, table "ATTESTATION_REPORT Structure"; the `sev`
// crate's src/firmware/guest/types/snp.rs for the serde JSON form the guest attester emits).
//
// A report is 1184 bytes, little-endian: version u32 @0x00, guest_svn @0x04, policy u64 @0x08, family_id[16]
// @0x10, image_id[16] @0x20, vmpl @0x30, sig_algo @0x34, current_tcb u64 @0x38, plat_info u64 @0x40, key_info
// @0x48, report_data[64] @0x50, measurement[48] @0x90, host_data[32] @0xC0, id_key_digest[48] @0xE0,
// author_key_digest[48] @0x110, report_id[32] @0x140, report_id_ma[32] @0x160, reported_tcb @0x180, cpuid
// family/model/stepping @0x188..0x18A (v3+), chip_id[64] @0x1A0, committed_tcb @0x1E0, current build/minor/major
// @0x1E8, committed build/minor/major @0x1EC, launch_tcb @0x1F0, launch/current mitigation vectors @0x1F8/0x200
// (v5), signature r[72] s[72] @0x2A0 (little-endian integers, 48 significant bytes). ECDSA P-384 with SHA-384
// signs bytes 0x000..0x29F. A TCB u64 holds bootloader, TEE, SNP, microcode SVNs at bytes 0, 1, 6, 7 (Milan,
// Genoa) or FMC, bootloader, TEE, SNP, microcode at bytes 0, 1, 2, 3, 7 (Turin).
//
// The verifying key is a VCEK (per chip and TCB, signed by the ASK) or a VLEK (per cloud provider, signed by the
// ASVK), whose extensions 1.3.6.1.4.1.3704.1.3.{1 bootloader, 2 TEE, 3 SNP, 8 microcode, 9 FMC} must equal the
// report's reported_tcb.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/attest/vendor_roots.hpp"
#include "common/attest/verifier.hpp"
#include "common/base/encoding.hpp"
#include "common/base/result.hpp"
#include "common/crypto/x509.hpp"

namespace coco::attest {

inline constexpr std::size_t k_snp_report_size = 1184;
inline constexpr std::size_t k_snp_signed_size = 0x2A0;

struct SnpTcb {
  std::optional<std::uint8_t> fmc; // Turin only
  std::uint8_t bootloader = 0;
  std::uint8_t tee = 0;
  std::uint8_t snp = 0;
  std::uint8_t microcode = 0;
};

struct SnpVersion {
  std::uint8_t major = 0;
  std::uint8_t minor = 0;
  std::uint8_t build = 0;
};

struct SnpReport {
  std::uint32_t version = 0;
  std::uint32_t guest_svn = 0;
  std::uint64_t policy = 0;
  Bytes family_id, image_id;
  std::uint32_t vmpl = 0;
  std::uint32_t sig_algo = 0;
  SnpTcb current_tcb;
  std::uint64_t plat_info = 0;
  std::uint32_t key_info = 0;
  Bytes report_data, measurement, host_data, id_key_digest, author_key_digest, report_id, report_id_ma;
  SnpTcb reported_tcb;
  std::optional<std::uint8_t> cpuid_fam_id, cpuid_mod_id, cpuid_step; // v3+
  Bytes chip_id;
  SnpTcb committed_tcb;
  SnpVersion current, committed;
  SnpTcb launch_tcb;
  std::optional<std::uint64_t> launch_mit_vector, current_mit_vector; // v5
  Bytes signature_r, signature_s; // 72 bytes each, little-endian

  Bytes raw; // the 1184 bytes parsed (or encoded)

  // key_info bits 2..4: 0 VCEK, 1 VLEK.
  [[nodiscard]] unsigned signing_key() const { return (key_info >> 2U) & 7U; }
};

// Parse a binary report (versions 2..5). Reserved bytes after the signature must be zero (they are not signed).
Result<SnpReport> parse_snp_report(std::span<const std::uint8_t> bytes);
// The serde JSON form ("attestation_report") -> the binary report (reserved bytes zero).
Result<Bytes> encode_snp_report_json(const nlohmann::json& attestation_report);
// The binary report -> the serde JSON form.
nlohmann::json snp_report_to_json(const SnpReport& report);

// Processor generation from the report's CPUID fields (v3+): family 0x19 models 0x00-0x0F Milan, 0x10-0x1F and
// 0xA0-0xAF Genoa; family 0x1A models 0x00-0x11 Turin.
Result<SnpGeneration> snp_generation(const SnpReport& report);

// Whether the report's signature verifies with `vek`'s public key.
bool snp_signature_valid(const SnpReport& report, const crypto::Certificate& vek);

// An entry of the evidence's cert_chain.
struct SnpCertEntry {
  std::string cert_type; // "VCEK", "VLEK", "ASK", "ARK", "ASVK", …
  Bytes der;
};

// Offline VEK store layout (used when the evidence has no cert_chain): <dir>/<chip_id hex>/vcek-<bl>-<tee>-<snp>-
// <ucode>.der (decimal SVNs, as KDS URL parameters), else <dir>/<chip_id hex>/vcek.der, else <dir>/vcek.der.
std::filesystem::path snp_vek_cache_path(const std::filesystem::path& dir, const SnpReport& report);

// Trustee's SNP checks on a binary report, in Trustee's order; returns the claims.
Result<nlohmann::json> verify_snp_report(const SnpReport& report, const std::vector<SnpCertEntry>& cert_chain,
                                         const std::optional<Bytes>& expected_report_data,
                                         const std::optional<Bytes>& init_data_digest, const VerifierOptions& options);

// The SNP claims (spec §4) of a report.
nlohmann::json snp_claims(const SnpReport& report);

// {"attestation_report": <serde form>, "cert_chain": null | [{"cert_type", "data": [ints]}]}.
nlohmann::json snp_evidence_json(const SnpReport& report, const std::vector<SnpCertEntry>& cert_chain);

std::unique_ptr<Verifier> make_snp_verifier(const VerifierOptions& options);

} // namespace coco::attest
