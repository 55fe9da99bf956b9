// The command table of coco-attest, and what its commands share (TEE names, the report-data binding, decoding).
#include "tools/coco-attest/commands.hpp"

#include "common/attest/snp.hpp"
#include "common/attest/tdx.hpp"

namespace coco_attest {
namespace {

const coco::cli::CommandSpec k_commands[] = {
    {"attest", "run the KBS attestation handshake and print the token's claims", register_attest},
    {"decrypt", "fetch an image's keys from the KBS after attesting and decrypt the image", register_decrypt},
    {"doctor", "report which TEE interfaces this machine has and what to fix", register_doctor},
    {"evidence", "produce TEE evidence (real, simulated or sample)", register_evidence},
    {"get-resource", "attest to the KBS and fetch one resource", register_get_resource},
    {"report", "show evidence field by field with explanations", register_report},
    {"sim", "simulated SEV-SNP and TDX roots of trust", nullptr},
    {"sim init", "generate simulated SEV-SNP and TDX vendor roots and keys", register_sim_init},
    {"verify", "verify a piece of evidence offline as the KBS would", register_verify},
};

} // namespace

std::span<const coco::cli::CommandSpec> commands() { return k_commands; }

const std::vector<std::string>& source_names() {
  static const std::vector<std::string> k_names{"sample", "snp", "tdx", "tpm", "sim-snp", "sim-tdx"};
  return k_names;
}

coco::Result<coco::attest::Tee> tee_for_source(const std::string& name) {
  if (name == "sim-snp") {
    return coco::attest::Tee::snp;
  }
  if (name == "sim-tdx") {
    return coco::attest::Tee::tdx;
  }
  return coco::attest::parse_tee(name);
}

coco::Result<std::optional<coco::Bytes>> binding_digest(coco::attest::Tee tee, const std::string& nonce,
                                                        const std::string& report_data_hex) {
  if (!report_data_hex.empty() && !nonce.empty()) {
    return coco::make_error(coco::Kind::usage, "--nonce and --report-data are mutually exclusive");
  }
  if (!report_data_hex.empty()) {
    auto bytes = coco::hex_decode(report_data_hex);
    if (!bytes) {
      return coco::make_error(coco::Kind::usage, "--report-data is not hex");
    }
    if (bytes->empty() || bytes->size() > 64) {
      return coco::make_error(coco::Kind::usage, "--report-data must be 1 to 64 bytes");
    }
    return std::optional<coco::Bytes>(*bytes);
  }
  if (!nonce.empty()) {
    COCO_TRY(auto d, coco::attest::runtime_data_digest(nonce, nlohmann::json::object(), std::nullopt,
                                                       coco::attest::binding_hash(tee)));
    return std::optional<coco::Bytes>(std::move(d));
  }
  return std::optional<coco::Bytes>();
}

coco::Result<nlohmann::json> decode_evidence(coco::attest::Tee tee, const nlohmann::json& evidence) {
  switch (tee) {
  case coco::attest::Tee::snp: {
    if (!evidence.is_object() || !evidence.contains("attestation_report")) {
      return coco::make_error(coco::Kind::invalid, "snp evidence has no attestation_report");
    }
    COCO_TRY(auto raw, coco::attest::encode_snp_report_json(evidence["attestation_report"]));
    COCO_TRY(auto report, coco::attest::parse_snp_report(raw));
    return coco::attest::snp_claims(report);
  }
  case coco::attest::Tee::tdx: {
    if (!evidence.is_object() || !evidence.contains("quote") || !evidence["quote"].is_string()) {
      return coco::make_error(coco::Kind::invalid, "tdx evidence has no quote");
    }
    auto raw = coco::base64_decode_any(evidence["quote"].get<std::string>());
    if (!raw) {
      return coco::make_error(coco::Kind::invalid, "tdx quote is not base64");
    }
    COCO_TRY(auto quote, coco::attest::parse_tdx_quote(*raw));
    return coco::attest::tdx_claims(quote, std::nullopt);
  }
  default:
    return evidence;
  }
}

} // namespace coco_attest
