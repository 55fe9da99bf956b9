// TDX quote parsing and Trustee's verification; format in tdx.hpp.
#include "common/attest/tdx.hpp"

#include <algorithm>

#include <openssl/evp.h>

#include "common/attest/ccel.hpp"
#include "common/attest/signature.hpp"
#include "common/attest/tdx_collateral.hpp"
#include "common/attest/sim.hpp"
#include "common/attest/vendor_roots.hpp"
#include "common/crypto/x509.hpp"

namespace coco::attest {
namespace {

constexpr std::size_t k_header_size = 48;
constexpr std::size_t k_body_v4_size = 584;
constexpr std::size_t k_body_v15_size = 648;
constexpr std::size_t k_qe_report_size = 384;

class Reader {
public:
  Reader(std::span<const std::uint8_t> data, std::size_t pos) : m_data(data), m_pos(pos) {}
  Result<Bytes> take(std::size_t n, const char* what) {
    if (n > m_data.size() - std::min(m_pos, m_data.size())) {
      return make_error(Kind::invalid, std::string("tdx: quote is truncated in ") + what);
    }
    Bytes out(m_data.begin() + static_cast<std::ptrdiff_t>(m_pos), m_data.begin() + static_cast<std::ptrdiff_t>(m_pos + n));
    m_pos += n;
    return out;
  }
  Result<std::uint32_t> le(std::size_t n, const char* what) {
    COCO_TRY(auto b, take(n, what));
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
      v |= static_cast<std::uint32_t>(b[i]) << (8U * i);
    }
    return v;
  }
  [[nodiscard]] std::size_t pos() const { return m_pos; }

private:
  std::span<const std::uint8_t> m_data;
  std::size_t m_pos;
};

Result<TdxBody> parse_body(Reader& r, bool tdx15) {
  TdxBody b;
  const std::pair<Bytes*, std::size_t> fields[] = {
      {&b.tee_tcb_svn, 16},     {&b.mr_seam, 48},       {&b.mrsigner_seam, 48}, {&b.seam_attributes, 8},
      {&b.td_attributes, 8},    {&b.xfam, 8},           {&b.mr_td, 48},         {&b.mr_config_id, 48},
      {&b.mr_owner, 48},        {&b.mr_owner_config, 48}, {&b.rtmr0, 48},       {&b.rtmr1, 48},
      {&b.rtmr2, 48},           {&b.rtmr3, 48},         {&b.report_data, 64},
  };
  for (const auto& [field, size] : fields) {
    COCO_TRY(*field, r.take(size, "the TD report body"));
  }
  if (tdx15) {
    COCO_TRY(b.tee_tcb_svn2, r.take(16, "the TD report body"));
    COCO_TRY(b.mr_servicetd, r.take(48, "the TD report body"));
  }
  return b;
}

std::string le_hex(std::uint64_t v, std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) {
    b[i] = static_cast<std::uint8_t>(v >> (8U * i));
  }
  return hex_encode(b);
}

// A minimal DER walker for Intel's SGX extension (1.2.840.113741.1.13.1): SEQUENCE OF SEQUENCE {OID, value}.
struct Tlv {
  std::uint8_t tag = 0;
  std::span<const std::uint8_t> value;
};
std::optional<Tlv> read_tlv(std::span<const std::uint8_t>& in) {
  if (in.size() < 2) {
    return std::nullopt;
  }
  Tlv t;
  t.tag = in[0];
  std::size_t len = in[1];
  std::size_t hdr = 2;
  if ((len & 0x80U) != 0) {
    const std::size_t n = len & 0x7FU;
    if (n == 0 || n > 4 || in.size() < 2 + n) {
      return std::nullopt;
    }
    len = 0;
    for (std::size_t i = 0; i < n; ++i) {
      len = (len << 8U) | in[2 + i];
    }
    hdr = 2 + n;
  }
  if (in.size() - hdr < len) {
    return std::nullopt;
  }
  t.value = in.subspan(hdr, len);
  in = in.subspan(hdr + len);
  return t;
}

} // namespace

