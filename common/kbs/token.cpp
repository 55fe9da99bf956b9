#include "common/kbs/token.hpp"

#include <sys/stat.h>

#include "common/base/atomic_file.hpp"
#include "common/base/log.hpp"
#include "common/crypto/hash.hpp"
#include "common/crypto/key.hpp"

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
  std::vector<crypto::PublicKey> trusted;
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
    impl->trusted.push_back(own->impl().key.public_key());
  }
  for (const auto& uri : config.trusted_jwk_sets) {
    auto keys = load_jwk_set_source(uri, fetch);
    if (!keys) {
      return std::move(keys).error().context("[attestation_token] trusted_jwk_sets");
    }
    for (const auto& k : *keys) {
      impl->trusted.push_back(k.public_key());
    }
  }
  if (!config.trusted_certs_paths.empty()) {
    log::warn("kbs: [attestation_token] trusted_certs_paths are not used yet: tokens are checked against this "
              "server's own key, trusted_jwk_sets and (if enabled) the header JWK");
  }
  return std::unique_ptr<TokenVerifier>(new TokenVerifier(std::move(impl)));
}

Result<nlohmann::json> TokenVerifier::verify(std::string_view token) const {
  jose::JwtVerifyOptions options;
  options.algorithms = {"ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA"};
  std::optional<Error> last;
  for (const auto& key : m_impl->trusted) {
    auto jwt = jose::jwt_verify(token, key, options);
    if (jwt) {
      return nlohmann::json(jwt->claims);
    }
    last = jwt.error();
    if (jwt.error().kind == Kind::denied) {
      return std::move(jwt).error();  // signature good, claims refused (expired)
    }
  }
  if (m_impl->config.insecure_header_jwk) {
    COCO_TRY(auto unverified, jose::jwt_decode_unverified(token));
    if (!unverified.header.contains("jwk")) {
      return make_error(Kind::invalid, "token header has no jwk");
    }
    COCO_TRY(auto jwk, jose::Jwk::parse(unverified.header["jwk"]));
    COCO_TRY(auto jwt, jose::jwt_verify(token, jwk.public_key(), options));
    return nlohmann::json(jwt.claims);
  }
  if (last) {
    return *last;
  }
  return make_error(Kind::auth, "no key to verify the token with",
                    "configure [attestation_token] trusted_jwk_sets or insecure_header_jwk");
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
