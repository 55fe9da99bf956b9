// SEV-SNP report parsing, encoding and Trustee's verification; format in snp.hpp.
#include "common/attest/snp.hpp"

#include <algorithm>
#include <cstring>

#include <openssl/evp.h>

#include "common/attest/signature.hpp"
#include "common/attest/sim.hpp"
#include "common/base/atomic_file.hpp"

namespace coco::attest {
namespace {

constexpr std::size_t k_sig_offset = 0x2A0;
constexpr std::size_t k_sig_component = 72;
constexpr std::size_t k_sig_end = k_sig_offset + 2 * k_sig_component;

std::uint64_t read_le(std::span<const std::uint8_t> b, std::size_t off, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    v |= static_cast<std::uint64_t>(b[off + i]) << (8U * i);
  }
  return v;
}
void write_le(Bytes& b, std::size_t off, std::uint64_t v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    b[off + i] = static_cast<std::uint8_t>(v >> (8U * i));
  }
}
Bytes slice(std::span<const std::uint8_t> b, std::size_t off, std::size_t n) {
  return {b.begin() + static_cast<std::ptrdiff_t>(off), b.begin() + static_cast<std::ptrdiff_t>(off + n)};
}
void put(Bytes& b, std::size_t off, const Bytes& v) { std::copy(v.begin(), v.end(), b.begin() + static_cast<std::ptrdiff_t>(off)); }

bool is_turin_like(std::optional<std::uint8_t> family) { return family && *family == 0x1A; }

SnpTcb decode_tcb(std::uint64_t raw, bool turin) {
  SnpTcb t;
  auto byte = [&](unsigned i) { return static_cast<std::uint8_t>(raw >> (8U * i)); };
  if (turin) {
    t.fmc = byte(0);
    t.bootloader = byte(1);
    t.tee = byte(2);
    t.snp = byte(3);
  } else {
    t.bootloader = byte(0);
    t.tee = byte(1);
    t.snp = byte(6);
  }
  t.microcode = byte(7);
  return t;
}

std::uint64_t encode_tcb(const SnpTcb& t, bool turin) {
  auto at = [](std::uint8_t v, unsigned i) { return static_cast<std::uint64_t>(v) << (8U * i); };
  if (turin) {
    return at(t.fmc.value_or(0), 0) | at(t.bootloader, 1) | at(t.tee, 2) | at(t.snp, 3) | at(t.microcode, 7);
  }
  return at(t.bootloader, 0) | at(t.tee, 1) | at(t.snp, 6) | at(t.microcode, 7);
}

nlohmann::json tcb_json(const SnpTcb& t) {
  return {{"fmc", t.fmc ? nlohmann::json(*t.fmc) : nlohmann::json(nullptr)},
          {"bootloader", t.bootloader},
          {"tee", t.tee},
          {"snp", t.snp},
          {"microcode", t.microcode}};
}