Result<PckExtensions> parse_pck_extensions(const crypto::Certificate& pck) {
  const auto ext = pck.extension("1.2.840.113741.1.13.1");
  if (!ext) {
    return make_error(Kind::invalid, "tdx: the PCK certificate has no SGX extensions");
  }
  const Error bad = make_error(Kind::invalid, "tdx: the PCK certificate's SGX extensions are malformed");
  // OID 1.2.840.113741.1.13.1 contents; items are this prefix plus one (or, under .2, two) arcs.
  const Bytes prefix = {0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D, 0x01, 0x0D, 0x01};
  auto arcs_after_prefix = [&](std::span<const std::uint8_t> oid) -> std::optional<Bytes> {
    if (oid.size() <= prefix.size() || !std::equal(prefix.begin(), prefix.end(), oid.begin())) {
      return std::nullopt;
    }
    return Bytes(oid.begin() + static_cast<std::ptrdiff_t>(prefix.size()), oid.end());
  };
  auto small_int = [](std::span<const std::uint8_t> v) {
    std::uint32_t out = 0;
    for (const auto b : v) {
      out = (out << 8U) | b;
    }
    return out;
  };
  PckExtensions out;
  std::span<const std::uint8_t> in(*ext);
  auto outer = read_tlv(in);
  if (!outer || outer->tag != 0x30) {
    return bad;
  }
  std::span<const std::uint8_t> items = outer->value;
  while (!items.empty()) {
    auto item = read_tlv(items);
    if (!item || item->tag != 0x30) {
      return bad;
    }
    std::span<const std::uint8_t> inner = item->value;
    auto oid = read_tlv(inner);
    auto value = read_tlv(inner);
    if (!oid || !value || oid->tag != 0x06) {
      return bad;
    }
    const auto arcs = arcs_after_prefix(oid->value);
    if (!arcs || arcs->size() != 1) {
      continue;
    }
    const Bytes v(value->value.begin(), value->value.end());
    switch ((*arcs)[0]) {
    case 1: out.ppid = v; break;
    case 3: out.pce_id = v; break;
    case 4: out.fmspc = v; break;
    case 6: out.platform_instance_id = v; break;
    case 2: {
      std::span<const std::uint8_t> tcb = value->value;
      while (!tcb.empty()) {
        auto comp = read_tlv(tcb);
        if (!comp || comp->tag != 0x30) {
          return bad;
        }
        std::span<const std::uint8_t> c = comp->value;
        auto c_oid = read_tlv(c);
        auto c_val = read_tlv(c);
        if (!c_oid || !c_val) {
          return bad;
        }
        const auto c_arcs = arcs_after_prefix(c_oid->value);
        if (!c_arcs || c_arcs->size() != 2 || (*c_arcs)[0] != 2) {
          continue;
        }
        const unsigned n = (*c_arcs)[1];
        if (n >= 1 && n <= 16) {
          out.sgx_tcb_components[n - 1] = static_cast<std::uint8_t>(small_int(c_val->value));
        } else if (n == 17) {
          out.pce_svn = static_cast<std::uint16_t>(small_int(c_val->value));
        } else if (n == 18) {
          out.cpu_svn.assign(c_val->value.begin(), c_val->value.end());
        }
      }
      break;
    }
    default: break;
    }
  }
  if (out.fmspc.empty()) {
    return bad;
  }
  return out;
}

