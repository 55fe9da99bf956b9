#include "common/store/kek.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>

#include "common/base/atomic_file.hpp"
#include "common/crypto/cipher.hpp"
#include "common/crypto/hash.hpp"
#include "common/crypto/random.hpp"

namespace coco::store {
namespace {

constexpr std::size_t k_key_size = 32;
constexpr std::size_t k_nonce_size = 12;
constexpr std::size_t k_tag_size = 16;
constexpr std::uint8_t k_format = 0x01;

} // namespace

KeyEncryptionKey::KeyEncryptionKey(Secret key) : m_key(std::move(key)) {
  const Bytes digest = crypto::sha256(m_key.bytes());
  m_id = hex_encode(std::span<const std::uint8_t>(digest.data(), 8));
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
    Secret fresh = crypto::random_secret(k_key_size);
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
  const Bytes nonce = crypto::random_bytes(k_nonce_size);
  COCO_TRY(auto sealed, crypto::aes_gcm_encrypt(m_key.bytes(), nonce, plaintext, as_bytes(aad)));
  Bytes out;
  out.reserve(1 + k_nonce_size + sealed.ciphertext.size() + k_tag_size);
  out.push_back(k_format);
  out.insert(out.end(), nonce.begin(), nonce.end());
  out.insert(out.end(), sealed.ciphertext.begin(), sealed.ciphertext.end());
  out.insert(out.end(), sealed.tag.begin(), sealed.tag.end());
  return out;
}

Result<Secret> KeyEncryptionKey::open(std::span<const std::uint8_t> sealed, std::string_view aad) const {
  if (sealed.size() < 1 + k_nonce_size + k_tag_size || sealed[0] != k_format) {
    return make_error(Kind::integrity, "stored value has an unknown format");
  }
  auto plain = crypto::aes_gcm_decrypt(m_key.bytes(), sealed.subspan(1, k_nonce_size),
                                       sealed.subspan(1 + k_nonce_size, sealed.size() - 1 - k_nonce_size - k_tag_size),
                                       as_bytes(aad), sealed.subspan(sealed.size() - k_tag_size));
  if (!plain) {
    return make_error(Kind::integrity, "stored value does not authenticate",
                      "the database row was altered or belongs to another key-encryption key");
  }
  return std::move(*plain);
}

} // namespace coco::store
