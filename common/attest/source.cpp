// Evidence sources: simulated ones, detection and selection, configfs-tsm, /dev/sev-guest, /dev/tdx_guest.
// Formats and paths in source.hpp.
#include "common/attest/source.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

#include <fcntl.h>
#include <linux/sev-guest.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/attest/sample.hpp"
#include "common/attest/snp.hpp"
#include "common/base/atomic_file.hpp"
#include "common/base/log.hpp"

namespace coco::attest {
namespace {

bool path_exists(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::exists(p, ec);
}

std::string errno_text(int err) { return std::strerror(err); }

class FileDescriptor {
public:
  explicit FileDescriptor(int fd) : m_fd(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  FileDescriptor(FileDescriptor&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  FileDescriptor& operator=(FileDescriptor&&) = delete;
  ~FileDescriptor() {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }
  [[nodiscard]] int get() const { return m_fd; }

private:
  int m_fd;
};

Result<FileDescriptor> open_device(const std::filesystem::path& path, const char* what) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return make_error(err == ENOENT ? Kind::not_found : Kind::io,
                      std::string(what) + ": cannot open " + path.string() + ": " + errno_text(err));
  }
  return FileDescriptor(fd);
}

// ---- simulated and sample sources -------------------------------------------------------------------------------

class SampleSource final : public EvidenceSource {
public:
  [[nodiscard]] std::string name() const override { return "sample"; }
  [[nodiscard]] Tee tee() const override { return Tee::sample; }
  Result<nlohmann::json> evidence(std::span<const std::uint8_t> digest_bytes) override {
    return sample_evidence(report_data_for(Tee::sample, digest_bytes));
  }
};

class SimSnpSource final : public EvidenceSource {
public:
  SimSnpSource(std::filesystem::path dir, SimSnpReportParams params) : m_dir(std::move(dir)), m_params(std::move(params)) {}
  [[nodiscard]] std::string name() const override { return "sim-snp"; }
  [[nodiscard]] Tee tee() const override { return Tee::snp; }
  Result<nlohmann::json> evidence(std::span<const std::uint8_t> digest_bytes) override {
    SimSnpReportParams params = m_params;
    params.report_data = report_data_for(Tee::snp, digest_bytes);
    return sim_snp_evidence(m_dir, params);
  }

private:
  std::filesystem::path m_dir;
  SimSnpReportParams m_params;
};

class SimTdxSource final : public EvidenceSource {
public:
  SimTdxSource(std::filesystem::path dir, SimTdxQuoteParams params) : m_dir(std::move(dir)), m_params(std::move(params)) {}
  [[nodiscard]] std::string name() const override { return "sim-tdx"; }
  [[nodiscard]] Tee tee() const override { return Tee::tdx; }
  Result<nlohmann::json> evidence(std::span<const std::uint8_t> digest_bytes) override {
    SimTdxQuoteParams params = m_params;
    params.report_data = report_data_for(Tee::tdx, digest_bytes);
    return sim_tdx_evidence(m_dir, params);
  }

private:
  std::filesystem::path m_dir;
  SimTdxQuoteParams m_params;
};

// ---- configfs-tsm -----------------------------------------------------------------------------------------------

// A report entry directory, removed on destruction (configfs entries are kernel objects; rmdir frees them).
class TsmEntry {
public:
  explicit TsmEntry(std::filesystem::path path) : m_path(std::move(path)) {}
  TsmEntry(const TsmEntry&) = delete;
  TsmEntry& operator=(const TsmEntry&) = delete;
  ~TsmEntry() {
    if (!m_path.empty()) {
      ::rmdir(m_path.c_str());
    }
  }
  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

private:
  std::filesystem::path m_path;
};

Result<std::string> read_attribute(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(Kind::io, "configfs-tsm: cannot read " + path.string());
  }
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    return make_error(Kind::io, "configfs-tsm: reading " + path.string() + " failed");
  }
  return data;
}

