// TPM quote parsing and Trustee's TPM verification; format in tpm.hpp.
#include "common/attest/tpm.hpp"

#include <cstdio>

#include <openssl/evp.h>

#include "common/attest/signature.hpp"

namespace coco::attest {
namespace {

constexpr std::uint32_t k_tpm_generated_value = 0xFF544347;
constexpr std::uint16_t k_st_attest_quote = 0x8018;
constexpr std::uint16_t k_alg_rsassa = 0x0014;
constexpr std::uint16_t k_alg_sha256 = 0x000B;

class BeReader {
public:
  explicit BeReader(std::span<const std::uint8_t> data) : m_data(data) {}
  Result<std::uint64_t> num(std::size_t n, const char* what) {
    if (m_data.size() - m_pos < n) {
      return make_error(Kind::invalid, std::string("tpm: truncated ") + what);
    }
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
      v = (v << 8U) | m_data[m_pos + i];
    }
    m_pos += n;
    return v;
  }
  Result<Bytes> bytes(std::size_t n, const char* what) {
    if (m_data.size() - m_pos < n) {
      return make_error(Kind::invalid, std::string("tpm: truncated ") + what);
    }
    Bytes out(m_data.begin() + static_cast<std::ptrdiff_t>(m_pos), m_data.begin() + static_cast<std::ptrdiff_t>(m_pos + n));
    m_pos += n;
    return out;
  }
  Result<Bytes> tpm2b(const char* what) {
    COCO_TRY(auto size, num(2, what));
    return bytes(size, what);
  }
  [[nodiscard]] bool at_end() const { return m_pos == m_data.size(); }

private:
  std::span<const std::uint8_t> m_data;
  std::size_t m_pos = 0;
};

} // namespace

Result<TpmAttest> parse_tpms_attest(std::span<const std::uint8_t> data) {
  BeReader r(data);
  TpmAttest a;
  COCO_TRY(auto magic, r.num(4, "TPMS_ATTEST magic"));
  a.magic = static_cast<std::uint32_t>(magic);
  if (a.magic != k_tpm_generated_value) {
    return make_error(Kind::invalid, "tpm: quote message is not TPM-generated (bad magic)");
  }
  COCO_TRY(auto type, r.num(2, "TPMS_ATTEST type"));
  a.type = static_cast<std::uint16_t>(type);
  if (a.type != k_st_attest_quote) {
    return make_error(Kind::invalid, "tpm: attestation structure is not a quote");
  }
  COCO_TRY(a.qualified_signer, r.tpm2b("qualifiedSigner"));
  COCO_TRY(a.extra_data, r.tpm2b("extraData"));
  COCO_TRY(a.clock, r.num(8, "clockInfo"));
  COCO_TRY(auto reset, r.num(4, "clockInfo"));
  COCO_TRY(auto restart, r.num(4, "clockInfo"));
  COCO_TRY(auto safe, r.num(1, "clockInfo"));
  a.reset_count = static_cast<std::uint32_t>(reset);
  a.restart_count = static_cast<std::uint32_t>(restart);
  a.safe = static_cast<std::uint8_t>(safe);
  COCO_TRY(a.firmware_version, r.num(8, "firmwareVersion"));
  COCO_TRY(auto count, r.num(4, "pcrSelect"));
  if (count > 16) {
    return make_error(Kind::invalid, "tpm: too many PCR selections");
  }
  for (std::uint64_t i = 0; i < count; ++i) {
    TpmPcrSelection sel;
    COCO_TRY(auto alg, r.num(2, "pcrSelect"));
    sel.hash_alg = static_cast<std::uint16_t>(alg);
    COCO_TRY(auto size, r.num(1, "pcrSelect"));
    COCO_TRY(sel.select, r.bytes(size, "pcrSelect"));
    a.pcr_selections.push_back(std::move(sel));
  }
  COCO_TRY(a.pcr_digest, r.tpm2b("pcrDigest"));
  if (!r.at_end()) {
    return make_error(Kind::invalid, "tpm: trailing bytes after the quote");
  }
  return a;
}

