#include "common/jose/jwk.hpp"

#include "common/crypto/hash.hpp"

namespace coco::jose {
namespace {

using crypto::Curve;
using crypto::KeyType;

// Coordinates shorter than the field size are left-padded (some encoders drop leading zeros); longer is an
// error.
Result<Bytes> coordinate(const Json& j, std::string_view name, std::size_t size) {
  COCO_TRY(Bytes v, b64u_member(j, name, "JWK"));
  if (v.size() > size) {
    return make_error(Kind::invalid, "JWK: \"" + std::string(name) + "\" longer than the curve's field size");
  }
  v.insert(v.begin(), size - v.size(), 0);
  return v;
}

Result<Secret> secret_member(const Json& j, std::string_view name) {
  COCO_TRY(Bytes v, b64u_member(j, name, "JWK"));
  return Secret(std::move(v));
}

Bytes strip_leading_zeros(Bytes v) {
  std::size_t i = 0;
  while (i + 1 < v.size() && v[i] == 0) {
    ++i;
  }
  v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i));
  return v;
}

} // namespace

Result<Jwk> Jwk::parse_text(std::string_view text) {
  COCO_TRY(Json j, parse_object(text, "JWK"));
  return parse(j);
}

Result<Jwk> Jwk::parse(const Json& j) {
  if (!j.is_object()) {
    return make_error(Kind::invalid, "JWK: not a JSON object");
  }
  COCO_TRY(std::string kty, string_member(j, "kty", "JWK"));
  std::optional<Jwk> out;
  if (kty == "RSA") {
    COCO_TRY(Bytes n, b64u_member(j, "n", "JWK"));
    COCO_TRY(Bytes e, b64u_member(j, "e", "JWK"));
    n = strip_leading_zeros(std::move(n));
    COCO_TRY(crypto::PublicKey pub, crypto::PublicKey::from_rsa(n, e));
    out.emplace(Jwk(std::move(pub)));
    if (j.contains("d")) {
      crypto::RsaPrivateParts parts;
      COCO_TRY(parts.d, secret_member(j, "d"));
      if (j.contains("p")) {
        COCO_TRY(parts.p, secret_member(j, "p"));
        COCO_TRY(parts.q, secret_member(j, "q"));
        COCO_TRY(parts.dp, secret_member(j, "dp"));
        COCO_TRY(parts.dq, secret_member(j, "dq"));
        COCO_TRY(parts.qi, secret_member(j, "qi"));
      }
      COCO_TRY(crypto::PrivateKey priv, crypto::PrivateKey::from_rsa({n, e}, parts));
      out->m_private = std::move(priv);
    }
  } else if (kty == "EC") {
    COCO_TRY(std::string crv, string_member(j, "crv", "JWK"));
    auto curve = crypto::curve_from_name(crv);
    if (!curve || crv != crypto::curve_name(*curve)) {
      return make_error(Kind::unsupported, "JWK: unsupported curve \"" + crv + "\" (expected P-256, P-384 or P-521)");
    }
    std::size_t size = crypto::curve_size(*curve);
    COCO_TRY(Bytes x, coordinate(j, "x", size));
    COCO_TRY(Bytes y, coordinate(j, "y", size));
    COCO_TRY(crypto::PublicKey pub, crypto::PublicKey::from_ec(*curve, x, y));
    out.emplace(Jwk(std::move(pub)));
    if (j.contains("d")) {
      COCO_TRY(Bytes d, coordinate(j, "d", size));
      Secret d_secret(std::move(d));
      COCO_TRY(crypto::PrivateKey priv, crypto::PrivateKey::from_ec({*curve, x, y}, d_secret.bytes()));
      out->m_private = std::move(priv);
    }
  } else if (kty == "OKP") {
    COCO_TRY(std::string crv, string_member(j, "crv", "JWK"));
    if (crv != "Ed25519") {
      return make_error(Kind::unsupported, "JWK: unsupported OKP curve \"" + crv + "\" (expected Ed25519)");
    }
    COCO_TRY(Bytes x, b64u_member(j, "x", "JWK"));
    COCO_TRY(crypto::PublicKey pub, crypto::PublicKey::from_ed25519(x));
    out.emplace(Jwk(std::move(pub)));
    if (j.contains("d")) {
      COCO_TRY(Secret d, secret_member(j, "d"));
      COCO_TRY(crypto::PrivateKey priv, crypto::PrivateKey::from_ed25519(d.bytes()));
      if (!(priv.public_key() == out->m_public)) {
        return make_error(Kind::invalid, "JWK: private key \"d\" does not match \"x\"");
      }
      out->m_private = std::move(priv);
    }
  } else {
    return make_error(Kind::unsupported, "JWK: unsupported key type \"" + kty + "\" (expected RSA, EC or OKP)");
  }
  if (out->m_private && !(out->m_private->public_key() == out->m_public)) {
    return make_error(Kind::invalid, "JWK: private members do not match the public key");
  }
  out->m_alg = optional_string(j, "alg").value_or("");
  out->m_kid = optional_string(j, "kid").value_or("");
  out->m_use = optional_string(j, "use").value_or("");
  if (auto it = j.find("x5c"); it != j.end()) {
    out->m_x5c = *it;
  }
  return std::move(*out);
}

