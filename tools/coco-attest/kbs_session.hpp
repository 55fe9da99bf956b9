// What coco-attest's KBS commands (attest, get-resource, decrypt, doctor) share: the --kbs connection and
// evidence-source options, opening a guest client and a source from them, and the exit codes by failure class.
//
// Exit codes of the KBS commands (documented in their man pages):
//   4 no TEE interface, 5 evidence could not be produced, 6 the KBS is unreachable, 7 TLS with the KBS failed,
//   8 attestation refused, 9 resource refused; 1 other failures (a KBS answering outside the protocol...).
#pragma once

#include <memory>
#include <string>

#include "common/attest/source.hpp"
#include "common/base/result.hpp"
#include "common/cli/command.hpp"
#include "common/kbs/guest_client.hpp"

namespace coco_attest {

inline constexpr int k_exit_no_tee = 4;
inline constexpr int k_exit_evidence = 5;
inline constexpr int k_exit_unreachable = 6;
inline constexpr int k_exit_tls = 7;
inline constexpr int k_exit_attestation_refused = 8;
inline constexpr int k_exit_resource_refused = 9;

// The exit code for an error of a KBS command (0: use the common code for its kind).
int failure_exit_code(const coco::Error& error);
// The EXIT STATUS paragraph the KBS commands append to their description.
std::string kbs_exit_status_text();

struct KbsOptions {
  std::string kbs;
  std::string cacert;
  bool insecure_skip_tls_verify = false;
  std::string tee;
  std::string sim_dir;
  std::string measurement;
  std::string tpm_tcti;
  std::string initdata;
  std::string key_type = "ec";
  long timeout_s = 30;

  void add_to(coco::cli::Command& cmd, bool kbs_required = true);
};

// The evidence-source flags shared by evidence and the KBS commands.
struct SourceFlags {
  std::string tee;  // "" = the first real TEE interface found
  std::string sim_dir;
  std::string measurement;  // hex, simulated evidence only
  std::string tpm_tcti;
};
// The source those flags name; bad combinations are usage errors.
coco::Result<std::unique_ptr<coco::attest::EvidenceSource>> open_source_from_flags(const SourceFlags& flags);

// The evidence source of --tee (default: the first real TEE interface). A missing interface is classified
// no_tee, bad options are usage errors.
coco::Result<std::unique_ptr<coco::attest::EvidenceSource>> open_evidence_source(const KbsOptions& options);
coco::Result<std::unique_ptr<coco::kbs::GuestClient>> open_guest_client(const KbsOptions& options);

// Per submodule: ear.status, the trustworthiness vector, "simulated" when the evidence was simulated.
nlohmann::json attest_summary(const coco::kbs::AttestResult& result);
void print_attest_text(std::ostream& out, const coco::kbs::AttestResult& result);

} // namespace coco_attest
