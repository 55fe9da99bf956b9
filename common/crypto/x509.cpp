// X.509 via OpenSSL 3; see x509.hpp.
#include "common/crypto/x509.hpp"

#include <memory>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

namespace coco::crypto {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct Asn1ObjectFree {
  void operator()(ASN1_OBJECT* o) const { ASN1_OBJECT_free(o); }
};
struct Asn1IntegerFree {
  void operator()(ASN1_INTEGER* i) const { ASN1_INTEGER_free(i); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

std::string name_text(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(len)};
}

std::time_t asn1_time_to_time_t(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) {
    return 0;
  }
  return timegm(&tm);
}

} // namespace

Result<Certificate> Certificate::from_der(std::span<const std::uint8_t> der) {
  const unsigned char* p = der.data();
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  ERR_clear_error();
  if (cert == nullptr) {
    return make_error(Kind::invalid, "certificate: not a DER X.509 certificate");
  }
  if (p != der.data() + der.size()) {
    X509_free(cert);
    return make_error(Kind::invalid, "certificate: trailing bytes after the DER certificate");
  }
  return Certificate(cert);
}

Result<Certificate> Certificate::from_pem(std::string_view pem) {
  COCO_TRY(auto all, parse_pem_bundle(pem));
  return std::move(all.front());
}

Result<std::vector<Certificate>> Certificate::parse_pem_bundle(std::string_view pem) {
  std::vector<Certificate> out;
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  while (true) {
    X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (cert == nullptr) {
      break;
    }
    out.push_back(Certificate(cert));
  }
  ERR_clear_error();
  if (out.empty()) {
    return make_error(Kind::invalid, "certificate: no PEM certificate found");
  }
  return out;
}

Certificate::Certificate(const Certificate& other) : m_cert(other.m_cert) {
  if (m_cert != nullptr) {
    X509_up_ref(m_cert);
  }
}
Certificate& Certificate::operator=(const Certificate& other) {
  if (this != &other) {
    Certificate copy(other);
    std::swap(m_cert, copy.m_cert);
  }
  return *this;
}
Certificate::Certificate(Certificate&& other) noexcept : m_cert(std::exchange(other.m_cert, nullptr)) {}
Certificate& Certificate::operator=(Certificate&& other) noexcept {
  std::swap(m_cert, other.m_cert);
  return *this;
}
Certificate::~Certificate() { X509_free(m_cert); }

Bytes Certificate::der() const {
  unsigned char* buf = nullptr;
  const int len = i2d_X509(m_cert, &buf);
  if (len <= 0) {
    throw std::runtime_error("i2d_X509 failed");
  }
  Bytes out(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

std::string Certificate::to_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), m_cert);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(len)};
}

std::string Certificate::subject() const { return name_text(X509_get_subject_name(m_cert)); }
std::string Certificate::issuer() const { return name_text(X509_get_issuer_name(m_cert)); }

