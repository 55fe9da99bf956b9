#include "common/crypto/cipher.hpp"

#include <climits>
#include <stdexcept>
#include <string>

namespace coco::crypto {
namespace {

const EVP_CIPHER* ctr_cipher(std::size_t key_size) {
  switch (key_size) {
  case 16: return EVP_aes_128_ctr();
  case 24: return EVP_aes_192_ctr();
  case 32: return EVP_aes_256_ctr();
  default: return nullptr;
  }
}

const EVP_CIPHER* gcm_cipher(std::size_t key_size) {
  switch (key_size) {
  case 16: return EVP_aes_128_gcm();
  case 24: return EVP_aes_192_gcm();
  case 32: return EVP_aes_256_gcm();
  default: return nullptr;
  }
}

const EVP_CIPHER* wrap_cipher(std::size_t key_size) {
  switch (key_size) {
  case 16: return EVP_aes_128_wrap();
  case 24: return EVP_aes_192_wrap();
  case 32: return EVP_aes_256_wrap();
  default: return nullptr;
  }
}

Error bad_key_size(std::string_view what, std::size_t size) {
  return make_error(Kind::invalid, std::string(what) + ": key of " + std::to_string(size) +
                                       " bytes (expected 16, 24 or 32)");
}

bool fits_int(std::size_t n) { return n <= static_cast<std::size_t>(INT_MAX); }

} // namespace

Result<AesCtr> AesCtr::create(std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv) {
  const EVP_CIPHER* cipher = ctr_cipher(key.size());
  if (cipher == nullptr) {
    return bad_key_size("aes-ctr", key.size());
  }
  if (iv.size() != 16) {
    return make_error(Kind::invalid, "aes-ctr: nonce of " + std::to_string(iv.size()) + " bytes (expected 16)");
  }
  ossl::CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, key.data(), iv.data()) != 1) {
    return ossl::error(Kind::internal, "aes-ctr: cipher initialisation failed");
  }
  return AesCtr(std::move(ctx));
}

void AesCtr::update(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) {
  if (out.size() < in.size()) {
    throw std::logic_error("AesCtr::update: output smaller than input");
  }
  std::size_t done = 0;
  while (done < in.size()) {
    // EVP lengths are int: feed at most 1 GiB per call.
    std::size_t chunk = std::min<std::size_t>(in.size() - done, std::size_t{1} << 30);
    int len = 0;
    if (EVP_EncryptUpdate(m_ctx.get(), out.data() + done, &len, in.data() + done, static_cast<int>(chunk)) != 1 ||
        static_cast<std::size_t>(len) != chunk) {
      throw std::runtime_error("EVP_EncryptUpdate(aes-ctr) failed");
    }
    done += chunk;
  }
}

Result<GcmSealed> aes_gcm_encrypt(std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
                                  std::span<const std::uint8_t> plaintext, std::span<const std::uint8_t> aad) {
  const EVP_CIPHER* cipher = gcm_cipher(key.size());
  if (cipher == nullptr) {
    return bad_key_size("aes-gcm", key.size());
  }
  if (iv.size() != 12) {
    return make_error(Kind::invalid, "aes-gcm: iv of " + std::to_string(iv.size()) + " bytes (expected 12)");
  }
  if (!fits_int(plaintext.size()) || !fits_int(aad.size())) {
    return make_error(Kind::invalid, "aes-gcm: input too large");
  }
  ossl::CipherCtx ctx(EVP_CIPHER_CTX_new());
  GcmSealed out;
  out.ciphertext.resize(plaintext.size());
  out.tag.resize(16);
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, key.data(), iv.data()) != 1 ||
      (!aad.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) ||
      EVP_EncryptUpdate(ctx.get(), out.ciphertext.data(), &len, plaintext.data(), static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.ciphertext.data() + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, out.tag.data()) != 1) {
    return ossl::error(Kind::internal, "aes-gcm: encryption failed");
  }
  return out;
}

