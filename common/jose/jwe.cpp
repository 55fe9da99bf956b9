#include "common/jose/jwe.hpp"

#include "common/crypto/asymmetric.hpp"
#include "common/crypto/cipher.hpp"
#include "common/crypto/random.hpp"

namespace coco::jose {
namespace {

using crypto::KeyType;

// Content key size for an enc value, 0 when unsupported.
std::size_t cek_size(std::string_view enc) {
  if (enc == "A128GCM") {
    return 16;
  }
  if (enc == "A192GCM") {
    return 24;
  }
  if (enc == "A256GCM") {
    return 32;
  }
  return 0;
}

// KEK size for ECDH-ES+A*KW, 0 when alg is not one of those.
std::size_t ecdh_kek_size(std::string_view alg) {
  if (alg == "ECDH-ES+A128KW") {
    return 16;
  }
  if (alg == "ECDH-ES+A192KW") {
    return 24;
  }
  if (alg == "ECDH-ES+A256KW") {
    return 32;
  }
  return 0;
}

std::optional<crypto::RsaPadding> rsa_padding(std::string_view alg) {
  if (alg == "RSA-OAEP") {
    return crypto::RsaPadding::oaep_sha1;
  }
  if (alg == "RSA-OAEP-256") {
    return crypto::RsaPadding::oaep_sha256;
  }
  if (alg == "RSA1_5") {
    return crypto::RsaPadding::pkcs1_v15;
  }
  return std::nullopt;
}

Json epk_json(const crypto::PublicKey& key) {
  auto parts = key.ec();
  Json epk = Json::object();
  epk["crv"] = std::string(crypto::curve_name(parts.curve));
  epk["kty"] = "EC";
  epk["x"] = base64url_encode(parts.x);
  epk["y"] = base64url_encode(parts.y);
  return epk;
}

struct WrappedKey {
  Json header;  // alg [, epk] [, kid]
  Bytes encrypted_key;
};

Result<WrappedKey> wrap_cek(const Secret& cek, const JweRecipient& r) {
  std::string alg = r.alg;
  if (alg.empty()) {
    COCO_TRY(alg, default_jwe_alg(r.key));
  }
  WrappedKey out;
  out.header["alg"] = alg;
  if (auto padding = rsa_padding(alg)) {
    if (r.key.type() != KeyType::rsa) {
      return make_error(Kind::invalid, "JWE algorithm " + alg + " needs an RSA key");
    }
    COCO_TRY(out.encrypted_key, crypto::rsa_encrypt(r.key, *padding, cek.bytes()));
  } else if (std::size_t kek_size = ecdh_kek_size(alg); kek_size != 0) {
    if (r.key.type() != KeyType::ec) {
      return make_error(Kind::invalid, "JWE algorithm " + alg + " needs an EC key");
    }
    COCO_TRY(crypto::PrivateKey ephemeral, crypto::PrivateKey::generate_ec(*r.key.curve()));
    COCO_TRY(Secret z, crypto::ecdh_derive(ephemeral, r.key));
    Secret kek = crypto::concat_kdf_sha256(z.bytes(), kek_size, alg);
    COCO_TRY(out.encrypted_key, crypto::aes_key_wrap(kek.bytes(), cek.bytes()));
    out.header["epk"] = epk_json(ephemeral.public_key());
  } else {
    return make_error(Kind::unsupported, "JWE algorithm \"" + alg + "\" is not supported");
  }
  if (!r.kid.empty()) {
    out.header["kid"] = r.kid;
  }
  return out;
}

struct Content {
  Bytes iv;
  Bytes ciphertext;
  Bytes tag;
};

Result<Content> seal(const Secret& cek, std::string_view protected_b64, std::span<const std::uint8_t> plaintext) {
  Content c;
  c.iv = crypto::random_bytes(12);
  COCO_TRY(crypto::GcmSealed sealed, crypto::aes_gcm_encrypt(cek.bytes(), c.iv, plaintext, as_bytes(protected_b64)));
  c.ciphertext = std::move(sealed.ciphertext);
  c.tag = std::move(sealed.tag);
  return c;
}

Result<Secret> new_cek(std::string_view enc) {
  std::size_t size = cek_size(enc);
  if (size == 0) {
    return make_error(Kind::unsupported, "JWE content encryption \"" + std::string(enc) +
                                             "\" is not supported (expected A128GCM, A192GCM or A256GCM)");
  }
  return crypto::random_secret(size);
}

// ---- reading ----

struct ParsedRecipient {
  Json header;  // per-recipient unprotected header (may be null)
  std::optional<Bytes> encrypted_key;
};

struct ParsedJwe {
  std::string protected_b64;
  Json protected_header = Json::object();
  Json unprotected = Json::object();
  std::vector<ParsedRecipient> recipients;
  Bytes iv;
  Bytes ciphertext;
  Bytes tag;
  std::string aad_b64;  // "" when absent
};

Result<ParsedJwe> parse_protected(ParsedJwe p) {
  if (!p.protected_b64.empty()) {
    auto bytes = base64url_decode(p.protected_b64);
    if (!bytes) {
      return make_error(Kind::invalid, "JWE: protected header is not base64url");
    }
    COCO_TRY(p.protected_header, parse_object(as_string(*bytes), "JWE protected header"));
  }
  return p;
}

Result<ParsedJwe> parse_compact(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    auto dot = text.find('.', start);
    parts.push_back(text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) {
      break;
    }
    start = dot + 1;
  }
  if (parts.size() != 5) {
    return make_error(Kind::invalid, "JWE: compact serialisation must have five '.'-separated parts");
  }
  ParsedJwe p;
  p.protected_b64 = std::string(parts[0]);
  auto ek = base64url_decode(parts[1]);
  auto iv = base64url_decode(parts[2]);
  auto ct = base64url_decode(parts[3]);
  auto tag = base64url_decode(parts[4]);
  if (!ek || !iv || !ct || !tag) {
    return make_error(Kind::invalid, "JWE: a compact part is not base64url");
  }
  p.recipients.push_back({Json(), std::move(ek).value()});
  p.iv = std::move(iv).value();
  p.ciphertext = std::move(ct).value();
  p.tag = std::move(tag).value();
  return parse_protected(std::move(p));
}

Result<ParsedJwe> parse_json(const Json& j) {
  if (!j.is_object()) {
    return make_error(Kind::invalid, "JWE: not a JSON object");
  }
  ParsedJwe p;
  p.protected_b64 = optional_string(j, "protected").value_or("");
  if (auto it = j.find("unprotected"); it != j.end()) {
    if (!it->is_object()) {
      return make_error(Kind::invalid, "JWE: \"unprotected\" is not an object");
    }
    p.unprotected = *it;
  }
  auto read_recipient = [](const Json& r) -> Result<ParsedRecipient> {
    ParsedRecipient out;
    if (auto h = r.find("header"); h != r.end()) {
      if (!h->is_object()) {
        return make_error(Kind::invalid, "JWE: recipient \"header\" is not an object");
      }
      out.header = *h;
    }
    if (r.contains("encrypted_key")) {
      COCO_TRY(Bytes ek, b64u_member(r, "encrypted_key", "JWE recipient"));
      out.encrypted_key = std::move(ek);
    }
    return out;
  };
  if (auto it = j.find("recipients"); it != j.end()) {
    if (!it->is_array() || it->empty()) {
      return make_error(Kind::invalid, "JWE: \"recipients\" is not a non-empty array");
    }
    for (const auto& r : *it) {
      if (!r.is_object()) {
        return make_error(Kind::invalid, "JWE: a recipient is not an object");
      }
      COCO_TRY(ParsedRecipient pr, read_recipient(r));
      p.recipients.push_back(std::move(pr));
    }
  } else {
    COCO_TRY(ParsedRecipient pr, read_recipient(j));
    p.recipients.push_back(std::move(pr));
  }
  COCO_TRY(p.iv, b64u_member(j, "iv", "JWE"));
  COCO_TRY(p.ciphertext, b64u_member(j, "ciphertext", "JWE"));
  COCO_TRY(p.tag, b64u_member(j, "tag", "JWE"));
  if (j.contains("aad")) {
    COCO_TRY(p.aad_b64, string_member(j, "aad", "JWE"));
    if (!base64url_decode(p.aad_b64)) {
      return make_error(Kind::invalid, "JWE: \"aad\" is not base64url");
    }
  }
  return parse_protected(std::move(p));
}

Result<ParsedJwe> parse_any(std::string_view text) {
  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{') {
    COCO_TRY(Json j, parse_object(text, "JWE"));
    return parse_json(j);
  }
  std::size_t last = text.find_last_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return make_error(Kind::invalid, "JWE: empty input");
  }
  return parse_compact(text.substr(first, last - first + 1));
}