std::string Certificate::common_name() const {
  const X509_NAME* name = X509_get_subject_name(m_cert);
  const int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0) {
    return {};
  }
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) {
    return {};
  }
  std::string out(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

Bytes Certificate::spki_der() const {
  unsigned char* buf = nullptr;
  const int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(m_cert), &buf);
  if (len <= 0) {
    throw std::runtime_error("i2d_X509_PUBKEY failed");
  }
  Bytes out(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

static Bytes sha256_of(const Bytes& data) {
  Bytes out(32);
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

Bytes Certificate::spki_sha256() const { return sha256_of(spki_der()); }
Bytes Certificate::sha256() const { return sha256_of(der()); }

std::time_t Certificate::not_before() const { return asn1_time_to_time_t(X509_get0_notBefore(m_cert)); }
std::time_t Certificate::not_after() const { return asn1_time_to_time_t(X509_get0_notAfter(m_cert)); }

std::optional<Bytes> Certificate::extension(std::string_view oid) const {
  std::unique_ptr<ASN1_OBJECT, Asn1ObjectFree> obj(OBJ_txt2obj(std::string(oid).c_str(), 1));
  if (!obj) {
    return std::nullopt;
  }
  const int idx = X509_get_ext_by_OBJ(m_cert, obj.get(), -1);
  if (idx < 0) {
    return std::nullopt;
  }
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(X509_get_ext(m_cert, idx));
  const unsigned char* p = ASN1_STRING_get0_data(value);
  return Bytes(p, p + ASN1_STRING_length(value));
}

bool Certificate::is_signed_by(const Certificate& issuer) const {
  const bool good = X509_verify(m_cert, X509_get0_pubkey(issuer.m_cert)) == 1;
  ERR_clear_error();
  return good;
}

EVP_PKEY* Certificate::public_key() const { return X509_get0_pubkey(m_cert); }

Result<std::vector<Certificate>> verify_chain(const Certificate& leaf, std::span<const Certificate> intermediates,
                                              std::span<const Certificate> roots, const ChainOptions& options) {
  auto describe = [](const Certificate& c) {
    const std::string cn = c.common_name();
    return cn.empty() ? c.subject() : cn;
  };
  auto check_time = [&](const Certificate& c) -> Status {
    if (options.at_time && (*options.at_time < c.not_before() || *options.at_time > c.not_after())) {
      return make_error(Kind::denied, "certificate '" + describe(c) + "' is not valid at the verification time");
    }
    return ok();
  };
  auto pinned = [&](const Certificate& c) {
    const Bytes spki = c.spki_der();
    for (const auto& root : roots) {
      if (root.spki_der() == spki) {
        return true;
      }
    }
    return false;
  };

  std::vector<Certificate> path{leaf};
  constexpr std::size_t k_max_depth = 8;
  while (path.size() <= k_max_depth) {
    const Certificate& current = path.back();
    COCO_TRY_STATUS(check_time(current));
    if (pinned(current)) {
      return path;
    }
    // Prefer a pinned root as the issuer, then the supplied intermediates.
    const Certificate* next = nullptr;
    bool name_matched = false;
    auto consider = [&](const Certificate& candidate) {
      if (next != nullptr || candidate.same_as(current) ||
          X509_NAME_cmp(X509_get_subject_name(candidate.native()), X509_get_issuer_name(current.native())) != 0) {
        return;
      }
      name_matched = true;
      if (current.is_signed_by(candidate)) {
        next = &candidate;
      }
    };
    for (const auto& root : roots) {
      consider(root);
    }
    for (const auto& inter : intermediates) {
      consider(inter);
    }
    if (next == nullptr) {
      if (name_matched) {
        return make_error(Kind::denied, "certificate '" + describe(current) + "' signature does not verify with its issuer '" +
                                            current.issuer() + "'");
      }
      return make_error(Kind::denied, "certificate '" + describe(current) +
                                          "' does not chain to a trusted root (no issuer '" + current.issuer() + "')");
    }
    path.push_back(*next);
  }
  return make_error(Kind::denied, "certificate chain is too long");
}

Status verify_pkix_chain(const Certificate& leaf, std::span<const Certificate> untrusted,
                         std::span<const Certificate> trusted) {
  std::unique_ptr<X509_STORE, void (*)(X509_STORE*)> store(X509_STORE_new(), X509_STORE_free);
  std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)> chain(sk_X509_new_null(),
                                                                   [](STACK_OF(X509)* s) { sk_X509_free(s); });
  std::unique_ptr<X509_STORE_CTX, void (*)(X509_STORE_CTX*)> ctx(X509_STORE_CTX_new(), X509_STORE_CTX_free);
  if (!store || !chain || !ctx) {
    ERR_clear_error();
    return make_error(Kind::internal, "out of memory verifying a certificate chain");
  }
  for (const auto& anchor : trusted) {
    if (X509_STORE_add_cert(store.get(), anchor.native()) != 1) {
      ERR_clear_error(); // a duplicate anchor
    }
  }
  for (const auto& cert : untrusted) {
    // Borrowed: the caller's certificates outlive the stack (sk_X509_free does not free the elements).
    if (sk_X509_push(chain.get(), cert.native()) <= 0) {
      ERR_clear_error();
      return make_error(Kind::internal, "out of memory verifying a certificate chain");
    }
  }
  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf.native(), chain.get()) != 1) {
    ERR_clear_error();
    return make_error(Kind::internal, "X509_STORE_CTX_init failed");
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    const int code = X509_STORE_CTX_get_error(ctx.get());
    const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    ERR_clear_error();
    return make_error(Kind::denied, "certificate chain of " + leaf.subject() + " does not verify (" +
                                        X509_verify_cert_error_string(code) + " at depth " + std::to_string(depth) +
                                        ")");
  }
  return ok();
}

Result<std::uint64_t> der_integer_value(std::span<const std::uint8_t> der) {
  const unsigned char* p = der.data();
  std::unique_ptr<ASN1_INTEGER, Asn1IntegerFree> value(d2i_ASN1_INTEGER(nullptr, &p, static_cast<long>(der.size())));
  ERR_clear_error();
  if (!value || p != der.data() + der.size()) {
    return make_error(Kind::invalid, "certificate: extension is not a DER INTEGER");
  }
  std::uint64_t out = 0;
  if (ASN1_INTEGER_get_uint64(&out, value.get()) != 1) {
    ERR_clear_error();
    return make_error(Kind::invalid, "certificate: INTEGER extension out of range");
  }
  return out;
}

} // namespace coco::crypto
