// Simulated vendor chains and evidence; see sim.hpp for the layout.
#include "common/attest/sim.hpp"

#include <cstring>
#include <ctime>
#include <memory>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/attest/signature.hpp"
#include "common/attest/tdx.hpp"
#include "common/base/atomic_file.hpp"

namespace coco::attest {
namespace {

using detail::PkeyPtr;

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct SigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

Error ossl_error(const std::string& what) {
  ERR_clear_error();
  return make_error(Kind::internal, "sim: " + what + " failed");
}

Result<PkeyPtr> generate_rsa(unsigned bits) {
  PkeyPtr key(EVP_RSA_gen(bits));
  if (!key) {
    return ossl_error("RSA key generation");
  }
  return key;
}

Result<PkeyPtr> generate_ec(const char* curve) {
  PkeyPtr key(EVP_EC_gen(curve));
  if (!key) {
    return ossl_error("EC key generation");
  }
  return key;
}

std::string key_pem(EVP_PKEY* key) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(len)};
}

Result<PkeyPtr> load_key(const std::filesystem::path& path) {
  COCO_TRY(auto pem, read_file(path));
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    ERR_clear_error();
    return make_error(Kind::invalid, "sim: " + path.string() + " is not a PEM private key");
  }
  return key;
}

Result<crypto::Certificate> load_cert(const std::filesystem::path& path) {
  auto pem = read_file(path);
  if (!pem) {
    return make_error(Kind::not_found, "sim: " + path.string() + " is missing", "run 'coco-attest sim init DIR' first");
  }
  auto cert = crypto::Certificate::from_pem(*pem);
  if (!cert) {
    return std::move(cert).error().context(path.string());
  }
  return cert;
}

struct Extension {
  std::string oid;
  Bytes der_value; // the extnValue contents
};

// Build and sign a certificate. pss: RSASSA-PSS SHA-384 salt 48 (AMD); else the default for the signer's key
// with SHA-256 (Intel ECDSA) or SHA-384.
Result<crypto::Certificate> make_cert(const std::string& subject_cn, EVP_PKEY* subject_key, const std::string& issuer_cn,
                                      EVP_PKEY* issuer_key, bool pss, bool ca, const std::vector<Extension>& extensions) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  Bytes serial(16);
  RAND_bytes(serial.data(), static_cast<int>(serial.size()));
  serial[0] &= 0x7F;
  BIGNUM* bn = BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  auto set_name = [](X509_NAME* name, const std::string& cn) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("coco simulation"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  };
  set_name(X509_get_subject_name(cert.get()), subject_cn);
  set_name(X509_get_issuer_name(cert.get()), issuer_cn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * 365 * 25);
  X509_set_pubkey(cert.get(), subject_key);

  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
  X509_EXTENSION* bc = X509V3_EXT_conf_nid(nullptr, &v3, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  X509_add_ext(cert.get(), bc, -1);
  X509_EXTENSION_free(bc);
  for (const auto& ext : extensions) {
    ASN1_OBJECT* obj = OBJ_txt2obj(ext.oid.c_str(), 1);
    ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(value, ext.der_value.data(), static_cast<int>(ext.der_value.size()));
    X509_EXTENSION* x = X509_EXTENSION_create_by_OBJ(nullptr, obj, 0, value);
    X509_add_ext(cert.get(), x, -1);
    X509_EXTENSION_free(x);
    ASN1_OCTET_STRING_free(value);
    ASN1_OBJECT_free(obj);
  }

  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = pss ? EVP_sha384() : EVP_sha256();
  if (EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, issuer_key) != 1) {
    return ossl_error("certificate signing");
  }
  if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
              EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48) != 1 || EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha384()) != 1)) {
    return ossl_error("PSS parameters");
  }
  if (X509_sign_ctx(cert.get(), ctx.get()) <= 0) {
    return ossl_error("certificate signing");
  }
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert.get(), &der);
  const Bytes bytes(der, der + len);
  OPENSSL_free(der);
  return crypto::Certificate::from_der(bytes);
}

Bytes der_integer(std::uint8_t v) {
  if (v >= 0x80) {
    return {0x02, 0x02, 0x00, v};
  }
  return {0x02, 0x01, v};
}

Status write_text(const std::filesystem::path& path, const std::string& text, unsigned mode) {
  return write_file_atomic(path, text, mode);
}

