// coco-kbs auth: admin keys and tokens for Trustee's admin API (bearer_jwt authentication + regex_acl
// authorization, shared/spec/kbs-protocol.md "Auth"), and the [admin] section that makes a KBS trust them.
#include <filesystem>
#include <memory>
#include <string>

#include "common/base/atomic_file.hpp"
#include "common/crypto/key.hpp"
#include "common/kbs/admin_client.hpp"
#include "tools/coco-kbs/commands.hpp"

namespace coco_kbs {
namespace {

struct AuthOptions {
  std::string out;
  std::string type = "ed25519";
  bool force = false;
  std::string key;
  std::string public_key;
  std::string role = "admin";
  std::string issuer;
  std::string audience;
  std::string ttl = "5m";
};

coco::Result<std::int64_t> parse_ttl(const std::string& text) {
  std::size_t used = 0;
  std::int64_t n = 0;
  try {
    n = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const std::string unit = used == 0 ? std::string() : text.substr(used);
  std::int64_t factor = 0;
  if (unit.empty() || unit == "s") {
    factor = 1;
  } else if (unit == "m") {
    factor = 60;
  } else if (unit == "h") {
    factor = 3600;
  } else if (unit == "d") {
    factor = 86400;
  }
  if (used == 0 || factor == 0 || n <= 0 || n > 366 * 86400 / factor) {
    return coco::make_error(coco::Kind::usage, "--ttl " + text + ": expected a positive duration like 300, 90s, 5m, 2h or 1d");
  }
  return n * factor;
}

std::string toml_string(const std::string& s) { return nlohmann::json(s).dump(); }

// The [admin] section of a Trustee kbs-config.toml (also read by coco-kbs serve --config) trusting `public_key`.
std::string admin_snippet(const std::string& public_key, const std::string& role, const std::string& issuer,
                          const std::string& audience) {
  std::string provider = "{ public_key_uri = " + toml_string(public_key);
  if (!issuer.empty()) {
    provider += ", issuer = " + toml_string(issuer);
  }
  if (!audience.empty()) {
    provider += ", audience = " + toml_string(audience);
  }
  provider += " }";
  return "[admin]\n"
         "authorization_mode = \"AuthenticatedAuthorization\"\n\n"
         "[admin.authentication.bearer_jwt]\n"
         "identity_providers = [\n  " + provider + ",\n]\n\n"
         "[admin.authorization.regex_acl]\n"
         "acls = [\n  { role = " + toml_string(role) + ", allowed_endpoints = \"^/kbs/.+$\" },\n]\n";
}

std::string snippet_notes() {
  return "# Trustee: put this in kbs-config.toml (kbs -c kbs-config.toml).\n"
         "# coco-kbs serve: the same section in a kbs-config.toml passed with coco-kbs serve --config FILE.\n"
         "# ^/kbs/.+$ allows Trustee's /kbs/v0/ admin calls and coco-kbs serve's /kbs/coco/v1/ ones.\n";
}

} // namespace

void register_auth_keygen(coco::cli::Command& cmd) {
  auto opts = cmd.options<AuthOptions>();
  auto& app = cmd.app();
  app.add_option("--out", opts->out, "the private key file to write (mode 0600); the public key goes to FILE.pub")
      ->type_name("FILE")
      ->required();
  cmd.choices(app.add_option("--type", opts->type, "key type")->capture_default_str(), {"ed25519", "ec", "rsa"});
  app.add_flag("--force", opts->force, "overwrite existing files");
  app.add_option("--role", opts->role, "the role the printed ACL allows")->capture_default_str();
  app.add_option("--issuer", opts->issuer, "the issuer the printed identity provider requires");
  app.add_option("--audience", opts->audience, "the audience the printed identity provider requires");
  cmd.description("Generates an admin key pair (Ed25519 by default; EC P-256 or RSA 3072) for minting admin tokens, "
                  "writes the private key (0600) and the public key (FILE.pub), and prints the [admin] section that "
                  "makes Trustee's KBS or coco-kbs serve trust it.");
  cmd.example("coco-kbs auth keygen --out ~/.config/coco/kbs-admin.key", "a new admin key");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    const std::filesystem::path out = opts->out;
    const std::filesystem::path pub = opts->out + ".pub";
    std::error_code ec;
    for (const auto& p : {out, pub}) {
      if (!opts->force && std::filesystem::exists(p, ec)) {
        return coco::make_error(coco::Kind::conflict, p.string() + " exists", "pass --force to overwrite it");
      }
    }
    auto key = opts->type == "ec"    ? coco::crypto::PrivateKey::generate_ec(coco::crypto::Curve::p256)
               : opts->type == "rsa" ? coco::crypto::PrivateKey::generate_rsa(3072)
                                     : coco::crypto::PrivateKey::generate_ed25519();
    if (!key) {
      return key.error();
    }
    COCO_TRY_STATUS(key->write_pem_file(out));
    COCO_TRY_STATUS(coco::write_file_atomic(pub, key->public_key().to_pem(), 0644));
    const std::string abs_pub = std::filesystem::absolute(pub, ec).lexically_normal().string();
    const std::string snippet = admin_snippet(abs_pub, opts->role, opts->issuer, opts->audience);
    return ctx.output.emit(
        {{"private_key", out.string()}, {"public_key", pub.string()}, {"type", opts->type}, {"admin_config", snippet}},
        [&](std::ostream& o) {
          o << "wrote " << out.string() << " (private, 0600) and " << pub.string() << "\n\n" << snippet_notes() << snippet;
        });
  });
}

