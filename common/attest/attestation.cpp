#include "common/attest/attestation.hpp"

#include <toml++/toml.h>

namespace coco::attest {

Result<Initdata> parse_initdata(std::string_view toml_text) {
  toml::table table;
  try {
    table = toml::parse(toml_text);
  } catch (const toml::parse_error& e) {
    return make_error(Kind::invalid, std::string("init-data: not TOML: ") + std::string(e.description()));
  }
  Initdata out;
  const auto version = table["version"].value<std::string>();
  const auto algorithm = table["algorithm"].value<std::string>();
  if (!version || *version != "0.1.0") {
    return make_error(Kind::invalid, "init-data: version must be \"0.1.0\"");
  }
  out.version = *version;
  if (!algorithm) {
    return make_error(Kind::invalid, "init-data: algorithm is missing");
  }
  if (*algorithm == "sha256") {
    out.algorithm = HashAlgorithm::sha256;
  } else if (*algorithm == "sha384") {
    out.algorithm = HashAlgorithm::sha384;
  } else if (*algorithm == "sha512") {
    out.algorithm = HashAlgorithm::sha512;
  } else {
    return make_error(Kind::invalid, "init-data: algorithm '" + *algorithm + "' is not sha256, sha384 or sha512");
  }
  if (const auto* data = table["data"].as_table()) {
    for (const auto& [key, value] : *data) {
      const auto text = value.value<std::string>();
      if (!text) {
        return make_error(Kind::invalid, "init-data: data." + std::string(key.str()) + " is not a string");
      }
      out.data[std::string(key.str())] = *text;
    }
  }
  out.digest = digest(out.algorithm, as_bytes(toml_text));
  return out;
}

Result<nlohmann::json> evaluate_attestation(Tee tee, const nlohmann::json& attestation, const Verifier& verifier,
                                            std::optional<std::string_view> session_nonce) {
  if (!attestation.is_object() || !attestation.contains("runtime-data") || !attestation["runtime-data"].is_object() ||
      !attestation.contains("tee-evidence") || !attestation["tee-evidence"].is_object()) {
    return make_error(Kind::invalid, "attestation: body needs runtime-data and tee-evidence objects");
  }
  const auto& runtime = attestation["runtime-data"];
  if (!runtime.contains("nonce") || !runtime["nonce"].is_string() || !runtime.contains("tee-pubkey")) {
    return make_error(Kind::invalid, "attestation: runtime-data needs nonce and tee-pubkey");
  }
  const std::string nonce = runtime["nonce"];
  if (session_nonce && nonce != *session_nonce) {
    return make_error(Kind::denied, "attestation: runtime-data nonce is not this session's challenge nonce");
  }
  const auto& evidence = attestation["tee-evidence"];
  if (!evidence.contains("primary_evidence")) {
    return make_error(Kind::invalid, "attestation: tee-evidence has no primary_evidence");
  }
  std::string additional;
  if (evidence.contains("additional_evidence")) {
    if (!evidence["additional_evidence"].is_string()) {
      return make_error(Kind::invalid, "attestation: additional_evidence must be a string");
    }
    additional = evidence["additional_evidence"].get<std::string>();
  }
  COCO_TRY(auto runtime_digest, runtime_data_digest(nonce, runtime["tee-pubkey"], additional, binding_hash(tee)));

  std::optional<Initdata> initdata;
  if (attestation.contains("init-data") && !attestation["init-data"].is_null()) {
    const auto& init = attestation["init-data"];
    if (!init.is_object() || init.value("format", "") != "toml" || !init.contains("body") || !init["body"].is_string()) {
      return make_error(Kind::unsupported, "attestation: init-data must be {\"format\":\"toml\",\"body\":<TOML>}");
    }
    COCO_TRY(initdata, parse_initdata(init["body"].get<std::string>()));
  }
  COCO_TRY(auto claims, verifier.evaluate(evidence["primary_evidence"], report_data_for(tee, runtime_digest),
                                          initdata ? std::optional<Bytes>(initdata->digest) : std::nullopt));
  return annotate_claims(tee, std::move(claims), runtime_data_object(nonce, runtime["tee-pubkey"], additional),
                         initdata ? initdata->data : nlohmann::json(nullptr));
}

} // namespace coco::attest
