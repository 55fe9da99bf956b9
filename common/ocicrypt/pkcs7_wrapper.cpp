#include "common/ocicrypt/pkcs7_wrapper.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/base/atomic_file.hpp"
#include "common/crypto/asymmetric.hpp"
#include "common/crypto/cipher.hpp"
#include "common/crypto/openssl_handles.hpp"
#include "common/crypto/random.hpp"

namespace coco::ocicrypt {
namespace {

// ---- a minimal DER reader and writer, enough for EnvelopedData ----

constexpr std::uint8_t k_tag_integer = 0x02;
constexpr std::uint8_t k_tag_octet_string = 0x04;
constexpr std::uint8_t k_tag_oid = 0x06;
constexpr std::uint8_t k_tag_sequence = 0x30;
constexpr std::uint8_t k_tag_set = 0x31;

// DER of the OIDs used here (tag and length included).
const Bytes k_oid_enveloped_data{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03};
const Bytes k_oid_data{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01};
const Bytes k_oid_rsa_encryption{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
const Bytes k_oid_aes128_gcm{0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x06};
const Bytes k_oid_aes256_gcm{0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2e};
const Bytes k_oid_aes128_cbc{0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x02};
const Bytes k_oid_aes256_cbc{0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a};

struct Tlv {
  std::uint8_t tag = 0;
  std::span<const std::uint8_t> content;
  std::span<const std::uint8_t> whole;
};

Error malformed(std::string_view what) { return make_error(Kind::invalid, "pkcs7: malformed " + std::string(what)); }

// Reads one TLV from the front of `in` and advances it.
Result<Tlv> read_tlv(std::span<const std::uint8_t>& in, std::string_view what) {
  if (in.size() < 2) {
    return malformed(what);
  }
  std::size_t pos = 1;
  std::size_t len = in[pos++];
  if (len & 0x80) {
    std::size_t n = len & 0x7f;
    if (n == 0 || n > 4 || in.size() < pos + n) {
      return malformed(what);
    }
    len = 0;
    for (std::size_t i = 0; i < n; ++i) {
      len = (len << 8) | in[pos++];
    }
  }
  if (in.size() - pos < len) {
    return malformed(what);
  }
  Tlv t{in[0], in.subspan(pos, len), in.first(pos + len)};
  in = in.subspan(pos + len);
  return t;
}

Result<Tlv> expect(std::span<const std::uint8_t>& in, std::uint8_t tag, std::string_view what) {
  COCO_TRY(Tlv t, read_tlv(in, what));
  if (t.tag != tag) {
    return malformed(what);
  }
  return t;
}

bool same(std::span<const std::uint8_t> a, const Bytes& b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

Bytes tlv(std::uint8_t tag, std::span<const std::uint8_t> content) {
  Bytes out{tag};
  std::size_t len = content.size();
  if (len < 0x80) {
    out.push_back(static_cast<std::uint8_t>(len));
  } else {
    Bytes len_bytes;
    for (std::size_t l = len; l > 0; l >>= 8) {
      len_bytes.insert(len_bytes.begin(), static_cast<std::uint8_t>(l & 0xff));
    }
    out.push_back(static_cast<std::uint8_t>(0x80 | len_bytes.size()));
    out.insert(out.end(), len_bytes.begin(), len_bytes.end());
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

Bytes concat(std::initializer_list<std::span<const std::uint8_t>> parts) {
  Bytes out;
  for (auto p : parts) {
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

// ---- certificates ----

Bytes der_of(const X509_NAME* name) {
  unsigned char* der = nullptr;
  int len = i2d_X509_NAME(name, &der);
  Bytes out(der, der + std::max(len, 0));
  OPENSSL_free(der);
  return out;
}

Bytes der_of(const ASN1_INTEGER* serial) {
  unsigned char* der = nullptr;
  int len = i2d_ASN1_INTEGER(serial, &der);
  Bytes out(der, der + std::max(len, 0));
  OPENSSL_free(der);
  return out;
}

struct Content {
  Bytes alg_oid;
  std::span<const std::uint8_t> params;  // the whole parameters TLV, may be empty
  Bytes encrypted;
};

Result<Secret> decrypt_content(const Content& c, const Secret& key) {
  if (same(c.alg_oid, k_oid_aes128_gcm) || same(c.alg_oid, k_oid_aes256_gcm)) {
    // Parameters: smallstep's [UNIVERSAL 16 primitive]{ SEQUENCE {...} } or a standard GCMParameters SEQUENCE.
    std::span<const std::uint8_t> p = c.params;
    COCO_TRY(Tlv outer, read_tlv(p, "GCM parameters"));
    std::span<const std::uint8_t> inner = outer.content;
    if (!inner.empty() && inner[0] == k_tag_sequence) {
      COCO_TRY(Tlv seq, read_tlv(inner, "GCM parameters"));
      inner = seq.content;
    }
    COCO_TRY(Tlv nonce, read_tlv(inner, "GCM nonce"));
    if ((nonce.tag != k_tag_octet_string && nonce.tag != 0x84) || nonce.content.size() != 12) {
      return make_error(Kind::unsupported, "pkcs7: GCM nonce must be 12 bytes");
    }
    if (c.encrypted.size() < 16) {
      return malformed("GCM content");
    }
    std::span<const std::uint8_t> all(c.encrypted);
    auto out = crypto::aes_gcm_decrypt(key.bytes(), nonce.content, all.first(all.size() - 16), {}, all.last(16));
    if (!out) {
      return make_error(Kind::integrity, "pkcs7: content failed authentication (tampered)");
    }
    return out;
  }
  if (same(c.alg_oid, k_oid_aes128_cbc) || same(c.alg_oid, k_oid_aes256_cbc)) {
    std::span<const std::uint8_t> p = c.params;
    COCO_TRY(Tlv iv, expect(p, k_tag_octet_string, "CBC iv"));
    if (iv.content.size() != 16 || (key.size() != 16 && key.size() != 32)) {
      return malformed("CBC parameters");
    }
    crypto::ossl::CipherCtx ctx(EVP_CIPHER_CTX_new());
    const EVP_CIPHER* cipher = key.size() == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
    Secret out(Bytes(c.encrypted.size() + 16, 0));
    int len = 0;
    int final_len = 0;
    if (!ctx || EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, key.bytes().data(), iv.content.data()) != 1 ||
        EVP_DecryptUpdate(ctx.get(), out.mutable_bytes().data(), &len, c.encrypted.data(),
                          static_cast<int>(c.encrypted.size())) != 1 ||
        EVP_DecryptFinal_ex(ctx.get(), out.mutable_bytes().data() + len, &final_len) != 1) {
      crypto::ossl::clear_errors();
      return make_error(Kind::integrity, "pkcs7: CBC content does not decrypt (wrong key or tampered)");
    }
    Bytes trimmed(out.bytes().begin(), out.bytes().begin() + len + final_len);
    return Secret(std::move(trimmed));
  }
  return make_error(Kind::unsupported, "pkcs7: unsupported content encryption algorithm");
}

struct Recipient {
  std::span<const std::uint8_t> issuer_and_serial;  // content of the IssuerAndSerialNumber SEQUENCE
  Bytes encrypted_key;
};


// An EnvelopedData in its ContentInfo, split around the RecipientInfos SET (which is all that removing a
// recipient rewrites).
struct Enveloped {
  std::span<const std::uint8_t> content_type;  // the ContentInfo's OID TLV
  std::span<const std::uint8_t> before_set;    // version and originatorInfo TLVs
  Tlv recipient_set;
  std::span<const std::uint8_t> after_set;     // encryptedContentInfo and unprotectedAttrs TLVs
};

Result<Enveloped> parse_enveloped(std::span<const std::uint8_t> blob) {
  std::span<const std::uint8_t> in = blob;
  COCO_TRY(Tlv content_info, expect(in, k_tag_sequence, "ContentInfo"));
  if (!in.empty()) {
    return malformed("ContentInfo (data after it)");
  }
  std::span<const std::uint8_t> ci = content_info.content;
  COCO_TRY(Tlv type, expect(ci, k_tag_oid, "content type"));
  if (!same(type.whole, k_oid_enveloped_data)) {
    return make_error(Kind::unsupported, "pkcs7: content is not EnvelopedData");
  }
  COCO_TRY(Tlv explicit0, expect(ci, 0xa0, "EnvelopedData"));
  std::span<const std::uint8_t> e0 = explicit0.content;
  COCO_TRY(Tlv enveloped, expect(e0, k_tag_sequence, "EnvelopedData"));
  if (!ci.empty() || !e0.empty()) {
    return malformed("EnvelopedData (data after it)");
  }
  std::span<const std::uint8_t> ed = enveloped.content;
  const std::uint8_t* start = ed.data();
  COCO_TRY(Tlv version, expect(ed, k_tag_integer, "version"));
  (void)version;
  COCO_TRY(Tlv recipient_set, read_tlv(ed, "recipientInfos"));
  if (recipient_set.tag == 0xa0) {  // originatorInfo present: skip it
    COCO_TRY(recipient_set, read_tlv(ed, "recipientInfos"));
  }
  if (recipient_set.tag != k_tag_set) {
    return malformed("recipientInfos");
  }
  const auto before = static_cast<std::size_t>(recipient_set.whole.data() - start);
  return Enveloped{type.whole, std::span<const std::uint8_t>(start, before), recipient_set, ed};
}

// A KeyTransRecipientInfo's identifier: issuerAndSerialNumber (a SEQUENCE) or [0] subjectKeyIdentifier.
struct KtriId {
  bool is_ktri = false;  // false: another kind of RecipientInfo
  Tlv rid;
};

Result<KtriId> ktri_id(const Tlv& ri) {
  if (ri.tag != k_tag_sequence) {
    return KtriId{};  // [1] key agreement, [2] KEK, [3] password, [4] other
  }
  std::span<const std::uint8_t> r = ri.content;
  COCO_TRY(Tlv rv, expect(r, k_tag_integer, "RecipientInfo version"));
  (void)rv;
  COCO_TRY(Tlv rid, read_tlv(r, "recipient identifier"));
  if (rid.tag != k_tag_sequence && rid.tag != 0x80) {
    return malformed("recipient identifier");
  }
  return KtriId{true, rid};
}

// Issuer names compared as DER first (smallstep and coco copy the certificate's bytes), then as X.509 names.
bool same_issuer(std::span<const std::uint8_t> a, const Bytes& b) {
  if (same(a, b)) {
    return true;
  }
  const unsigned char* pa = a.data();
  const unsigned char* pb = b.data();
  X509_NAME* na = d2i_X509_NAME(nullptr, &pa, static_cast<long>(a.size()));
  X509_NAME* nb = d2i_X509_NAME(nullptr, &pb, static_cast<long>(b.size()));
  const bool equal = na != nullptr && nb != nullptr && X509_NAME_cmp(na, nb) == 0;
  X509_NAME_free(na);
  X509_NAME_free(nb);
  crypto::ossl::clear_errors();
  return equal;
}

Result<Pkcs7Recipient> recipient_of(const Tlv& rid) {
  Pkcs7Recipient out;
  if (rid.tag == 0x80) {
    out.subject_key_id.assign(rid.content.begin(), rid.content.end());
    return out;
  }
  std::span<const std::uint8_t> ias = rid.content;
  COCO_TRY(Tlv issuer, expect(ias, k_tag_sequence, "issuer"));
  COCO_TRY(Tlv serial, expect(ias, k_tag_integer, "serial number"));
  out.issuer_der.assign(issuer.whole.begin(), issuer.whole.end());
  out.serial_der.assign(serial.whole.begin(), serial.whole.end());
  return out;
}

bool is_for(const Pkcs7Recipient& r, const Pkcs7Certificate& cert) {
  if (!r.subject_key_id.empty()) {
    return r.subject_key_id == cert.subject_key_id;
  }
  return r.serial_der == cert.serial_der && same_issuer(r.issuer_der, cert.issuer_der);
}

} // namespace

Result<Pkcs7Certificate> load_pkcs7_certificate(std::span<const std::uint8_t> data) {
  crypto::ossl::X509Ptr cert;
  if (as_string(data).find("-----BEGIN") != std::string_view::npos) {
    crypto::ossl::Bio bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
    cert.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  } else {
    const unsigned char* p = data.data();
    cert.reset(d2i_X509(nullptr, &p, static_cast<long>(data.size())));
  }
  if (!cert) {
    crypto::ossl::clear_errors();
    return make_error(Kind::invalid, "not an X.509 certificate in PEM or DER form");
  }
  COCO_TRY(crypto::PublicKey key, crypto::PublicKey::from_evp(X509_get0_pubkey(cert.get())));
  if (key.type() != crypto::KeyType::rsa) {
    return make_error(Kind::unsupported, "pkcs7 recipients need an RSA certificate");
  }
  unsigned char* der = nullptr;
  int len = i2d_X509(cert.get(), &der);
  Bytes cert_der(der, der + std::max(len, 0));
  OPENSSL_free(der);
  Bytes ski;
  if (const ASN1_OCTET_STRING* id = X509_get0_subject_key_id(cert.get()); id != nullptr) {
    ski.assign(ASN1_STRING_get0_data(id), ASN1_STRING_get0_data(id) + ASN1_STRING_length(id));
  }
  crypto::ossl::clear_errors();
  return Pkcs7Certificate{std::move(cert_der), der_of(X509_get_issuer_name(cert.get())),
                          der_of(X509_get0_serialNumber(cert.get())), std::move(key), std::move(ski)};
}

Result<Pkcs7Certificate> load_pkcs7_certificate_file(const std::filesystem::path& path) {
  COCO_TRY(std::string text, read_file(path));
  auto cert = load_pkcs7_certificate(as_bytes(text));
  if (!cert) {
    return std::move(cert).error().context(path.string());
  }
  return cert;
}

Result<Bytes> Pkcs7KeyWrapper::wrap(const Secret& private_options) {
  Secret key = crypto::random_secret(16);
  Bytes nonce = crypto::random_bytes(12);
  COCO_TRY(crypto::GcmSealed sealed, crypto::aes_gcm_encrypt(key.bytes(), nonce, private_options.bytes()));
  Bytes encrypted = std::move(sealed.ciphertext);
  encrypted.insert(encrypted.end(), sealed.tag.begin(), sealed.tag.end());

  Bytes recipients;
  for (const auto& cert : m_recipients) {
    COCO_TRY(Bytes ek, crypto::rsa_encrypt(cert.key, crypto::RsaPadding::pkcs1_v15, key.bytes()));
    Bytes ktri = tlv(k_tag_sequence, concat({Bytes{0x02, 0x01, 0x00},
                                            tlv(k_tag_sequence, concat({cert.issuer_der, cert.serial_der})),
                                            tlv(k_tag_sequence, k_oid_rsa_encryption), tlv(k_tag_octet_string, ek)}));
    recipients.insert(recipients.end(), ktri.begin(), ktri.end());
  }
  // smallstep's GCM parameter encoding (see the header).
  Bytes gcm_params = tlv(0x10, tlv(k_tag_sequence, concat({tlv(0x84, nonce), Bytes{0x02, 0x01, 0x10}})));
  Bytes eci = tlv(k_tag_sequence, concat({k_oid_data, tlv(k_tag_sequence, concat({k_oid_aes128_gcm, gcm_params})),
                                          tlv(0xa0, tlv(k_tag_octet_string, encrypted))}));
  Bytes enveloped = tlv(k_tag_sequence, concat({Bytes{0x02, 0x01, 0x00}, tlv(k_tag_set, recipients), eci}));
  return tlv(k_tag_sequence, concat({k_oid_enveloped_data, tlv(0xa0, enveloped)}));
}

Result<Secret> Pkcs7KeyWrapper::unwrap(std::span<const std::uint8_t> blob) {
  COCO_TRY(Enveloped env, parse_enveloped(blob));
  const Tlv& recipient_set = env.recipient_set;
  std::span<const std::uint8_t> ed = env.after_set;
  std::vector<Recipient> recipients;
  std::span<const std::uint8_t> rs = recipient_set.content;
  while (!rs.empty()) {
    COCO_TRY(Tlv ri, read_tlv(rs, "RecipientInfo"));
    if (ri.tag != k_tag_sequence) {
      continue;  // not a KeyTransRecipientInfo
    }
    std::span<const std::uint8_t> r = ri.content;
    COCO_TRY(Tlv rv, expect(r, k_tag_integer, "RecipientInfo version"));
    (void)rv;
    COCO_TRY(Tlv ias, read_tlv(r, "recipient identifier"));
    COCO_TRY(Tlv alg, expect(r, k_tag_sequence, "key encryption algorithm"));
    std::span<const std::uint8_t> a = alg.content;
    COCO_TRY(Tlv alg_oid, expect(a, k_tag_oid, "key encryption algorithm"));
    COCO_TRY(Tlv ek, expect(r, k_tag_octet_string, "encrypted key"));
    if (ias.tag != k_tag_sequence || !same(alg_oid.whole, k_oid_rsa_encryption)) {
      continue;
    }
    recipients.push_back({ias.content, Bytes(ek.content.begin(), ek.content.end())});
  }
  COCO_TRY(Tlv eci, expect(ed, k_tag_sequence, "EncryptedContentInfo"));
  std::span<const std::uint8_t> ec = eci.content;
  COCO_TRY(Tlv ctype, expect(ec, k_tag_oid, "content type"));
  (void)ctype;
  COCO_TRY(Tlv calg, expect(ec, k_tag_sequence, "content encryption algorithm"));
  Content content;
  std::span<const std::uint8_t> ca = calg.content;
  COCO_TRY(Tlv coid, expect(ca, k_tag_oid, "content encryption algorithm"));
  content.alg_oid = Bytes(coid.whole.begin(), coid.whole.end());
  content.params = ca;
  COCO_TRY(Tlv enc, read_tlv(ec, "encrypted content"));
  if (enc.tag == 0x80) {
    content.encrypted.assign(enc.content.begin(), enc.content.end());
  } else if (enc.tag == 0xa0) {
    std::span<const std::uint8_t> parts = enc.content;
    while (!parts.empty()) {
      COCO_TRY(Tlv part, expect(parts, k_tag_octet_string, "encrypted content"));
      content.encrypted.insert(content.encrypted.end(), part.content.begin(), part.content.end());
    }
  } else {
    return malformed("encrypted content");
  }

  bool opened_key = false;
  for (const auto& k : m_keys) {
    for (const auto& r : recipients) {
      if (k.certificate && !same(r.issuer_and_serial, concat({k.certificate->issuer_der, k.certificate->serial_der}))) {
        continue;
      }
      auto cek = crypto::rsa_decrypt(k.key, crypto::RsaPadding::pkcs1_v15, r.encrypted_key);
      if (!cek || (cek->size() != 16 && cek->size() != 24 && cek->size() != 32)) {
        continue;
      }
      opened_key = true;
      auto out = decrypt_content(content, *cek);
      if (out || out.error().kind != Kind::integrity) {
        return out;
      }
    }
  }
  if (opened_key) {
    return make_error(Kind::integrity, "pkcs7: content failed authentication (tampered)");
  }
  return make_error(Kind::auth, "pkcs7: no recipient matches the given key and certificate");
}

namespace {

// One member of an EnvelopedData's RecipientInfos: its bytes, and who it is for when it is a
// KeyTransRecipientInfo (other kinds are kept as they are and never match).
struct RecipientEntry {
  std::span<const std::uint8_t> whole;
  std::optional<Pkcs7Recipient> ktri;
};

Result<std::vector<RecipientEntry>> recipient_entries(const Enveloped& env) {
  std::vector<RecipientEntry> out;
  std::span<const std::uint8_t> rs = env.recipient_set.content;
  while (!rs.empty()) {
    COCO_TRY(Tlv ri, read_tlv(rs, "RecipientInfo"));
    COCO_TRY(KtriId id, ktri_id(ri));
    RecipientEntry entry{ri.whole, std::nullopt};
    if (id.is_ktri) {
      COCO_TRY(entry.ktri, recipient_of(id.rid));
    }
    out.push_back(std::move(entry));
  }
  return out;
}

} // namespace

Result<std::vector<Pkcs7Recipient>> pkcs7_recipients(std::span<const std::uint8_t> blob) {
  COCO_TRY(Enveloped env, parse_enveloped(blob));
  COCO_TRY(std::vector<RecipientEntry> entries, recipient_entries(env));
  std::vector<Pkcs7Recipient> out;
  for (RecipientEntry& entry : entries) {
    if (entry.ktri) {
      out.push_back(std::move(*entry.ktri));
    }
  }
  return out;
}

Result<Pkcs7Removal> pkcs7_remove_recipient(std::span<const std::uint8_t> blob, const Pkcs7Certificate& cert) {
  COCO_TRY(Enveloped env, parse_enveloped(blob));
  COCO_TRY(std::vector<RecipientEntry> entries, recipient_entries(env));
  Bytes kept_set;
  int kept = 0;
  Pkcs7Removal out;
  for (const RecipientEntry& entry : entries) {
    if (entry.ktri && is_for(*entry.ktri, cert)) {
      ++out.removed;
      continue;
    }
    kept_set.insert(kept_set.end(), entry.whole.begin(), entry.whole.end());
    ++kept;
  }
  if (out.removed == 0) {
    out.blob = Bytes(blob.begin(), blob.end());
    return out;
  }
  if (kept == 0) {
    return out;
  }
  // Removing members keeps a DER SET OF in sorted order; only the lengths around it change.
  Bytes enveloped = tlv(k_tag_sequence, concat({env.before_set, tlv(k_tag_set, kept_set), env.after_set}));
  out.blob = tlv(k_tag_sequence, concat({env.content_type, tlv(0xa0, enveloped)}));
  return out;
}

} // namespace coco::ocicrypt
