// Shared options and failure classes of coco-attest's KBS commands.
#include "tools/coco-attest/kbs_session.hpp"

#include "common/base/atomic_file.hpp"
#include "common/base/encoding.hpp"
#include "tools/coco-attest/commands.hpp"

namespace coco_attest {

int failure_exit_code(const coco::Error& error) {
  using coco::kbs::KbsFailure;
  switch (coco::kbs::classify_failure(error)) {
  case KbsFailure::no_tee: return k_exit_no_tee;
  case KbsFailure::evidence: return k_exit_evidence;
  case KbsFailure::unreachable: return k_exit_unreachable;
  case KbsFailure::tls: return k_exit_tls;
  case KbsFailure::attestation_refused: return k_exit_attestation_refused;
  case KbsFailure::resource_refused: return k_exit_resource_refused;
  case KbsFailure::protocol:
  case KbsFailure::none: return 0;
  }
  return 0;
}

std::string kbs_exit_status_text() {
  return " Exit status by failure class: 4 no TEE interface (and no --tee simulation chosen), 5 the evidence could "
         "not be produced, 6 the KBS is unreachable, 7 TLS with the KBS failed (pass --cacert), 8 attestation refused "
         "by the KBS (its reason is printed), 9 the resource was refused (policy or missing resource); 1 any other "
         "failure, 2 usage.";
}

void KbsOptions::add_to(coco::cli::Command& cmd, bool kbs_required) {
  auto& app = cmd.app();
  auto* kbs_opt = app.add_option("--kbs", kbs, "the KBS URL, https://HOST:PORT")->type_name("URL");
  if (kbs_required) {
    kbs_opt->required();
  }
  app.add_option("--cacert", cacert, "PEM certificate(s) to trust for the KBS's TLS certificate")->type_name("FILE");
  app.add_flag("--insecure-skip-tls-verify", insecure_skip_tls_verify, "do not verify the KBS's TLS certificate");
  cmd.choices(app.add_option("--tee", tee, "evidence source (default: the first real TEE interface found)")
                  ->type_name("TEE"),
              source_names());
  app.add_option("--sim-dir", sim_dir, "simulated roots (from `sim init`) for sim-snp and sim-tdx")->type_name("DIR");
  app.add_option("--measurement", measurement, "launch measurement / MRTD of simulated evidence (48 bytes hex)")
      ->type_name("HEX");
  app.add_option("--tpm-tcti", tpm_tcti, "tpm2-tss TCTI for --tee tpm, e.g. swtpm:host=127.0.0.1,port=2321")
      ->type_name("TCTI");
  app.add_option("--initdata", initdata, "send this initdata TOML file as init-data")->type_name("FILE");
  cmd.choices(app.add_option("--tee-key", key_type, "the ephemeral TEE key type (default ec: P-256)")->type_name("TYPE"),
              {"ec", "rsa"});
  app.add_option("--timeout", timeout_s, "seconds allowed per request (default 30)")->type_name("SECONDS");
}

coco::Result<std::unique_ptr<coco::attest::EvidenceSource>> open_source_from_flags(const SourceFlags& f) {
  coco::attest::SourceOptions options;
  if (!f.sim_dir.empty()) {
    options.sim_dir = f.sim_dir;
  }
  if (!f.tpm_tcti.empty()) {
    options.tpm_tcti = f.tpm_tcti;
  }
  if (!f.measurement.empty()) {
    auto m = coco::hex_decode(f.measurement);
    if (!m || m->size() != 48) {
      return coco::make_error(coco::Kind::usage, "--measurement must be 48 bytes of hex (96 digits)");
    }
    if (f.tee == "sim-snp") {
      options.sim_snp.measurement = *m;
    } else if (f.tee == "sim-tdx") {
      options.sim_tdx.mr_td = *m;
    } else {
      return coco::make_error(coco::Kind::usage, "--measurement applies only to --tee sim-snp or sim-tdx");
    }
  }
  if ((f.tee == "sim-snp" || f.tee == "sim-tdx") && f.sim_dir.empty()) {
    return coco::make_error(coco::Kind::usage, "--tee " + f.tee + " needs --sim-dir",
                            "create one with `coco-attest sim init DIR`");
  }
  return f.tee.empty() ? coco::attest::detect_source(options) : coco::attest::open_source(f.tee, options);
}

coco::Result<std::unique_ptr<coco::attest::EvidenceSource>> open_evidence_source(const KbsOptions& o) {
  auto source = open_source_from_flags({o.tee, o.sim_dir, o.measurement, o.tpm_tcti});
  if (!source) {
    if (source.error().kind == coco::Kind::usage) {
      return source.error();
    }
    const auto cls = source.error().kind == coco::Kind::not_found ? coco::kbs::KbsFailure::no_tee
                                                                  : coco::kbs::KbsFailure::evidence;
    return coco::make_error(source.error().kind,
                            std::string(coco::kbs::failure_label(cls)) + ": " + source.error().message,
                            source.error().hint.empty()
                                ? "without a TEE, use simulated evidence: --tee sample, or --tee sim-snp --sim-dir DIR"
                                : source.error().hint);
  }
  return source;
}

coco::Result<std::unique_ptr<coco::kbs::GuestClient>> open_guest_client(const KbsOptions& o) {
  coco::kbs::GuestClientOptions options;
  options.url = o.kbs;
  options.cacert = o.cacert;
  options.insecure_skip_tls_verify = o.insecure_skip_tls_verify;
  options.timeout_s = o.timeout_s;
  options.key_type = o.key_type == "rsa" ? coco::kbs::TeeKeyType::rsa : coco::kbs::TeeKeyType::ec_p256;
  if (!o.initdata.empty()) {
    COCO_TRY(auto text, coco::read_file(o.initdata));
    options.init_data = coco::kbs::InitData{"toml", std::string(text.begin(), text.end())};
  }
  return coco::kbs::GuestClient::create(options);
}

} // namespace coco_attest
