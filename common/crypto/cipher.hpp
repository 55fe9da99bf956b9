// Symmetric ciphers over OpenSSL 3 EVP: AES-CTR as a stream (the ocicrypt layer cipher), AES-GCM one-shot
// (NIST SP 800-38D; 12-byte IV, 16-byte tag, as JWE "A*GCM" in RFC 7518 §5.3) and AES Key Wrap
// (RFC 3394, default IV A6A6A6A6A6A6A6A6; JWE "A*KW", RFC 7518 §4.4).
#pragma once

#include <cstdint>
#include <span>

#include "common/base/encoding.hpp"
#include "common/base/result.hpp"
#include "common/base/secret.hpp"
#include "common/crypto/openssl_handles.hpp"

namespace coco::crypto {

// AES-CTR with a 16-byte IV used as the initial counter block, the whole 128-bit block incremented
// big-endian (Go's cipher.NewCTR, Rust's Ctr128BE). Key 16, 24 or 32 bytes. Encryption and decryption are
// the same operation.
class AesCtr {
public:
  static Result<AesCtr> create(std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv);
  AesCtr(AesCtr&&) noexcept = default;
  AesCtr& operator=(AesCtr&&) noexcept = default;
  AesCtr(const AesCtr&) = delete;
  AesCtr& operator=(const AesCtr&) = delete;
  ~AesCtr() = default;

  // XOR the key stream into `in`, writing out[0..in.size()). out may alias in exactly (in place).
  void update(std::span<const std::uint8_t> in, std::span<std::uint8_t> out);
  void update_in_place(std::span<std::uint8_t> data) { update(data, data); }

private:
  explicit AesCtr(ossl::CipherCtx ctx) : m_ctx(std::move(ctx)) {}
  ossl::CipherCtx m_ctx;
};

struct GcmSealed {
  Bytes ciphertext;
  Bytes tag; // 16 bytes
};

// key: 16, 24 or 32 bytes; iv: 12 bytes.
Result<GcmSealed> aes_gcm_encrypt(std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
                                  std::span<const std::uint8_t> plaintext, std::span<const std::uint8_t> aad = {});
// Fails with Kind::integrity when the tag does not verify; nothing of the plaintext is returned then.
Result<Secret> aes_gcm_decrypt(std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
                               std::span<const std::uint8_t> ciphertext, std::span<const std::uint8_t> aad,
                               std::span<const std::uint8_t> tag);

// RFC 3394 with KEK of 16/24/32 bytes (A128KW/A192KW/A256KW); key_data a multiple of 8 bytes, >= 16.
Result<Bytes> aes_key_wrap(std::span<const std::uint8_t> kek, std::span<const std::uint8_t> key_data);
// Fails with Kind::integrity when the integrity check value does not match (wrong KEK or tampering).
Result<Secret> aes_key_unwrap(std::span<const std::uint8_t> kek, std::span<const std::uint8_t> wrapped);

} // namespace coco::crypto
