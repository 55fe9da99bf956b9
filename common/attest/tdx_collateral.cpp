// Intel DCAP collateral evaluation for TDX; algorithm and formats in tdx_collateral.hpp.
#include "common/attest/tdx_collateral.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include <openssl/evp.h>

#include "common/attest/signature.hpp"
#include "common/base/atomic_file.hpp"
#include "common/base/encoding.hpp"

namespace coco::attest {
namespace {

// The raw text of the object value of top-level member `key` in `body` (strings and nesting respected).
std::optional<std::string> raw_member_text(const std::string& body, const std::string& key) {
  const std::string quoted = "\"" + key + "\"";
  std::size_t at = body.find(quoted);
  if (at == std::string::npos) {
    return std::nullopt;
  }
  at += quoted.size();
  while (at < body.size() && (std::isspace(static_cast<unsigned char>(body[at])) != 0 || body[at] == ':')) {
    ++at;
  }
  if (at >= body.size() || body[at] != '{') {
    return std::nullopt;
  }
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = at; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}' && --depth == 0) {
      return body.substr(at, i - at + 1);
    }
  }
  return std::nullopt;
}

// Verify a PCS body's signature and return its inner object.
Result<nlohmann::json> verified_body(const std::string& body, const std::string& key, const crypto::Certificate& signer,
                                     const char* what) {
  nlohmann::ordered_json parsed;
  try {
    parsed = nlohmann::ordered_json::parse(body);
  } catch (const nlohmann::json::exception&) {
    return make_error(Kind::invalid, std::string("tdx: ") + what + " is not JSON");
  }
  if (!parsed.contains(key) || !parsed[key].is_object() || !parsed.contains("signature") || !parsed["signature"].is_string()) {
    return make_error(Kind::invalid, std::string("tdx: ") + what + " has no " + key + " and signature");
  }
  auto sig = hex_decode(parsed["signature"].get<std::string>());
  if (!sig || sig->size() != 64) {
    return make_error(Kind::invalid, std::string("tdx: ") + what + " signature is not 64 hex bytes");
  }
  const std::span<const std::uint8_t> rs(*sig);
  auto verifies = [&](const std::string& text) {
    return detail::ecdsa_verify(signer.public_key(), EVP_sha256(), as_bytes(text), rs.subspan(0, 32), rs.subspan(32, 32));
  };
  const auto raw = raw_member_text(body, key);
  if (!(raw && verifies(*raw)) && !verifies(parsed[key].dump())) {
    return make_error(Kind::denied, std::string("tdx: ") + what + " signature does not verify with the TCB signing certificate");
  }
  return nlohmann::json::parse(parsed[key].dump());
}

std::time_t parse_time(const std::string& text) {
  struct tm tm {};
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec) != 6) {
    return 0;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return timegm(&tm);
}

int status_rank(const std::string& s) {
  static const char* const k_order[] = {"UpToDate",  "SWHardeningNeeded", "ConfigurationNeeded",
                                        "ConfigurationAndSWHardeningNeeded", "OutOfDate",
                                        "OutOfDateConfigurationNeeded", "Revoked", "TcbNotSupported"};
  for (int i = 0; i < 8; ++i) {
    if (s == k_order[i]) {
      return i;
    }
  }
  return 8;
}

std::string worst(const std::string& a, const std::string& b) { return status_rank(a) >= status_rank(b) ? a : b; }

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

Result<Bytes> hex_field(const nlohmann::json& j, const char* key, const char* what) {
  if (!j.contains(key) || !j[key].is_string()) {
    return make_error(Kind::invalid, std::string("tdx: ") + what + " has no " + key);
  }
  auto v = hex_decode(j[key].get<std::string>());
  if (!v) {
    return make_error(Kind::invalid, std::string("tdx: ") + what + " " + key + " is not hex");
  }
  return *v;
}

bool masked_equal(std::span<const std::uint8_t> actual, const Bytes& expected, const Bytes& mask) {
  if (actual.size() < expected.size() || mask.size() != expected.size()) {
    return false;
  }
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if ((actual[i] & mask[i]) != (expected[i] & mask[i])) {
      return false;
    }
  }
  return true;
}

std::uint16_t le16(const Bytes& b, std::size_t at) { return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8U)); }

} // namespace

Result<TdxCollateral> load_tdx_collateral(const std::filesystem::path& dir) {
  TdxCollateral c;
  auto tcb = read_file(dir / "tcb_info.json");
  auto qe = read_file(dir / "qe_identity.json");
  auto chain = read_file(dir / "tcb_signing_chain.pem");
  if (!tcb || !qe || !chain) {
    return make_error(Kind::not_found, "tdx: collateral directory " + dir.string() +
                                           " needs tcb_info.json, qe_identity.json and tcb_signing_chain.pem");
  }
  c.tcb_info_body = *tcb;
  c.qe_identity_body = *qe;
  COCO_TRY(c.signing_chain, crypto::Certificate::parse_pem_bundle(*chain));
  return c;
}

