#include "common/jose/jws.hpp"

#include <algorithm>
#include <array>

#include "common/crypto/signature.hpp"

namespace coco::jose {
namespace {

using crypto::Curve;
using crypto::HashAlg;
using crypto::KeyType;
using crypto::SignatureScheme;

struct AlgInfo {
  std::string_view name;
  SignatureScheme scheme;
  HashAlg hash;
  KeyType key;
  std::optional<Curve> curve;
};

constexpr std::array<AlgInfo, 10> k_algs{{
    {"ES256", SignatureScheme::ecdsa, HashAlg::sha256, KeyType::ec, Curve::p256},
    {"ES384", SignatureScheme::ecdsa, HashAlg::sha384, KeyType::ec, Curve::p384},
    {"ES512", SignatureScheme::ecdsa, HashAlg::sha512, KeyType::ec, Curve::p521},
    {"EdDSA", SignatureScheme::ed25519, HashAlg::sha512, KeyType::ed25519, std::nullopt},
    {"RS256", SignatureScheme::rsa_pkcs1, HashAlg::sha256, KeyType::rsa, std::nullopt},
    {"RS384", SignatureScheme::rsa_pkcs1, HashAlg::sha384, KeyType::rsa, std::nullopt},
    {"RS512", SignatureScheme::rsa_pkcs1, HashAlg::sha512, KeyType::rsa, std::nullopt},
    {"PS256", SignatureScheme::rsa_pss, HashAlg::sha256, KeyType::rsa, std::nullopt},
    {"PS384", SignatureScheme::rsa_pss, HashAlg::sha384, KeyType::rsa, std::nullopt},
    {"PS512", SignatureScheme::rsa_pss, HashAlg::sha512, KeyType::rsa, std::nullopt},
}};

Result<AlgInfo> lookup(std::string_view alg, const crypto::PublicKey& key) {
  auto it = std::find_if(k_algs.begin(), k_algs.end(), [&](const AlgInfo& a) { return a.name == alg; });
  if (it == k_algs.end()) {
    return make_error(Kind::unsupported, "JWS algorithm \"" + std::string(alg) + "\" is not supported");
  }
  if (it->key != key.type() || (it->curve && it->curve != key.curve())) {
    std::string have(crypto::key_type_name(key.type()));
    if (key.curve()) {
      have += " " + std::string(crypto::curve_name(*key.curve()));
    }
    return make_error(Kind::invalid, "JWS algorithm \"" + std::string(alg) + "\" does not match the " + have + " key");
  }
  return *it;
}

} // namespace

std::string default_jws_alg(KeyType type, std::optional<Curve> curve) {
  switch (type) {
  case KeyType::ec:
    if (curve == Curve::p384) {
      return "ES384";
    }
    if (curve == Curve::p521) {
      return "ES512";
    }
    return "ES256";
  case KeyType::ed25519: return "EdDSA";
  case KeyType::rsa: return "RS256";
  }
  return "RS256";
}

std::string default_jws_alg(const crypto::PublicKey& key) { return default_jws_alg(key.type(), key.curve()); }

Status check_jws_alg(std::string_view alg, const crypto::PublicKey& key) {
  COCO_TRY(AlgInfo info, lookup(alg, key));
  (void)info;
  return ok();
}

Result<std::string> jws_sign_compact(Json header, std::span<const std::uint8_t> payload, const crypto::PrivateKey& key) {
  if (!header.is_object()) {
    return make_error(Kind::internal, "JWS header must be an object");
  }
  crypto::PublicKey pub = key.public_key();
  if (!header.contains("alg")) {
    Json with_alg = Json::object();
    with_alg["alg"] = default_jws_alg(pub);
    for (auto& [k, v] : header.items()) {
      with_alg[k] = v;
    }
    header = std::move(with_alg);
  }
  if (!header["alg"].is_string()) {
    return make_error(Kind::invalid, "JWS header: \"alg\" is not a string");
  }
  COCO_TRY(AlgInfo info, lookup(header["alg"].get<std::string>(), pub));
  std::string signing_input = base64url_encode(header.dump()) + "." + base64url_encode(payload);
  COCO_TRY(Bytes sig, crypto::sign(key, info.scheme, info.hash, as_bytes(signing_input)));
  if (info.scheme == SignatureScheme::ecdsa) {
    COCO_TRY(sig, crypto::ecdsa_der_to_raw(sig, crypto::curve_size(*info.curve)));
  }
  return signing_input + "." + base64url_encode(sig);
}

Result<JwsParts> jws_decode_unverified(std::string_view token) {
  auto dot1 = token.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return make_error(Kind::invalid, "JWS: not a compact serialisation (expected three '.'-separated parts)");
  }
  auto header_bytes = base64url_decode(token.substr(0, dot1));
  auto payload = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!header_bytes || !payload) {
    return make_error(Kind::invalid, "JWS: header or payload is not base64url");
  }
  COCO_TRY(Json header, parse_object(as_string(*header_bytes), "JWS header"));
  return JwsParts{std::move(header), std::move(payload).value()};
}

Result<JwsParts> jws_verify_compact(std::string_view token, const crypto::PublicKey& key,
                                    std::span<const std::string> allowed_algs) {
  COCO_TRY(JwsParts parts, jws_decode_unverified(token));
  COCO_TRY(std::string alg, string_member(parts.header, "alg", "JWS header"));
  if (!allowed_algs.empty() && std::find(allowed_algs.begin(), allowed_algs.end(), alg) == allowed_algs.end()) {
    return make_error(Kind::denied, "JWS algorithm \"" + alg + "\" is not allowed here");
  }
  if (parts.header.contains("crit")) {
    return make_error(Kind::unsupported, "JWS header: \"crit\" extensions are not supported");
  }
  COCO_TRY(AlgInfo info, lookup(alg, key));
  auto dot2 = token.rfind('.');
  auto sig = base64url_decode(token.substr(dot2 + 1));
  if (!sig) {
    return make_error(Kind::invalid, "JWS: signature is not base64url");
  }
  Bytes signature = std::move(sig).value();
  if (info.scheme == SignatureScheme::ecdsa) {
    if (signature.size() != 2 * crypto::curve_size(*info.curve)) {
      return make_error(Kind::integrity, "JWS signature has the wrong length for " + alg);
    }
    COCO_TRY(signature, crypto::ecdsa_raw_to_der(signature));
  }
  auto verified = crypto::verify(key, info.scheme, info.hash, as_bytes(token.substr(0, dot2)), signature);
  if (!verified) {
    return make_error(Kind::integrity, "JWS signature does not verify");
  }
  return parts;
}

} // namespace coco::jose