// JSON field readers returning errors (not exceptions) for malformed evidence.
Result<std::uint64_t> get_uint(const nlohmann::json& j, const char* key, std::uint64_t max) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number_unsigned() || j[key].get<std::uint64_t>() > max) {
    return make_error(Kind::invalid, std::string("snp: attestation_report.") + key + " is missing or not a valid number");
  }
  return j[key].get<std::uint64_t>();
}
Result<std::optional<std::uint8_t>> get_opt_u8(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) {
    return std::optional<std::uint8_t>();
  }
  COCO_TRY(auto v, get_uint(j, key, 0xFF));
  return std::optional<std::uint8_t>(static_cast<std::uint8_t>(v));
}
Result<Bytes> get_bytes(const nlohmann::json& j, const char* key, std::size_t size, const std::string& where) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_array() || j[key].size() != size) {
    return make_error(Kind::invalid, "snp: " + where + key + " must be an array of " + std::to_string(size) + " bytes");
  }
  Bytes out;
  out.reserve(size);
  for (const auto& v : j[key]) {
    if (!v.is_number_unsigned() || v.get<std::uint64_t>() > 0xFF) {
      return make_error(Kind::invalid, "snp: " + where + key + " must hold integers 0..255");
    }
    out.push_back(static_cast<std::uint8_t>(v.get<std::uint64_t>()));
  }
  return out;
}
Result<SnpTcb> get_tcb(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_object()) {
    return make_error(Kind::invalid, std::string("snp: attestation_report.") + key + " is missing");
  }
  const auto& t = j[key];
  SnpTcb tcb;
  COCO_TRY(tcb.fmc, get_opt_u8(t, "fmc"));
  COCO_TRY(auto bl, get_uint(t, "bootloader", 0xFF));
  COCO_TRY(auto tee, get_uint(t, "tee", 0xFF));
  COCO_TRY(auto snp, get_uint(t, "snp", 0xFF));
  COCO_TRY(auto uc, get_uint(t, "microcode", 0xFF));
  tcb.bootloader = static_cast<std::uint8_t>(bl);
  tcb.tee = static_cast<std::uint8_t>(tee);
  tcb.snp = static_cast<std::uint8_t>(snp);
  tcb.microcode = static_cast<std::uint8_t>(uc);
  return tcb;
}
Result<SnpVersion> get_version(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_object()) {
    return make_error(Kind::invalid, std::string("snp: attestation_report.") + key + " is missing");
  }
  COCO_TRY(auto major, get_uint(j[key], "major", 0xFF));
  COCO_TRY(auto minor, get_uint(j[key], "minor", 0xFF));
  COCO_TRY(auto build, get_uint(j[key], "build", 0xFF));
  return SnpVersion{static_cast<std::uint8_t>(major), static_cast<std::uint8_t>(minor), static_cast<std::uint8_t>(build)};
}

nlohmann::json int_array(const Bytes& b) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto v : b) {
    a.push_back(v);
  }
  return a;
}

const char* vek_name(const std::string& cert_type) { return cert_type == "VLEK" ? "VLEK" : "VCEK"; }

struct Anchor {
  std::optional<crypto::Certificate> ark, ask, asvk;
  std::string label;
  bool simulated = false;
};

// Verify ARK -> ASK|ASVK -> VEK under one anchor set, honouring supplied ARK/ASK/ASVK entries (a supplied ARK must
// be the anchor's ARK: verify under it).
Status verify_vek_chain(const Anchor& anchor, const std::vector<SnpCertEntry>& chain, const crypto::Certificate& vek,
                        const std::string& vek_type, const VerifierOptions& options) {
  if (!anchor.ark) {
    return make_error(Kind::denied, "snp: no ARK for " + anchor.label);
  }
  const crypto::Certificate& ark = *anchor.ark;
  const bool vlek = vek_type == "VLEK";
  std::optional<crypto::Certificate> signer = vlek ? anchor.asvk : anchor.ask;
  const char* signer_name = vlek ? "ASVK" : "ASK";
  for (const auto& entry : chain) {
    if (entry.cert_type == "ARK") {
      COCO_TRY(auto supplied, crypto::Certificate::from_der(entry.der));
      if (!supplied.is_signed_by(ark)) {
        return make_error(Kind::denied, "snp: the ARK in the evidence is not signed by the trusted " + anchor.label + " ARK");
      }
    } else if (entry.cert_type == signer_name) {
      COCO_TRY(auto supplied, crypto::Certificate::from_der(entry.der));
      signer = supplied;
    }
  }
  if (!ark.is_self_signed()) {
    return make_error(Kind::denied, "snp: the " + anchor.label + " ARK is not self-signed");
  }
  if (!signer) {
    return make_error(Kind::denied, std::string("snp: no ") + signer_name + " for " + anchor.label);
  }
  if (!signer->is_signed_by(ark)) {
    return make_error(Kind::denied, std::string("snp: the ") + signer_name + " is not signed by the " + anchor.label + " ARK");
  }
  if (!vek.is_signed_by(*signer)) {
    return make_error(Kind::denied, std::string("snp: the ") + vek_name(vek_type) + " is not signed by the " +
                                        anchor.label + " " + signer_name);
  }
  if (options.at_time) {
    for (const crypto::Certificate* cert : {&ark, static_cast<const crypto::Certificate*>(&*signer), &vek}) {
      if (*options.at_time < cert->not_before() || *options.at_time > cert->not_after()) {
        return make_error(Kind::denied, "snp: certificate '" + cert->common_name() + "' is not valid at the verification time");
      }
    }
  }
  return ok();
}

