#include "common/oci/digest.hpp"

#include <openssl/evp.h>

#include <stdexcept>

#include "common/base/encoding.hpp"

namespace coco::oci {

namespace {

bool is_lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// The image spec's algorithm grammar: [a-z0-9]+ ([+._-] [a-z0-9]+)*.
bool valid_algorithm(std::string_view a) {
  if (a.empty() || !is_alnum(a.front()) || !is_alnum(a.back())) {
    return false;
  }
  bool prev_sep = false;
  for (char c : a) {
    bool sep = c == '+' || c == '.' || c == '_' || c == '-';
    if (!sep && !is_alnum(c)) {
      return false;
    }
    if (sep && prev_sep) {
      return false;
    }
    prev_sep = sep;
  }
  return true;
}

} // namespace

Result<Digest> parse_digest(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    return make_error(Kind::invalid, "invalid digest '" + std::string(text) + "': missing algorithm",
                      "a digest is written sha256:<64 hex digits>");
  }
  std::string_view algorithm = text.substr(0, colon);
  std::string_view encoded = text.substr(colon + 1);
  if (!valid_algorithm(algorithm)) {
    return make_error(Kind::invalid, "invalid digest '" + std::string(text) + "': bad algorithm");
  }
  if (algorithm != "sha256") {
    return make_error(Kind::unsupported, "unsupported digest algorithm '" + std::string(algorithm) + "'",
                      "only sha256 digests are supported");
  }
  if (encoded.size() != 64 || !is_lower_hex(encoded)) {
    return make_error(Kind::invalid, "invalid digest '" + std::string(text) + "': expected 64 lowercase hex digits");
  }
  return Digest{std::string(encoded)};
}

struct Sha256::State {
  EVP_MD_CTX* ctx = nullptr;
  ~State() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : m_state(std::make_unique<State>()) {
  m_state->ctx = EVP_MD_CTX_new();
  if (m_state->ctx == nullptr || EVP_DigestInit_ex(m_state->ctx, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("sha256 init failed");
  }
}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(std::span<const std::uint8_t> data) {
  if (!data.empty()) {
    EVP_DigestUpdate(m_state->ctx, data.data(), data.size());
  }
}
void Sha256::update(std::string_view data) { update(as_bytes(data)); }

Digest Sha256::finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(m_state->ctx, out, &len);
  EVP_DigestInit_ex(m_state->ctx, EVP_sha256(), nullptr);
  return Digest{hex_encode(std::span<const std::uint8_t>(out, len))};
}

Digest digest_of(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.finish();
}

} // namespace coco::oci
