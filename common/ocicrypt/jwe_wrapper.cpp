#include "common/ocicrypt/jwe_wrapper.hpp"

#include "common/base/atomic_file.hpp"

namespace coco::ocicrypt {
namespace {

bool looks_like_json(std::span<const std::uint8_t> data) {
  std::string_view text = as_string(data);
  auto first = text.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && text[first] == '{';
}

} // namespace

Result<jose::JweRecipient> load_jwe_recipient(std::span<const std::uint8_t> data) {
  if (looks_like_json(data)) {
    COCO_TRY(jose::Jwk jwk, jose::Jwk::parse_text(as_string(data)));
    return jose::JweRecipient{jwk.public_key(), jwk.alg(), jwk.kid()};
  }
  COCO_TRY(crypto::PublicKey key, crypto::PublicKey::load(data));
  return jose::JweRecipient{std::move(key), {}, {}};
}

Result<jose::JweRecipient> load_jwe_recipient_file(const std::filesystem::path& path) {
  COCO_TRY(std::string text, read_file(path));
  auto r = load_jwe_recipient(as_bytes(text));
  if (!r) {
    return std::move(r).error().context(path.string());
  }
  return r;
}

Result<crypto::PrivateKey> load_jwe_private_key(std::span<const std::uint8_t> data,
                                                std::optional<std::string_view> passphrase) {
  if (looks_like_json(data)) {
    COCO_TRY(jose::Jwk jwk, jose::Jwk::parse_text(as_string(data)));
    if (!jwk.is_private()) {
      return make_error(Kind::invalid, "JWK has no private key members");
    }
    return *jwk.private_key();
  }
  return crypto::PrivateKey::load(data, passphrase);
}

Result<crypto::PrivateKey> load_jwe_private_key_file(const std::filesystem::path& path,
                                                     std::optional<std::string_view> passphrase) {
  COCO_TRY(std::string text, read_file(path));
  auto key = load_jwe_private_key(as_bytes(text), passphrase);
  secure_zero(text.data(), text.size());
  if (!key) {
    return std::move(key).error().context(path.string());
  }
  return key;
}

Result<Bytes> JweKeyWrapper::wrap(const Secret& private_options) {
  COCO_TRY(jose::Json jwe, jose::jwe_encrypt(private_options.bytes(), m_recipients, "A256GCM"));
  return to_bytes(jwe.dump());
}

Result<Secret> JweKeyWrapper::unwrap(std::span<const std::uint8_t> blob) {
  std::optional<Error> first;
  for (const auto& key : m_keys) {
    auto out = jose::jwe_decrypt(as_string(blob), key);
    if (out) {
      return out;
    }
    if (out.error().kind != Kind::auth) {
      return std::move(out).error();
    }
    if (!first) {
      first = std::move(out).error();
    }
  }
  if (first) {
    return std::move(*first);
  }
  return make_error(Kind::auth, "no JWE decryption key given");
}

} // namespace coco::ocicrypt
