#include "common/kbs/token.hpp"

#include <sys/stat.h>

#include "common/base/atomic_file.hpp"
#include "common/base/log.hpp"
#include "common/crypto/hash.hpp"
#include "common/crypto/key.hpp"
#include "common/crypto/x509.hpp"

#include "common/jose/jwe.hpp"
#include "common/jose/jwk.hpp"
#include "common/jose/jws.hpp"
#include "common/jose/jwt.hpp"
#include "common/kbs/key_source.hpp"

namespace coco::kbs {
namespace {

Result<crypto::PrivateKey> load_or_create_signer(const std::filesystem::path& path, bool create) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    return crypto::PrivateKey::load_file(path);
  }
  if (!create) {
    return make_error(Kind::not_found, "token signer key " + path.string() + " not found");
  }
  COCO_TRY(auto key, crypto::PrivateKey::generate_ec(crypto::Curve::p256));
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
  }
  COCO_TRY_STATUS(key.write_pem_file(path));
  log::info("kbs: created attestation token signing key " + path.string());
  return key;
}

// std base64 DER certificates of a PEM chain file, leaf first (the x5c header member).
Result<std::vector<std::string>> x5c_of(const std::filesystem::path& path) {
  COCO_TRY(std::string pem, read_file(path));
  std::vector<std::string> out;
  const std::string begin = "-----BEGIN CERTIFICATE-----";
  const std::string end = "-----END CERTIFICATE-----";
  for (std::size_t pos = pem.find(begin); pos != std::string::npos; pos = pem.find(begin, pos)) {
    const auto stop = pem.find(end, pos);
    if (stop == std::string::npos) {
      break;
    }
    std::string body;
    for (char c : pem.substr(pos + begin.size(), stop - pos - begin.size())) {
      if (c != '\n' && c != '\r' && c != ' ') {
        body += c;
      }
    }
    out.push_back(body);
    pos = stop + end.size();
  }
  if (out.empty()) {
    return make_error(Kind::invalid, "no certificate in " + path.string());
  }
  return out;
}

const nlohmann::json* json_pointer(const nlohmann::json& j, const std::string& pointer) {
  try {
    const auto p = nlohmann::json::json_pointer(pointer);
    if (!j.contains(p)) {
      return nullptr;
    }
    return &j.at(p);
  } catch (const nlohmann::json::exception&) {
    return nullptr;
  }
}

} // namespace

struct TokenBroker::Impl {
  TokenBrokerConfig config;
  crypto::PrivateKey key;
  nlohmann::json public_jwk;  // kty, crv, x, y, alg[, x5c]
};

struct TokenVerifier::Impl {
  AttestationTokenConfig config;
  std::optional<crypto::PublicKey> own;     // this server's signer
  std::vector<jose::Jwk> trusted_jwks;      // trusted_jwk_sets, looked up by the token's `kid`
  std::vector<crypto::Certificate> trusted_certs;  // trusted_certs_paths: anchors for a header jwk's x5c
};