Result<TdxQuote> parse_tdx_quote(std::span<const std::uint8_t> bytes) {
  TdxQuote q;
  Reader r(bytes, 0);
  COCO_TRY(q.header.raw, r.take(k_header_size, "the header"));
  q.header.version = static_cast<std::uint16_t>(q.header.raw[0] | (q.header.raw[1] << 8U));
  q.header.att_key_type = static_cast<std::uint16_t>(q.header.raw[2] | (q.header.raw[3] << 8U));
  q.header.tee_type = static_cast<std::uint32_t>(q.header.raw[4] | (q.header.raw[5] << 8U) | (q.header.raw[6] << 16U) |
                                                 (static_cast<std::uint32_t>(q.header.raw[7]) << 24U));
  if (q.header.version == 3) {
    return make_error(Kind::unsupported, "tdx: quote version 3 is an SGX quote, not TDX");
  }
  if (q.header.version != 4 && q.header.version != 5) {
    return make_error(Kind::invalid, "tdx: quote version " + std::to_string(q.header.version) + " is not 4 or 5");
  }
  if (q.header.tee_type != 0x81) {
    return make_error(Kind::invalid, "tdx: quote tee_type is not TDX (0x81)");
  }
  if (q.header.att_key_type != 2) {
    return make_error(Kind::unsupported, "tdx: attestation key type " + std::to_string(q.header.att_key_type) +
                                             " is not ECDSA P-256 (2)");
  }
  bool tdx15 = false;
  if (q.header.version == 5) {
    COCO_TRY(auto type, r.le(2, "the body descriptor"));
    COCO_TRY(auto size, r.le(4, "the body descriptor"));
    q.body_type = static_cast<std::uint16_t>(type);
    q.body_size = size;
    if (type == 2 && size == k_body_v4_size) {
      tdx15 = false;
    } else if (type == 3 && size == k_body_v15_size) {
      tdx15 = true;
    } else {
      return make_error(Kind::unsupported, "tdx: quote v5 body type " + std::to_string(type) + " size " +
                                               std::to_string(size) + " is not TDX 1.0 or 1.5");
    }
  }
  COCO_TRY(q.body, parse_body(r, tdx15));
  q.signed_part.assign(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(r.pos()));
  COCO_TRY(const std::uint32_t sig_len, r.le(4, "the signature data length"));
  COCO_TRY(auto sig_data, r.take(sig_len, "the signature data"));
  Reader s(sig_data, 0);
  COCO_TRY(q.signature, s.take(64, "the quote signature"));
  COCO_TRY(q.attestation_key, s.take(64, "the attestation key"));
  COCO_TRY(auto cert_type, s.le(2, "the certification data"));
  COCO_TRY(auto cert_size, s.le(4, "the certification data"));
  q.certification_type = static_cast<std::uint16_t>(cert_type);
  COCO_TRY(auto cert_data, s.take(cert_size, "the certification data"));
  if (cert_type != 6) {
    return make_error(Kind::unsupported, "tdx: certification data type " + std::to_string(cert_type) +
                                             " is not 6 (QE report certification data)");
  }
  Reader c(cert_data, 0);
  COCO_TRY(q.qe_report, c.take(k_qe_report_size, "the QE report"));
  COCO_TRY(q.qe_report_signature, c.take(64, "the QE report signature"));
  COCO_TRY(auto auth_size, c.le(2, "the QE authentication data"));
  COCO_TRY(q.qe_auth_data, c.take(auth_size, "the QE authentication data"));
  COCO_TRY(auto pck_type, c.le(2, "the PCK certification data"));
  COCO_TRY(auto pck_size, c.le(4, "the PCK certification data"));
  q.pck_certification_type = static_cast<std::uint16_t>(pck_type);
  COCO_TRY(q.pck_chain_pem, c.take(pck_size, "the PCK certification data"));
  if (pck_type != 5) {
    return make_error(Kind::unsupported, "tdx: PCK certification data type " + std::to_string(pck_type) +
                                             " is not 5 (PEM certificate chain)");
  }
  return q;
}

nlohmann::json tdx_claims(const TdxQuote& q, const std::optional<Bytes>& platform_instance_id) {
  const auto& h = q.header.raw;
  auto part = [&](std::size_t off, std::size_t n) { return hex_encode(std::span<const std::uint8_t>(h.data() + off, n)); };
  nlohmann::json header = {
      {"version", part(0, 2)},  {"att_key_type", part(2, 2)}, {"tee_type", part(4, 4)},
      {"reserved", part(8, 4)}, {"vendor_id", part(12, 16)},  {"user_data", part(28, 20)},
  };
  const auto& b = q.body;
  nlohmann::json body = {
      {"tcb_svn", hex_encode(b.tee_tcb_svn)},
      {"mr_seam", hex_encode(b.mr_seam)},
      {"mrsigner_seam", hex_encode(b.mrsigner_seam)},
      {"seam_attributes", hex_encode(b.seam_attributes)},
      {"td_attributes", hex_encode(b.td_attributes)},
      {"xfam", hex_encode(b.xfam)},
      {"mr_td", hex_encode(b.mr_td)},
      {"mr_config_id", hex_encode(b.mr_config_id)},
      {"mr_owner", hex_encode(b.mr_owner)},
      {"mr_owner_config", hex_encode(b.mr_owner_config)},
      {"rtmr_0", hex_encode(b.rtmr0)},
      {"rtmr_1", hex_encode(b.rtmr1)},
      {"rtmr_2", hex_encode(b.rtmr2)},
      {"rtmr_3", hex_encode(b.rtmr3)},
      {"report_data", hex_encode(b.report_data)},
  };
  if (b.tee_tcb_svn2) {
    body["tee_tcb_svn2"] = hex_encode(*b.tee_tcb_svn2);
    body["mr_servicetd"] = hex_encode(*b.mr_servicetd);
  }
  nlohmann::json quote = {{"header", header}, {"body", body}};
  if (q.body_type) {
    quote["type"] = le_hex(*q.body_type, 2);
    quote["size"] = le_hex(*q.body_size, 4);
  }
  std::uint64_t attrs = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    attrs |= static_cast<std::uint64_t>(b.td_attributes[i]) << (8U * i);
  }
  auto bit = [&](unsigned n) { return ((attrs >> n) & 1U) != 0; };
  nlohmann::json claims = {
      {"quote", quote},
      {"td_attributes",
       {{"debug", bit(0)}, {"septve_disable", bit(28)}, {"protection_keys", bit(30)}, {"key_locker", bit(31)}, {"perfmon", bit(63)}}},
      {"report_data", hex_encode(b.report_data)},
      {"init_data", hex_encode(b.mr_config_id)},
      {"uefi_event_logs", nlohmann::json::array()},
  };
  if (platform_instance_id) {
    // Trustee renders the PCK certificate's 16-byte PlatformInstanceID byte-reversed (as a little-endian integer
    // printed big-endian); its expected claims for tdx_quote_4 show it, so we match.
    claims["platform_instance_id"] = hex_encode(detail::reversed(*platform_instance_id));
  }
  return claims;
}

