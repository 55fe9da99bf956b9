#include "common/kbs/tls.hpp"

#include <arpa/inet.h>

#include <memory>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/base/atomic_file.hpp"
#include "common/base/encoding.hpp"
#include "common/crypto/hash.hpp"
#include "common/crypto/key.hpp"
#include "common/crypto/random.hpp"

namespace coco::kbs {
namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

bool is_ip(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

Result<std::string> pem_of(X509* cert) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return make_error(Kind::internal, "cannot encode certificate");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string fingerprint_of_der(std::span<const std::uint8_t> der) {
  const std::string hex = hex_encode(crypto::sha256(der));
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    if (!out.empty()) {
      out += ':';
    }
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i])));
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i + 1])));
  }
  return out;
}

} // namespace

Result<std::string> certificate_fingerprint(const std::filesystem::path& certificate) {
  COCO_TRY(std::string pem, read_file(certificate));
  auto fp = certificate_fingerprint_pem(pem);
  if (!fp) {
    return make_error(fp.error().kind, "no certificate in " + certificate.string());
  }
  return fp;
}

Result<std::string> certificate_fingerprint_pem(std::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    return make_error(Kind::invalid, "no certificate in the PEM text");
  }
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert.get(), &der);
  if (len <= 0) {
    return make_error(Kind::internal, "cannot encode certificate");
  }
  std::string fp = fingerprint_of_der(std::span<const std::uint8_t>(der, static_cast<std::size_t>(len)));
  OPENSSL_free(der);
  return fp;
}

Result<TlsIdentity> load_tls_identity(const std::filesystem::path& certificate, const std::filesystem::path& private_key) {
  COCO_TRY(auto key, crypto::PrivateKey::load_file(private_key));
  (void)key;
  COCO_TRY(std::string fp, certificate_fingerprint(certificate));
  return TlsIdentity{certificate, private_key, fp, false};
}

Result<TlsIdentity> ensure_self_signed(const std::filesystem::path& dir, const std::vector<std::string>& hosts) {
  const auto cert_path = dir / "tls-cert.pem";
  const auto key_path = dir / "tls-key.pem";
  std::error_code ec;
  if (std::filesystem::exists(cert_path, ec) && std::filesystem::exists(key_path, ec)) {
    return load_tls_identity(cert_path, key_path);
  }
  std::filesystem::create_directories(dir, ec);
  COCO_TRY(auto key, crypto::PrivateKey::generate_ec(crypto::Curve::p256));
  std::unique_ptr<X509, X509Free> cert(X509_new());
  if (!cert) {
    return make_error(Kind::internal, "out of memory");
  }
  X509_set_version(cert.get(), 2);
  Bytes serial = crypto::random_bytes(16);
  serial[0] &= 0x7F;
  BIGNUM* bn = BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("coco-kbs"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
  for (const auto& host : hosts) {
    if (host.empty() || host == "0.0.0.0" || host == "::" || host == "localhost" || host == "127.0.0.1" || host == "::1") {
      continue;
    }
    san += (is_ip(host) ? ",IP:" : ",DNS:") + host;
  }
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] : std::vector<std::pair<int, std::string>>{
           {NID_subject_alt_name, san}, {NID_basic_constraints, "critical,CA:FALSE"}, {NID_ext_key_usage, "serverAuth"},
           {NID_key_usage, "critical,digitalSignature"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (ext == nullptr) {
      return make_error(Kind::internal, "cannot build certificate extension");
    }
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) {
    return make_error(Kind::internal, "cannot sign the self-signed certificate");
  }
  COCO_TRY(std::string pem, pem_of(cert.get()));
  COCO_TRY_STATUS(key.write_pem_file(key_path));
  COCO_TRY_STATUS(write_file_atomic(cert_path, pem, 0644));
  COCO_TRY(std::string fp, certificate_fingerprint(cert_path));
  return TlsIdentity{cert_path, key_path, fp, true};
}

} // namespace coco::kbs