Status check_tcb_extension(const crypto::Certificate& vek, const std::string& vek_type, const char* oid, const char* what,
                           std::uint8_t reported) {
  const auto ext = vek.extension(oid);
  if (!ext) {
    return make_error(Kind::denied, std::string("snp: ") + vek_name(vek_type) + " has no " + what + " extension (" + oid + ")");
  }
  COCO_TRY(auto value, crypto::der_integer_value(*ext));
  if (value != reported) {
    return make_error(Kind::denied, std::string("snp: ") + vek_name(vek_type) + " " + what + " SVN " + std::to_string(value) +
                                        " does not match the report's reported_tcb " + std::to_string(reported));
  }
  return ok();
}

} // namespace

Result<SnpReport> parse_snp_report(std::span<const std::uint8_t> b) {
  if (b.size() != k_snp_report_size) {
    return make_error(Kind::invalid, "snp: attestation report must be 1184 bytes, got " + std::to_string(b.size()));
  }
  SnpReport r;
  r.version = static_cast<std::uint32_t>(read_le(b, 0x00, 4));
  if (r.version < 2 || r.version > 5) {
    return make_error(Kind::invalid, "snp: attestation report version " + std::to_string(r.version) + " is not 2 to 5");
  }
  if (std::any_of(b.begin() + k_sig_end, b.end(), [](std::uint8_t v) { return v != 0; })) {
    return make_error(Kind::invalid, "snp: reserved bytes after the report signature are not zero");
  }
  r.guest_svn = static_cast<std::uint32_t>(read_le(b, 0x04, 4));
  r.policy = read_le(b, 0x08, 8);
  r.family_id = slice(b, 0x10, 16);
  r.image_id = slice(b, 0x20, 16);
  r.vmpl = static_cast<std::uint32_t>(read_le(b, 0x30, 4));
  r.sig_algo = static_cast<std::uint32_t>(read_le(b, 0x34, 4));
  r.plat_info = read_le(b, 0x40, 8);
  r.key_info = static_cast<std::uint32_t>(read_le(b, 0x48, 4));
  r.report_data = slice(b, 0x50, 64);
  r.measurement = slice(b, 0x90, 48);
  r.host_data = slice(b, 0xC0, 32);
  r.id_key_digest = slice(b, 0xE0, 48);
  r.author_key_digest = slice(b, 0x110, 48);
  r.report_id = slice(b, 0x140, 32);
  r.report_id_ma = slice(b, 0x160, 32);
  if (r.version >= 3) {
    r.cpuid_fam_id = b[0x188];
    r.cpuid_mod_id = b[0x189];
    r.cpuid_step = b[0x18A];
  }
  const bool turin = is_turin_like(r.cpuid_fam_id);
  r.current_tcb = decode_tcb(read_le(b, 0x38, 8), turin);
  r.reported_tcb = decode_tcb(read_le(b, 0x180, 8), turin);
  r.chip_id = slice(b, 0x1A0, 64);
  r.committed_tcb = decode_tcb(read_le(b, 0x1E0, 8), turin);
  r.current = SnpVersion{b[0x1EA], b[0x1E9], b[0x1E8]};
  r.committed = SnpVersion{b[0x1EE], b[0x1ED], b[0x1EC]};
  r.launch_tcb = decode_tcb(read_le(b, 0x1F0, 8), turin);
  if (r.version >= 5) {
    r.launch_mit_vector = read_le(b, 0x1F8, 8);
    r.current_mit_vector = read_le(b, 0x200, 8);
  }
  r.signature_r = slice(b, k_sig_offset, k_sig_component);
  r.signature_s = slice(b, k_sig_offset + k_sig_component, k_sig_component);
  r.raw.assign(b.begin(), b.end());
  return r;
}