Result<TdxQuoteCheck> verify_tdx_quote_signatures(const TdxQuote& q, const VerifierOptions& options) {
  TdxQuoteCheck check;
  auto att_key = detail::p256_key_from_raw(q.attestation_key);
  if (!att_key) {
    return make_error(Kind::denied, "tdx: the attestation key in the quote is not a valid P-256 point");
  }
  const std::span<const std::uint8_t> sig(q.signature);
  if (!detail::ecdsa_verify(att_key->get(), EVP_sha256(), q.signed_part, sig.subspan(0, 32), sig.subspan(32, 32))) {
    return make_error(Kind::denied, "tdx: quote signature does not verify with the attestation key");
  }
  // PCK chain (type 5 PEM, leaf first; trailing NULs allowed).
  std::string pem(q.pck_chain_pem.begin(), q.pck_chain_pem.end());
  while (!pem.empty() && pem.back() == '\0') {
    pem.pop_back();
  }
  auto chain = crypto::Certificate::parse_pem_bundle(pem);
  std::size_t pem_blocks = 0;
  for (std::size_t at = pem.find("-----BEGIN CERTIFICATE-----"); at != std::string::npos;
       at = pem.find("-----BEGIN CERTIFICATE-----", at + 1)) {
    ++pem_blocks;
  }
  if (!chain || chain->size() != pem_blocks) {
    return make_error(Kind::invalid, "tdx: the PCK certificate chain in the quote is not a valid PEM chain");
  }
  const crypto::Certificate& pck = chain->front();
  const std::span<const std::uint8_t> qe_sig(q.qe_report_signature);
  if (!detail::ecdsa_verify(pck.public_key(), EVP_sha256(), q.qe_report, qe_sig.subspan(0, 32), qe_sig.subspan(32, 32))) {
    return make_error(Kind::denied, "tdx: QE report signature does not verify with the PCK certificate");
  }
  Bytes bound = q.attestation_key;
  bound.insert(bound.end(), q.qe_auth_data.begin(), q.qe_auth_data.end());
  const Bytes expected = resize_data(digest(HashAlgorithm::sha256, bound), 64);
  if (!std::equal(expected.begin(), expected.end(), q.qe_report.begin() + 320)) {
    return make_error(Kind::denied, "tdx: QE report_data does not bind the attestation key (SHA-256 of key and QE auth data)");
  }
  COCO_TRY(auto intel_root, intel_sgx_root_ca());
  const std::vector<crypto::Certificate> intermediates(chain->begin() + 1, chain->end());
  crypto::ChainOptions chain_options;
  chain_options.at_time = options.at_time;
  std::vector<crypto::Certificate> roots{intel_root};
  auto path = crypto::verify_chain(pck, intermediates, roots, chain_options);
  if (!path && options.sim_dir) {
    COCO_TRY(auto sim_root, load_sim_tdx_root(*options.sim_dir));
    const std::vector<crypto::Certificate> sim_roots{sim_root};
    auto sim_path = crypto::verify_chain(pck, intermediates, sim_roots, chain_options);
    if (sim_path) {
      check.simulated = true;
      path = std::move(sim_path);
    }
  }
  if (!path) {
    return std::move(path).error().context("tdx: PCK certificate chain");
  }
  // Every certificate the quote carries must be on the verified path (a supplied root must be the pinned one),
  // so that no byte of the certification data goes unchecked.
  for (const auto& supplied : *chain) {
    const bool on_path = std::any_of(path->begin(), path->end(), [&](const auto& c) { return c.same_as(supplied); });
    if (!on_path) {
      return make_error(Kind::denied, "tdx: PCK certificate chain: certificate '" + supplied.common_name() +
                                          "' is not part of the verified chain");
    }
  }
  check.pck = pck;
  if (auto ext = parse_pck_extensions(pck)) {
    check.platform_instance_id = ext->platform_instance_id;
  }
  return check;
}