Result<Secret> aes_gcm_decrypt(std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
                               std::span<const std::uint8_t> ciphertext, std::span<const std::uint8_t> aad,
                               std::span<const std::uint8_t> tag) {
  const EVP_CIPHER* cipher = gcm_cipher(key.size());
  if (cipher == nullptr) {
    return bad_key_size("aes-gcm", key.size());
  }
  if (iv.size() != 12) {
    return make_error(Kind::invalid, "aes-gcm: iv of " + std::to_string(iv.size()) + " bytes (expected 12)");
  }
  if (tag.size() != 16) {
    return make_error(Kind::invalid, "aes-gcm: tag of " + std::to_string(tag.size()) + " bytes (expected 16)");
  }
  if (!fits_int(ciphertext.size()) || !fits_int(aad.size())) {
    return make_error(Kind::invalid, "aes-gcm: input too large");
  }
  ossl::CipherCtx ctx(EVP_CIPHER_CTX_new());
  Secret out(Bytes(ciphertext.size(), 0));
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, key.data(), iv.data()) != 1 ||
      (!aad.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) ||
      EVP_DecryptUpdate(ctx.get(), out.mutable_bytes().data(), &len, ciphertext.data(),
                        static_cast<int>(ciphertext.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, 16, const_cast<std::uint8_t*>(tag.data())) != 1) {
    return ossl::error(Kind::internal, "aes-gcm: decryption failed");
  }
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), out.mutable_bytes().data() + len, &final_len) != 1) {
    ossl::clear_errors();
    return make_error(Kind::integrity, "aes-gcm: authentication tag mismatch");
  }
  return out;
}

Result<Bytes> aes_key_wrap(std::span<const std::uint8_t> kek, std::span<const std::uint8_t> key_data) {
  const EVP_CIPHER* cipher = wrap_cipher(kek.size());
  if (cipher == nullptr) {
    return bad_key_size("aes key wrap", kek.size());
  }
  if (key_data.size() < 16 || key_data.size() % 8 != 0 || !fits_int(key_data.size())) {
    return make_error(Kind::invalid, "aes key wrap: key data of " + std::to_string(key_data.size()) +
                                         " bytes (expected a multiple of 8, at least 16)");
  }
  ossl::CipherCtx ctx(EVP_CIPHER_CTX_new());
  Bytes out(key_data.size() + 8);
  int len = 0;
  int final_len = 0;
  if (!ctx) {
    return ossl::error(Kind::internal, "aes key wrap: out of memory");
  }
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  if (EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, kek.data(), nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &len, key_data.data(), static_cast<int>(key_data.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &final_len) != 1) {
    return ossl::error(Kind::internal, "aes key wrap failed");
  }
  out.resize(static_cast<std::size_t>(len + final_len));
  return out;
}

Result<Secret> aes_key_unwrap(std::span<const std::uint8_t> kek, std::span<const std::uint8_t> wrapped) {
  const EVP_CIPHER* cipher = wrap_cipher(kek.size());
  if (cipher == nullptr) {
    return bad_key_size("aes key unwrap", kek.size());
  }
  if (wrapped.size() < 24 || wrapped.size() % 8 != 0 || !fits_int(wrapped.size())) {
    return make_error(Kind::invalid, "aes key unwrap: wrapped key of " + std::to_string(wrapped.size()) +
                                         " bytes (expected a multiple of 8, at least 24)");
  }
  ossl::CipherCtx ctx(EVP_CIPHER_CTX_new());
  Secret out(Bytes(wrapped.size(), 0));
  int len = 0;
  int final_len = 0;
  if (!ctx) {
    return ossl::error(Kind::internal, "aes key unwrap: out of memory");
  }
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  if (EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, kek.data(), nullptr) != 1) {
    return ossl::error(Kind::internal, "aes key unwrap failed");
  }
  if (EVP_DecryptUpdate(ctx.get(), out.mutable_bytes().data(), &len, wrapped.data(), static_cast<int>(wrapped.size())) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), out.mutable_bytes().data() + len, &final_len) != 1) {
    ossl::clear_errors();
    return make_error(Kind::integrity, "aes key unwrap: integrity check failed (wrong key or tampered data)");
  }
  Bytes trimmed(out.bytes().begin(), out.bytes().begin() + len + final_len);
  return Secret(std::move(trimmed));
}

} // namespace coco::crypto
