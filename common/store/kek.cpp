#include "common/store/kek.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "common/base/atomic_file.hpp"

namespace coco::store {
namespace {

constexpr std::size_t k_key_size = 32;
constexpr std::size_t k_nonce_size = 12;
constexpr std::size_t k_tag_size = 16;
constexpr std::uint8_t k_format = 0x01;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// TODO(crypto): switch to common/crypto's AES-GCM once the crypto branch lands; until then a private EVP
// call, kept to this file.
Result<Bytes> gcm(bool encrypt, std::span<const std::uint8_t> key, std::span<const std::uint8_t> nonce,
                  std::span<const std::uint8_t> input, std::string_view aad, std::span<std::uint8_t> tag) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) {
    return make_error(Kind::internal, "aes-gcm: out of memory");
  }
  int len = 0;
  Bytes out(input.size());
  bool good = EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr, encrypt ? 1 : 0) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()), nullptr) == 1 &&
              EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key.data(), nonce.data(), -1) == 1 &&
              EVP_CipherUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                               static_cast<int>(aad.size())) == 1 &&
              EVP_CipherUpdate(ctx.get(), out.data(), &len, input.data(), static_cast<int>(input.size())) == 1;
  if (good && !encrypt) {
    good = EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag.size()), tag.data()) == 1;
  }
  int final_len = 0;
  if (!good) {
    return make_error(Kind::internal, "aes-gcm failed");
  }
  if (EVP_CipherFinal_ex(ctx.get(), out.data() + len, &final_len) != 1) {
    secure_zero(out.data(), out.size());
    return make_error(Kind::integrity, "stored value does not authenticate", "the database row was altered or belongs to another key");
  }
  if (encrypt &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag.size()), tag.data()) != 1) {
    return make_error(Kind::internal, "aes-gcm tag failed");
  }
  return out;
}

} // namespace

KeyEncryptionKey::KeyEncryptionKey(Secret key) : m_key(std::move(key)) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(m_key.bytes().data(), m_key.size(), digest, &n, EVP_sha256(), nullptr);
  m_id = hex_encode(std::span<const std::uint8_t>(digest, 8));
}

Result<KeyEncryptionKey> KeyEncryptionKey::from_bytes(std::span<const std::uint8_t> key) {
  if (key.size() != k_key_size) {
    return make_error(Kind::invalid, "key-encryption key must be 32 bytes");
  }
  return KeyEncryptionKey(Secret(key));
}

Result<KeyEncryptionKey> KeyEncryptionKey::load_or_create(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (path.has_parent_path()) {
      std::filesystem::create_directories(path.parent_path(), ec);
      ::chmod(path.parent_path().c_str(), 0700);
    }
    Secret fresh{Bytes(k_key_size)};
    if (RAND_bytes(fresh.mutable_bytes().data(), static_cast<int>(k_key_size)) != 1) {
      return make_error(Kind::internal, "no randomness for the key-encryption key");
    }
    // Exclusive create: two processes starting at once must not write two different keys.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      const bool written = ::write(fd, fresh.bytes().data(), k_key_size) == static_cast<ssize_t>(k_key_size) &&
                           ::fsync(fd) == 0;
      ::close(fd);
      if (!written) {
        std::filesystem::remove(path, ec);
        return make_error(Kind::io, "cannot write key-encryption key " + path.string());
      }
      return KeyEncryptionKey(std::move(fresh));
    }
    if (errno != EEXIST) {
      return make_error(Kind::io, "cannot create key-encryption key " + path.string());
    }
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return make_error(Kind::io, "cannot read key-encryption key " + path.string());
  }
  if ((st.st_mode & 0077) != 0) {
    return make_error(Kind::invalid, "key-encryption key " + path.string() + " is readable by others",
                      "chmod 600 " + path.string());
  }
  COCO_TRY(std::string content, read_file(path));
  Secret key = Secret::from_string(content);
  secure_zero(content.data(), content.size());
  if (key.size() != k_key_size) {
    return make_error(Kind::invalid, "key-encryption key " + path.string() + " is not 32 bytes");
  }
  return KeyEncryptionKey(std::move(key));
}

Result<Bytes> KeyEncryptionKey::seal(std::span<const std::uint8_t> plaintext, std::string_view aad) const {
  Bytes out(1 + k_nonce_size);
  out[0] = k_format;
  if (RAND_bytes(out.data() + 1, static_cast<int>(k_nonce_size)) != 1) {
    return make_error(Kind::internal, "no randomness for a nonce");
  }
  std::uint8_t tag[k_tag_size];
  COCO_TRY(Bytes ct, gcm(true, m_key.bytes(), std::span(out.data() + 1, k_nonce_size), plaintext, aad, tag));
  out.insert(out.end(), ct.begin(), ct.end());
  out.insert(out.end(), tag, tag + k_tag_size);
  return out;
}

Result<Secret> KeyEncryptionKey::open(std::span<const std::uint8_t> sealed, std::string_view aad) const {
  if (sealed.size() < 1 + k_nonce_size + k_tag_size || sealed[0] != k_format) {
    return make_error(Kind::integrity, "stored value has an unknown format");
  }
  Bytes tag(sealed.end() - k_tag_size, sealed.end());
  COCO_TRY(Bytes pt, gcm(false, m_key.bytes(), sealed.subspan(1, k_nonce_size),
                         sealed.subspan(1 + k_nonce_size, sealed.size() - 1 - k_nonce_size - k_tag_size), aad, tag));
  return Secret(std::move(pt));
}

} // namespace coco::store