Result<nlohmann::json> verify_tdx_quote(std::span<const std::uint8_t> bytes, const std::optional<Bytes>& expected_report_data,
                                        const std::optional<Bytes>& init_data_digest, const VerifierOptions& options,
                                        const std::optional<Bytes>& cc_eventlog) {
  COCO_TRY(auto quote, parse_tdx_quote(bytes));
  COCO_TRY(auto check, verify_tdx_quote_signatures(quote, options));
  if (expected_report_data && resize_data(*expected_report_data, 64) != quote.body.report_data) {
    return make_error(Kind::denied, "tdx: REPORTDATA does not match the expected runtime-data digest");
  }
  if (init_data_digest && resize_data(*init_data_digest, 48) != quote.body.mr_config_id) {
    return make_error(Kind::denied, "tdx: MRCONFIGID does not match the init-data digest");
  }
  auto claims = tdx_claims(quote, check.platform_instance_id);
  if (cc_eventlog) {
    COCO_TRY(auto events, parse_cc_event_log(*cc_eventlog));
    const auto rtmrs = replay_rtmrs(events);
    const Bytes* quoted[] = {&quote.body.rtmr0, &quote.body.rtmr1, &quote.body.rtmr2, &quote.body.rtmr3};
    for (std::size_t i = 0; i < 4; ++i) {
      if (rtmrs[i] != *quoted[i]) {
        return make_error(Kind::denied, "tdx: RTMR" + std::to_string(i) + " does not match the CC event log replay");
      }
    }
    claims["uefi_event_logs"] = uefi_event_logs_claim(events);
  }
  if (options.tdx_collateral_dir && !check.simulated) {
    COCO_TRY(auto collateral, load_tdx_collateral(*options.tdx_collateral_dir));
    COCO_TRY(auto root, intel_sgx_root_ca());
    const std::time_t at = options.at_time.value_or(std::time(nullptr));
    COCO_TRY(auto tcb, evaluate_tdx_collateral(quote, *check.pck, collateral, at, {root}));
    if (!tdx_tcb_status_acceptable(tcb.tcb_status)) {
      return make_error(Kind::denied, "tdx: TCB status is " + tcb.tcb_status);
    }
    claims.update(tdx_collateral_claims(tcb));
  }
  if (check.simulated) {
    claims["simulated"] = true;
  }
  return claims;
}

namespace {

class TdxVerifier final : public Verifier {
public:
  explicit TdxVerifier(VerifierOptions options) : m_options(std::move(options)) {}
  [[nodiscard]] Tee tee() const override { return Tee::tdx; }

  [[nodiscard]] Result<nlohmann::json> evaluate(const nlohmann::json& evidence,
                                                const std::optional<Bytes>& expected_report_data,
                                                const std::optional<Bytes>& init_data_digest) const override {
    if (!evidence.is_object() || !evidence.contains("quote") || !evidence["quote"].is_string()) {
      return make_error(Kind::invalid, "tdx: evidence has no base64 quote");
    }
    auto quote = base64_decode_any(evidence["quote"].get<std::string>());
    if (!quote) {
      return make_error(Kind::invalid, "tdx: quote is not base64");
    }
    std::optional<Bytes> ccel;
    if (evidence.contains("cc_eventlog") && !evidence["cc_eventlog"].is_null()) {
      auto decoded = evidence["cc_eventlog"].is_string() ? base64_decode_any(evidence["cc_eventlog"].get<std::string>())
                                                         : Result<Bytes>(make_error(Kind::invalid, ""));
      if (!decoded) {
        return make_error(Kind::invalid, "tdx: cc_eventlog is not base64");
      }
      ccel = std::move(*decoded);
    }
    return verify_tdx_quote(*quote, expected_report_data, init_data_digest, m_options, ccel);
  }

private:
  VerifierOptions m_options;
};

} // namespace

std::unique_ptr<Verifier> make_tdx_verifier(const VerifierOptions& options) {
  return std::make_unique<TdxVerifier>(options);
}

} // namespace coco::attest