Result<Bytes> encode_snp_report_json(const nlohmann::json& j) {
  if (!j.is_object()) {
    return make_error(Kind::invalid, "snp: attestation_report is not an object");
  }
  const std::string w = "attestation_report.";
  Bytes b(k_snp_report_size, 0);
  COCO_TRY(auto version, get_uint(j, "version", 0xFFFFFFFF));
  write_le(b, 0x00, version, 4);
  COCO_TRY(auto guest_svn, get_uint(j, "guest_svn", 0xFFFFFFFF));
  write_le(b, 0x04, guest_svn, 4);
  COCO_TRY(auto policy, get_uint(j, "policy", UINT64_MAX));
  write_le(b, 0x08, policy, 8);
  COCO_TRY(auto family_id, get_bytes(j, "family_id", 16, w));
  put(b, 0x10, family_id);
  COCO_TRY(auto image_id, get_bytes(j, "image_id", 16, w));
  put(b, 0x20, image_id);
  COCO_TRY(auto vmpl, get_uint(j, "vmpl", 0xFFFFFFFF));
  write_le(b, 0x30, vmpl, 4);
  COCO_TRY(auto sig_algo, get_uint(j, "sig_algo", 0xFFFFFFFF));
  write_le(b, 0x34, sig_algo, 4);
  COCO_TRY(auto fam, get_opt_u8(j, "cpuid_fam_id"));
  COCO_TRY(auto mod, get_opt_u8(j, "cpuid_mod_id"));
  COCO_TRY(auto step, get_opt_u8(j, "cpuid_step"));
  const bool turin = is_turin_like(fam);
  COCO_TRY(auto current_tcb, get_tcb(j, "current_tcb"));
  write_le(b, 0x38, encode_tcb(current_tcb, turin), 8);
  COCO_TRY(auto plat_info, get_uint(j, "plat_info", UINT64_MAX));
  write_le(b, 0x40, plat_info, 8);
  COCO_TRY(auto key_info, get_uint(j, "key_info", 0xFFFFFFFF));
  write_le(b, 0x48, key_info, 4);
  const std::pair<const char*, std::pair<std::size_t, std::size_t>> arrays[] = {
      {"report_data", {0x50, 64}},        {"measurement", {0x90, 48}},        {"host_data", {0xC0, 32}},
      {"id_key_digest", {0xE0, 48}},      {"author_key_digest", {0x110, 48}}, {"report_id", {0x140, 32}},
      {"report_id_ma", {0x160, 32}},      {"chip_id", {0x1A0, 64}},
  };
  for (const auto& [key, place] : arrays) {
    COCO_TRY(auto value, get_bytes(j, key, place.second, w));
    put(b, place.first, value);
  }
  COCO_TRY(auto reported_tcb, get_tcb(j, "reported_tcb"));
  write_le(b, 0x180, encode_tcb(reported_tcb, turin), 8);
  b[0x188] = fam.value_or(0);
  b[0x189] = mod.value_or(0);
  b[0x18A] = step.value_or(0);
  COCO_TRY(auto committed_tcb, get_tcb(j, "committed_tcb"));
  write_le(b, 0x1E0, encode_tcb(committed_tcb, turin), 8);
  COCO_TRY(auto current, get_version(j, "current"));
  b[0x1E8] = current.build;
  b[0x1E9] = current.minor;
  b[0x1EA] = current.major;
  COCO_TRY(auto committed, get_version(j, "committed"));
  b[0x1EC] = committed.build;
  b[0x1ED] = committed.minor;
  b[0x1EE] = committed.major;
  COCO_TRY(auto launch_tcb, get_tcb(j, "launch_tcb"));
  write_le(b, 0x1F0, encode_tcb(launch_tcb, turin), 8);
  if (j.contains("launch_mit_vector") && !j["launch_mit_vector"].is_null()) {
    COCO_TRY(auto v, get_uint(j, "launch_mit_vector", UINT64_MAX));
    write_le(b, 0x1F8, v, 8);
  }
  if (j.contains("current_mit_vector") && !j["current_mit_vector"].is_null()) {
    COCO_TRY(auto v, get_uint(j, "current_mit_vector", UINT64_MAX));
    write_le(b, 0x200, v, 8);
  }
  if (!j.contains("signature") || !j["signature"].is_object()) {
    return make_error(Kind::invalid, "snp: attestation_report.signature is missing");
  }
  COCO_TRY(auto r, get_bytes(j["signature"], "r", k_sig_component, w + "signature."));
  COCO_TRY(auto s, get_bytes(j["signature"], "s", k_sig_component, w + "signature."));
  put(b, k_sig_offset, r);
  put(b, k_sig_offset + k_sig_component, s);
  return b;
}