Status write_attribute(const std::filesystem::path& path, std::span<const std::uint8_t> data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    return make_error(Kind::io, "configfs-tsm: cannot open " + path.string() + ": " + errno_text(errno));
  }
  FileDescriptor guard(fd);
  const ssize_t n = ::write(fd, data.data(), data.size());
  if (n != static_cast<ssize_t>(data.size())) {
    return make_error(Kind::io, "configfs-tsm: writing " + path.string() + " failed: " + errno_text(errno));
  }
  return ok();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\0')) {
    s.pop_back();
  }
  return s;
}

std::optional<unsigned long> parse_counter(const std::string& text) {
  const std::string t = trim(text);
  if (t.empty() || t.size() > 18 || !std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoul(t);
}

class ConfigfsTsmSource final : public EvidenceSource {
public:
  ConfigfsTsmSource(Tee expected, SourcePaths paths) : m_expected(expected), m_paths(std::move(paths)) {}
  [[nodiscard]] std::string name() const override { return "configfs-tsm"; }
  [[nodiscard]] Tee tee() const override { return m_expected; }

  Result<nlohmann::json> evidence(std::span<const std::uint8_t> digest_bytes) override {
    if (!path_exists(m_paths.configfs_tsm)) {
      return make_error(Kind::not_found, "configfs-tsm: " + m_paths.configfs_tsm.string() + " does not exist",
                        "needs Linux >= 6.7 in an SEV-SNP or TDX guest with configfs mounted");
    }
    std::random_device rd;
    const auto dir = m_paths.configfs_tsm / ("coco-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    if (::mkdir(dir.c_str(), 0700) != 0) {
      return make_error(Kind::io, "configfs-tsm: cannot create " + dir.string() + ": " + errno_text(errno));
    }
    TsmEntry entry(dir);
    COCO_TRY(auto provider_text, read_attribute(dir / "provider"));
    const std::string provider = trim(provider_text);
    const char* wanted = m_expected == Tee::snp ? "sev_guest" : "tdx_guest";
    if (provider != wanted) {
      return make_error(Kind::unsupported, "configfs-tsm: provider is '" + provider + "', not " + wanted);
    }
    COCO_TRY(auto gen_before, read_attribute(dir / "generation"));
    const Bytes inblob = report_data_for(m_expected, digest_bytes);
    COCO_TRY_STATUS(write_attribute(dir / "inblob", inblob));
    COCO_TRY(auto outblob, read_attribute(dir / "outblob"));
    std::string auxblob;
    if (path_exists(dir / "auxblob")) {
      auto aux = read_attribute(dir / "auxblob");
      if (aux) {
        auxblob = *aux;
      }
    }
    COCO_TRY(auto gen_after, read_attribute(dir / "generation"));
    // generation counts writes: exactly ours means nobody else changed inblob between our write and read.
    const auto before = parse_counter(gen_before);
    const auto after = parse_counter(gen_after);
    if (!before || !after || *after != *before + 1) {
      return make_error(Kind::conflict, "configfs-tsm: the report entry was modified concurrently");
    }
    if (m_expected == Tee::snp) {
      COCO_TRY(auto report, parse_snp_report(as_bytes(outblob)));
      std::vector<SnpCertEntry> certs;
      if (!auxblob.empty()) {
        COCO_TRY(certs, parse_snp_cert_table(as_bytes(auxblob)));
      }
      return snp_evidence_json(report, certs);
    }
    nlohmann::json ccel = nullptr;
    if (path_exists(m_paths.ccel)) {
      auto data = read_file(m_paths.ccel);
      if (data) {
        ccel = base64_encode(*data);
      } else {
        log::warn("configfs-tsm: CCEL present but unreadable: " + data.error().message);
      }
    }
    return nlohmann::json{{"cc_eventlog", ccel}, {"quote", base64_encode(outblob)}};
  }

private:
  Tee m_expected;
  SourcePaths m_paths;
};

// ---- /dev/sev-guest ---------------------------------------------------------------------------------------------

class SevGuestSource final : public EvidenceSource {
public:
  explicit SevGuestSource(SourcePaths paths) : m_paths(std::move(paths)) {}
  [[nodiscard]] std::string name() const override { return "sev-guest"; }
  [[nodiscard]] Tee tee() const override { return Tee::snp; }

  Result<nlohmann::json> evidence(std::span<const std::uint8_t> digest_bytes) override {
    COCO_TRY(auto fd, open_device(m_paths.sev_guest, "sev-guest"));
    snp_ext_report_req req{};
    const Bytes report_data = report_data_for(Tee::snp, digest_bytes);
    std::memcpy(req.data.user_data, report_data.data(), report_data.size());
    Bytes certs(4 * 4096);
    snp_report_resp resp{};
    for (int attempt = 0; attempt < 2; ++attempt) {
      req.certs_address = reinterpret_cast<std::uintptr_t>(certs.data());
      req.certs_len = static_cast<std::uint32_t>(certs.size());
      snp_guest_request_ioctl ioc{};
      ioc.msg_version = 1;
      ioc.req_data = reinterpret_cast<std::uintptr_t>(&req);
      ioc.resp_data = reinterpret_cast<std::uintptr_t>(&resp);
      if (::ioctl(fd.get(), SNP_GET_EXT_REPORT, &ioc) == 0) {
        break;
      }
      const int err = errno;
      // The host tells us the certificate blob size it needs; retry once with that size.
      if (ioc.vmm_error == 1 /* SNP_GUEST_VMM_ERR_INVALID_LEN */ && attempt == 0 && req.certs_len > certs.size()) {
        certs.assign(req.certs_len, 0);
        continue;
      }
      return make_error(Kind::io, "sev-guest: SNP_GET_EXT_REPORT failed: " + errno_text(err) +
                                      " (firmware error " + std::to_string(ioc.fw_error) + ", vmm error " +
                                      std::to_string(ioc.vmm_error) + ")");
    }
    // MSG_REPORT_RSP: status u32, report_size u32, reserved[24], report.
    std::uint32_t status = 0;
    std::uint32_t size = 0;
    std::memcpy(&status, resp.data, 4);
    std::memcpy(&size, resp.data + 4, 4);
    if (status != 0 || size < k_snp_report_size || 32 + size > sizeof resp.data) {
      return make_error(Kind::failure, "sev-guest: firmware returned status " + std::to_string(status));
    }
    COCO_TRY(auto report, parse_snp_report(std::span<const std::uint8_t>(resp.data + 32, k_snp_report_size)));
    std::vector<SnpCertEntry> chain;
    if (req.certs_len > 0) {
      COCO_TRY(chain, parse_snp_cert_table(std::span<const std::uint8_t>(certs.data(), std::min<std::size_t>(req.certs_len, certs.size()))));
    }
    return snp_evidence_json(report, chain);
  }

private:
  SourcePaths m_paths;
};

// ---- /dev/tdx_guest ---------------------------------------------------------------------------------------------

// Linux include/uapi/linux/tdx-guest.h (not in Debian 12's 6.1 headers).
struct TdxReportReq {
  std::uint8_t reportdata[64];
  std::uint8_t tdreport[1024];
};
constexpr unsigned long k_tdx_cmd_get_report0 = _IOWR('T', 1, TdxReportReq);

class TdxGuestSource final : public EvidenceSource {
public:
  explicit TdxGuestSource(SourcePaths paths) : m_paths(std::move(paths)) {}
  [[nodiscard]] std::string name() const override { return "tdx-guest"; }
  [[nodiscard]] Tee tee() const override { return Tee::tdx; }

  Result<nlohmann::json> evidence(std::span<const std::uint8_t> digest_bytes) override {
    COCO_TRY(auto td_report, tdx_guest_td_report(m_paths.tdx_guest, report_data_for(Tee::tdx, digest_bytes)));
    (void)td_report;
    return make_error(Kind::unsupported, "tdx-guest: /dev/tdx_guest gives a TD report, which a KBS cannot verify",
                      "use configfs-tsm (Linux >= 6.7) with a quote generation service (QGS) on the host");
  }

private:
  SourcePaths m_paths;
};

} // namespace

