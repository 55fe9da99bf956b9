// Simulated SEV-SNP and TDX evidence (coco's own; spec evidence.md §7): the real binary formats, signed by
// generated vendor-like chains, so that the same verifiers accept them when -- and only when -- told to trust
// the simulated roots (VerifierOptions::sim_dir). Claims from them carry "simulated": true at the TEE level.
//
// init_sim_roots(DIR) writes (private keys mode 0600):
//   DIR/snp/ark.pem         RSA-4096, self-signed, RSASSA-PSS SHA-384 (salt 48), CN ARK-Sim
//   DIR/snp/ask.pem         RSA-4096, signed by the ARK (PSS), CN SEV-Sim
//   DIR/snp/vcek.pem        EC P-384, signed by the ASK (PSS), CN SEV-VCEK, TCB extensions
//                           1.3.6.1.4.1.3704.1.3.{1,2,3,8} = options.tcb, HWID 1.3.6.1.4.1.3704.1.4 = chip_id
//   DIR/snp/vcek-key.pem
//   DIR/tdx/root.pem        EC P-256 self-signed, CN "coco simulated SGX Root CA"
//   DIR/tdx/pck-ca.pem      EC P-256 signed by root, CN "coco simulated SGX PCK Platform CA"
//   DIR/tdx/pck.pem         EC P-256 signed by pck-ca, CN "coco simulated SGX PCK Certificate"
//   DIR/tdx/pck-key.pem
//   DIR/tdx/attestation-key.pem  EC P-256, the simulated QE's attestation key
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "common/attest/snp.hpp"
#include "common/base/encoding.hpp"
#include "common/base/result.hpp"
#include "common/crypto/x509.hpp"

namespace coco::attest {

struct SimInitOptions {
  SnpTcb snp_tcb{std::nullopt, 10, 0, 23, 25}; // written into the sim VCEK's extensions
  Bytes snp_chip_id = Bytes(64, 0x5a);
};

// Create DIR (and subdirectories) with fresh keys and certificates. Fails if DIR/snp/ark.pem already exists.
Status init_sim_roots(const std::filesystem::path& dir, const SimInitOptions& options = {});

struct SimSnpRoots {
  crypto::Certificate ark;
  crypto::Certificate ask;
};
Result<SimSnpRoots> load_sim_snp_roots(const std::filesystem::path& dir);
Result<crypto::Certificate> load_sim_tdx_root(const std::filesystem::path& dir);

struct SimSnpReportParams {
  std::uint32_t version = 3;
  Bytes measurement = Bytes(48, 0);
  Bytes report_data = Bytes(64, 0);
  Bytes host_data = Bytes(32, 0);
  std::optional<SnpTcb> reported_tcb; // default: the sim VCEK's TCB extensions
  std::uint64_t policy = 0x30000;     // ABI 0.0, SMT allowed
  std::uint32_t vmpl = 0;
  std::uint32_t guest_svn = 0;
  std::uint8_t cpuid_fam_id = 0x19;   // Genoa
  std::uint8_t cpuid_mod_id = 0xA0;
  std::uint8_t cpuid_step = 0x02;
  std::uint64_t plat_info = 0x1;      // SMT enabled
};

// A signed 1184-byte report from the simulated VCEK in DIR.
Result<Bytes> sim_snp_report(const std::filesystem::path& dir, const SimSnpReportParams& params);
// The SNP evidence JSON (serde form, cert_chain with the sim VCEK) for such a report.
Result<nlohmann::json> sim_snp_evidence(const std::filesystem::path& dir, const SimSnpReportParams& params);

struct SimTdxQuoteParams {
  Bytes mr_td = Bytes(48, 0);
  Bytes mr_config_id = Bytes(48, 0);
  Bytes mr_owner = Bytes(48, 0);
  Bytes mr_owner_config = Bytes(48, 0);
  Bytes rtmr0 = Bytes(48, 0), rtmr1 = Bytes(48, 0), rtmr2 = Bytes(48, 0), rtmr3 = Bytes(48, 0);
  Bytes report_data = Bytes(64, 0);
  Bytes tee_tcb_svn = Bytes(16, 0);
  Bytes mr_seam = Bytes(48, 0);
  std::uint64_t td_attributes = 0x10000000; // SEPT_VE_DISABLE
  std::uint64_t xfam = 0x6e7;
};

// A TDX quote v4 signed by the simulated attestation key, its QE report signed by the sim PCK, certification data
// type 6 (QE report) wrapping type 5 (PEM PCK chain: pck, pck-ca, root).
Result<Bytes> sim_tdx_quote(const std::filesystem::path& dir, const SimTdxQuoteParams& params);
// {"cc_eventlog": null, "quote": std base64}.
Result<nlohmann::json> sim_tdx_evidence(const std::filesystem::path& dir, const SimTdxQuoteParams& params);

} // namespace coco::attest
