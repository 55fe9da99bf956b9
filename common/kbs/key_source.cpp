#include "common/kbs/key_source.hpp"

#include <nlohmann/json.hpp>

#include "common/base/atomic_file.hpp"
#include "common/base/log.hpp"

namespace coco::kbs {
namespace {

enum class Scheme { path, file, https };

Result<Scheme> scheme_of(const std::string& uri) {
  if (uri.starts_with("https://")) {
    return Scheme::https;
  }
  if (uri.starts_with("file://")) {
    return Scheme::file;
  }
  if (uri.find("://") != std::string::npos) {
    return make_error(Kind::unsupported, "key source " + uri + ": unsupported scheme (must be a path, file:// or https://)",
                      "serve the keys over https, or download them and name the file");
  }
  return Scheme::path;
}

Result<std::string> fetch_https(const std::string& url, const ClientOptions& fetch) {
  HttpRequest request;
  request.url = url;
  request.headers = {"Accept: application/json, application/x-pem-file, */*"};
  auto response = http_request(request, fetch);
  if (!response) {
    Error e = std::move(response).error();
    e.hint = e.kind == Kind::auth ? "the key source's certificate does not verify against the system trust store; "
                                    "give its CA with --key-source-cacert"
                                  : "check that the key source is reachable from the server";
    return e;
  }
  if (response->status < 200 || response->status > 299) {
    return make_error(Kind::network, url + ": HTTP " + std::to_string(response->status));
  }
  return std::move(response->body);
}

Result<std::string> read_source(const std::string& uri, Scheme scheme, const ClientOptions& fetch) {
  if (scheme == Scheme::https) {
    return fetch_https(uri, fetch);
  }
  return read_file(scheme == Scheme::file ? uri.substr(7) : uri);
}

Result<std::vector<jose::Jwk>> parse_set(const std::string& uri, const std::string& text) {
  auto keys = jose::parse_jwk_set(text);
  if (!keys) {
    return std::move(keys).error().context("JWK set " + uri);
  }
  return keys;
}

// `<base>/.well-known/openid-configuration`, keeping the base's last path segment.
std::string openid_configuration_url(std::string base) {
  if (!base.ends_with('/')) {
    base += '/';
  }
  return base + ".well-known/openid-configuration";
}

Result<std::vector<jose::Jwk>> discover_jwk_set(const std::string& uri, const ClientOptions& fetch) {
  const std::string config_url = openid_configuration_url(uri);
  log::info("kbs: getting the OpenID configuration from " + config_url);
  COCO_TRY(std::string text, fetch_https(config_url, fetch));
  const auto config = nlohmann::json::parse(text, nullptr, false);
  if (!config.is_object() || !config.contains("jwks_uri") || !config["jwks_uri"].is_string()) {
    return make_error(Kind::invalid, "OpenID configuration " + config_url + " has no jwks_uri");
  }
  const std::string jwks_uri = config["jwks_uri"].get<std::string>();
  if (!jwks_uri.starts_with("https://")) {
    return make_error(Kind::unsupported, "OpenID configuration " + config_url + ": jwks_uri " + jwks_uri +
                                             " is not an https URL");
  }
  COCO_TRY(std::string set, fetch_https(jwks_uri, fetch));
  return parse_set(jwks_uri, set);
}

} // namespace

Result<crypto::PublicKey> load_public_key_source(const std::string& uri, const ClientOptions& fetch) {
  COCO_TRY(Scheme scheme, scheme_of(uri));
  auto text = read_source(uri, scheme, fetch);
  if (!text) {
    return std::move(text).error().context("public key " + uri);
  }
  auto key = crypto::PublicKey::load(*text);
  if (!key) {
    return make_error(Kind::invalid, "public key " + uri + ": not a PEM public key (" + key.error().message + ")");
  }
  return key;
}

Result<std::vector<jose::Jwk>> load_jwk_set_source(const std::string& uri, const ClientOptions& fetch) {
  COCO_TRY(Scheme scheme, scheme_of(uri));
  if (scheme != Scheme::https) {
    auto text = read_source(uri, scheme, fetch);
    if (!text) {
      return std::move(text).error().context("JWK set " + uri);
    }
    return parse_set(uri, *text);
  }
  // As Trustee: the URL itself first, then OpenID discovery when that fails or holds no key.
  auto direct = fetch_https(uri, fetch);
  if (direct) {
    auto keys = parse_set(uri, *direct);
    if (keys && !keys->empty()) {
      return keys;
    }
    log::debug("kbs: " + uri + (keys ? std::string(" holds no usable key") : ": " + keys.error().message) +
               "; trying OpenID discovery");
  } else if (direct.error().kind == Kind::auth) {
    return std::move(direct).error();  // an untrusted certificate will not be trusted at the discovery URL either
  } else {
    log::debug("kbs: " + direct.error().message + "; trying OpenID discovery");
  }
  auto discovered = discover_jwk_set(uri, fetch);
  if (!discovered) {
    Error e = std::move(discovered).error();
    if (!direct) {
      e.message = "JWK set " + uri + ": " + direct.error().message + "; OpenID discovery: " + e.message;
      e.hint = direct.error().hint;
    } else {
      e.context("JWK set " + uri + " (empty or not a JWK set; OpenID discovery)");
    }
    return e;
  }
  if (discovered->empty()) {
    return make_error(Kind::invalid, "JWK set " + uri + ": no usable key (directly or by OpenID discovery)");
  }
  return discovered;
}

} // namespace coco::kbs
