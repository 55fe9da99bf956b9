// coco-attest verify FILE --tee T: run the KBS's verifier (common/attest/verifier.hpp) on evidence offline.
#include <memory>
#include <string>

#include "common/attest/verifier.hpp"
#include "common/base/atomic_file.hpp"
#include "tools/coco-attest/commands.hpp"

namespace coco_attest {
namespace {
struct VerifyOptions {
  std::string file;
  std::string tee;
  std::string certs;
  std::string sim_dir;
  std::string nonce;
  std::string report_data;
};
} // namespace

void register_verify(coco::cli::Command& cmd) {
  auto opts = cmd.options<VerifyOptions>();
  auto& app = cmd.app();
  app.add_option("FILE", opts->file, "the primary evidence JSON (- for stdin)")->required();
  cmd.choices(app.add_option("--tee", opts->tee, "the TEE the evidence is from")->type_name("TEE")->required(),
              source_names());
  app.add_option("--certs", opts->certs, "offline certificates: SNP VCEK/VLEK cache, TDX collateral directory")
      ->type_name("DIR");
  app.add_option("--sim-dir", opts->sim_dir, "also trust the simulated roots in DIR (insecure)")->type_name("DIR");
  app.add_option("--nonce", opts->nonce, "require the report data to bind this KBS nonce (no TEE key)")
      ->type_name("NONCE");
  app.add_option("--report-data", opts->report_data, "require the report data to hold these bytes (hex)")
      ->type_name("HEX");
  cmd.description("Verifies evidence exactly as the coco KBS does -- report signature, certificate chain to the "
                  "vendor root (or to simulated roots with --sim-dir), TCB and report-data binding -- and prints "
                  "the claims; -o json prints the KBS's claim JSON (Trustee's claim names). Without --nonce or "
                  "--report-data the binding is not checked. Exit status 3 when the evidence does not verify, "
                  "with the check that failed; 1 when FILE cannot be read or is not JSON.");
  cmd.example("coco-attest verify ev.json --tee snp", "verify real SEV-SNP evidence against AMD's roots");
  cmd.example("coco-attest verify ev.json --tee sim-tdx --sim-dir ./sim -o json | jq .tdx.quote.body.mr_td",
              "verify simulated TDX evidence and show its MRTD");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(auto tee, tee_for_source(opts->tee));
    std::string text;
    if (opts->file == "-") {
      text.assign(std::istreambuf_iterator<char>(ctx.streams.in), std::istreambuf_iterator<char>());
    } else {
      COCO_TRY(text, coco::read_file(opts->file));
    }
    nlohmann::json evidence = nlohmann::json::parse(text, nullptr, false);
    if (evidence.is_discarded()) {
      return coco::make_error(coco::Kind::invalid, opts->file + ": not JSON");
    }
    // A whole KBS Attestation body: take its primary evidence.
    if (evidence.is_object() && evidence.contains("tee-evidence") && evidence["tee-evidence"].is_object() &&
        evidence["tee-evidence"].contains("primary_evidence")) {
      evidence = evidence["tee-evidence"]["primary_evidence"];
    }
    coco::attest::VerifierOptions options;
    if (!opts->sim_dir.empty()) {
      options.sim_dir = opts->sim_dir;
    }
    if (!opts->certs.empty()) {
      options.snp_vek_cache_dir = opts->certs;
      options.tdx_collateral_dir = opts->certs;
    }
    COCO_TRY(auto digest, binding_digest(tee, opts->nonce, opts->report_data));
    std::optional<coco::Bytes> expected;
    if (digest) {
      expected = coco::attest::report_data_for(tee, *digest);
    }
    COCO_TRY(auto verifier, coco::attest::make_verifier(tee, options));
    auto claims = verifier->evaluate(evidence, expected, std::nullopt);
    if (!claims) {
      coco::Error e = claims.error();
      if (e.kind == coco::Kind::invalid) {
        e.kind = coco::Kind::denied; // malformed evidence does not verify either
      }
      return std::move(e).context(opts->file + ": does not verify");
    }
    const nlohmann::json annotated =
        coco::attest::annotate_claims(tee, *claims, nlohmann::json::object(), nlohmann::json::object());
    return ctx.output.emit(annotated, [&](std::ostream& out) {
      out << opts->file << ": verified " << coco::attest::tee_name(tee) << " evidence";
      const nlohmann::json& c = annotated[std::string(coco::attest::tee_name(tee))];
      if (c.is_object() && c.value("simulated", false)) {
        out << " (SIMULATED roots: not real hardware)";
      }
      out << "\nclaims:\n" << annotated.dump(2) << '\n';
    });
  });
}

} // namespace coco_attest