void register_auth_token(coco::cli::Command& cmd) {
  auto opts = cmd.options<AuthOptions>();
  auto& app = cmd.app();
  app.add_option("--key", opts->key, "the admin private key (PEM)")->type_name("FILE")->required();
  app.add_option("--role", opts->role, "the `role` claim the server's ACL matches")->capture_default_str();
  app.add_option("--issuer", opts->issuer, "the `iss` claim (when the identity provider sets issuer)");
  app.add_option("--audience", opts->audience, "the `aud` claim (when the identity provider sets audience)");
  app.add_option("--ttl", opts->ttl, "lifetime: seconds or 90s, 5m, 2h, 1d")->capture_default_str();
  cmd.description("Mints an admin bearer token (a JWT: header alg EdDSA/ES256/RS256 and typ JWT; claims role, iat, "
                  "exp, and iss/aud when given) as Trustee's admin API checks it, and prints it. Use it with "
                  "--admin-token-file, kbs-client's --admin-token-file, or curl.");
  cmd.example("coco-kbs auth token --key admin.key > token && kbs-client config --admin-token-file token ...",
              "a token for kbs-client");
  cmd.example("TOKEN=$(coco-kbs auth token --key admin.key --ttl 2m)", "a token for curl");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(auto ttl, parse_ttl(opts->ttl));
    COCO_TRY(auto key, coco::crypto::PrivateKey::load_file(opts->key));
    coco::kbs::AdminTokenOptions token_options;
    token_options.role = opts->role;
    token_options.issuer = opts->issuer;
    token_options.audience = opts->audience;
    token_options.ttl_seconds = ttl;
    COCO_TRY(auto token, coco::kbs::mint_admin_token(key, token_options));
    return ctx.output.emit({{"token", token}, {"expires_in", ttl}}, [&](std::ostream& out) { out << token << '\n'; });
  });
}

void register_auth_config_snippet(coco::cli::Command& cmd) {
  auto opts = cmd.options<AuthOptions>();
  auto& app = cmd.app();
  app.add_option("--public-key", opts->public_key, "the admin public key (PEM; coco-kbs auth keygen wrote FILE.pub)")
      ->type_name("FILE")
      ->required();
  app.add_option("--role", opts->role, "the role the ACL allows")->capture_default_str();
  app.add_option("--issuer", opts->issuer, "require this `iss`");
  app.add_option("--audience", opts->audience, "require this `aud`");
  cmd.description("Prints the [admin] section of a kbs-config.toml that trusts tokens signed by the key: "
                  "AuthenticatedAuthorization, one bearer_jwt identity provider with the public key (and issuer and "
                  "audience when given), and a regex_acl rule letting the role call every /kbs/ endpoint. The same "
                  "section works for Trustee's KBS and for coco-kbs serve --config.");
  cmd.example("coco-kbs auth config-snippet --public-key admin.key.pub >> kbs-config.toml", "trust an admin key");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(auto text, coco::read_file(opts->public_key));
    COCO_TRY(auto key, coco::crypto::PublicKey::load(text));
    (void)key;
    std::error_code ec;
    const std::string abs = std::filesystem::absolute(opts->public_key, ec).lexically_normal().string();
    const std::string snippet = admin_snippet(abs, opts->role, opts->issuer, opts->audience);
    return ctx.output.emit({{"admin_config", snippet}}, [&](std::ostream& out) { out << snippet_notes() << snippet; });
  });
}

} // namespace coco_kbs
