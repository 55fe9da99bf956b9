// Who may call the admin API, as Trustee's KBS decides it (kbs/src/admin/: mod.rs, authentication/bearer_jwt.rs,
// authorization/regex_acl.rs; spec kbs-protocol.md "Admin API").
//
// InsecureAllowAll lets everyone in, DenyAll no one. AuthenticatedAuthorization takes
// `Authorization: Bearer <JWT>`: the token must verify under one identity provider's keys (PEM EC/RSA/Ed25519
// public key or a JWKS, from a path, file:// or https:// URL, read at start), carry `exp`, match that provider's `issuer` and `audience` when they are set,
// and carry a `role` claim; then the first ACL rule with that role whose regex (anchored `^/kbs...$`) matches
// the full request URI including the query allows the call. Every other case is refused.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/result.hpp"
#include "common/kbs/client.hpp"
#include "common/kbs/config.hpp"

namespace coco::kbs {

struct AdminIdentity {
  std::string subject;  // `sub` claim, else "<issuer>:<role>", else "anonymous"
  std::string role;
  std::string issuer;
};

class AdminAuth {
public:
  // Fails (invalid) as Trustee's Admin::new does: no identity provider, a provider without a key source, an
  // unreadable or unreachable key source, an unanchored or bad ACL regex. Key sources (path, file://, https://)
  // are read here, once (key_source.hpp); `fetch` sets the CA used for https ones.
  static Result<std::unique_ptr<AdminAuth>> create(const AdminConfig& config, const ClientOptions& fetch = {});
  ~AdminAuth();
  AdminAuth(const AdminAuth&) = delete;
  AdminAuth& operator=(const AdminAuth&) = delete;

  // `uri`: path and query as received; `authorization`: the header value, if any. Kind::denied with a reason
  // ("Admin access denied: ...", never the token) when refused.
  [[nodiscard]] Result<AdminIdentity> check(std::string_view uri, const std::optional<std::string>& authorization) const;
  [[nodiscard]] AdminMode mode() const;

  struct Impl;

private:
  explicit AdminAuth(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

} // namespace coco::kbs
