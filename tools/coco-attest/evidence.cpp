// coco-attest evidence: produce primary evidence from a source (common/attest/source.hpp).
#include <memory>
#include <string>

#include "common/attest/source.hpp"
#include "common/base/atomic_file.hpp"
#include "tools/coco-attest/commands.hpp"
#include "tools/coco-attest/kbs_session.hpp"

namespace coco_attest {
namespace {
struct EvidenceOptions {
  std::string tee;
  std::string sim_dir;
  std::string nonce;
  std::string report_data;
  std::string measurement;
  std::string out;
};

} // namespace

void register_evidence(coco::cli::Command& cmd) {
  auto opts = cmd.options<EvidenceOptions>();
  auto& app = cmd.app();
  cmd.choices(app.add_option("--tee", opts->tee, "evidence source (default: the first real TEE interface found)")
                  ->type_name("TEE"),
              source_names());
  app.add_option("--sim-dir", opts->sim_dir, "simulated roots (from `sim init`) for sim-snp and sim-tdx")
      ->type_name("DIR");
  app.add_option("--nonce", opts->nonce, "bind this KBS nonce (with no TEE key) into the report data")
      ->type_name("NONCE");
  app.add_option("--report-data", opts->report_data, "bind these bytes (hex, up to 64) as the report data")
      ->type_name("HEX");
  app.add_option("--measurement", opts->measurement, "launch measurement / MRTD of simulated evidence (48 bytes hex)")
      ->type_name("HEX");
  app.add_option("--out", opts->out, "write the evidence to FILE instead of stdout")->type_name("FILE");
  cmd.description("Produces the primary evidence a guest sends in a KBS Attestation message, in the JSON form "
                  "of the guest-components attester for its TEE. The report data binds --report-data as given "
                  "(resized to the TEE's field) or the KBS digest of --nonce; without either it is zero. With "
                  "-o json the evidence is printed with its decoded fields ({\"tee\", \"evidence\", "
                  "\"decoded\"}). Exit status 1 when no TEE interface exists or the interface fails.");
  cmd.example("coco-attest evidence --tee sim-snp --sim-dir ./sim --measurement $(printf 'ab%.0s' {1..48})",
              "simulated SEV-SNP evidence with a chosen measurement");
  cmd.example("coco-attest evidence --tee sample --report-data 00ff --out ev.json", "sample evidence into a file");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(auto source, open_source_from_flags({opts->tee, opts->sim_dir, opts->measurement, {}}));
    const coco::attest::Tee tee = source->tee();
    COCO_TRY(auto digest, binding_digest(tee, opts->nonce, opts->report_data));
    const coco::Bytes d = digest ? *digest : coco::Bytes(64, 0);
    COCO_TRY(auto evidence, source->evidence(d));
    nlohmann::json doc{{"tee", std::string(coco::attest::tee_name(tee))}, {"source", source->name()},
                       {"evidence", evidence}};
    if (ctx.output.json()) {
      COCO_TRY(auto decoded, decode_evidence(tee, evidence));
      doc["decoded"] = std::move(decoded);
    }
    if (!opts->out.empty()) {
      COCO_TRY_STATUS(coco::write_file_atomic(opts->out, evidence.dump() + "\n"));
      doc["out"] = opts->out;
      doc.erase("evidence");
      return ctx.output.emit(doc, [&](std::ostream& out) {
        out << coco::attest::tee_name(tee) << " evidence (" << source->name() << ") written to " << opts->out
            << '\n';
      });
    }
    return ctx.output.emit(doc, [&](std::ostream& out) { out << evidence.dump() << '\n'; });
  });
}

} // namespace coco_attest