Json merged_header(const ParsedJwe& p, const ParsedRecipient& r) {
  Json h = p.protected_header;
  for (const auto& [k, v] : p.unprotected.items()) {
    if (!h.contains(k)) {
      h[k] = v;
    }
  }
  if (r.header.is_object()) {
    for (const auto& [k, v] : r.header.items()) {
      if (!h.contains(k)) {
        h[k] = v;
      }
    }
  }
  return h;
}

// Unwraps the CEK of one recipient. Returns an error when the recipient cannot be opened with this key; the
// caller moves on to the next recipient.
Result<Secret> unwrap_cek(const Json& header, const ParsedRecipient& r, const crypto::PrivateKey& key, std::size_t size) {
  COCO_TRY(std::string alg, string_member(header, "alg", "JWE header"));
  if (!r.encrypted_key) {
    return make_error(Kind::unsupported, "JWE recipient without \"encrypted_key\" (direct encryption) is not supported");
  }
  if (auto padding = rsa_padding(alg)) {
    if (key.type() != KeyType::rsa) {
      return make_error(Kind::auth, "JWE recipient " + alg + " needs an RSA key");
    }
    auto cek = crypto::rsa_decrypt(key, *padding, *r.encrypted_key);
    if (*padding == crypto::RsaPadding::pkcs1_v15 && (!cek || cek->size() != size)) {
      // RFC 7516 §11.5: on a PKCS#1 v1.5 failure carry on with a random CEK so that a padding oracle sees
      // the same failure (content authentication) either way.
      return crypto::random_secret(size);
    }
    if (!cek) {
      return make_error(Kind::auth, "JWE recipient " + alg + ": the key does not decrypt the content key");
    }
    return cek;
  }
  if (std::size_t kek_size = ecdh_kek_size(alg); kek_size != 0) {
    if (key.type() != KeyType::ec) {
      return make_error(Kind::auth, "JWE recipient " + alg + " needs an EC key");
    }
    auto it = header.find("epk");
    if (it == header.end() || !it->is_object()) {
      return make_error(Kind::invalid, "JWE recipient " + alg + " has no \"epk\"");
    }
    COCO_TRY(Jwk epk, Jwk::parse(*it));
    if (epk.public_key().type() != KeyType::ec || epk.public_key().curve() != key.curve()) {
      return make_error(Kind::auth, "JWE recipient " + alg + ": ephemeral key is on another curve than the key");
    }
    Bytes apu;
    Bytes apv;
    if (header.contains("apu")) {
      COCO_TRY(apu, b64u_member(header, "apu", "JWE header"));
    }
    if (header.contains("apv")) {
      COCO_TRY(apv, b64u_member(header, "apv", "JWE header"));
    }
    COCO_TRY(Secret z, crypto::ecdh_derive(key, epk.public_key()));
    Secret kek = crypto::concat_kdf_sha256(z.bytes(), kek_size, alg, apu, apv);
    auto cek = crypto::aes_key_unwrap(kek.bytes(), *r.encrypted_key);
    if (!cek) {
      return make_error(Kind::auth, "JWE recipient " + alg + ": the key does not unwrap the content key");
    }
    return cek;
  }
  return make_error(Kind::unsupported, "JWE algorithm \"" + alg + "\" is not supported");
}

