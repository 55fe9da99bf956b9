// CC event log parsing and replay; format in ccel.hpp.
#include "common/attest/ccel.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "common/attest/binding.hpp"

namespace coco::attest {
namespace {

constexpr std::uint16_t k_alg_sha1 = 0x0004;
constexpr std::uint16_t k_alg_sha256 = 0x000B;
constexpr std::uint16_t k_alg_sha384 = 0x000C;
constexpr std::uint16_t k_alg_sha512 = 0x000D;
constexpr std::uint32_t k_ev_no_action = 0x3;

std::uint32_t le32(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint32_t>(b[at]) | (static_cast<std::uint32_t>(b[at + 1]) << 8U) |
         (static_cast<std::uint32_t>(b[at + 2]) << 16U) | (static_cast<std::uint32_t>(b[at + 3]) << 24U);
}
std::uint16_t le16(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8U));
}

const char* alg_name(std::uint16_t alg) {
  switch (alg) {
  case k_alg_sha1: return "SHA-1";
  case k_alg_sha256: return "SHA-256";
  case k_alg_sha384: return "SHA-384";
  case k_alg_sha512: return "SHA-512";
  default: return "unknown";
  }
}

std::string trim_nul(std::string s) {
  const auto end = s.find('\0');
  if (end != std::string::npos) {
    s.resize(end);
  }
  return s;
}

bool printable_text(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == '\t' || u == '\n' || u == '\r' || (u >= 0x20 && u < 0x7F);
  });
}

// UEFI GUID bytes printed in storage order as 8-4-4-4-12 hex (as Trustee's claim shows them).
std::string guid_bytes_text(std::span<const std::uint8_t> g) {
  const std::string h = hex_encode(g);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20, 12);
}

nlohmann::json details_for(const CcEvent& e) {
  const std::span<const std::uint8_t> d(e.data);
  const std::string raw(d.begin(), d.end());
  switch (e.type) {
  case 0x4: // EV_SEPARATOR
    return nlohmann::json::object();
  case 0x6: { // EV_EVENT_TAG: TCG_PCClientTaggedEvent {id u32, size u32, data}
    if (d.size() >= 8 && le32(d, 4) <= d.size() - 8) {
      return {{"string", trim_nul(std::string(d.begin() + 8, d.begin() + 8 + le32(d, 4)))}};
    }
    return {{"string", ""}};
  }
  case 0xA: { // EV_PLATFORM_CONFIG_FLAGS: td-shim config info {descriptor[16], length u32, data} or text
    if (d.size() >= 20 && le32(d, 16) <= d.size() - 20) {
      const std::string descriptor = trim_nul(std::string(d.begin(), d.begin() + 16));
      const std::string info = trim_nul(std::string(d.begin() + 20, d.begin() + 20 + le32(d, 16)));
      if (printable_text(descriptor) && printable_text(info) && !info.empty()) {
        return {{"string", descriptor + " " + info}};
      }
      return {{"string", ""}};
    }
    return {{"string", printable_text(trim_nul(raw)) ? trim_nul(raw) : std::string()}};
  }
  case 0x80000007: // EV_EFI_ACTION
  case 0x5:        // EV_ACTION
    return {{"string", trim_nul(raw)}};
  case 0x8000000A: // EV_EFI_PLATFORM_FIRMWARE_BLOB2: u8 size, description, base, length
  case 0x8000000B: { // EV_EFI_HANDOFF_TABLES2: u8 size, description, count, tables
    if (!d.empty() && d[0] < d.size()) {
      return {{"string", trim_nul(std::string(d.begin() + 1, d.begin() + 1 + d[0]))}};
    }
    return {{"string", ""}};
  }
  case 0x80000001: // EV_EFI_VARIABLE_DRIVER_CONFIG
  case 0x80000002: // EV_EFI_VARIABLE_BOOT
  case 0x8000000C: // EV_EFI_VARIABLE_BOOT2
  case 0x800000E0: { // EV_EFI_VARIABLE_AUTHORITY: UEFI_VARIABLE_DATA {guid, u64 name len, u64 data len, name, data}
    if (d.size() < 32) {
      return nlohmann::json::object();
    }
    std::uint64_t name_len = 0;
    std::uint64_t data_len = 0;
    std::memcpy(&name_len, d.data() + 16, 8);
    std::memcpy(&data_len, d.data() + 24, 8);
    if (name_len > (d.size() - 32) / 2 || data_len > d.size() - 32 - 2 * name_len) {
      return nlohmann::json::object();
    }
    std::string name;
    for (std::uint64_t i = 0; i < name_len; ++i) {
      const std::uint16_t c = le16(d, 32 + 2 * i);
      name.push_back(c < 0x80 ? static_cast<char>(c) : '?');
    }
    const auto data_at = d.subspan(32 + 2 * name_len, data_len);
    return {{"unicode_name", name},
            {"unicode_name_length", name_len},
            {"variable_data", base64_encode(data_at)},
            {"variable_data_length", data_len},
            {"variable_name", guid_bytes_text(d.subspan(0, 16))}};
  }
  default: return nlohmann::json::object();
  }
}