// ECDSA signature as fixed-size big-endian r and s.
Result<std::pair<Bytes, Bytes>> ecdsa_sign(EVP_PKEY* key, const EVP_MD* md, std::span<const std::uint8_t> data, std::size_t size) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  std::size_t sig_len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &sig_len, data.data(), data.size()) != 1) {
    return ossl_error("ECDSA signing");
  }
  Bytes der(sig_len);
  if (EVP_DigestSign(ctx.get(), der.data(), &sig_len, data.data(), data.size()) != 1) {
    return ossl_error("ECDSA signing");
  }
  const unsigned char* p = der.data();
  std::unique_ptr<ECDSA_SIG, SigFree> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig_len)));
  if (!sig) {
    return ossl_error("ECDSA signature decoding");
  }
  Bytes r(size), s(size);
  BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), r.data(), static_cast<int>(size));
  BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), s.data(), static_cast<int>(size));
  return std::make_pair(std::move(r), std::move(s));
}

Result<Bytes> ec_public_raw(EVP_PKEY* key, std::size_t coord) {
  Bytes point(1 + 2 * coord);
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key, "encoded-pub-key", point.data(), point.size(), &len) != 1 || len != point.size()) {
    return ossl_error("EC public key export");
  }
  return Bytes(point.begin() + 1, point.end());
}

} // namespace

Status init_sim_roots(const std::filesystem::path& dir, const SimInitOptions& options) {
  std::error_code ec;
  if (std::filesystem::exists(dir / "snp" / "ark.pem", ec)) {
    return make_error(Kind::conflict, "sim: " + dir.string() + " already holds simulated roots");
  }
  std::filesystem::create_directories(dir / "snp", ec);
  std::filesystem::create_directories(dir / "tdx", ec);
  if (ec) {
    return make_error(Kind::io, "sim: cannot create " + dir.string() + ": " + ec.message());
  }
  // SNP: ARK -> ASK -> VCEK.
  COCO_TRY(auto ark_key, generate_rsa(4096));
  COCO_TRY(auto ask_key, generate_rsa(4096));
  COCO_TRY(auto vcek_key, generate_ec("P-384"));
  COCO_TRY(auto ark, make_cert("ARK-Sim", ark_key.get(), "ARK-Sim", ark_key.get(), true, true, {}));
  COCO_TRY(auto ask, make_cert("SEV-Sim", ask_key.get(), "ARK-Sim", ark_key.get(), true, true, {}));
  if (options.snp_chip_id.size() != 64) {
    return make_error(Kind::usage, "sim: chip_id must be 64 bytes");
  }
  Bytes hwid{0x04, 0x40};
  hwid.insert(hwid.end(), options.snp_chip_id.begin(), options.snp_chip_id.end());
  const auto& t = options.snp_tcb;
  std::vector<Extension> exts = {
      {"1.3.6.1.4.1.3704.1.3.1", der_integer(t.bootloader)}, {"1.3.6.1.4.1.3704.1.3.2", der_integer(t.tee)},
      {"1.3.6.1.4.1.3704.1.3.3", der_integer(t.snp)},        {"1.3.6.1.4.1.3704.1.3.8", der_integer(t.microcode)},
      {"1.3.6.1.4.1.3704.1.4", hwid},
  };
  if (t.fmc) {
    exts.push_back({"1.3.6.1.4.1.3704.1.3.9", der_integer(*t.fmc)});
  }
  COCO_TRY(auto vcek, make_cert("SEV-VCEK", vcek_key.get(), "SEV-Sim", ask_key.get(), true, false, exts));
  COCO_TRY_STATUS(write_text(dir / "snp" / "ark.pem", ark.to_pem(), 0644));
  COCO_TRY_STATUS(write_text(dir / "snp" / "ask.pem", ask.to_pem(), 0644));
  COCO_TRY_STATUS(write_text(dir / "snp" / "vcek.pem", vcek.to_pem(), 0644));
  COCO_TRY_STATUS(write_text(dir / "snp" / "vcek-key.pem", key_pem(vcek_key.get()), 0600));

  // TDX: root -> PCK CA -> PCK; QE attestation key.
  COCO_TRY(auto root_key, generate_ec("P-256"));
  COCO_TRY(auto ca_key, generate_ec("P-256"));
  COCO_TRY(auto pck_key, generate_ec("P-256"));
  COCO_TRY(auto att_key, generate_ec("P-256"));
  const std::string root_cn = "coco simulated SGX Root CA";
  const std::string ca_cn = "coco simulated SGX PCK Platform CA";
  COCO_TRY(auto root, make_cert(root_cn, root_key.get(), root_cn, root_key.get(), false, true, {}));
  COCO_TRY(auto ca, make_cert(ca_cn, ca_key.get(), root_cn, root_key.get(), false, true, {}));
  COCO_TRY(auto pck, make_cert("coco simulated SGX PCK Certificate", pck_key.get(), ca_cn, ca_key.get(), false, false, {}));
  COCO_TRY_STATUS(write_text(dir / "tdx" / "root.pem", root.to_pem(), 0644));
  COCO_TRY_STATUS(write_text(dir / "tdx" / "pck-ca.pem", ca.to_pem(), 0644));
  COCO_TRY_STATUS(write_text(dir / "tdx" / "pck.pem", pck.to_pem(), 0644));
  COCO_TRY_STATUS(write_text(dir / "tdx" / "pck-key.pem", key_pem(pck_key.get()), 0600));
  COCO_TRY_STATUS(write_text(dir / "tdx" / "attestation-key.pem", key_pem(att_key.get()), 0600));
  return ok();
}

