// Evidence sources: where a guest gets the evidence it sends to a KBS (spec evidence.md §7).
//
// Real sources: Linux configfs-tsm (/sys/kernel/config/tsm/report, kernel >= 6.7, SNP and TDX; ABI in Linux
// Documentation/ABI/testing/configfs-tsm-report), the older /dev/sev-guest ioctl (SNP_GET_EXT_REPORT) and
// /dev/tdx_guest (TDX_CMD_GET_REPORT0: a TD report, not a quote, so it cannot produce KBS evidence alone), and a
// TPM 2.0 quote through tpm2-tss ESAPI (AK persistent handle 0x81010002, as guest-components). Simulated sources:
// sample (Trustee's), sim-snp and sim-tdx (sim.hpp). Every source returns the primary evidence JSON exactly as the
// guest-components attester for its TEE would, with the report data placed in the TEE's form
// (binding.hpp report_data_for()).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/attest/binding.hpp"
#include "common/attest/sim.hpp"
#include "common/base/encoding.hpp"
#include "common/base/result.hpp"

namespace coco::attest {

class EvidenceSource {
public:
  EvidenceSource() = default;
  EvidenceSource(const EvidenceSource&) = delete;
  EvidenceSource& operator=(const EvidenceSource&) = delete;
  virtual ~EvidenceSource() = default;

  // "sample", "sim-snp", "sim-tdx", "configfs-tsm", "sev-guest", "tdx-guest", "tpm".
  [[nodiscard]] virtual std::string name() const = 0;
  // The TEE whose verifier checks this evidence (the KBS protocol's "tee").
  [[nodiscard]] virtual Tee tee() const = 0;
  // Evidence binding `runtime_digest` (the §2 digest D; the source places report_data_for(tee(), D)).
  // Errors: Kind::not_found (interface absent), Kind::io / Kind::failure (the interface failed),
  // Kind::unsupported (the interface cannot produce this evidence).
  [[nodiscard]] virtual Result<nlohmann::json> evidence(std::span<const std::uint8_t> runtime_digest) = 0;
};

// Where the real interfaces live (overridable for tests and unusual mounts).
struct SourcePaths {
  std::filesystem::path configfs_tsm = "/sys/kernel/config/tsm/report";
  std::filesystem::path sev_guest = "/dev/sev-guest";
  std::filesystem::path tdx_guest = "/dev/tdx_guest";
  std::filesystem::path ccel = "/sys/firmware/acpi/tables/data/CCEL";
  std::vector<std::filesystem::path> tpm_devices = {"/dev/tpmrm0", "/dev/tpm0"};
};

struct SourceOptions {
  SourcePaths paths;
  std::optional<std::filesystem::path> sim_dir;  // sim-snp / sim-tdx
  SimSnpReportParams sim_snp;                     // report_data is overwritten with the binding
  SimTdxQuoteParams sim_tdx;
  std::optional<std::string> tpm_tcti;            // tss2 TCTI config, e.g. "swtpm:host=localhost,port=2321"
  std::uint32_t tpm_ak_handle = 0x81010002;
};

// One TEE interface and whether it is usable here (for `coco-attest doctor`).
struct TeeInterface {
  std::string name;            // "configfs-tsm", "sev-guest", "tdx-guest", "tpm", "ccel"
  std::filesystem::path path;
  bool present = false;
  std::string detail;          // what was found or why it is unusable
};
std::vector<TeeInterface> probe_tee_interfaces(const SourcePaths& paths = {});

// Open a source by its --tee name: sample, snp, tdx, tpm, sim-snp, sim-tdx. snp and tdx prefer configfs-tsm,
// then the legacy device.
Result<std::unique_ptr<EvidenceSource>> open_source(std::string_view name, const SourceOptions& options = {});
// The first usable real interface (configfs-tsm, sev-guest, tdx-guest, tpm); Kind::not_found if none.
Result<std::unique_ptr<EvidenceSource>> detect_source(const SourceOptions& options = {});

// Individual constructors.
std::unique_ptr<EvidenceSource> make_sample_source();
std::unique_ptr<EvidenceSource> make_sim_snp_source(std::filesystem::path dir, SimSnpReportParams params);
std::unique_ptr<EvidenceSource> make_sim_tdx_source(std::filesystem::path dir, SimTdxQuoteParams params);
// expected: Tee::snp or Tee::tdx (the provider must match); ccel is read for TDX when present.
std::unique_ptr<EvidenceSource> make_configfs_tsm_source(Tee expected, SourcePaths paths);
std::unique_ptr<EvidenceSource> make_sev_guest_source(SourcePaths paths);
std::unique_ptr<EvidenceSource> make_tdx_guest_source(SourcePaths paths);
std::unique_ptr<EvidenceSource> make_tpm_source(std::optional<std::string> tcti, std::uint32_t ak_handle);

// SNP extended-report certificate table (auxblob / SNP_GET_EXT_REPORT): entries {GUID[16], offset u32, length
// u32} ending with an all-zero entry; offsets from the table start. Known GUIDs map to VCEK, VLEK, ASK, ARK.
Result<std::vector<SnpCertEntry>> parse_snp_cert_table(std::span<const std::uint8_t> table);

// The TD report (1024 bytes) from /dev/tdx_guest for 64 bytes of report data.
Result<Bytes> tdx_guest_td_report(const std::filesystem::path& device, std::span<const std::uint8_t> report_data);

} // namespace coco::attest