std::size_t digest_size(std::uint16_t alg, const std::vector<std::pair<std::uint16_t, std::uint16_t>>& sizes) {
  for (const auto& [a, s] : sizes) {
    if (a == alg) {
      return s;
    }
  }
  return 0;
}

} // namespace

std::string event_type_name(std::uint32_t type) {
  static const std::pair<std::uint32_t, const char*> k_names[] = {
      {0x0, "EV_PREBOOT_CERT"}, {0x1, "EV_POST_CODE"}, {0x2, "EV_UNUSED"}, {0x3, "EV_NO_ACTION"},
      {0x4, "EV_SEPARATOR"}, {0x5, "EV_ACTION"}, {0x6, "EV_EVENT_TAG"}, {0x7, "EV_S_CRTM_CONTENTS"},
      {0x8, "EV_S_CRTM_VERSION"}, {0x9, "EV_CPU_MICROCODE"}, {0xA, "EV_PLATFORM_CONFIG_FLAGS"},
      {0xB, "EV_TABLE_OF_DEVICES"}, {0xC, "EV_COMPACT_HASH"}, {0xD, "EV_IPL"}, {0xE, "EV_IPL_PARTITION_DATA"},
      {0xF, "EV_NONHOST_CODE"}, {0x10, "EV_NONHOST_CONFIG"}, {0x11, "EV_NONHOST_INFO"},
      {0x12, "EV_OMIT_BOOT_DEVICE_EVENTS"}, {0x13, "EV_POST_CODE2"}, {0x80000000, "EV_EFI_EVENT_BASE"},
      {0x80000001, "EV_EFI_VARIABLE_DRIVER_CONFIG"}, {0x80000002, "EV_EFI_VARIABLE_BOOT"},
      {0x80000003, "EV_EFI_BOOT_SERVICES_APPLICATION"}, {0x80000004, "EV_EFI_BOOT_SERVICES_DRIVER"},
      {0x80000005, "EV_EFI_RUNTIME_SERVICES_DRIVER"}, {0x80000006, "EV_EFI_GPT_EVENT"},
      {0x80000007, "EV_EFI_ACTION"}, {0x80000008, "EV_EFI_PLATFORM_FIRMWARE_BLOB"},
      {0x80000009, "EV_EFI_HANDOFF_TABLES"}, {0x8000000A, "EV_EFI_PLATFORM_FIRMWARE_BLOB2"},
      {0x8000000B, "EV_EFI_HANDOFF_TABLES2"}, {0x8000000C, "EV_EFI_VARIABLE_BOOT2"},
      {0x8000000D, "EV_EFI_GPT_EVENT2"}, {0x80000010, "EV_EFI_HCRTM_EVENT"},
      {0x800000E0, "EV_EFI_VARIABLE_AUTHORITY"}, {0x800000E1, "EV_EFI_SPDM_FIRMWARE_BLOB"},
      {0x800000E2, "EV_EFI_SPDM_FIRMWARE_CONFIG"},
  };
  for (const auto& [value, name] : k_names) {
    if (value == type) {
      return name;
    }
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "UNKNOWN(0x%08x)", type);
  return buf;
}