Result<SimSnpRoots> load_sim_snp_roots(const std::filesystem::path& dir) {
  COCO_TRY(auto ark, load_cert(dir / "snp" / "ark.pem"));
  COCO_TRY(auto ask, load_cert(dir / "snp" / "ask.pem"));
  return SimSnpRoots{ark, ask};
}

Result<crypto::Certificate> load_sim_tdx_root(const std::filesystem::path& dir) { return load_cert(dir / "tdx" / "root.pem"); }

Result<Bytes> sim_snp_report(const std::filesystem::path& dir, const SimSnpReportParams& p) {
  COCO_TRY(auto vcek, load_cert(dir / "snp" / "vcek.pem"));
  COCO_TRY(auto key, load_key(dir / "snp" / "vcek-key.pem"));
  if (p.measurement.size() != 48 || p.report_data.size() != 64 || p.host_data.size() != 32) {
    return make_error(Kind::usage, "sim: measurement, report_data and host_data must be 48, 64 and 32 bytes");
  }
  SnpTcb tcb;
  if (p.reported_tcb) {
    tcb = *p.reported_tcb;
  } else {
    auto ext = [&](const char* oid) -> std::uint8_t {
      const auto v = vcek.extension(oid);
      auto n = v ? crypto::der_integer_value(*v) : Result<std::uint64_t>(make_error(Kind::invalid, ""));
      return n ? static_cast<std::uint8_t>(*n) : 0;
    };
    tcb.bootloader = ext("1.3.6.1.4.1.3704.1.3.1");
    tcb.tee = ext("1.3.6.1.4.1.3704.1.3.2");
    tcb.snp = ext("1.3.6.1.4.1.3704.1.3.3");
    tcb.microcode = ext("1.3.6.1.4.1.3704.1.3.8");
  }
  const auto hwid = vcek.extension("1.3.6.1.4.1.3704.1.4");
  Bytes chip_id(64, 0);
  if (hwid && hwid->size() == 66) {
    chip_id.assign(hwid->begin() + 2, hwid->end());
  }
  // Build through the JSON form so the binary layout has one encoder.
  SnpReport r;
  r.version = p.version;
  r.guest_svn = p.guest_svn;
  r.policy = p.policy;
  r.family_id = Bytes(16, 0);
  r.image_id = Bytes(16, 0);
  r.vmpl = p.vmpl;
  r.sig_algo = 1;
  r.current_tcb = tcb;
  r.plat_info = p.plat_info;
  r.key_info = 0;
  r.report_data = p.report_data;
  r.measurement = p.measurement;
  r.host_data = p.host_data;
  r.id_key_digest = Bytes(48, 0);
  r.author_key_digest = Bytes(48, 0);
  r.report_id = Bytes(32, 0x11);
  r.report_id_ma = Bytes(32, 0xFF);
  r.reported_tcb = tcb;
  if (p.version >= 3) {
    r.cpuid_fam_id = p.cpuid_fam_id;
    r.cpuid_mod_id = p.cpuid_mod_id;
    r.cpuid_step = p.cpuid_step;
  }
  r.chip_id = chip_id;
  r.committed_tcb = tcb;
  r.current = SnpVersion{1, 55, 40};
  r.committed = r.current;
  r.launch_tcb = tcb;
  if (p.version >= 5) {
    r.launch_mit_vector = 0;
    r.current_mit_vector = 0;
  }
  r.signature_r = Bytes(72, 0);
  r.signature_s = Bytes(72, 0);
  COCO_TRY(Bytes bytes, encode_snp_report_json(snp_report_to_json(r)));
  COCO_TRY(auto rs, ecdsa_sign(key.get(), EVP_sha384(), std::span<const std::uint8_t>(bytes.data(), k_snp_signed_size), 48));
  const Bytes r_le = detail::reversed(rs.first);
  const Bytes s_le = detail::reversed(rs.second);
  std::copy(r_le.begin(), r_le.end(), bytes.begin() + 0x2A0);
  std::copy(s_le.begin(), s_le.end(), bytes.begin() + 0x2A0 + 72);
  return bytes;
}

