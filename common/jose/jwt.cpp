#include "common/jose/jwt.hpp"

#include <chrono>

#include "common/jose/jwk.hpp"
#include "common/jose/jws.hpp"

namespace coco::jose {
namespace {

Result<Json> claims_of(const Bytes& payload) { return parse_object(as_string(payload), "JWT claims"); }

Result<std::optional<std::int64_t>> numeric_date(const Json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) {
    return std::optional<std::int64_t>{};
  }
  if (it->is_number_integer() || it->is_number_unsigned()) {
    return std::optional<std::int64_t>(it->get<std::int64_t>());
  }
  if (it->is_number_float()) {
    return std::optional<std::int64_t>(static_cast<std::int64_t>(it->get<double>()));
  }
  return make_error(Kind::invalid, std::string("JWT claim \"") + name + "\" is not a number");
}

} // namespace

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Result<std::string> jwt_mint(const Json& claims, const crypto::PrivateKey& key, const JwtMintOptions& options) {
  if (!claims.is_object()) {
    return make_error(Kind::internal, "JWT claims must be an object");
  }
  crypto::PublicKey pub = key.public_key();
  Json header = Json::object();
  header["alg"] = options.alg.empty() ? default_jws_alg(pub) : options.alg;
  if (!options.typ.empty()) {
    header["typ"] = options.typ;
  }
  if (!options.kid.empty()) {
    header["kid"] = options.kid;
  }
  if (options.embed_jwk) {
    header["jwk"] = Jwk::from_public(pub).to_json();
  }
  Json body = claims;
  if (options.lifetime_seconds) {
    std::int64_t now = options.now ? options.now() : unix_now();
    if (!body.contains("iat")) {
      body["iat"] = now;
    }
    if (!body.contains("exp")) {
      body["exp"] = now + *options.lifetime_seconds;
    }
  }
  return jws_sign_compact(std::move(header), as_bytes(body.dump()), key);
}

Result<Jwt> jwt_decode_unverified(std::string_view token) {
  COCO_TRY(JwsParts parts, jws_decode_unverified(token));
  COCO_TRY(Json claims, claims_of(parts.payload));
  return Jwt{std::move(parts.header), std::move(claims)};
}

Result<Jwt> jwt_verify(std::string_view token, const crypto::PublicKey& key, const JwtVerifyOptions& options) {
  COCO_TRY(JwsParts parts, jws_verify_compact(token, key, options.algorithms));
  COCO_TRY(Json claims, claims_of(parts.payload));
  std::int64_t now = options.now ? options.now() : unix_now();
  COCO_TRY(auto exp, numeric_date(claims, "exp"));
  if (!exp && options.require_exp) {
    return make_error(Kind::denied, "JWT has no \"exp\" claim");
  }
  if (exp && now > *exp + options.leeway_seconds) {
    return make_error(Kind::denied, "JWT expired at " + std::to_string(*exp) + " (now " + std::to_string(now) + ")");
  }
  COCO_TRY(auto nbf, numeric_date(claims, "nbf"));
  if (nbf && now + options.leeway_seconds < *nbf) {
    return make_error(Kind::denied, "JWT not valid before " + std::to_string(*nbf) + " (now " + std::to_string(now) + ")");
  }
  if (options.issuer) {
    auto iss = optional_string(claims, "iss");
    if (!iss || *iss != *options.issuer) {
      return make_error(Kind::denied, "JWT issuer \"" + iss.value_or("") + "\" is not \"" + *options.issuer + "\"");
    }
  }
  if (options.audience) {
    bool found = false;
    if (auto it = claims.find("aud"); it != claims.end()) {
      if (it->is_string()) {
        found = it->get<std::string>() == *options.audience;
      } else if (it->is_array()) {
        for (const auto& a : *it) {
          found = found || (a.is_string() && a.get<std::string>() == *options.audience);
        }
      }
    }
    if (!found) {
      return make_error(Kind::denied, "JWT audience does not include \"" + *options.audience + "\"");
    }
  }
  return Jwt{std::move(parts.header), std::move(claims)};
}

} // namespace coco::jose
