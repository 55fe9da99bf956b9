// Attestation tokens and the resource response: what the KBS signs, checks and encrypts with JOSE.
//
// TokenBroker mints EAR tokens (JWT, ES256, header `jwk` = the signer's public key, + `x5c` when a signer
// certificate is configured) as Trustee's attestation service does (attestation-service/src/ear_token/,
// spec evidence.md §5); its key is `[attestation_service.attestation_token_broker.signer] key_path` or a P-256
// key created 0600 in the state directory on first start. TokenVerifier checks tokens presented to the
// resource endpoint the way Trustee's KBS does (kbs/src/crypto/jwt.rs JwtVerifier): a token whose header
// carries a `jwk` is verified with it once the jwk is endorsed (its `x5c` leaf holds the same key and the chain
// verifies with OpenSSL up to a certificate of `trusted_certs_paths`), or as is with `insecure_header_jwk`; a
// token without a header jwk names by `kid` a key of `trusted_jwk_sets` (path, file:// or https://, read at
// start). coco also always trusts this server's own signer. seal_resource() answers a resource as the
// JWE of kbs-types' Response for the TEE key found in the claims.
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/base/result.hpp"
#include "common/kbs/client.hpp"
#include "common/kbs/config.hpp"

namespace coco::kbs {

class TokenBroker {
public:
  static Result<std::unique_ptr<TokenBroker>> create(const TokenBrokerConfig& config,
                                                     const std::filesystem::path& default_key_path);
  ~TokenBroker();
  TokenBroker(const TokenBroker&) = delete;
  TokenBroker& operator=(const TokenBroker&) = delete;

  // Signs `claims` as given (the caller sets iat/exp).
  [[nodiscard]] Result<std::string> mint(const nlohmann::json& claims) const;
  // {"keys":[<the signer's public JWK>]}
  [[nodiscard]] nlohmann::json jwks() const;
  [[nodiscard]] const TokenBrokerConfig& config() const;

  struct Impl;
  [[nodiscard]] const Impl& impl() const { return *m_impl; }

private:
  explicit TokenBroker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

class TokenVerifier {
public:
  // `own` (may be null): this server's broker, whose key is always trusted. Fails as Trustee does for an
  // unreadable or certificate-less trusted_certs_paths file, an unreachable JWK set, or (without `own`) no
  // trusted material at all and insecure_header_jwk off.
  static Result<std::unique_ptr<TokenVerifier>> create(const AttestationTokenConfig& config, const TokenBroker* own,
                                                       const ClientOptions& fetch = {});
  ~TokenVerifier();
  TokenVerifier(const TokenVerifier&) = delete;
  TokenVerifier& operator=(const TokenVerifier&) = delete;

  // The verified claims. Kind::denied with the reason for a key that is not trusted (no x5c, jwk/leaf mismatch,
  // a chain OpenSSL does not verify to the anchors, an unknown kid), else Kind::integrity/denied/invalid as
  // jose reports the signature and claim checks.
  [[nodiscard]] Result<nlohmann::json> verify(std::string_view token) const;
  // The TEE public key (a JWK) in the claims: `extra_teekey_paths` (JSON pointers) first, then the EAR path
  // /submods/cpu0/ear.veraison.annotated-evidence/runtime_data_claims/tee-pubkey.
  [[nodiscard]] Result<nlohmann::json> tee_pubkey(const nlohmann::json& claims) const;

  struct Impl;

private:
  explicit TokenVerifier(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

// {"protected","encrypted_key","iv","ciphertext","tag"} for the TEE key `jwk` (Trustee kbs jwe/mod.rs).
Result<nlohmann::json> seal_resource(const nlohmann::json& jwk, std::span<const std::uint8_t> value);

} // namespace coco::kbs
