// coco-attest doctor: which TEE interfaces this machine has, the kernel, and what to fix.
#include <sys/utsname.h>

#include <memory>
#include <string>

#include "common/attest/source.hpp"
#include "tools/coco-attest/commands.hpp"

namespace coco_attest {

void register_doctor(coco::cli::Command& cmd) {
  cmd.description("Probes the TEE interfaces a guest can get evidence from (configfs-tsm, /dev/sev-guest, "
                  "/dev/tdx_guest, the TPM devices, the CCEL event log) and prints what it found, the kernel "
                  "version and advice. A machine without any TEE is not an error: doctor says so, suggests the "
                  "simulated sources, and exits 0. Exit status 1 only when the probe itself fails.");
  cmd.example("coco-attest doctor", "what this machine can attest with");
  cmd.example("coco-attest doctor -o json | jq .tee_available", "whether any real TEE interface exists");
  cmd.run([](coco::cli::Context& ctx) -> coco::Status {
    const std::vector<coco::attest::TeeInterface> found = coco::attest::probe_tee_interfaces();
    std::string kernel = "unknown";
    utsname u{};
    if (uname(&u) == 0) {
      kernel = std::string(u.sysname) + " " + u.release;
    }
    bool any = false;
    bool evidence_capable = false;
    nlohmann::json interfaces = nlohmann::json::array();
    for (const auto& i : found) {
      interfaces.push_back({{"name", i.name}, {"path", i.path.string()}, {"present", i.present}, {"detail", i.detail}});
      if (i.present) {
        any = true;
        if (i.name != "ccel") {
          evidence_capable = true;
        }
      }
    }
    std::vector<std::string> advice;
    if (!evidence_capable) {
      advice.emplace_back("this machine is not a confidential guest: no TEE interface can produce evidence");
      advice.emplace_back("in an SEV-SNP or TDX guest, use kernel >= 6.7 with configfs mounted "
                          "(mount -t configfs none /sys/kernel/config) for /sys/kernel/config/tsm/report");
      advice.emplace_back("to test without a TEE: coco-attest sim init DIR, then "
                          "coco-attest evidence --tee sim-snp --sim-dir DIR (or --tee sample)");
    } else {
      advice.emplace_back("run `coco-attest evidence -o json` to see the evidence this machine produces");
    }
    const nlohmann::json doc{{"kernel", kernel},
                             {"tee_available", evidence_capable},
                             {"interfaces", interfaces},
                             {"advice", advice}};
    return ctx.output.emit(doc, [&](std::ostream& out) {
      out << "kernel: " << kernel << '\n';
      out << "TEE interfaces:\n";
      for (const auto& i : found) {
        out << "  " << (i.present ? "[found]   " : "[missing] ") << i.name << " (" << i.path.string() << ")";
        if (!i.detail.empty()) {
          out << ": " << i.detail;
        }
        out << '\n';
      }
      out << (evidence_capable ? "a TEE interface is available\n"
                               : (any ? "no TEE interface that can produce evidence was found\n"
                                      : "no TEE found: this machine is not a confidential guest\n"));
      out << "advice:\n";
      for (const auto& a : advice) {
        out << "  - " << a << '\n';
      }
    });
  });
}

} // namespace coco_attest