Result<Bytes> tdx_guest_td_report(const std::filesystem::path& device, std::span<const std::uint8_t> report_data) {
  if (report_data.size() != 64) {
    return make_error(Kind::usage, "tdx-guest: report data must be 64 bytes");
  }
  COCO_TRY(auto fd, open_device(device, "tdx-guest"));
  TdxReportReq req{};
  std::memcpy(req.reportdata, report_data.data(), 64);
  if (::ioctl(fd.get(), k_tdx_cmd_get_report0, &req) != 0) {
    return make_error(Kind::io, "tdx-guest: TDX_CMD_GET_REPORT0 failed: " + errno_text(errno));
  }
  return Bytes(std::begin(req.tdreport), std::end(req.tdreport));
}

Result<std::vector<SnpCertEntry>> parse_snp_cert_table(std::span<const std::uint8_t> table) {
  struct Known {
    const char* guid;
    const char* type;
  };
  static constexpr Known k_known[] = {
      {"63da758de6644564adc5f4b93be8accd", "VCEK"}, {"a8074bc2a25a483eaae639c045a0b8a1", "VLEK"},
      {"4ab7b379bbac4fe4a02f05aef327c782", "ASK"},  {"c0b406a4a80349529743" "3fb6014cd0ae", "ARK"},
  };
  std::vector<SnpCertEntry> out;
  for (std::size_t at = 0;; at += 24) {
    if (at + 24 > table.size()) {
      return make_error(Kind::invalid, "snp: certificate table is not terminated");
    }
    const auto entry = table.subspan(at, 24);
    if (std::all_of(entry.begin(), entry.end(), [](std::uint8_t b) { return b == 0; })) {
      break;
    }
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
    std::memcpy(&offset, entry.data() + 16, 4);
    std::memcpy(&length, entry.data() + 20, 4);
    if (offset > table.size() || length > table.size() - offset) {
      return make_error(Kind::invalid, "snp: certificate table entry points outside the table");
    }
    // GUIDs are stored in RFC 4122 byte order (as the sev crate and go-sev-guest read them); accept the
    // mixed-endian EFI order too.
    const Bytes raw(entry.begin(), entry.begin() + 16);
    Bytes efi = raw;
    std::reverse(efi.begin(), efi.begin() + 4);
    std::reverse(efi.begin() + 4, efi.begin() + 6);
    std::reverse(efi.begin() + 6, efi.begin() + 8);
    std::string type = "OTHER";
    for (const auto& known : k_known) {
      if (hex_encode(raw) == known.guid || hex_encode(efi) == known.guid) {
        type = known.type;
      }
    }
    if (type == "OTHER") {
      continue; // e.g. CRLs
    }
    out.push_back(SnpCertEntry{type, Bytes(table.begin() + offset, table.begin() + offset + length)});
  }
  return out;
}

