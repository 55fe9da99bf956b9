#include "common/ocicrypt/key_wrapper.hpp"

#include <optional>

#include "common/ocicrypt/annotations.hpp"

namespace coco::ocicrypt {

Result<std::map<std::string, std::string>> wrap_layer_keys(const PrivateOptions& priv, const PublicOptions& pub,
                                                            const KeyWrappers& wrappers) {
  Secret opts = serialize_private_options(priv);
  std::map<std::string, std::string> out;
  for (const auto& w : wrappers) {
    if (!w->can_wrap()) {
      continue;
    }
    auto blob = w->wrap(opts);
    if (!blob) {
      return std::move(blob).error().context("wrapping the layer key for " + w->scheme());
    }
    std::string key = keys_annotation(w->scheme());
    std::string value = base64_encode(*blob);
    if (auto it = out.find(key); it != out.end()) {
      it->second += "," + value;
    } else {
      out.emplace(std::move(key), std::move(value));
    }
  }
  if (out.empty()) {
    return make_error(Kind::usage, "no recipients to encrypt the layer for");
  }
  out.emplace(std::string(k_annotation_pubopts), base64_encode(serialize_public_options(pub)));
  return out;
}

Result<UnwrappedKeys> unwrap_layer_keys(const std::map<std::string, std::string>& annotations,
                                        const KeyWrappers& wrappers) {
  auto pub_it = annotations.find(std::string(k_annotation_pubopts));
  if (pub_it == annotations.end()) {
    return make_error(Kind::invalid, "encrypted layer has no " + std::string(k_annotation_pubopts) + " annotation");
  }
  auto pub_json = base64_decode(pub_it->second);
  if (!pub_json) {
    return make_error(Kind::invalid, "layer public options annotation is not base64");
  }
  COCO_TRY(PublicOptions pub, parse_public_options(as_string(*pub_json)));

  std::string tried;
  std::optional<Error> last;
  for (const auto& w : wrappers) {
    if (!w->can_unwrap()) {
      continue;
    }
    auto it = annotations.find(keys_annotation(w->scheme()));
    if (it == annotations.end()) {
      continue;
    }
    tried += (tried.empty() ? "" : ", ") + w->scheme();
    COCO_TRY(std::vector<std::string> blobs, split_key_annotation(it->second));
    for (const auto& blob : blobs) {
      auto opts = w->unwrap(as_bytes(blob));
      if (!opts) {
        last = std::move(opts).error().context(w->scheme());
        continue;
      }
      auto priv = parse_private_options(opts->bytes());
      if (!priv) {
        return std::move(priv).error();
      }
      return UnwrappedKeys{std::move(priv).value(), std::move(pub), w->scheme()};
    }
  }
  if (tried.empty()) {
    std::string present;
    for (const auto& [k, v] : annotations) {
      if (k.rfind(k_annotation_keys_prefix, 0) == 0) {
        present += (present.empty() ? "" : ", ") + k.substr(k_annotation_keys_prefix.size());
      }
    }
    return make_error(Kind::not_found, "no key given for this layer's schemes (" +
                                           (present.empty() ? std::string("none") : present) + ")",
                      "pass a decryption key of one of those schemes");
  }
  Error err = make_error(Kind::auth, "no given key opens the layer key (tried " + tried + ")");
  if (last && last->kind != Kind::auth) {
    err = std::move(*last);
  } else if (last) {
    err.hint = last->message;
  }
  return err;
}

} // namespace coco::ocicrypt