Result<Secret> decrypt_parsed(const ParsedJwe& p, const crypto::PrivateKey& key) {
  std::string aad = p.protected_b64;
  if (!p.aad_b64.empty()) {
    aad += "." + p.aad_b64;
  }
  std::optional<Error> first_error;
  bool content_failed = false;
  for (const auto& r : p.recipients) {
    Json header = merged_header(p, r);
    if (header.contains("zip")) {
      return make_error(Kind::unsupported, "JWE: compressed content (\"zip\") is not supported");
    }
    COCO_TRY(std::string enc, string_member(header, "enc", "JWE header"));
    std::size_t size = cek_size(enc);
    if (size == 0) {
      return make_error(Kind::unsupported, "JWE content encryption \"" + enc + "\" is not supported");
    }
    auto cek = unwrap_cek(header, r, key, size);
    if (!cek) {
      if (cek.error().kind != Kind::auth && cek.error().kind != Kind::unsupported) {
        return std::move(cek).error();
      }
      if (!first_error) {
        first_error = cek.error();
      }
      continue;
    }
    if (cek->size() != size) {
      content_failed = true;
      continue;
    }
    auto plain = crypto::aes_gcm_decrypt(cek->bytes(), p.iv, p.ciphertext, as_bytes(aad), p.tag);
    if (plain) {
      return plain;
    }
    if (plain.error().kind != Kind::integrity) {
      return std::move(plain).error().context("JWE");
    }
    content_failed = true;
  }
  if (content_failed) {
    return make_error(Kind::integrity, "JWE content failed authentication (tampered, or not for this key)");
  }
  Error err = make_error(Kind::auth, "no recipient of the JWE can be decrypted with this key");
  if (first_error && first_error->kind == Kind::unsupported) {
    err.hint = first_error->message;
  }
  return err;
}

} // namespace

