#include "common/attest/verifier.hpp"

#include "common/attest/sample.hpp"
#include "common/attest/snp.hpp"
#include "common/attest/tdx.hpp"
#include "common/attest/tpm.hpp"

namespace coco::attest {

Result<std::unique_ptr<Verifier>> make_verifier(Tee tee, const VerifierOptions& options) {
  switch (tee) {
  case Tee::sample: return make_sample_verifier();
  case Tee::snp: return make_snp_verifier(options);
  case Tee::tdx: return make_tdx_verifier(options);
  case Tee::tpm: return make_tpm_verifier(options);
  case Tee::az_snp_vtpm:
  case Tee::az_tdx_vtpm:
  case Tee::se: break;
  }
  return make_error(Kind::unsupported, "no verifier for tee '" + std::string(tee_name(tee)) + "'");
}

nlohmann::json annotate_claims(Tee tee, nlohmann::json claims, const nlohmann::json& runtime_data_claims,
                               const nlohmann::json& init_data_claims) {
  nlohmann::json out = nlohmann::json::object();
  if (claims.is_object() && claims.contains("report_data")) {
    out["report_data"] = claims["report_data"];
    out["runtime_data_claims"] = runtime_data_claims;
    claims.erase("report_data");
  }
  if (claims.is_object() && claims.contains("init_data")) {
    out["init_data"] = claims["init_data"];
    out["init_data_claims"] = init_data_claims;
    claims.erase("init_data");
  }
  out[std::string(tee_name(tee))] = std::move(claims);
  return out;
}

} // namespace coco::attest