TokenBroker::TokenBroker(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
TokenBroker::~TokenBroker() = default;
const TokenBrokerConfig& TokenBroker::config() const { return m_impl->config; }
nlohmann::json TokenBroker::jwks() const { return {{"keys", nlohmann::json::array({m_impl->public_jwk})}}; }

Result<std::unique_ptr<TokenBroker>> TokenBroker::create(const TokenBrokerConfig& config,
                                                         const std::filesystem::path& default_key_path) {
  const bool configured = config.signer_key_path.has_value();
  COCO_TRY(auto key, load_or_create_signer(configured ? std::filesystem::path(*config.signer_key_path) : default_key_path,
                                           !configured));
  if (key.type() != crypto::KeyType::ec || key.curve() != crypto::Curve::p256) {
    return make_error(Kind::invalid, "the attestation token signer must be a P-256 key (ES256)");
  }
  const auto ec = key.public_key().ec();
  nlohmann::json jwk = {{"kty", "EC"}, {"crv", "P-256"}, {"x", base64url_encode(ec.x)}, {"y", base64url_encode(ec.y)},
                        {"alg", "ES256"}};
  if (config.signer_cert_url) {
    jwk["x5u"] = *config.signer_cert_url;
  }
  if (config.signer_cert_path) {
    COCO_TRY(auto chain, x5c_of(*config.signer_cert_path));
    jwk["x5c"] = chain;
  }
  auto impl = std::make_unique<Impl>(Impl{config, std::move(key), std::move(jwk)});
  return std::unique_ptr<TokenBroker>(new TokenBroker(std::move(impl)));
}

Result<std::string> TokenBroker::mint(const nlohmann::json& claims) const {
  jose::Json header;
  header["typ"] = "JWT";
  header["alg"] = "ES256";
  header["jwk"] = jose::Json(m_impl->public_jwk);
  return jose::jws_sign_compact(std::move(header), as_bytes(claims.dump()), m_impl->key);
}

TokenVerifier::TokenVerifier(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
TokenVerifier::~TokenVerifier() = default;

Result<std::unique_ptr<TokenVerifier>> TokenVerifier::create(const AttestationTokenConfig& config,
                                                             const TokenBroker* own, const ClientOptions& fetch) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  if (own != nullptr) {
    impl->own = own->impl().key.public_key();
  }
  for (const auto& uri : config.trusted_jwk_sets) {
    auto keys = load_jwk_set_source(uri, fetch);
    if (!keys) {
      return std::move(keys).error().context("[attestation_token] trusted_jwk_sets");
    }
    for (auto& k : *keys) {
      impl->trusted_jwks.push_back(std::move(k));
    }
  }
  for (const auto& path : config.trusted_certs_paths) {
    auto text = read_file(path);
    if (!text) {
      return std::move(text).error().context("[attestation_token] trusted_certs_paths: failed to read certificate " + path);
    }
    auto certs = crypto::Certificate::parse_pem_bundle(*text);
    if (!certs) {
      return std::move(certs).error().context("[attestation_token] trusted_certs_paths: failed to parse PEM stack in " + path);
    }
    if (certs->empty()) {
      return make_error(Kind::invalid, "[attestation_token] trusted_certs_paths: no certificates found in " + path);
    }
    for (auto& c : *certs) {
      impl->trusted_certs.push_back(std::move(c));
    }
  }
  if (!impl->own && impl->trusted_jwks.empty() && impl->trusted_certs.empty() && !config.insecure_header_jwk) {
    return make_error(Kind::invalid, "cannot verify attestation tokens: no trusted verification material",
                      "set [attestation_token] trusted_certs_paths or trusted_jwk_sets (insecure_header_jwk = true "
                      "for tests only)");
  }
  return std::unique_ptr<TokenVerifier>(new TokenVerifier(std::move(impl)));
}

namespace {

// One x5c member: std base64 DER (line breaks tolerated), base64url as a fallback.
Result<crypto::Certificate> x5c_certificate(const nlohmann::json& member, std::size_t index) {
  if (!member.is_string()) {
    return make_error(Kind::invalid, "x5c[" + std::to_string(index) + "] is not a string");
  }
  std::string text;
  for (char c : member.get<std::string>()) {
    if (c != '\n' && c != '\r' && c != ' ') {
      text += c;
    }
  }
  auto der = base64_decode(text);
  if (!der) {
    der = base64url_decode(text);
  }
  if (!der) {
    return make_error(Kind::invalid, "x5c[" + std::to_string(index) + "] is not base64");
  }
  auto cert = crypto::Certificate::from_der(*der);
  if (!cert) {
    return make_error(Kind::invalid, "x5c[" + std::to_string(index) + "] is not an X.509 certificate");
  }
  return cert;
}

// Trustee's JWK endorsement (kbs/src/crypto/jwt.rs verify_jwk_endorsement): the header jwk must carry an x5c
// chain whose leaf holds the same public key and which OpenSSL verifies (crypto::verify_pkix_chain: signatures,
// names, validity times, CA constraints) up to one of the trusted certificates.
Status endorse_header_jwk(const nlohmann::json& jwk_json, const jose::Jwk& jwk,
                          const std::vector<crypto::Certificate>& anchors) {
  const auto it = jwk_json.find("x5c");
  if (it == jwk_json.end() || !it->is_array()) {
    return make_error(Kind::denied, "the token's header jwk has no x5c certificate chain to endorse it");
  }
  if (it->empty()) {
    return make_error(Kind::denied, "the token's header jwk has an empty x5c certificate chain");
  }
  std::vector<crypto::Certificate> chain;
  for (std::size_t i = 0; i < it->size(); ++i) {
    COCO_TRY(auto cert, x5c_certificate((*it)[i], i));
    chain.push_back(std::move(cert));
  }
  auto leaf_key = crypto::PublicKey::from_evp(chain[0].public_key());
  if (!leaf_key || !(*leaf_key == jwk.public_key())) {
    return make_error(Kind::denied, "the token's header jwk does not match the key of its x5c leaf certificate");
  }
  auto verified = crypto::verify_pkix_chain(chain[0], std::span<const crypto::Certificate>(chain).subspan(1), anchors);
  if (!verified) {
    if (verified.error().kind != Kind::denied) {
      return std::move(verified).error().context("x5c chain");
    }
    return make_error(Kind::denied,
                      "the token's header jwk is not endorsed by [attestation_token] trusted_certs_paths: x5c " +
                          verified.error().message,
                      "add the token issuer's root CA to trusted_certs_paths");
  }
  return ok();
}

} // namespace

Result<nlohmann::json> TokenVerifier::verify(std::string_view token) const {
  jose::JwtVerifyOptions options;
  options.algorithms = {"ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA"};
  COCO_TRY(auto unverified, jose::jwt_decode_unverified(token));
  const nlohmann::json header = nlohmann::json::parse(unverified.header.dump());
  // This server's own tokens (coco: its signer is always trusted, with or without a certificate).
  if (m_impl->own) {
    auto jwt = jose::jwt_verify(token, *m_impl->own, options);
    if (jwt || jwt.error().kind == Kind::denied) {  // good, or signature good but claims refused (expired)
      if (!jwt) {
        return std::move(jwt).error();
      }
      return nlohmann::json(jwt->claims);
    }
  }
  // As Trustee's JwtVerifier: a header `jwk` is the key (endorsed by x5c unless insecure_header_jwk), else the
  // header `kid` names a key of trusted_jwk_sets.
  if (header.contains("jwk")) {
    auto jwk = jose::Jwk::parse(header["jwk"]);
    if (!jwk) {
      return std::move(jwk).error().context("token header jwk");
    }
    if (!m_impl->config.insecure_header_jwk) {
      if (m_impl->trusted_certs.empty()) {
        return make_error(Kind::denied, "cannot verify the token's header jwk: [attestation_token] trusted_certs_paths is empty",
                          "add the token issuer's root CA to trusted_certs_paths (insecure_header_jwk = true for tests only)");
      }
      COCO_TRY_STATUS(endorse_header_jwk(header["jwk"], *jwk, m_impl->trusted_certs));
    }
    COCO_TRY(auto jwt, jose::jwt_verify(token, jwk->public_key(), options));
    return nlohmann::json(jwt.claims);
  }
  if (m_impl->trusted_jwks.empty()) {
    return make_error(Kind::denied, "cannot verify the token: it has no header jwk and [attestation_token] trusted_jwk_sets is empty",
                      "add the token issuer's JWK set to trusted_jwk_sets");
  }
  if (!header.contains("kid") || !header["kid"].is_string()) {
    return make_error(Kind::invalid, "the token header has neither jwk nor kid");
  }
  const std::string kid = header["kid"].get<std::string>();
  for (const auto& key : m_impl->trusted_jwks) {
    if (key.kid() == kid) {
      COCO_TRY(auto jwt, jose::jwt_verify(token, key.public_key(), options));
      return nlohmann::json(jwt.claims);
    }
  }
  return make_error(Kind::denied, "no key with kid " + kid + " in [attestation_token] trusted_jwk_sets");
}

Result<nlohmann::json> TokenVerifier::tee_pubkey(const nlohmann::json& claims) const {
  std::vector<std::string> paths = m_impl->config.extra_teekey_paths;
  paths.emplace_back("/submods/cpu0/ear.veraison.annotated-evidence/runtime_data_claims/tee-pubkey");
  for (const auto& p : paths) {
    if (const auto* key = json_pointer(claims, p); key != nullptr && key->is_object()) {
      return *key;
    }
  }
  return make_error(Kind::invalid, "no tee-pubkey in the token claims");
}

Result<nlohmann::json> seal_resource(const nlohmann::json& jwk, std::span<const std::uint8_t> value) {
  COCO_TRY(auto key, jose::Jwk::parse(jwk));
  COCO_TRY(auto jwe, jose::jwe_encrypt_for_jwk(value, key));
  return nlohmann::json::parse(jwe.dump());
}

} // namespace coco::kbs
