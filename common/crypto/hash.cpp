#include "common/crypto/hash.hpp"

#include <stdexcept>

namespace coco::crypto {

std::string_view hash_name(HashAlg alg) {
  switch (alg) {
  case HashAlg::sha1: return "sha1";
  case HashAlg::sha256: return "sha256";
  case HashAlg::sha384: return "sha384";
  case HashAlg::sha512: return "sha512";
  case HashAlg::md5: return "md5";
  }
  return "sha256";
}

std::optional<HashAlg> hash_from_name(std::string_view name) {
  for (HashAlg alg : {HashAlg::sha1, HashAlg::sha256, HashAlg::sha384, HashAlg::sha512, HashAlg::md5}) {
    if (hash_name(alg) == name) {
      return alg;
    }
  }
  return std::nullopt;
}

std::size_t hash_size(HashAlg alg) {
  switch (alg) {
  case HashAlg::sha1: return 20;
  case HashAlg::sha256: return 32;
  case HashAlg::sha384: return 48;
  case HashAlg::sha512: return 64;
  case HashAlg::md5: return 16;
  }
  return 32;
}

const EVP_MD* evp_md(HashAlg alg) {
  switch (alg) {
  case HashAlg::sha1: return EVP_sha1();
  case HashAlg::sha256: return EVP_sha256();
  case HashAlg::sha384: return EVP_sha384();
  case HashAlg::sha512: return EVP_sha512();
  case HashAlg::md5: return EVP_md5();
  }
  return EVP_sha256();
}

Hasher::Hasher(HashAlg alg) : m_alg(alg), m_ctx(EVP_MD_CTX_new()) {
  if (!m_ctx || EVP_DigestInit_ex(m_ctx.get(), evp_md(alg), nullptr) != 1) {
    throw std::runtime_error("EVP_DigestInit_ex failed");
  }
}

void Hasher::update(std::span<const std::uint8_t> data) {
  if (!data.empty() && EVP_DigestUpdate(m_ctx.get(), data.data(), data.size()) != 1) {
    throw std::runtime_error("EVP_DigestUpdate failed");
  }
}

Bytes Hasher::finish() {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(m_ctx.get(), out.data(), &len) != 1 ||
      EVP_DigestInit_ex(m_ctx.get(), evp_md(m_alg), nullptr) != 1) {
    throw std::runtime_error("EVP_DigestFinal_ex failed");
  }
  out.resize(len);
  return out;
}

Bytes hash(HashAlg alg, std::span<const std::uint8_t> data) {
  Hasher h(alg);
  h.update(data);
  return h.finish();
}

std::string Digest::to_string() const { return std::string(hash_name(alg)) + ":" + hex_encode(value); }

Result<Digest> Digest::parse(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    return make_error(Kind::invalid, "digest '" + std::string(text) + "': missing 'algorithm:' prefix");
  }
  auto alg = hash_from_name(text.substr(0, colon));
  if (!alg) {
    return make_error(Kind::unsupported,
                      "digest '" + std::string(text) + "': unsupported algorithm '" + std::string(text.substr(0, colon)) + "'");
  }
  std::string_view hex = text.substr(colon + 1);
  if (hex.size() != hash_size(*alg) * 2) {
    return make_error(Kind::invalid, "digest '" + std::string(text) + "': wrong length for " + std::string(hash_name(*alg)));
  }
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return make_error(Kind::invalid, "digest '" + std::string(text) + "': not lowercase hex");
    }
  }
  COCO_TRY(Bytes value, hex_decode(hex));
  return Digest{*alg, std::move(value)};
}

Digest Digest::of(HashAlg alg, std::span<const std::uint8_t> data) { return Digest{alg, hash(alg, data)}; }

} // namespace coco::crypto
