// TPM 2.0 quotes in Trustee's TPM evidence format (spec evidence.md §3; TPM 2.0 Library Part 2, TPMS_ATTEST,
// TPMT_SIGNATURE; guest-components attester/src/tpm, Trustee deps/verifier/src/tpm/mod.rs).
//
// Evidence: {"tpm_quote":{"signature":"<b64 TPMT_SIGNATURE>","message":"<b64 TPMS_ATTEST>","pcrs":["<hex>"×24]},
// "ak_public":"<b64 DER SPKI>"}. TPMS_ATTEST (big-endian): magic 0xFF544347, type 0x8018 (quote), qualifiedSigner
// TPM2B_NAME, extraData TPM2B (the nonce), clockInfo (17 bytes), firmwareVersion u64, TPMS_QUOTE_INFO
// {TPML_PCR_SELECTION, pcrDigest TPM2B}. TPMT_SIGNATURE: sigAlg u16 (0x0014 RSASSA), hashAlg u16 (0x000B SHA-256),
// TPM2B signature. The AK is not vouched for here: trust in it comes from policy (reference value trusted_aks).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/attest/verifier.hpp"
#include "common/base/encoding.hpp"
#include "common/base/result.hpp"

namespace coco::attest {

struct TpmPcrSelection {
  std::uint16_t hash_alg = 0;
  Bytes select; // bitmap, byte i bit j = PCR 8i+j
};

struct TpmAttest {
  std::uint32_t magic = 0;
  std::uint16_t type = 0;
  Bytes qualified_signer;
  Bytes extra_data;
  std::uint64_t clock = 0;
  std::uint32_t reset_count = 0, restart_count = 0;
  std::uint8_t safe = 0;
  std::uint64_t firmware_version = 0;
  std::vector<TpmPcrSelection> pcr_selections;
  Bytes pcr_digest;
};

Result<TpmAttest> parse_tpms_attest(std::span<const std::uint8_t> bytes);

struct TpmSignature {
  std::uint16_t sig_alg = 0;
  std::uint16_t hash_alg = 0;
  Bytes signature;
};
Result<TpmSignature> parse_tpmt_signature(std::span<const std::uint8_t> bytes);

std::unique_ptr<Verifier> make_tpm_verifier(const VerifierOptions& options);

} // namespace coco::attest