std::vector<TeeInterface> probe_tee_interfaces(const SourcePaths& paths) {
  std::vector<TeeInterface> out;
  {
    TeeInterface i{"configfs-tsm", paths.configfs_tsm, path_exists(paths.configfs_tsm), {}};
    if (i.present) {
      i.detail = "report interface present (provider known once an entry is created)";
    } else if (path_exists(paths.configfs_tsm.parent_path())) {
      i.detail = "configfs has tsm but no report directory";
    } else if (path_exists("/sys/kernel/config")) {
      i.detail = "configfs is mounted but has no tsm: kernel < 6.7, or not an SEV-SNP/TDX guest";
    } else {
      i.detail = "configfs is not mounted (mount -t configfs none /sys/kernel/config)";
    }
    out.push_back(i);
  }
  out.push_back(TeeInterface{"sev-guest", paths.sev_guest, path_exists(paths.sev_guest),
                             path_exists(paths.sev_guest) ? "SNP guest device" : "no SEV-SNP guest device"});
  out.push_back(TeeInterface{"tdx-guest", paths.tdx_guest, path_exists(paths.tdx_guest),
                             path_exists(paths.tdx_guest) ? "TDX guest device (TD reports only)" : "no TDX guest device"});
  {
    TeeInterface i{"tpm", {}, false, "no TPM device"};
    for (const auto& dev : paths.tpm_devices) {
      if (path_exists(dev)) {
        i.path = dev;
        i.present = true;
        i.detail = "TPM device; needs an AK at persistent handle 0x81010002";
        break;
      }
    }
    if (!i.present && !paths.tpm_devices.empty()) {
      i.path = paths.tpm_devices.front();
    }
    out.push_back(i);
  }
  out.push_back(TeeInterface{"ccel", paths.ccel, path_exists(paths.ccel),
                             path_exists(paths.ccel) ? "TDX CC event log (ACPI CCEL)" : "no CC event log"});
  return out;
}

