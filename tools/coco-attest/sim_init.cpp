// coco-attest sim init DIR: generate the simulated SEV-SNP and TDX roots (common/attest/sim.hpp).
#include <memory>
#include <string>

#include "common/attest/sim.hpp"
#include "tools/coco-attest/commands.hpp"

namespace coco_attest {
namespace {
struct SimInitOptions {
  std::string dir;
};
} // namespace

void register_sim_init(coco::cli::Command& cmd) {
  auto opts = cmd.options<SimInitOptions>();
  cmd.app().add_option("DIR", opts->dir, "directory for the simulated roots and keys")->required();
  cmd.description("Generates a simulated AMD chain (ARK, ASK, VCEK) and a simulated Intel PCK chain with a QE "
                  "attestation key in DIR (DIR/snp, DIR/tdx; private keys mode 0600). Evidence made with "
                  "`coco-attest evidence --tee sim-snp|sim-tdx --sim-dir DIR` verifies only where these roots "
                  "are trusted explicitly (--sim-dir), and its claims carry \"simulated\": true. INSECURE: for CI "
                  "and demos only. Fails if DIR already holds simulated roots.");
  cmd.example("coco-attest sim init ./sim", "create simulated roots in ./sim");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY_STATUS(coco::attest::init_sim_roots(opts->dir));
    const nlohmann::json doc{{"dir", opts->dir},
                             {"snp", {{"ark", opts->dir + "/snp/ark.pem"}, {"ask", opts->dir + "/snp/ask.pem"},
                                      {"vcek", opts->dir + "/snp/vcek.pem"}}},
                             {"tdx", {{"root", opts->dir + "/tdx/root.pem"}, {"pck_ca", opts->dir + "/tdx/pck-ca.pem"},
                                      {"pck", opts->dir + "/tdx/pck.pem"}}}};
    return ctx.output.emit(doc, [&](std::ostream& out) {
      out << "simulated SEV-SNP and TDX roots written to " << opts->dir << " (insecure: for tests only)\n";
    });
  });
}

} // namespace coco_attest
