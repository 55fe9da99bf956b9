#include <cstdlib>

#include "common/cli/run.hpp"
#include "tools/coco-attest/commands.hpp"

int main(int argc, char** argv) {
  // Before anything loads tpm2-tss: its own logging would write to stderr behind coco's back.
  setenv("TSS2_LOG", "all+none", 1);
  const coco::cli::Tool tool{
      "coco-attest", "gather and verify TEE evidence", coco_attest::commands(),
      "coco-attest produces the evidence a Confidential Containers guest sends to a Key Broker Service -- from "
      "the real TEE interfaces (configfs-tsm, /dev/sev-guest, a TPM), from simulated SEV-SNP and TDX roots, or "
      "Trustee's sample TEE -- and verifies evidence offline with the same verifiers the coco KBS uses. Exit "
      "status 3 means the evidence did not verify."};
  coco::cli::report_and_exit(coco::cli::run(tool, argc, argv));
}