std::unique_ptr<EvidenceSource> make_sample_source() { return std::make_unique<SampleSource>(); }
std::unique_ptr<EvidenceSource> make_sim_snp_source(std::filesystem::path dir, SimSnpReportParams params) {
  return std::make_unique<SimSnpSource>(std::move(dir), std::move(params));
}
std::unique_ptr<EvidenceSource> make_sim_tdx_source(std::filesystem::path dir, SimTdxQuoteParams params) {
  return std::make_unique<SimTdxSource>(std::move(dir), std::move(params));
}
std::unique_ptr<EvidenceSource> make_configfs_tsm_source(Tee expected, SourcePaths paths) {
  return std::make_unique<ConfigfsTsmSource>(expected, std::move(paths));
}
std::unique_ptr<EvidenceSource> make_sev_guest_source(SourcePaths paths) {
  return std::make_unique<SevGuestSource>(std::move(paths));
}
std::unique_ptr<EvidenceSource> make_tdx_guest_source(SourcePaths paths) {
  return std::make_unique<TdxGuestSource>(std::move(paths));
}

Result<std::unique_ptr<EvidenceSource>> open_source(std::string_view name, const SourceOptions& options) {
  const auto& paths = options.paths;
  if (name == "sample") {
    return make_sample_source();
  }
  if (name == "sim-snp" || name == "sim-tdx") {
    if (!options.sim_dir) {
      return make_error(Kind::usage, "evidence source " + std::string(name) + " needs the simulated roots directory",
                        "pass --sim-dir DIR (created by 'coco-attest sim init DIR')");
    }
    if (name == "sim-snp") {
      return make_sim_snp_source(*options.sim_dir, options.sim_snp);
    }
    return make_sim_tdx_source(*options.sim_dir, options.sim_tdx);
  }
  if (name == "snp") {
    if (path_exists(paths.configfs_tsm) || !path_exists(paths.sev_guest)) {
      return make_configfs_tsm_source(Tee::snp, paths);
    }
    return make_sev_guest_source(paths);
  }
  if (name == "tdx") {
    if (path_exists(paths.configfs_tsm) || !path_exists(paths.tdx_guest)) {
      return make_configfs_tsm_source(Tee::tdx, paths);
    }
    return make_tdx_guest_source(paths);
  }
  if (name == "tpm") {
    return make_tpm_source(options.tpm_tcti, options.tpm_ak_handle);
  }
  return make_error(Kind::usage, "unknown evidence source '" + std::string(name) + "'",
                    "use one of sample, snp, tdx, tpm, sim-snp, sim-tdx");
}

Result<std::unique_ptr<EvidenceSource>> detect_source(const SourceOptions& options) {
  const auto& paths = options.paths;
  if (path_exists(paths.configfs_tsm)) {
    // The provider is only visible inside an entry; TDX guests also have /dev/tdx_guest, SNP ones /dev/sev-guest.
    return make_configfs_tsm_source(path_exists(paths.tdx_guest) ? Tee::tdx : Tee::snp, paths);
  }
  if (path_exists(paths.sev_guest)) {
    return make_sev_guest_source(paths);
  }
  if (path_exists(paths.tdx_guest)) {
    return make_tdx_guest_source(paths);
  }
  for (const auto& dev : paths.tpm_devices) {
    if (path_exists(dev)) {
      return make_tpm_source(options.tpm_tcti, options.tpm_ak_handle);
    }
  }
  return make_error(Kind::not_found, "no TEE interface found (configfs-tsm, /dev/sev-guest, /dev/tdx_guest, TPM)",
                    "run inside an SEV-SNP or TDX guest, or use a simulated source (--tee sample|sim-snp|sim-tdx)");
}

} // namespace coco::attest