Result<std::string> default_jwe_alg(const crypto::PublicKey& key) {
  switch (key.type()) {
  case KeyType::rsa: return std::string("RSA-OAEP");
  case KeyType::ec: return std::string("ECDH-ES+A256KW");
  case KeyType::ed25519: break;
  }
  return make_error(Kind::unsupported, "JWE: Ed25519 keys cannot receive encrypted keys");
}

Result<Json> jwe_encrypt(std::span<const std::uint8_t> plaintext, std::span<const JweRecipient> recipients,
                         std::string_view enc) {
  if (recipients.empty()) {
    return make_error(Kind::usage, "JWE: no recipients");
  }
  COCO_TRY(Secret cek, new_cek(enc));
  std::vector<WrappedKey> wrapped;
  for (const auto& r : recipients) {
    COCO_TRY(WrappedKey w, wrap_cek(cek, r));
    wrapped.push_back(std::move(w));
  }
  Json out = Json::object();
  if (wrapped.size() == 1) {
    Json header = Json::object();
    header["alg"] = wrapped[0].header["alg"];
    header["enc"] = std::string(enc);
    for (const auto& [k, v] : wrapped[0].header.items()) {
      if (k != "alg") {
        header[k] = v;
      }
    }
    std::string protected_b64 = base64url_encode(header.dump());
    COCO_TRY(Content c, seal(cek, protected_b64, plaintext));
    out["protected"] = protected_b64;
    out["encrypted_key"] = base64url_encode(wrapped[0].encrypted_key);
    out["iv"] = base64url_encode(c.iv);
    out["ciphertext"] = base64url_encode(c.ciphertext);
    out["tag"] = base64url_encode(c.tag);
    return out;
  }
  Json header = Json::object();
  header["enc"] = std::string(enc);
  std::string protected_b64 = base64url_encode(header.dump());
  COCO_TRY(Content c, seal(cek, protected_b64, plaintext));
  out["protected"] = protected_b64;
  Json list = Json::array();
  for (auto& w : wrapped) {
    Json entry = Json::object();
    entry["header"] = std::move(w.header);
    entry["encrypted_key"] = base64url_encode(w.encrypted_key);
    list.push_back(std::move(entry));
  }
  out["recipients"] = std::move(list);
  out["iv"] = base64url_encode(c.iv);
  out["ciphertext"] = base64url_encode(c.ciphertext);
  out["tag"] = base64url_encode(c.tag);
  return out;
}