nlohmann::json snp_report_to_json(const SnpReport& r) {
  nlohmann::json j = {
      {"version", r.version},
      {"guest_svn", r.guest_svn},
      {"policy", r.policy},
      {"family_id", int_array(r.family_id)},
      {"image_id", int_array(r.image_id)},
      {"vmpl", r.vmpl},
      {"sig_algo", r.sig_algo},
      {"current_tcb", tcb_json(r.current_tcb)},
      {"plat_info", r.plat_info},
      {"key_info", r.key_info},
      {"report_data", int_array(r.report_data)},
      {"measurement", int_array(r.measurement)},
      {"host_data", int_array(r.host_data)},
      {"id_key_digest", int_array(r.id_key_digest)},
      {"author_key_digest", int_array(r.author_key_digest)},
      {"report_id", int_array(r.report_id)},
      {"report_id_ma", int_array(r.report_id_ma)},
      {"reported_tcb", tcb_json(r.reported_tcb)},
      {"cpuid_fam_id", r.cpuid_fam_id ? nlohmann::json(*r.cpuid_fam_id) : nlohmann::json(nullptr)},
      {"cpuid_mod_id", r.cpuid_mod_id ? nlohmann::json(*r.cpuid_mod_id) : nlohmann::json(nullptr)},
      {"cpuid_step", r.cpuid_step ? nlohmann::json(*r.cpuid_step) : nlohmann::json(nullptr)},
      {"chip_id", int_array(r.chip_id)},
      {"committed_tcb", tcb_json(r.committed_tcb)},
      {"current", {{"major", r.current.major}, {"minor", r.current.minor}, {"build", r.current.build}}},
      {"committed", {{"major", r.committed.major}, {"minor", r.committed.minor}, {"build", r.committed.build}}},
      {"launch_tcb", tcb_json(r.launch_tcb)},
      {"signature", {{"r", int_array(r.signature_r)}, {"s", int_array(r.signature_s)}}},
  };
  if (r.launch_mit_vector) {
    j["launch_mit_vector"] = *r.launch_mit_vector;
  }
  if (r.current_mit_vector) {
    j["current_mit_vector"] = *r.current_mit_vector;
  }
  return j;
}

Result<SnpGeneration> snp_generation(const SnpReport& r) {
  if (!r.cpuid_fam_id || !r.cpuid_mod_id) {
    return make_error(Kind::denied, "snp: report version " + std::to_string(r.version) + " has no CPUID fields to tell the processor generation");
  }
  const unsigned fam = *r.cpuid_fam_id;
  const unsigned mod = *r.cpuid_mod_id;
  if (fam == 0x19 && mod <= 0x0F) {
    return SnpGeneration::milan;
  }
  if (fam == 0x19 && ((mod >= 0x10 && mod <= 0x1F) || (mod >= 0xA0 && mod <= 0xAF))) {
    return SnpGeneration::genoa;
  }
  if (fam == 0x1A && mod <= 0x11) {
    return SnpGeneration::turin;
  }
  char buf[80];
  std::snprintf(buf, sizeof buf, "snp: unknown processor generation (family 0x%02x, model 0x%02x)", fam, mod);
  return make_error(Kind::denied, buf);
}

bool snp_signature_valid(const SnpReport& report, const crypto::Certificate& vek) {
  const std::span<const std::uint8_t> signed_part(report.raw.data(), k_snp_signed_size);
  return detail::ecdsa_verify(vek.public_key(), EVP_sha384(), signed_part, detail::reversed(report.signature_r),
                              detail::reversed(report.signature_s));
}

std::filesystem::path snp_vek_cache_path(const std::filesystem::path& dir, const SnpReport& r) {
  const auto chip = dir / hex_encode(r.chip_id);
  const auto& t = r.reported_tcb;
  const std::string name = "vcek-" + std::to_string(t.bootloader) + "-" + std::to_string(t.tee) + "-" +
                           std::to_string(t.snp) + "-" + std::to_string(t.microcode) + ".der";
  for (const auto& candidate : {chip / name, chip / "vcek.der", dir / "vcek.der"}) {
    std::error_code ec;
    if (std::filesystem::exists(candidate, ec)) {
      return candidate;
    }
  }
  return chip / name;
}

