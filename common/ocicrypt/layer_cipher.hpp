// The ocicrypt layer cipher AES_256_CTR_HMAC_SHA256 (containers/ocicrypt blockcipher/blockcipher_aes_ctr.go):
// a random 32-byte key and 16-byte nonce per layer; AES-256-CTR with the nonce as the initial 128-bit
// big-endian counter block; HMAC-SHA256 keyed with the same key over the ciphertext only. The blob encrypted
// is the layer blob as stored (compressed); nothing is recompressed.
//
// Streaming and constant memory: data passes through in chunks. On decryption the MAC can only be checked at
// the end, so the plaintext written before finish() is untrusted: callers write it to a temporary (an
// AtomicFile) and commit only when decrypt_blob / LayerDecryptor::finish() succeed.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "common/base/progress.hpp"
#include "common/base/result.hpp"
#include "common/crypto/cipher.hpp"
#include "common/crypto/hash.hpp"
#include "common/crypto/hmac.hpp"
#include "common/ocicrypt/options.hpp"

namespace coco::ocicrypt {

// Reads up to buffer.size() bytes; 0 means end of stream.
using ReadFn = std::function<Result<std::size_t>(std::span<std::uint8_t> buffer)>;
using WriteFn = std::function<Status(std::span<const std::uint8_t> data)>;

class LayerEncryptor {
public:
  // Fresh random key and nonce; `plaintext_digest` is recorded in the private options.
  static Result<LayerEncryptor> create(std::string plaintext_digest);
  // With a given key and nonce (tests, deterministic vectors).
  static Result<LayerEncryptor> create(PrivateOptions options);

  // Encrypts in place.
  void update(std::span<std::uint8_t> data);
  // The public options (with the HMAC); call once, after the last update.
  PublicOptions finish();
  [[nodiscard]] const PrivateOptions& private_options() const { return m_options; }

private:
  LayerEncryptor(PrivateOptions options, crypto::AesCtr ctr)
      : m_options(std::move(options)), m_ctr(std::move(ctr)), m_mac(m_options.symkey.bytes()) {}
  PrivateOptions m_options;
  crypto::AesCtr m_ctr;
  crypto::Hmac m_mac;
};

class LayerDecryptor {
public:
  // Checks the cipher name, key and nonce sizes, and that the public options carry an HMAC.
  static Result<LayerDecryptor> create(const PrivateOptions& priv, const PublicOptions& pub);

  // MACs the ciphertext, then decrypts in place. The output is untrusted until finish() succeeds.
  void update(std::span<std::uint8_t> data);
  // Kind::integrity ("HMAC mismatch") when the ciphertext was altered or the options do not belong to it.
  Status finish();

private:
  LayerDecryptor(crypto::AesCtr ctr, crypto::Hmac mac, Bytes expected)
      : m_ctr(std::move(ctr)), m_mac(std::move(mac)), m_expected(std::move(expected)) {}
  crypto::AesCtr m_ctr;
  crypto::Hmac m_mac;
  Bytes m_expected;
};

struct EncryptedBlob {
  PrivateOptions private_options;
  PublicOptions public_options;
  crypto::Digest digest;  // of the ciphertext: the new descriptor digest
  std::uint64_t size = 0;
};

struct DecryptedBlob {
  crypto::Digest digest;  // of the plaintext
  std::uint64_t size = 0;
};

inline constexpr std::size_t k_layer_chunk = std::size_t{256} << 10;

// Encrypts a whole stream. `progress_id` (if set) names the task reported to `progress`.
//
// Both functions use two threads: `read` and the cipher run on the calling thread, the digest of the output
// and `write` on a helper thread, overlapping the next read. `write` calls are sequential and in order, but
// may run at the same time as `read`: the two must not share unsynchronised state.
Result<EncryptedBlob> encrypt_blob(const ReadFn& read, const WriteFn& write, std::string plaintext_digest,
                                   Progress& progress = Progress::none(), std::string_view progress_id = {});
// Decrypts a whole stream and checks the HMAC, then that the plaintext digest equals the private options'
// `digest` when that names a supported algorithm. Only on success may the caller commit what `write` received.
Result<DecryptedBlob> decrypt_blob(const ReadFn& read, const WriteFn& write, const PrivateOptions& priv,
                                   const PublicOptions& pub, Progress& progress = Progress::none(),
                                   std::string_view progress_id = {});

} // namespace coco::ocicrypt