Result<nlohmann::json> sim_snp_evidence(const std::filesystem::path& dir, const SimSnpReportParams& params) {
  COCO_TRY(auto bytes, sim_snp_report(dir, params));
  COCO_TRY(auto report, parse_snp_report(bytes));
  COCO_TRY(auto vcek, load_cert(dir / "snp" / "vcek.pem"));
  return snp_evidence_json(report, {SnpCertEntry{"VCEK", vcek.der()}});
}

namespace {
void append_le(Bytes& out, std::uint64_t v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(static_cast<std::uint8_t>(v >> (8U * i)));
  }
}
void append(Bytes& out, const Bytes& v) { out.insert(out.end(), v.begin(), v.end()); }
} // namespace

Result<Bytes> sim_tdx_quote(const std::filesystem::path& dir, const SimTdxQuoteParams& p) {
  COCO_TRY(auto att_key, load_key(dir / "tdx" / "attestation-key.pem"));
  COCO_TRY(auto pck_key, load_key(dir / "tdx" / "pck-key.pem"));
  COCO_TRY(auto pck, load_cert(dir / "tdx" / "pck.pem"));
  COCO_TRY(auto pck_ca, load_cert(dir / "tdx" / "pck-ca.pem"));
  COCO_TRY(auto root, load_cert(dir / "tdx" / "root.pem"));
  const std::pair<const Bytes*, std::size_t> sizes[] = {
      {&p.tee_tcb_svn, 16}, {&p.mr_seam, 48}, {&p.mr_td, 48}, {&p.mr_config_id, 48}, {&p.mr_owner, 48},
      {&p.mr_owner_config, 48}, {&p.rtmr0, 48}, {&p.rtmr1, 48}, {&p.rtmr2, 48}, {&p.rtmr3, 48}, {&p.report_data, 64},
  };
  for (const auto& [field, size] : sizes) {
    if (field->size() != size) {
      return make_error(Kind::usage, "sim: a TDX quote field has the wrong size (measurements are 48 bytes, "
                                     "report_data 64, tee_tcb_svn 16)");
    }
  }
  Bytes quote;
  append_le(quote, 4, 2);    // version
  append_le(quote, 2, 2);    // ECDSA P-256
  append_le(quote, 0x81, 4); // TDX
  append_le(quote, 0, 4);    // reserved
  append(quote, Bytes{0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07});
  append(quote, Bytes(20, 0)); // user_data
  append(quote, p.tee_tcb_svn);
  append(quote, p.mr_seam);
  append(quote, Bytes(48, 0)); // mrsigner_seam
  append(quote, Bytes(8, 0));  // seam_attributes
  append_le(quote, p.td_attributes, 8);
  append_le(quote, p.xfam, 8);
  for (const Bytes* field : {&p.mr_td, &p.mr_config_id, &p.mr_owner, &p.mr_owner_config, &p.rtmr0, &p.rtmr1, &p.rtmr2,
                             &p.rtmr3, &p.report_data}) {
    append(quote, *field);
  }
  COCO_TRY(auto quote_sig, ecdsa_sign(att_key.get(), EVP_sha256(), quote, 32));
  COCO_TRY(auto att_raw, ec_public_raw(att_key.get(), 32));

  Bytes qe_auth(32);
  for (std::size_t i = 0; i < qe_auth.size(); ++i) {
    qe_auth[i] = static_cast<std::uint8_t>(i);
  }
  Bytes qe_report(384, 0);
  Bytes bound = att_raw;
  append(bound, qe_auth);
  const Bytes binding = digest(HashAlgorithm::sha256, bound);
  std::copy(binding.begin(), binding.end(), qe_report.begin() + 320);
  COCO_TRY(auto qe_sig, ecdsa_sign(pck_key.get(), EVP_sha256(), qe_report, 32));

  const std::string pem = pck.to_pem() + pck_ca.to_pem() + root.to_pem();
  Bytes type6;
  append(type6, qe_report);
  append(type6, qe_sig.first);
  append(type6, qe_sig.second);
  append_le(type6, qe_auth.size(), 2);
  append(type6, qe_auth);
  append_le(type6, 5, 2);
  append_le(type6, pem.size(), 4);
  type6.insert(type6.end(), pem.begin(), pem.end());

  Bytes sig_data;
  append(sig_data, quote_sig.first);
  append(sig_data, quote_sig.second);
  append(sig_data, att_raw);
  append_le(sig_data, 6, 2);
  append_le(sig_data, type6.size(), 4);
  append(sig_data, type6);

  append_le(quote, sig_data.size(), 4);
  append(quote, sig_data);
  return quote;
}

Result<nlohmann::json> sim_tdx_evidence(const std::filesystem::path& dir, const SimTdxQuoteParams& params) {
  COCO_TRY(auto quote, sim_tdx_quote(dir, params));
  return nlohmann::json{{"cc_eventlog", nullptr}, {"quote", base64_encode(quote)}};
}

} // namespace coco::attest