nlohmann::json snp_claims(const SnpReport& r) {
  auto bit = [&](std::uint64_t v, unsigned n) { return ((v >> n) & 1U) != 0; };
  return {
      {"policy_abi_major", (r.policy >> 8U) & 0xFFU},
      {"policy_abi_minor", r.policy & 0xFFU},
      {"policy_smt_allowed", bit(r.policy, 16)},
      {"policy_migrate_ma", bit(r.policy, 18)},
      {"policy_debug_allowed", bit(r.policy, 19)},
      {"policy_single_socket", bit(r.policy, 20)},
      {"reported_tcb_bootloader", r.reported_tcb.bootloader},
      {"reported_tcb_tee", r.reported_tcb.tee},
      {"reported_tcb_snp", r.reported_tcb.snp},
      {"reported_tcb_microcode", r.reported_tcb.microcode},
      {"platform_tsme_enabled", bit(r.plat_info, 1)},
      {"platform_smt_enabled", bit(r.plat_info, 0)},
      {"measurement", hex_encode(r.measurement)},
      {"chip_id", hex_encode(r.chip_id)},
      {"report_data", hex_encode(r.report_data)},
      {"init_data", hex_encode(r.host_data)},
  };
}

nlohmann::json snp_evidence_json(const SnpReport& report, const std::vector<SnpCertEntry>& cert_chain) {
  nlohmann::json chain = nullptr;
  if (!cert_chain.empty()) {
    chain = nlohmann::json::array();
    for (const auto& entry : cert_chain) {
      chain.push_back({{"cert_type", entry.cert_type}, {"data", int_array(entry.der)}});
    }
  }
  return {{"attestation_report", snp_report_to_json(report)}, {"cert_chain", chain}};
}

Result<nlohmann::json> verify_snp_report(const SnpReport& report, const std::vector<SnpCertEntry>& cert_chain,
                                         const std::optional<Bytes>& expected_report_data,
                                         const std::optional<Bytes>& init_data_digest, const VerifierOptions& options) {
  if (report.version < 3 || report.version > 5) {
    return make_error(Kind::denied, "snp: report version " + std::to_string(report.version) +
                                        " is not accepted (Trustee requires 3 to 5)");
  }
  COCO_TRY(const SnpGeneration generation, snp_generation(report));

  // The versioned endorsement key: exactly one VCEK/VLEK in the evidence, else the offline cache.
  std::optional<crypto::Certificate> vek;
  std::string vek_type = "VCEK";
  for (const auto& entry : cert_chain) {
    if (entry.cert_type == "VCEK" || entry.cert_type == "VLEK") {
      if (vek) {
        return make_error(Kind::denied, "snp: the cert_chain holds more than one VCEK/VLEK");
      }
      auto cert = crypto::Certificate::from_der(entry.der);
      if (!cert) {
        return make_error(Kind::invalid, "snp: the " + entry.cert_type + " in the cert_chain is not a DER certificate");
      }
      vek = *cert;
      vek_type = entry.cert_type;
    }
  }
  if (!vek) {
    if (!options.snp_vek_cache_dir) {
      return make_error(Kind::denied, "snp: the evidence has no VCEK/VLEK and no VCEK cache directory is configured",
                        "give the VCEK in the evidence's cert_chain or configure a VCEK cache directory");
    }
    const auto path = snp_vek_cache_path(*options.snp_vek_cache_dir, report);
    auto data = read_file(path);
    if (!data) {
      return make_error(Kind::denied, "snp: the evidence has no VCEK/VLEK and the cache has none at " + path.string(),
                        "fetch it from AMD KDS (kdsintf.amd.com/vcek/v1/<gen>/<chip_id>) into the cache");
    }
    COCO_TRY(auto cert, crypto::Certificate::from_der(as_bytes(*data)));
    vek = cert;
  }

  // Anchors: the compiled AMD roots for the report's generation, then (if trusted) the simulated roots.
  std::vector<Anchor> anchors;
  COCO_TRY(auto amd, amd_vendor_certs(generation));
  anchors.push_back(Anchor{amd.ark, amd.ask, amd.asvk, std::string(generation_name(generation)), false});
  if (options.sim_dir) {
    COCO_TRY(auto sim, load_sim_snp_roots(*options.sim_dir));
    anchors.push_back(Anchor{sim.ark, sim.ask, std::nullopt, "simulated", true});
  }
  std::optional<Error> first_error;
  const Anchor* trusted = nullptr;
  for (const auto& anchor : anchors) {
    auto status = verify_vek_chain(anchor, cert_chain, *vek, vek_type, options);
    if (status) {
      trusted = &anchor;
      break;
    }
    if (!first_error) {
      first_error = status.error();
    }
  }
  if (trusted == nullptr) {
    return *first_error;
  }

  if (!snp_signature_valid(report, *vek)) {
    return make_error(Kind::denied, std::string("snp: report signature does not verify with the ") + vek_name(vek_type));
  }
  const bool turin = generation == SnpGeneration::turin;
  if (turin) {
    COCO_TRY_STATUS(check_tcb_extension(*vek, vek_type, "1.3.6.1.4.1.3704.1.3.9", "FMC", report.reported_tcb.fmc.value_or(0)));
  }
  COCO_TRY_STATUS(check_tcb_extension(*vek, vek_type, "1.3.6.1.4.1.3704.1.3.1", "bootloader", report.reported_tcb.bootloader));
  COCO_TRY_STATUS(check_tcb_extension(*vek, vek_type, "1.3.6.1.4.1.3704.1.3.2", "TEE", report.reported_tcb.tee));
  COCO_TRY_STATUS(check_tcb_extension(*vek, vek_type, "1.3.6.1.4.1.3704.1.3.3", "SNP", report.reported_tcb.snp));
  COCO_TRY_STATUS(check_tcb_extension(*vek, vek_type, "1.3.6.1.4.1.3704.1.3.8", "microcode", report.reported_tcb.microcode));

  if (report.vmpl != 0) {
    return make_error(Kind::denied, "snp: VMPL is " + std::to_string(report.vmpl) + ", must be 0");
  }
  if (expected_report_data && resize_data(*expected_report_data, 64) != report.report_data) {
    return make_error(Kind::denied, "snp: REPORT_DATA does not match the expected runtime-data digest");
  }
  if (init_data_digest && resize_data(*init_data_digest, 32) != report.host_data) {
    return make_error(Kind::denied, "snp: HOST_DATA does not match the init-data digest");
  }
  auto claims = snp_claims(report);
  if (trusted->simulated) {
    claims["simulated"] = true;
  }
  return claims;
}

