// Asymmetric encryption and key agreement over OpenSSL 3 EVP: RSAES-OAEP and RSAES-PKCS1-v1_5 (RFC 8017 §7),
// ECDH (SP 800-56A, the shared secret Z = x coordinate) and the Concat KDF of SP 800-56A §5.8.1 as JWE uses
// it for ECDH-ES (RFC 7518 §4.6.2).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "common/base/encoding.hpp"
#include "common/base/result.hpp"
#include "common/base/secret.hpp"
#include "common/crypto/key.hpp"

namespace coco::crypto {

// OAEP: the label is empty and MGF1 uses the same hash as OAEP (JWE RSA-OAEP = SHA-1, RSA-OAEP-256 = SHA-256).
enum class RsaPadding { oaep_sha1, oaep_sha256, pkcs1_v15 };

Result<Bytes> rsa_encrypt(const PublicKey& key, RsaPadding padding, std::span<const std::uint8_t> plaintext);
// Kind::integrity when the padding does not check (wrong key or tampering).
Result<Secret> rsa_decrypt(const PrivateKey& key, RsaPadding padding, std::span<const std::uint8_t> ciphertext);

// Z for a private key and a peer public key on the same curve; the peer key is validated.
Result<Secret> ecdh_derive(const PrivateKey& key, const PublicKey& peer);

// RFC 7518 §4.6.2: key_length bytes of
//   SHA-256(counter_be32 || Z || len32(alg) || alg || len32(apu) || apu || len32(apv) || apv || keybits_be32)
// over counters 1, 2, ...
Secret concat_kdf_sha256(std::span<const std::uint8_t> z, std::size_t key_length, std::string_view algorithm_id,
                         std::span<const std::uint8_t> apu = {}, std::span<const std::uint8_t> apv = {});

} // namespace coco::crypto
