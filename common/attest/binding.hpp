// Report-data binding of the KBS protocol (spec evidence.md §2).
//
// The attester hashes the RFC 8785 text of {"additional-evidence":<string>,"nonce":<nonce>,"tee-pubkey":<JWK>}
// (device evidence: without "additional-evidence") with SHA-384 (SHA-512 for IBM SE) and places the digest in
// the TEE's report-data field in a per-TEE form; the verifier recomputes it and compares (Trustee
// kbs/src/attestation/coco/builtin.rs, guest-components kbs_protocol/src/client/rcar_client.rs).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/base/encoding.hpp"
#include "common/base/result.hpp"

namespace coco::attest {

enum class Tee { sample, snp, tdx, tpm, az_snp_vtpm, az_tdx_vtpm, se };
enum class HashAlgorithm { sha256, sha384, sha512 };

// "sample", "snp", "tdx", "tpm", "az-snp-vtpm", "az-tdx-vtpm", "se" (the KBS protocol's names).
std::string_view tee_name(Tee tee);
Result<Tee> parse_tee(std::string_view name);

Bytes digest(HashAlgorithm algorithm, std::span<const std::uint8_t> data);

// The hash the KBS protocol hard-wires per TEE: sha512 for se, sha384 otherwise.
HashAlgorithm binding_hash(Tee tee);

// The primary runtime-data object {"additional-evidence","nonce","tee-pubkey"}; without
// additional_evidence (nullopt) the device form {"nonce","tee-pubkey"}.
nlohmann::json runtime_data_object(std::string_view nonce, const nlohmann::json& tee_pubkey_jwk,
                                   std::optional<std::string_view> additional_evidence);

// H(JCS(runtime_data_object(...))).
Result<Bytes> runtime_data_digest(std::string_view nonce, const nlohmann::json& tee_pubkey_jwk,
                                  std::optional<std::string_view> additional_evidence, HashAlgorithm algorithm);

// `data` zero-padded or truncated to `size` bytes (Trustee's regularize_data).
Bytes resize_data(std::span<const std::uint8_t> data, std::size_t size);

// What the attester writes into the TEE's report-data field for digest D: snp/tdx: D resized to 64; tpm: D resized
// to 32; sample, se and az-*-vtpm (vTPM nonce): D itself (sample carries it as std base64 in "report_data").
Bytes report_data_for(Tee tee, std::span<const std::uint8_t> digest);

} // namespace coco::attest
