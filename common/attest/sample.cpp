// Trustee's "sample" TEE (deps/verifier/src/sample/mod.rs): evidence {"svn":"<string>","report_data":"<std b64>"},
// no signature; the decoded report_data must equal the expected runtime-data digest exactly.
#include "common/attest/sample.hpp"

namespace coco::attest {
namespace {

class SampleVerifier final : public Verifier {
public:
  [[nodiscard]] Tee tee() const override { return Tee::sample; }

  [[nodiscard]] Result<nlohmann::json> evaluate(const nlohmann::json& evidence,
                                                const std::optional<Bytes>& expected_report_data,
                                                const std::optional<Bytes>& init_data_digest) const override {
    if (!evidence.is_object() || !evidence.contains("svn") || !evidence["svn"].is_string() ||
        !evidence.contains("report_data") || !evidence["report_data"].is_string()) {
      return make_error(Kind::invalid, "sample: evidence must be {\"svn\": string, \"report_data\": string}");
    }
    const std::string report_data = evidence["report_data"];
    auto decoded = base64_decode(report_data);
    if (!decoded) {
      return make_error(Kind::invalid, "sample: report_data is not standard base64");
    }
    if (expected_report_data && *decoded != *expected_report_data) {
      return make_error(Kind::denied, "sample: report_data does not match the expected runtime-data digest");
    }
    nlohmann::json claims = {
        {"svn", evidence["svn"]},
        {"launch_digest", "abcde"},
        {"platform_version", {{"major", 1}, {"minor", 4}}},
        {"debug", false},
        {"report_data", report_data},
    };
    if (init_data_digest) {
      claims["init_data"] = base64_encode(*init_data_digest);
    }
    return claims;
  }
};

} // namespace

std::unique_ptr<Verifier> make_sample_verifier() { return std::make_unique<SampleVerifier>(); }

nlohmann::json sample_evidence(std::span<const std::uint8_t> report_data, std::string_view svn) {
  return {{"svn", std::string(svn)}, {"report_data", base64_encode(report_data)}};
}

} // namespace coco::attest
