#include <cstdlib>
#include <iostream>

#include "common/cli/run.hpp"
#include "tools/coco-attest/commands.hpp"
#include "tools/coco-attest/kbs_session.hpp"

int main(int argc, char** argv) {
  // Before anything loads tpm2-tss: its own logging would write to stderr behind coco's back.
  setenv("TSS2_LOG", "all+none", 1);
  const coco::cli::Tool tool{
      "coco-attest", "gather and verify TEE evidence", coco_attest::commands(),
      "coco-attest produces the evidence a Confidential Containers guest sends to a Key Broker Service -- from "
      "the real TEE interfaces (configfs-tsm, /dev/sev-guest, a TPM), from simulated SEV-SNP and TDX roots, or "
      "Trustee's sample TEE -- and verifies evidence offline with the same verifiers the coco KBS uses. Exit "
      "status 3 means the evidence did not verify. attest, get-resource and decrypt talk to a KBS as a guest does; "
      "their failures exit by class: 4 no TEE interface, 5 evidence could not be produced, 6 KBS unreachable, "
      "7 TLS with the KBS failed, 8 attestation refused, 9 resource refused."};
  const coco::cli::Outcome outcome = coco::cli::run(tool, argc, argv);
  if (!outcome.status) {
    if (const int code = coco_attest::failure_exit_code(outcome.status.error()); code != 0) {
      std::cout.flush();
      std::cerr << coco::cli::format_error(outcome);
      std::cerr.flush();
      std::exit(code);
    }
  }
  coco::cli::report_and_exit(outcome);
}