Result<TdxTcbResult> evaluate_tdx_collateral(const TdxQuote& quote, const crypto::Certificate& pck,
                                             const TdxCollateral& collateral, std::time_t at,
                                             const std::vector<crypto::Certificate>& roots) {
  if (collateral.signing_chain.empty()) {
    return make_error(Kind::invalid, "tdx: collateral has no TCB signing certificate");
  }
  // Intel re-issues the TCB signing certificate with the same key, so the chain is checked by signature only.
  const crypto::Certificate& signer = collateral.signing_chain.front();
  const std::vector<crypto::Certificate> rest(collateral.signing_chain.begin() + 1, collateral.signing_chain.end());
  auto chain = crypto::verify_chain(signer, rest, roots);
  if (!chain) {
    return std::move(chain).error().context("tdx: TCB signing certificate");
  }
  COCO_TRY(auto tcb_info, verified_body(collateral.tcb_info_body, "tcbInfo", signer, "TCB info"));
  COCO_TRY(auto qe_identity, verified_body(collateral.qe_identity_body, "enclaveIdentity", signer, "QE identity"));
  COCO_TRY(auto pck_ext, parse_pck_extensions(pck));
  TdxTcbResult result;
  try {
    // QE identity.
    if (qe_identity.value("id", "") != "TD_QE") {
      return make_error(Kind::denied, "tdx: QE identity is not for the TD quoting enclave (id TD_QE)");
    }
    const Bytes& qe = quote.qe_report;
    COCO_TRY(auto qe_mrsigner, hex_field(qe_identity, "mrsigner", "QE identity"));
    COCO_TRY(auto qe_misc, hex_field(qe_identity, "miscselect", "QE identity"));
    COCO_TRY(auto qe_misc_mask, hex_field(qe_identity, "miscselectMask", "QE identity"));
    COCO_TRY(auto qe_attr, hex_field(qe_identity, "attributes", "QE identity"));
    COCO_TRY(auto qe_attr_mask, hex_field(qe_identity, "attributesMask", "QE identity"));
    if (!std::equal(qe_mrsigner.begin(), qe_mrsigner.end(), qe.begin() + 128) || qe_mrsigner.size() != 32) {
      return make_error(Kind::denied, "tdx: QE identity mismatch: the QE report's MRSIGNER is not the identity's");
    }
    if (le16(qe, 256) != qe_identity.at("isvprodid").get<unsigned>()) {
      return make_error(Kind::denied, "tdx: QE identity mismatch: ISVPRODID differs");
    }
    // MISCSELECT is little-endian u32 in the report; the identity writes it big-endian hex.
    const Bytes misc_report = {qe[19], qe[18], qe[17], qe[16]};
    if (!masked_equal(misc_report, qe_misc, qe_misc_mask) ||
        !masked_equal(std::span<const std::uint8_t>(qe.data() + 48, 16), qe_attr, qe_attr_mask)) {
      return make_error(Kind::denied, "tdx: QE identity mismatch: MISCSELECT or ATTRIBUTES differ");
    }
    const unsigned qe_isvsvn = le16(qe, 258);
    result.qe_status = "OutOfDate";
    for (const auto& level : qe_identity.at("tcbLevels")) {
      if (level.at("tcb").at("isvsvn").get<unsigned>() <= qe_isvsvn) {
        result.qe_status = level.at("tcbStatus").get<std::string>();
        break;
      }
    }

    // TCB info: platform identity.
    if (tcb_info.value("id", "") != "TDX") {
      return make_error(Kind::denied, "tdx: TCB info mismatch: it is not TDX TCB info");
    }
    if (upper(tcb_info.at("fmspc").get<std::string>()) != upper(hex_encode(pck_ext.fmspc)) ||
        upper(tcb_info.at("pceId").get<std::string>()) != upper(hex_encode(pck_ext.pce_id))) {
      return make_error(Kind::denied, "tdx: TCB info mismatch: FMSPC " + hex_encode(pck_ext.fmspc) + " / PCE ID of the PCK "
                                      "certificate differ from the TCB info's");
    }
    const Bytes& svn = quote.body.tee_tcb_svn;
    const unsigned module_version = svn[1];
    result.module_status = "UpToDate";
    if (module_version > 0) {
      char id[16];
      std::snprintf(id, sizeof id, "TDX_%02X", module_version);
      const nlohmann::json* module = nullptr;
      if (tcb_info.contains("tdxModuleIdentities")) {
        for (const auto& m : tcb_info["tdxModuleIdentities"]) {
          if (upper(m.value("id", "")) == id) {
            module = &m;
          }
        }
      }
      if (module == nullptr) {
        return make_error(Kind::denied, std::string("tdx: TCB info mismatch: no TDX module identity ") + id);
      }
      COCO_TRY(auto m_signer, hex_field(*module, "mrsigner", "TDX module identity"));
      COCO_TRY(auto m_attr, hex_field(*module, "attributes", "TDX module identity"));
      COCO_TRY(auto m_mask, hex_field(*module, "attributesMask", "TDX module identity"));
      if (m_signer != quote.body.mrsigner_seam || !masked_equal(quote.body.seam_attributes, m_attr, m_mask)) {
        return make_error(Kind::denied, std::string("tdx: TDX module identity ") + id + " does not match MRSIGNER_SEAM/SEAM_ATTRIBUTES");
      }
      result.module_status = "TcbNotSupported";
      for (const auto& level : module->at("tcbLevels")) {
        if (level.at("tcb").at("isvsvn").get<unsigned>() <= svn[0]) {
          result.module_status = level.at("tcbStatus").get<std::string>();
          if (level.contains("advisoryIDs")) {
            for (const auto& a : level["advisoryIDs"]) {
              result.advisory_ids.push_back(a.get<std::string>());
            }
          }
          break;
        }
      }
    } else if (tcb_info.contains("tdxModule")) {
      COCO_TRY(auto m_signer, hex_field(tcb_info["tdxModule"], "mrsigner", "TDX module"));
      COCO_TRY(auto m_attr, hex_field(tcb_info["tdxModule"], "attributes", "TDX module"));
      COCO_TRY(auto m_mask, hex_field(tcb_info["tdxModule"], "attributesMask", "TDX module"));
      if (m_signer != quote.body.mrsigner_seam || !masked_equal(quote.body.seam_attributes, m_attr, m_mask)) {
        return make_error(Kind::denied, "tdx: TDX module does not match MRSIGNER_SEAM/SEAM_ATTRIBUTES");
      }
    }

    // Platform TCB level.
    result.platform_status = "TcbNotSupported";
    const std::size_t tdx_start = module_version > 0 ? 2 : 0;
    for (const auto& level : tcb_info.at("tcbLevels")) {
      const auto& tcb = level.at("tcb");
      const auto& sgx = tcb.at("sgxtcbcomponents");
      const auto& tdx = tcb.at("tdxtcbcomponents");
      bool matches = tcb.at("pcesvn").get<unsigned>() <= pck_ext.pce_svn && sgx.size() == 16 && tdx.size() == 16;
      for (std::size_t i = 0; matches && i < 16; ++i) {
        matches = sgx[i].at("svn").get<unsigned>() <= pck_ext.sgx_tcb_components[i];
      }
      for (std::size_t i = tdx_start; matches && i < 16; ++i) {
        matches = tdx[i].at("svn").get<unsigned>() <= svn[i];
      }
      if (matches) {
        result.platform_status = level.at("tcbStatus").get<std::string>();
        result.tcb_date = level.value("tcbDate", "");
        if (level.contains("advisoryIDs")) {
          for (const auto& a : level["advisoryIDs"]) {
            result.advisory_ids.push_back(a.get<std::string>());
          }
        }
        break;
      }
    }
    result.tcb_status = worst(worst(result.platform_status, result.module_status), result.qe_status);
    std::sort(result.advisory_ids.begin(), result.advisory_ids.end());
    result.advisory_ids.erase(std::unique(result.advisory_ids.begin(), result.advisory_ids.end()), result.advisory_ids.end());
    const std::time_t next = std::min(parse_time(tcb_info.value("nextUpdate", "")), parse_time(qe_identity.value("nextUpdate", "")));
    result.collateral_expired = at > next;
  } catch (const nlohmann::json::exception& e) {
    return make_error(Kind::invalid, std::string("tdx: collateral is malformed: ") + e.what());
  }
  return result;
}

nlohmann::json tdx_collateral_claims(const TdxTcbResult& result) {
  return {{"tcb_status", result.tcb_status},
          {"tcb_date", result.tcb_date},
          {"advisory_ids", result.advisory_ids},
          {"collateral_expiration_status", result.collateral_expired ? "1" : "0"}};
}

bool tdx_tcb_status_acceptable(const std::string& status) { return status_rank(status) <= 5; }

} // namespace coco::attest