Jwk Jwk::from_public(const crypto::PublicKey& key, std::string alg) {
  Jwk j(key);
  j.m_alg = std::move(alg);
  return j;
}

Jwk Jwk::from_private(const crypto::PrivateKey& key, std::string alg) {
  Jwk j(key.public_key());
  j.m_private = key;
  j.m_alg = std::move(alg);
  return j;
}

std::string Jwk::kty() const {
  switch (m_public.type()) {
  case KeyType::rsa: return "RSA";
  case KeyType::ec: return "EC";
  case KeyType::ed25519: return "OKP";
  }
  return "RSA";
}

Jwk Jwk::public_jwk() const {
  Jwk j = *this;
  j.m_private.reset();
  return j;
}

Json Jwk::to_json(bool include_private) const {
  Json j = Json::object();
  j["kty"] = kty();
  KeyType type = m_public.type();
  if (type == KeyType::ec) {
    j["crv"] = std::string(crypto::curve_name(m_public.curve().value_or(Curve::p256)));
  } else if (type == KeyType::ed25519) {
    j["crv"] = "Ed25519";
  }
  if (!m_alg.empty()) {
    j["alg"] = m_alg;
  }
  if (!m_kid.empty()) {
    j["kid"] = m_kid;
  }
  if (!m_use.empty()) {
    j["use"] = m_use;
  }
  switch (type) {
  case KeyType::rsa: {
    auto parts = m_public.rsa();
    j["n"] = base64url_encode(parts.n);
    j["e"] = base64url_encode(parts.e);
    break;
  }
  case KeyType::ec: {
    auto parts = m_public.ec();
    j["x"] = base64url_encode(parts.x);
    j["y"] = base64url_encode(parts.y);
    break;
  }
  case KeyType::ed25519: j["x"] = base64url_encode(m_public.ed25519()); break;
  }
  if (!m_x5c.is_null()) {
    j["x5c"] = m_x5c;
  }
  if (include_private && m_private) {
    switch (type) {
    case KeyType::rsa: {
      auto p = m_private->rsa_private();
      j["d"] = base64url_encode(p.d.bytes());
      if (!p.p.empty()) {
        j["p"] = base64url_encode(p.p.bytes());
        j["q"] = base64url_encode(p.q.bytes());
        j["dp"] = base64url_encode(p.dp.bytes());
        j["dq"] = base64url_encode(p.dq.bytes());
        j["qi"] = base64url_encode(p.qi.bytes());
      }
      break;
    }
    case KeyType::ec: j["d"] = base64url_encode(m_private->ec_private().bytes()); break;
    case KeyType::ed25519: j["d"] = base64url_encode(m_private->ed25519_private().bytes()); break;
    }
  }
  return j;
}

Json Jwk::canonical_public() const {
  Json j = Json::object();
  switch (m_public.type()) {
  case KeyType::rsa: {
    auto parts = m_public.rsa();
    j["e"] = base64url_encode(parts.e);
    j["kty"] = "RSA";
    j["n"] = base64url_encode(parts.n);
    break;
  }
  case KeyType::ec: {
    auto parts = m_public.ec();
    j["crv"] = std::string(crypto::curve_name(parts.curve));
    j["kty"] = "EC";
    j["x"] = base64url_encode(parts.x);
    j["y"] = base64url_encode(parts.y);
    break;
  }
  case KeyType::ed25519:
    j["crv"] = "Ed25519";
    j["kty"] = "OKP";
    j["x"] = base64url_encode(m_public.ed25519());
    break;
  }
  return j;
}

std::string Jwk::thumbprint() const { return base64url_encode(crypto::sha256(canonical_public().dump())); }

Result<std::vector<Jwk>> parse_jwk_set(std::string_view text) {
  COCO_TRY(Json j, parse_object(text, "JWK set"));
  auto it = j.find("keys");
  if (it == j.end() || !it->is_array()) {
    return make_error(Kind::invalid, "JWK set: missing \"keys\" array");
  }
  std::vector<Jwk> keys;
  for (const auto& entry : *it) {
    auto key = Jwk::parse(entry);
    if (key) {
      keys.push_back(std::move(key).value());
    }
  }
  return keys;
}

} // namespace coco::jose
