// Key wrappers: each protects a layer's private options for the recipients of one scheme, and recovers them
// with the keys it was given. The interface follows containers/ocicrypt keywrap/keywrap.go: WrapKeys is
// called once per layer with all recipients of the scheme and returns one blob; the blob, base64-encoded, is
// the value of org.opencontainers.image.enc.keys.<scheme>.
//
// Implementations: jwe_wrapper.hpp (jwe), pkcs7_wrapper.hpp (pkcs7), pgp_wrapper.hpp (pgp),
// keyprovider_wrapper.hpp (provider.<name>), kbs_wrapper.hpp (the CoCo attestation-agent packet under
// provider.attestation-agent).
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/base/encoding.hpp"
#include "common/base/result.hpp"
#include "common/base/secret.hpp"
#include "common/ocicrypt/options.hpp"

namespace coco::ocicrypt {

class KeyWrapper {
public:
  KeyWrapper() = default;
  KeyWrapper(const KeyWrapper&) = delete;
  KeyWrapper& operator=(const KeyWrapper&) = delete;
  virtual ~KeyWrapper() = default;

  // The annotation scheme: "jwe", "pkcs7", "pgp", "provider.NAME".
  [[nodiscard]] virtual std::string scheme() const = 0;
  // True when the wrapper has recipients to wrap for / keys to unwrap with.
  [[nodiscard]] virtual bool can_wrap() const = 0;
  [[nodiscard]] virtual bool can_unwrap() const = 0;
  // Wraps the private options JSON for every recipient this wrapper holds.
  virtual Result<Bytes> wrap(const Secret& private_options) = 0;
  // Recovers the private options JSON; Kind::auth when none of the keys opens the blob.
  virtual Result<Secret> unwrap(std::span<const std::uint8_t> blob) = 0;
};

using KeyWrappers = std::vector<std::unique_ptr<KeyWrapper>>;

// The layer's annotations after encryption: keys.<scheme> for every wrapper that can wrap, and pubopts.
Result<std::map<std::string, std::string>> wrap_layer_keys(const PrivateOptions& priv, const PublicOptions& pub,
                                                            const KeyWrappers& wrappers);

struct UnwrappedKeys {
  PrivateOptions private_options;
  PublicOptions public_options;
  std::string scheme;  // the scheme whose wrapper opened it
};

// Finds a keys annotation that one of the wrappers can open and returns the options. Errors: Kind::not_found
// when the layer has no key annotation for any given wrapper, Kind::auth when annotations exist but no key
// opens them (the message names the schemes tried), Kind::invalid for unreadable annotations.
Result<UnwrappedKeys> unwrap_layer_keys(const std::map<std::string, std::string>& annotations,
                                        const KeyWrappers& wrappers);

} // namespace coco::ocicrypt