Result<std::string> jwe_encrypt_compact(std::span<const std::uint8_t> plaintext, const JweRecipient& recipient,
                                        std::string_view enc) {
  COCO_TRY(Json j, jwe_encrypt(plaintext, std::span<const JweRecipient>(&recipient, 1), enc));
  return j["protected"].get<std::string>() + "." + j["encrypted_key"].get<std::string>() + "." +
         j["iv"].get<std::string>() + "." + j["ciphertext"].get<std::string>() + "." + j["tag"].get<std::string>();
}

Result<Json> jwe_encrypt_for_jwk(std::span<const std::uint8_t> plaintext, const Jwk& recipient) {
  const crypto::PublicKey& key = recipient.public_key();
  std::string alg = recipient.alg();
  switch (key.type()) {
  case KeyType::rsa:
    if (alg.empty()) {
      alg = "RSA-OAEP-256";
    }
    if (alg != "RSA-OAEP-256" && alg != "RSA1_5") {
      return make_error(Kind::unsupported, "TEE key: RSA alg \"" + alg + "\" is not supported (expected RSA-OAEP-256 or RSA1_5)");
    }
    break;
  case KeyType::ec:
    if (alg.empty()) {
      alg = "ECDH-ES+A256KW";
    }
    if (alg != "ECDH-ES+A256KW") {
      return make_error(Kind::unsupported, "TEE key: EC alg \"" + alg + "\" is not supported (expected ECDH-ES+A256KW)");
    }
    break;
  case KeyType::ed25519:
    return make_error(Kind::unsupported, "TEE key: OKP keys cannot receive an encrypted resource");
  }
  JweRecipient r{key, alg, {}};
  return jwe_encrypt(plaintext, std::span<const JweRecipient>(&r, 1), "A256GCM");
}

Result<Secret> jwe_decrypt(std::string_view serialized, const crypto::PrivateKey& key) {
  COCO_TRY(ParsedJwe p, parse_any(serialized));
  return decrypt_parsed(p, key);
}

Result<Secret> jwe_decrypt_json(const Json& jwe, const crypto::PrivateKey& key) {
  COCO_TRY(ParsedJwe p, parse_json(jwe));
  return decrypt_parsed(p, key);
}

Result<std::vector<JweRecipientInfo>> jwe_recipients(std::string_view serialized) {
  COCO_TRY(ParsedJwe p, parse_any(serialized));
  std::vector<JweRecipientInfo> out;
  for (const auto& r : p.recipients) {
    Json h = merged_header(p, r);
    JweRecipientInfo info;
    info.alg = optional_string(h, "alg").value_or("");
    info.enc = optional_string(h, "enc").value_or("");
    info.kid = optional_string(h, "kid").value_or("");
    if (auto it = h.find("epk"); it != h.end() && it->is_object()) {
      info.epk_curve = optional_string(*it, "crv").value_or("");
    }
    out.push_back(std::move(info));
  }
  return out;
}

} // namespace coco::jose