Result<std::vector<CcEvent>> parse_cc_event_log(std::span<const std::uint8_t> log) {
  const Error truncated = make_error(Kind::invalid, "tdx: CC event log is truncated");
  // First record: TCG_PCR_EVENT with the Spec ID event listing algorithm digest sizes.
  if (log.size() < 32) {
    return truncated;
  }
  const std::uint32_t first_size = le32(log, 28);
  if (le32(log, 4) != k_ev_no_action || first_size > log.size() - 32 || first_size < 28) {
    return make_error(Kind::invalid, "tdx: CC event log does not start with a Spec ID event");
  }
  const auto spec = log.subspan(32, first_size);
  if (std::memcmp(spec.data(), "Spec ID Event03", 16) != 0) {
    return make_error(Kind::invalid, "tdx: CC event log is not a crypto-agile (Spec ID Event03) log");
  }
  const std::uint32_t algs = le32(spec, 24);
  if (algs > 8 || 28 + static_cast<std::size_t>(algs) * 4 > spec.size()) {
    return make_error(Kind::invalid, "tdx: CC event log Spec ID event is malformed");
  }
  std::vector<std::pair<std::uint16_t, std::uint16_t>> sizes;
  for (std::uint32_t i = 0; i < algs; ++i) {
    sizes.emplace_back(le16(spec, 28 + 4 * i), le16(spec, 30 + 4 * i));
  }
  std::vector<CcEvent> events;
  std::size_t at = 32 + first_size;
  while (at + 12 <= log.size()) {
    const std::uint32_t index = le32(log, at);
    const std::uint32_t type = le32(log, at + 4);
    if (index == 0xFFFFFFFF || type == 0xFFFFFFFF || (index == 0 && type == 0)) {
      break; // free space
    }
    CcEvent e;
    e.mr_index = index;
    e.type = type;
    const std::uint32_t count = le32(log, at + 8);
    if (count > 8) {
      return make_error(Kind::invalid, "tdx: CC event log record has too many digests");
    }
    std::size_t p = at + 12;
    for (std::uint32_t i = 0; i < count; ++i) {
      if (p + 2 > log.size()) {
        return truncated;
      }
      const std::uint16_t alg = le16(log, p);
      const std::size_t size = digest_size(alg, sizes);
      if (size == 0) {
        return make_error(Kind::invalid, "tdx: CC event log uses an algorithm its Spec ID event does not list");
      }
      if (p + 2 + size > log.size()) {
        return truncated;
      }
      e.digests.emplace_back(alg, Bytes(log.begin() + static_cast<std::ptrdiff_t>(p + 2),
                                        log.begin() + static_cast<std::ptrdiff_t>(p + 2 + size)));
      p += 2 + size;
    }
    if (p + 4 > log.size()) {
      return truncated;
    }
    const std::uint32_t size = le32(log, p);
    if (size > log.size() - p - 4) {
      return truncated;
    }
    e.data.assign(log.begin() + static_cast<std::ptrdiff_t>(p + 4), log.begin() + static_cast<std::ptrdiff_t>(p + 4 + size));
    at = p + 4 + size;
    events.push_back(std::move(e));
  }
  return events;
}

std::array<Bytes, 4> replay_rtmrs(const std::vector<CcEvent>& events) {
  std::array<Bytes, 4> rtmrs{Bytes(48, 0), Bytes(48, 0), Bytes(48, 0), Bytes(48, 0)};
  for (const auto& e : events) {
    if (e.type == k_ev_no_action || e.mr_index < 1 || e.mr_index > 4) {
      continue;
    }
    for (const auto& [alg, value] : e.digests) {
      if (alg == k_alg_sha384) {
        Bytes buf = rtmrs[e.mr_index - 1];
        buf.insert(buf.end(), value.begin(), value.end());
        rtmrs[e.mr_index - 1] = digest(HashAlgorithm::sha384, buf);
      }
    }
  }
  return rtmrs;
}

nlohmann::json uefi_event_logs_claim(const std::vector<CcEvent>& events) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : events) {
    if (e.type == k_ev_no_action) {
      continue;
    }
    nlohmann::json digests = nlohmann::json::array();
    bool matches = false;
    for (const auto& [alg, value] : e.digests) {
      digests.push_back({{"alg", alg_name(alg)}, {"digest", hex_encode(value)}});
      if (alg == k_alg_sha384 && digest(HashAlgorithm::sha384, e.data) == value) {
        matches = true;
      }
    }
    out.push_back({{"index", e.mr_index},
                   {"type_name", event_type_name(e.type)},
                   {"digests", digests},
                   {"event", base64_encode(e.data)},
                   {"digest_matches_event", matches},
                   {"details", details_for(e)}});
  }
  return out;
}

} // namespace coco::attest