namespace {

class SnpVerifier final : public Verifier {
public:
  explicit SnpVerifier(VerifierOptions options) : m_options(std::move(options)) {}
  [[nodiscard]] Tee tee() const override { return Tee::snp; }

  [[nodiscard]] Result<nlohmann::json> evaluate(const nlohmann::json& evidence,
                                                const std::optional<Bytes>& expected_report_data,
                                                const std::optional<Bytes>& init_data_digest) const override {
    if (!evidence.is_object() || !evidence.contains("attestation_report")) {
      return make_error(Kind::invalid, "snp: evidence has no attestation_report");
    }
    COCO_TRY(auto bytes, encode_snp_report_json(evidence["attestation_report"]));
    COCO_TRY(auto report, parse_snp_report(bytes));
    std::vector<SnpCertEntry> chain;
    if (evidence.contains("cert_chain") && !evidence["cert_chain"].is_null()) {
      if (!evidence["cert_chain"].is_array()) {
        return make_error(Kind::invalid, "snp: cert_chain is not an array");
      }
      for (const auto& entry : evidence["cert_chain"]) {
        if (!entry.is_object() || !entry.contains("cert_type") || !entry["cert_type"].is_string()) {
          return make_error(Kind::invalid, "snp: cert_chain entry has no cert_type");
        }
        const std::string type = entry["cert_type"];
        COCO_TRY(auto der, get_bytes(entry, "data", entry.contains("data") && entry["data"].is_array() ? entry["data"].size() : 0,
                                     "cert_chain." + type + "."));
        chain.push_back(SnpCertEntry{type, std::move(der)});
      }
    }
    return verify_snp_report(report, chain, expected_report_data, init_data_digest, m_options);
  }

private:
  VerifierOptions m_options;
};

} // namespace

std::unique_ptr<Verifier> make_snp_verifier(const VerifierOptions& options) {
  return std::make_unique<SnpVerifier>(options);
}

} // namespace coco::attest
