// The ocicrypt keyprovider protocol (containers/ocicrypt keywrap/keyprovider, config/keyprovider-config): a
// recipient `provider:NAME[:PARAMS]` hands the layer's private options to an external program that returns an
// opaque annotation (stored as org.opencontainers.image.enc.keys.provider.NAME), and hands the annotation back
// to get the options. The providers are listed in the JSON file named by OCICRYPT_KEYPROVIDER_CONFIG:
//
//   {"key-providers":{"NAME":{"cmd":{"path":"/bin/p","args":["..."]}}}}
//
// A command provider gets one JSON request on stdin and answers on stdout:
//   {"op":"keywrap","keywrapparams":{"ec":{"Parameters":{"NAME":[B64(PARAMS)]},"DecryptConfig":{"Parameters":{}}},
//    "optsdata":B64(options)},"keyunwrapparams":{}}
//   {"op":"keyunwrap","keywrapparams":{},"keyunwrapparams":{"dc":{"Parameters":{"NAME":[B64(PARAMS)]}},
//    "annotation":B64(annotation)}}
// and replies {"keywrapresults":{"annotation":BYTES}} / {"keyunwrapresults":{"optsdata":BYTES}}, where BYTES is
// a base64 string (Go providers) or an array of numbers (Rust providers); both are accepted. gRPC and ttrpc
// providers are not supported.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/ocicrypt/key_wrapper.hpp"

namespace coco::ocicrypt {

struct KeyProviderCommand {
  std::string path;
  std::vector<std::string> args;
};

struct KeyProviderConfig {
  std::map<std::string, KeyProviderCommand> commands;
  std::vector<std::string> unsupported;  // providers configured with grpc/ttrpc/native
};

Result<KeyProviderConfig> parse_keyprovider_config(std::string_view json);
// The file named by OCICRYPT_KEYPROVIDER_CONFIG; Kind::not_found when the variable is unset.
Result<KeyProviderConfig> load_keyprovider_config_from_env();

// Splits "NAME[:PARAMS]" (the part after "provider:"): params "Enabled" when absent, as ocicrypt does.
std::pair<std::string, std::string> split_provider_recipient(std::string_view value);

class KeyProviderKeyWrapper final : public KeyWrapper {
public:
  // wrap_params: set to encrypt (the PARAMS of the recipient); decrypt: whether unwrap may call the provider.
  KeyProviderKeyWrapper(std::string name, KeyProviderCommand command, std::optional<std::string> wrap_params,
                        bool decrypt, std::string unwrap_params = "Enabled")
      : m_name(std::move(name)), m_command(std::move(command)), m_wrap_params(std::move(wrap_params)),
        m_decrypt(decrypt), m_unwrap_params(std::move(unwrap_params)) {}
  [[nodiscard]] std::string scheme() const override { return "provider." + m_name; }
  [[nodiscard]] bool can_wrap() const override { return m_wrap_params.has_value(); }
  [[nodiscard]] bool can_unwrap() const override { return m_decrypt; }
  Result<Bytes> wrap(const Secret& private_options) override;
  Result<Secret> unwrap(std::span<const std::uint8_t> blob) override;

private:
  Result<std::string> call(const std::string& request) const;
  std::string m_name;
  KeyProviderCommand m_command;
  std::optional<std::string> m_wrap_params;
  bool m_decrypt;
  std::string m_unwrap_params;
};

} // namespace coco::ocicrypt