Result<TpmSignature> parse_tpmt_signature(std::span<const std::uint8_t> data) {
  BeReader r(data);
  TpmSignature s;
  COCO_TRY(auto alg, r.num(2, "TPMT_SIGNATURE"));
  COCO_TRY(auto hash, r.num(2, "TPMT_SIGNATURE"));
  s.sig_alg = static_cast<std::uint16_t>(alg);
  s.hash_alg = static_cast<std::uint16_t>(hash);
  if (s.sig_alg != k_alg_rsassa || s.hash_alg != k_alg_sha256) {
    return make_error(Kind::unsupported, "tpm: quote signature is not RSASSA with SHA-256");
  }
  COCO_TRY(s.signature, r.tpm2b("TPMT_SIGNATURE"));
  if (!r.at_end()) {
    return make_error(Kind::invalid, "tpm: trailing bytes after the signature");
  }
  return s;
}

namespace {

class TpmVerifier final : public Verifier {
public:
  [[nodiscard]] Tee tee() const override { return Tee::tpm; }

  [[nodiscard]] Result<nlohmann::json> evaluate(const nlohmann::json& evidence,
                                                const std::optional<Bytes>& expected_report_data,
                                                const std::optional<Bytes>& init_data_digest) const override {
    if (!evidence.is_object() || !evidence.contains("tpm_quote") || !evidence["tpm_quote"].is_object() ||
        !evidence.contains("ak_public") || !evidence["ak_public"].is_string()) {
      return make_error(Kind::invalid, "tpm: evidence must hold tpm_quote and ak_public");
    }
    const auto& q = evidence["tpm_quote"];
    if (!q.contains("signature") || !q["signature"].is_string() || !q.contains("message") || !q["message"].is_string() ||
        !q.contains("pcrs") || !q["pcrs"].is_array()) {
      return make_error(Kind::invalid, "tpm: tpm_quote must hold signature, message and pcrs");
    }
    auto sig_bytes = base64_decode_any(q["signature"].get<std::string>());
    auto message = base64_decode_any(q["message"].get<std::string>());
    auto ak_der = base64_decode_any(evidence["ak_public"].get<std::string>());
    if (!sig_bytes || !message || !ak_der) {
      return make_error(Kind::invalid, "tpm: signature, message or ak_public is not base64");
    }
    std::vector<Bytes> pcrs;
    for (const auto& p : q["pcrs"]) {
      auto v = p.is_string() ? hex_decode(p.get<std::string>()) : Result<Bytes>(make_error(Kind::invalid, ""));
      if (!v || v->size() != 32) {
        return make_error(Kind::invalid, "tpm: pcrs must be 32-byte hex SHA-256 values");
      }
      pcrs.push_back(std::move(*v));
    }
    if (pcrs.size() != 24) {
      return make_error(Kind::invalid, "tpm: pcrs must hold 24 values");
    }
    COCO_TRY(auto signature, parse_tpmt_signature(*sig_bytes));
    COCO_TRY(auto attest, parse_tpms_attest(*message));
    auto ak = detail::key_from_spki(*ak_der);
    if (!ak) {
      return make_error(Kind::invalid, "tpm: ak_public is not a DER public key");
    }
    if (!detail::digest_verify(ak->get(), EVP_sha256(), *message, signature.signature)) {
      return make_error(Kind::denied, "tpm: quote signature does not verify with ak_public");
    }
    Bytes concat;
    for (const auto& p : pcrs) {
      concat.insert(concat.end(), p.begin(), p.end());
    }
    if (digest(HashAlgorithm::sha256, concat) != attest.pcr_digest) {
      return make_error(Kind::denied, "tpm: PCR values do not match the quote's pcrDigest");
    }
    if (expected_report_data && resize_data(*expected_report_data, 32) != attest.extra_data) {
      return make_error(Kind::denied, "tpm: quote extraData does not match the expected runtime-data digest");
    }
    if (init_data_digest) {
      Bytes extend(32, 0);
      extend.insert(extend.end(), init_data_digest->begin(), init_data_digest->end());
      if (digest(HashAlgorithm::sha256, extend) != pcrs[8]) {
        return make_error(Kind::denied, "tpm: PCR8 does not match the init-data digest");
      }
    }
    nlohmann::json claims = {{"ak_public", evidence["ak_public"]}};
    for (std::size_t i = 0; i < pcrs.size(); ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "pcr%02zu", i);
      claims[name] = hex_encode(pcrs[i]);
    }
    claims["report_data"] = hex_encode(attest.extra_data);
    claims["init_data"] = hex_encode(pcrs[8]);
    return claims;
  }
};

} // namespace

std::unique_ptr<Verifier> make_tpm_verifier(const VerifierOptions& /*options*/) { return std::make_unique<TpmVerifier>(); }

} // namespace coco::attest
