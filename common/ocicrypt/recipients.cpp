#include "common/ocicrypt/recipients.hpp"

#include "common/ocicrypt/jwe_wrapper.hpp"
#include "common/ocicrypt/kbs_wrapper.hpp"
#include "common/ocicrypt/pkcs7_wrapper.hpp"

namespace coco::ocicrypt {
namespace {

struct Spec {
  std::string scheme;
  std::string value;
};

Spec split(std::string_view text) {
  if (text.rfind("kbs://", 0) == 0) {
    return {"kbs", std::string(text)};
  }
  auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    return {std::string(text), {}};
  }
  return {std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
}

Error usage(const std::string& what, const std::string& hint) { return make_error(Kind::usage, what, hint); }

Result<KeyProviderCommand> provider_command(const std::string& name, const WrapperOptions& options,
                                            std::optional<KeyProviderConfig>& loaded) {
  if (!loaded) {
    if (options.keyproviders) {
      loaded = options.keyproviders;
    } else {
      COCO_TRY(KeyProviderConfig config, load_keyprovider_config_from_env());
      loaded = std::move(config);
    }
  }
  auto it = loaded->commands.find(name);
  if (it == loaded->commands.end()) {
    for (const auto& u : loaded->unsupported) {
      if (u == name) {
        return make_error(Kind::unsupported, "keyprovider " + name + " is a gRPC/ttrpc provider, which coco does not support",
                          "configure it as a command provider (\"cmd\")");
      }
    }
    return make_error(Kind::not_found, "keyprovider " + name + " is not in the keyprovider configuration");
  }
  return it->second;
}

std::optional<std::string_view> passphrase_of(const WrapperOptions& o) {
  if (o.passphrase) {
    return o.passphrase->view();
  }
  return std::nullopt;
}

} // namespace

Result<KeyWrappers> encryption_wrappers(std::span<const std::string> recipients, const WrapperOptions& options) {
  std::vector<jose::JweRecipient> jwe;
  std::vector<Pkcs7Certificate> pkcs7;
  std::vector<std::string> pgp;
  std::vector<std::pair<std::string, std::string>> providers;
  std::vector<std::string> kbs;
  for (const auto& r : recipients) {
    Spec s = split(r);
    if (s.scheme == "jwe" && !s.value.empty()) {
      COCO_TRY(jose::JweRecipient rec, load_jwe_recipient_file(s.value));
      jwe.push_back(std::move(rec));
    } else if (s.scheme == "pkcs7" && !s.value.empty()) {
      COCO_TRY(Pkcs7Certificate cert, load_pkcs7_certificate_file(s.value));
      pkcs7.push_back(std::move(cert));
    } else if (s.scheme == "pgp" && !s.value.empty()) {
      pgp.push_back(s.value);
    } else if (s.scheme == "provider" && !s.value.empty()) {
      providers.push_back(split_provider_recipient(s.value));
    } else if (s.scheme == "kbs") {
      COCO_TRY(std::string path, kbs_resource_path(s.value));
      (void)path;
      kbs.push_back(s.value);
    } else {
      return usage("unknown recipient '" + r + "'",
                   "use jwe:PUBKEY, pkcs7:CERT, pgp:EMAIL, provider:NAME[:PARAMS] or kbs:///REPO/TYPE/TAG");
    }
  }
  KeyWrappers out;
  if (!jwe.empty()) {
    out.push_back(std::make_unique<JweKeyWrapper>(std::move(jwe), std::vector<crypto::PrivateKey>{}));
  }
  if (!pkcs7.empty()) {
    out.push_back(std::make_unique<Pkcs7KeyWrapper>(std::move(pkcs7), std::vector<Pkcs7DecryptKey>{}));
  }
  if (!pgp.empty()) {
    out.push_back(std::make_unique<PgpKeyWrapper>(std::move(pgp), false, options.pgp));
  }
  std::optional<KeyProviderConfig> loaded;
  for (const auto& [name, params] : providers) {
    if (name == k_kbs_provider_name && !kbs.empty()) {
      return usage("provider:" + name + " and a kbs:/// recipient would share one annotation", "use one of them");
    }
    COCO_TRY(KeyProviderCommand cmd, provider_command(name, options, loaded));
    out.push_back(std::make_unique<KeyProviderKeyWrapper>(name, std::move(cmd), params, false));
  }
  if (kbs.size() > 1) {
    return usage("only one kbs:/// recipient per image", "the guest reads a single attestation-agent packet");
  }
  if (!kbs.empty()) {
    if (!options.kbs_kek || options.kbs_kek->size() != 32) {
      return usage("the kbs:/// recipient needs a 32-byte key-encryption key", "give a KEK file or let one be generated");
    }
    out.push_back(std::make_unique<KbsKeyWrapper>(kbs[0], *options.kbs_kek));
  }
  if (out.empty()) {
    return usage("no recipients given", "pass at least one -r RECIPIENT");
  }
  return out;
}

Result<KeyWrappers> decryption_wrappers(std::span<const std::string> keys, const WrapperOptions& options) {
  std::vector<crypto::PrivateKey> jwe;
  std::vector<Pkcs7DecryptKey> pkcs7;
  bool pgp = false;
  KeyWrappers out;
  std::optional<KeyProviderConfig> loaded;
  for (const auto& k : keys) {
    Spec s = split(k);
    if (s.value.empty() && s.scheme != "pgp") {
      s = {"jwe", k};  // a bare path: a private key file
    }
    if (s.scheme == "jwe") {
      COCO_TRY(crypto::PrivateKey key, load_jwe_private_key_file(s.value, passphrase_of(options)));
      jwe.push_back(std::move(key));
    } else if (s.scheme == "pkcs7") {
      auto comma = s.value.find(',');
      COCO_TRY(crypto::PrivateKey key, crypto::PrivateKey::load_file(s.value.substr(0, comma), passphrase_of(options)));
      std::optional<Pkcs7Certificate> cert;
      if (comma != std::string::npos) {
        COCO_TRY(cert, load_pkcs7_certificate_file(s.value.substr(comma + 1)));
      }
      pkcs7.push_back({std::move(key), std::move(cert)});
    } else if (s.scheme == "pgp") {
      pgp = true;
    } else if (s.scheme == "provider") {
      auto [name, params] = split_provider_recipient(s.value);
      COCO_TRY(KeyProviderCommand cmd, provider_command(name, options, loaded));
      out.push_back(std::make_unique<KeyProviderKeyWrapper>(name, std::move(cmd), std::nullopt, true, params));
    } else if (s.scheme == "kbs-key") {
      COCO_TRY(Secret kek, load_kek_file(s.value));
      out.push_back(std::make_unique<KbsKeyWrapper>("", std::move(kek)));
    } else {
      return usage("unknown decryption key '" + k + "'",
                   "use jwe:PRIVKEY, pkcs7:KEY,CERT, pgp, provider:NAME or kbs-key:KEKFILE");
    }
  }
  if (!jwe.empty()) {
    out.push_back(std::make_unique<JweKeyWrapper>(std::vector<jose::JweRecipient>{}, std::move(jwe)));
  }
  if (!pkcs7.empty()) {
    out.push_back(std::make_unique<Pkcs7KeyWrapper>(std::vector<Pkcs7Certificate>{}, std::move(pkcs7)));
  }
  if (pgp) {
    out.push_back(std::make_unique<PgpKeyWrapper>(std::vector<std::string>{}, true, options.pgp));
  }
  if (out.empty()) {
    return usage("no decryption keys given", "pass at least one --key");
  }
  return out;
}

} // namespace coco::ocicrypt
