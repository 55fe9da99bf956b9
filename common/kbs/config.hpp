// Trustee's kbs-config.toml, read as Trustee's KBS reads it (trustee kbs/src/config.rs, admin/config.rs,
// attestation/config.rs, token/mod.rs; summarised in shared/spec/kbs-protocol.md).
//
// Every file Trustee accepts parses here. Keys coco does not act on (storage backends, RVPS and verifier
// configuration, TLS cipher lists...) are kept in `ignored` so the server can report them once; unknown keys
// are reported the same way. `[http_server]` and `[admin]` are required, as in Trustee.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace coco::kbs {

struct HttpServerConfig {
  std::vector<std::string> sockets = {"127.0.0.1:8080"};
  bool insecure_http = false;
  std::optional<std::string> private_key;
  std::optional<std::string> certificate;
  std::int64_t payload_request_size = 2;  // MiB
  std::optional<std::int64_t> worker_count;
  std::string tls_profile = "intermediate";  // old | intermediate | modern | custom
  std::optional<std::string> tls_min_version;  // "1.2" | "1.3"
  std::optional<std::string> tls_max_version;
  std::optional<std::string> tls_ciphers;
  std::optional<std::string> tls_groups;
};

enum class AdminMode { insecure_allow_all, deny_all, authenticated_authorization };

struct IdentityProvider {
  std::optional<std::string> issuer;
  std::optional<std::string> audience;
  std::optional<std::string> public_key_uri;
  std::optional<std::string> jwk_set_uri;
};

struct AclRule {
  std::string role;
  std::string allowed_endpoints;  // a regex, ^/kbs...$
};

struct AdminConfig {
  AdminMode mode = AdminMode::deny_all;
  std::vector<IdentityProvider> identity_providers;
  std::vector<AclRule> acls;
};

struct AttestationTokenConfig {
  std::vector<std::string> trusted_certs_paths;
  std::vector<std::string> trusted_jwk_sets;
  std::vector<std::string> extra_teekey_paths;
  bool insecure_header_jwk = false;
  bool present = false;  // the section exists
};

struct TokenBrokerConfig {
  std::int64_t duration_min = 5;
  std::string issuer_name = "CoCo-Attestation-Service";
  std::optional<std::string> developer_name;
  std::optional<std::string> build_name;
  std::optional<std::string> profile_name;
  bool verbose_token = true;
  std::optional<std::string> signer_key_path;
  std::optional<std::string> signer_cert_path;
  std::optional<std::string> signer_cert_url;
};

struct AttestationServiceConfig {
  bool present = false;
  std::string type = "coco_as_builtin";  // coco_as_builtin | coco_as_grpc | intel_ta
  std::int64_t timeout_min = 5;          // session lifetime
  std::optional<std::string> as_addr;
  TokenBrokerConfig token_broker;
  std::string rvps_type = "BuiltIn";
};

struct PluginConfig {
  std::string name;
  std::string storage_backend_type;
};

struct KbsConfig {
  HttpServerConfig http_server;
  AdminConfig admin;
  AttestationTokenConfig attestation_token;
  AttestationServiceConfig attestation_service;
  std::string storage_type = "Memory";  // [storage_backend].storage_type (coco stores in its own database)
  std::vector<PluginConfig> plugins;
  // Dotted keys present in the file that coco does not act on, e.g. "storage_backend.backends.local_fs.dir_path".
  std::vector<std::string> ignored;

  [[nodiscard]] bool has_resource_plugin() const;
};

// `origin` names the text in messages (a file path).
Result<KbsConfig> parse_kbs_config(std::string_view text, std::string_view origin = "kbs-config.toml");
Result<KbsConfig> load_kbs_config(const std::filesystem::path& path);
// The configuration `coco-kbs serve` uses without a file: loopback, HTTPS, built-in AS, resource plugin,
// admin API authenticated (keys configured by the caller).
KbsConfig default_kbs_config();

} // namespace coco::kbs
