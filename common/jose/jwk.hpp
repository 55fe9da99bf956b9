// JSON Web Key (RFC 7517) for the key types of RFC 7518 §6 (RSA, EC P-256/P-384/P-521) and RFC 8037 (OKP
// Ed25519), and the JWK thumbprint (RFC 7638). A Jwk holds a crypto::PublicKey, and a crypto::PrivateKey when
// the JWK carried private members; `alg`, `kid`, `use` and `x5c` are kept as given.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/base/result.hpp"
#include "common/crypto/key.hpp"
#include "common/jose/json.hpp"

namespace coco::jose {

class Jwk {
public:
  static Result<Jwk> parse(const Json& object);
  static Result<Jwk> parse(const nlohmann::json& object) { return parse(Json(object)); }
  static Result<Jwk> parse_text(std::string_view text);
  static Jwk from_public(const crypto::PublicKey& key, std::string alg = {});
  static Jwk from_private(const crypto::PrivateKey& key, std::string alg = {});

  [[nodiscard]] bool is_private() const { return m_private.has_value(); }
  [[nodiscard]] const crypto::PublicKey& public_key() const { return m_public; }
  // Present only when is_private().
  [[nodiscard]] const std::optional<crypto::PrivateKey>& private_key() const { return m_private; }
  // "RSA", "EC" or "OKP".
  [[nodiscard]] std::string kty() const;
  [[nodiscard]] const std::string& alg() const { return m_alg; }
  [[nodiscard]] const std::string& kid() const { return m_kid; }
  [[nodiscard]] const std::string& use() const { return m_use; }
  void set_alg(std::string alg) { m_alg = std::move(alg); }
  void set_kid(std::string kid) { m_kid = std::move(kid); }
  void set_use(std::string use) { m_use = std::move(use); }

  // The same key without private members.
  [[nodiscard]] Jwk public_jwk() const;
  // Members: kty, crv (EC/OKP), alg, kid, use (when set), the public members, x5c (when given), then the
  // private members if include_private and the key has them.
  [[nodiscard]] Json to_json(bool include_private = false) const;
  // Only the required public members in lexicographic order, e.g. {"crv","kty","x","y"} (RFC 7638 §3.2).
  [[nodiscard]] Json canonical_public() const;
  // RFC 7638 SHA-256 thumbprint, base64url.
  [[nodiscard]] std::string thumbprint() const;

private:
  explicit Jwk(crypto::PublicKey key) : m_public(std::move(key)) {}
  crypto::PublicKey m_public;
  std::optional<crypto::PrivateKey> m_private;
  std::string m_alg;
  std::string m_kid;
  std::string m_use;
  Json m_x5c;
};

// A JWK Set {"keys":[...]}: keys that cannot be parsed (unknown kty, unsupported curve) are skipped, as
// RFC 7517 §5 asks.
Result<std::vector<Jwk>> parse_jwk_set(std::string_view text);

} // namespace coco::jose
