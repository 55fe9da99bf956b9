// Intel TDX quotes, versions 4 and 5 (Intel "TDX DCAP Quoting Library API", appendix "Quote Format"; Trustee
// deps/verifier/src/tdx/quote.rs).
//
// Header (48 bytes): version u16, att_key_type u16 (2 = ECDSA P-256), tee_type u32 (0x81 = TDX), reserved[4],
// vendor_id[16], user_data[20]. v4: the TD report body (584 bytes) follows at 48; v5: body type u16 (2 = TDX 1.0,
// 3 = TDX 1.5) and body size u32 at 48, body at 54 (TDX 1.5: 648 bytes, adding tee_tcb_svn2[16] and
// mr_servicetd[48]). Body: tee_tcb_svn[16], mr_seam[48], mrsigner_seam[48], seam_attributes[8], td_attributes[8],
// xfam[8], mr_td[48], mr_config_id[48], mr_owner[48], mr_owner_config[48], rtmr0..3[48 each], report_data[64].
// Then u32 signature data length and the signature data: ECDSA signature r||s[64] over header‖body (everything
// before the length), attestation key x||y[64], certification data {type u16, size u32, data}. Type 6 is the
// QE report certification data: QE report (SGX report body, 384 bytes, report_data at 320), its ECDSA signature
// [64] by the PCK key, u16 QE authentication data size + data, and nested certification data of type 5 (the PCK
// certificate chain as concatenated PEM, leaf first). Bytes after the signature data (padding) are ignored.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "common/attest/verifier.hpp"
#include "common/base/encoding.hpp"
#include "common/base/result.hpp"
#include "common/crypto/x509.hpp"

namespace coco::attest {

struct TdxHeader {
  std::uint16_t version = 0;
  std::uint16_t att_key_type = 0;
  std::uint32_t tee_type = 0;
  Bytes raw; // 48 bytes
};

struct TdxBody {
  Bytes tee_tcb_svn, mr_seam, mrsigner_seam, seam_attributes, td_attributes, xfam, mr_td, mr_config_id, mr_owner,
      mr_owner_config, rtmr0, rtmr1, rtmr2, rtmr3, report_data;
  std::optional<Bytes> tee_tcb_svn2, mr_servicetd; // TDX 1.5 bodies
};

struct TdxQuote {
  TdxHeader header;
  std::optional<std::uint16_t> body_type; // v5
  std::optional<std::uint32_t> body_size; // v5
  TdxBody body;
  Bytes signed_part;        // header‖(type‖size‖)body
  Bytes signature;          // r||s, 64 bytes
  Bytes attestation_key;    // x||y, 64 bytes
  std::uint16_t certification_type = 0;
  Bytes qe_report;          // 384 bytes
  Bytes qe_report_signature;
  Bytes qe_auth_data;
  std::uint16_t pck_certification_type = 0;
  Bytes pck_chain_pem;      // type 5 data (may end with NUL bytes)
};

Result<TdxQuote> parse_tdx_quote(std::span<const std::uint8_t> bytes);

// Intel SGX extensions of a PCK certificate (OID 1.2.840.113741.1.13.1; Intel "PCK Certificate and CRL Profile").
struct PckExtensions {
  Bytes ppid;                          // .1
  std::array<std::uint8_t, 16> sgx_tcb_components{}; // .2.1 .. .2.16
  std::uint16_t pce_svn = 0;           // .2.17
  Bytes cpu_svn;                       // .2.18
  Bytes pce_id;                        // .3
  Bytes fmspc;                         // .4
  std::optional<Bytes> platform_instance_id; // .6 (platform CA certificates)
};
Result<PckExtensions> parse_pck_extensions(const crypto::Certificate& pck);

// Trustee's TDX claims (spec §4; vectors/evidence/tdx/trustee-parse_tdx_claims_expected.json without DCAP
// supplemental claims): quote.{header,body[,type,size]}, td_attributes, report_data, init_data (mr_config_id),
// uefi_event_logs ([] without an event log), platform_instance_id (when the PCK certificate has one; byte-reversed as Trustee prints it).
nlohmann::json tdx_claims(const TdxQuote& quote, const std::optional<Bytes>& platform_instance_id);

// Signature checks of a parsed quote against pinned roots: quote signature by the attestation key, QE report
// signature by the PCK, QE report_data binding, PCK chain to a root. Returns whether the chain ended at a
// simulated root; fills platform_instance_id from the PCK certificate's SGX extensions.
struct TdxQuoteCheck {
  bool simulated = false;
  std::optional<crypto::Certificate> pck;
  std::optional<Bytes> platform_instance_id;
};
Result<TdxQuoteCheck> verify_tdx_quote_signatures(const TdxQuote& quote, const VerifierOptions& options);

// Verify a binary quote as Trustee does and return the claims. With a CC event log (ccel.hpp), its replay must
// equal RTMR0..3 and its events become uefi_event_logs.
Result<nlohmann::json> verify_tdx_quote(std::span<const std::uint8_t> bytes, const std::optional<Bytes>& expected_report_data,
                                        const std::optional<Bytes>& init_data_digest, const VerifierOptions& options,
                                        const std::optional<Bytes>& cc_eventlog = std::nullopt);

std::unique_ptr<Verifier> make_tdx_verifier(const VerifierOptions& options);

} // namespace coco::attest
