#include "common/kbs/admin_auth.hpp"

#include <re2/re2.h>

#include "common/base/atomic_file.hpp"
#include "common/base/log.hpp"
#include "common/crypto/key.hpp"

#include "common/jose/jwk.hpp"
#include "common/jose/jwt.hpp"
#include "common/kbs/key_source.hpp"

namespace coco::kbs {
namespace {

struct Provider {
  IdentityProvider config;
  std::vector<crypto::PublicKey> keys;
};

struct Rule {
  std::string role;
  std::unique_ptr<RE2> regex;
};

Error denied(const std::string& reason) { return make_error(Kind::denied, "Admin access denied: " + reason); }

Result<std::vector<crypto::PublicKey>> load_provider_keys(const IdentityProvider& idp, const ClientOptions& fetch) {
  std::vector<crypto::PublicKey> keys;
  if (idp.public_key_uri) {
    COCO_TRY(auto key, load_public_key_source(*idp.public_key_uri, fetch));
    keys.push_back(std::move(key));
  }
  if (idp.jwk_set_uri) {
    COCO_TRY(auto set, load_jwk_set_source(*idp.jwk_set_uri, fetch));
    for (const auto& jwk : set) {
      keys.push_back(jwk.public_key());
    }
  }
  return keys;
}

} // namespace

struct AdminAuth::Impl {
  AdminMode mode = AdminMode::deny_all;
  std::vector<Provider> providers;
  std::vector<Rule> rules;
};

AdminAuth::AdminAuth(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
AdminAuth::~AdminAuth() = default;
AdminMode AdminAuth::mode() const { return m_impl->mode; }

Result<std::unique_ptr<AdminAuth>> AdminAuth::create(const AdminConfig& config, const ClientOptions& fetch) {
  auto impl = std::make_unique<Impl>();
  impl->mode = config.mode;
  if (config.mode == AdminMode::authenticated_authorization) {
    if (config.identity_providers.empty()) {
      return make_error(Kind::invalid, "failed to initialize [admin] configuration: no identity provider",
                        "add [admin.authentication.bearer_jwt] identity_providers");
    }
    for (const auto& idp : config.identity_providers) {
      if (!idp.public_key_uri && !idp.jwk_set_uri) {
        return make_error(Kind::invalid, "an identity provider has neither public_key_uri nor jwk_set_uri");
      }
      auto keys = load_provider_keys(idp, fetch);
      if (!keys) {
        return std::move(keys).error().context("failed to initialize [admin] configuration");
      }
      impl->providers.push_back({idp, std::move(*keys)});
    }
    for (const auto& acl : config.acls) {
      if (!acl.allowed_endpoints.starts_with("^/kbs") || !acl.allowed_endpoints.ends_with("$")) {
        return make_error(Kind::invalid, "admin role regex must be anchored: " + acl.allowed_endpoints,
                          "write it as ^/kbs...$");
      }
      auto regex = std::make_unique<RE2>(acl.allowed_endpoints, RE2::Quiet);
      if (!regex->ok()) {
        return make_error(Kind::invalid, "failed to parse regex " + acl.allowed_endpoints + ": " + regex->error());
      }
      impl->rules.push_back({acl.role, std::move(regex)});
    }
  }
  return std::unique_ptr<AdminAuth>(new AdminAuth(std::move(impl)));
}

Result<AdminIdentity> AdminAuth::check(std::string_view uri, const std::optional<std::string>& authorization) const {
  switch (m_impl->mode) {
  case AdminMode::insecure_allow_all:
    return AdminIdentity{"anonymous", "", ""};
  case AdminMode::deny_all:
    return denied("admin API is disabled (DenyAll)");
  case AdminMode::authenticated_authorization:
    break;
  }
  if (!authorization || !authorization->starts_with("Bearer ") || authorization->size() <= 7) {
    return make_error(Kind::denied, "Failed to parse HTTP Auth Bearer header");
  }
  const std::string token = authorization->substr(7);
  std::string last_reason = "token not accepted by any identity provider";
  for (const auto& provider : m_impl->providers) {
    for (const auto& key : provider.keys) {
      jose::JwtVerifyOptions options;
      options.issuer = provider.config.issuer;
      options.audience = provider.config.audience;
      options.require_exp = true;
      options.leeway_seconds = 60;
      auto jwt = jose::jwt_verify(token, key, options);
      if (!jwt) {
        last_reason = jwt.error().message;
        continue;
      }
      const auto& claims = jwt->claims;
      if (!claims.contains("role") || !claims["role"].is_string()) {
        return denied("token has no role claim");
      }
      AdminIdentity who;
      who.role = claims["role"].get<std::string>();
      who.issuer = claims.contains("iss") && claims["iss"].is_string() ? claims["iss"].get<std::string>() : "";
      who.subject = claims.contains("sub") && claims["sub"].is_string() ? claims["sub"].get<std::string>()
                                                                          : (who.issuer.empty() ? "" : who.issuer + ":") + who.role;
      for (const auto& rule : m_impl->rules) {
        if (rule.role == who.role && RE2::PartialMatch(std::string(uri), *rule.regex)) {
          return who;
        }
      }
      return denied("Role " + who.role + " not allowed for path " + std::string(uri));
    }
  }
  return denied(last_reason);
}

} // namespace coco::kbs
