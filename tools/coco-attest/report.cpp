// coco-attest report FILE | --tee T: the decoded fields of a piece of evidence, one per line, with a short
// explanation of each TCB and policy field (AMD SEV-SNP ABI spec Table "ATTESTATION_REPORT"; Intel TDX DCAP
// quote v4 TD report body).
#include <map>
#include <memory>
#include <string>

#include "common/attest/source.hpp"
#include "common/base/atomic_file.hpp"
#include "tools/coco-attest/commands.hpp"

namespace coco_attest {
namespace {
struct ReportOptions {
  std::string file;
  std::string tee;
  std::string sim_dir;
};

const std::map<std::string, std::string>& explanations() {
  static const std::map<std::string, std::string> k{
      {"measurement", "launch digest of the initial guest memory (firmware, kernel, initrd, cmdline)"},
      {"init_data", "HOST_DATA / MRCONFIGID: the digest of the init-data the host supplied at launch"},
      {"report_data", "64 bytes chosen by the guest; binds the KBS nonce and the guest's key"},
      {"chip_id", "unique identifier of the AMD processor (selects its VCEK)"},
      {"policy_abi_major", "policy: minimum SNP firmware ABI major version the guest accepts"},
      {"policy_abi_minor", "policy: minimum SNP firmware ABI minor version the guest accepts"},
      {"policy_smt_allowed", "policy bit 16: simultaneous multithreading may be enabled on the host"},
      {"policy_migrate_ma", "policy bit 18: a migration agent may be associated with the guest"},
      {"policy_debug_allowed", "policy bit 19: the hypervisor may debug (read) guest memory -- must be false"},
      {"policy_single_socket", "policy bit 20: the guest may run on one socket only"},
      {"platform_smt_enabled", "platform info bit 0: SMT is enabled on the host"},
      {"platform_tsme_enabled", "platform info bit 1: transparent memory encryption is enabled"},
      {"reported_tcb_bootloader", "reported TCB: AMD secure processor bootloader SVN"},
      {"reported_tcb_tee", "reported TCB: PSP OS (TEE) SVN"},
      {"reported_tcb_snp", "reported TCB: SNP firmware SVN"},
      {"reported_tcb_microcode", "reported TCB: CPU microcode patch level"},
      {"reported_tcb_fmc", "reported TCB: FMC SVN (Turin and later)"},
      {"mr_td", "MRTD: measurement of the initial TD contents (TDVF firmware)"},
      {"mr_config_id", "MRCONFIGID: set by the host at launch; holds the init-data digest"},
      {"mr_owner", "MROWNER: identity of the TD owner, set by the host"},
      {"mr_owner_config", "MROWNERCONFIG: owner-defined configuration, set by the host"},
      {"rtmr_0", "RTMR0: firmware configuration measured at boot"},
      {"rtmr_1", "RTMR1: the OS loader and kernel"},
      {"rtmr_2", "RTMR2: the kernel command line and initrd"},
      {"rtmr_3", "RTMR3: runtime measurements (e.g. container events)"},
      {"tcb_svn", "TEE_TCB_SVN: security versions of the TDX module"},
      {"mr_seam", "MRSEAM: measurement of the TDX module"},
      {"mrsigner_seam", "MRSIGNERSEAM: signer of the TDX module (zero for Intel)"},
      {"seam_attributes", "SEAM attributes (zero for the production TDX module)"},
      {"td_attributes", "TD attributes: bit 0 DEBUG must be clear; bit 28 SEPT_VE_DISABLE"},
      {"xfam", "XFAM: extended CPU features the TD may use"},
      {"debug", "TD attribute bit 0: the TD is debuggable (host can read its memory) -- must be false"},
      {"septve_disable", "TD attribute bit 28: EPT violation #VE disabled (recommended true)"},
      {"protection_keys", "TD attribute bit 30: protection keys (PKS) enabled"},
      {"key_locker", "TD attribute bit 31: Key Locker enabled"},
      {"perfmon", "TD attribute bit 63: performance monitoring enabled"},
      {"svn", "sample TEE security version (no hardware: for tests only)"},
  };
  return k;
}

void print_fields(std::ostream& out, const nlohmann::json& j, const std::string& indent) {
  for (const auto& [key, value] : j.items()) {
    if (value.is_object()) {
      out << indent << key << ":\n";
      print_fields(out, value, indent + "  ");
      continue;
    }
    out << indent << key << ": " << (value.is_string() ? value.get<std::string>() : value.dump()) << '\n';
    auto e = explanations().find(key);
    if (e != explanations().end()) {
      out << indent << "    # " << e->second << '\n';
    }
  }
}
} // namespace

void register_report(coco::cli::Command& cmd) {
  auto opts = cmd.options<ReportOptions>();
  auto& app = cmd.app();
  app.add_option("FILE", opts->file, "evidence JSON to show (default: produce it with --tee)");
  cmd.choices(app.add_option("--tee", opts->tee, "the evidence's TEE, or the source to produce it from")
                  ->type_name("TEE"),
              source_names());
  app.add_option("--sim-dir", opts->sim_dir, "simulated roots for sim-snp and sim-tdx")->type_name("DIR");
  cmd.description("Shows a piece of evidence field by field with short explanations of its TCB, policy and "
                  "attribute bits. The evidence is decoded, not verified: use `coco-attest verify` for that. "
                  "-o json prints the decoded fields.");
  cmd.example("coco-attest report ev.json --tee snp", "explain a saved SEV-SNP report");
  cmd.example("coco-attest report --tee sim-tdx --sim-dir ./sim", "explain freshly made simulated TDX evidence");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    if (opts->tee.empty()) {
      return coco::make_error(coco::Kind::usage, "--tee is required");
    }
    COCO_TRY(auto tee, tee_for_source(opts->tee));
    nlohmann::json evidence;
    if (!opts->file.empty()) {
      COCO_TRY(auto text, coco::read_file(opts->file));
      evidence = nlohmann::json::parse(text, nullptr, false);
      if (evidence.is_discarded()) {
        return coco::make_error(coco::Kind::invalid, opts->file + ": not JSON");
      }
    } else {
      coco::attest::SourceOptions options;
      if (!opts->sim_dir.empty()) {
        options.sim_dir = opts->sim_dir;
      }
      COCO_TRY(auto source, coco::attest::open_source(opts->tee, options));
      COCO_TRY(evidence, source->evidence(coco::Bytes(64, 0)));
    }
    COCO_TRY(auto decoded, decode_evidence(tee, evidence));
    return ctx.output.emit(decoded, [&](std::ostream& out) {
      out << coco::attest::tee_name(tee) << " evidence (decoded, not verified):\n";
      print_fields(out, decoded, "  ");
    });
  });
}

} // namespace coco_attest
