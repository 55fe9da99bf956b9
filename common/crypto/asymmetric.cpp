#include "common/crypto/asymmetric.hpp"

#include <algorithm>

#include <openssl/rsa.h>

#include "common/crypto/hash.hpp"

namespace coco::crypto {
namespace {

Status set_padding(EVP_PKEY_CTX* ctx, RsaPadding padding) {
  if (padding == RsaPadding::pkcs1_v15) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1) {
      return ossl::error(Kind::internal, "cannot set RSA PKCS#1 padding");
    }
    return ok();
  }
  const EVP_MD* md = padding == RsaPadding::oaep_sha1 ? EVP_sha1() : EVP_sha256();
  if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 || EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) != 1) {
    return ossl::error(Kind::internal, "cannot set RSA-OAEP parameters");
  }
  return ok();
}

void put_be32(Bytes& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 24));
  out.push_back(static_cast<std::uint8_t>(v >> 16));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

} // namespace

Result<Bytes> rsa_encrypt(const PublicKey& key, RsaPadding padding, std::span<const std::uint8_t> plaintext) {
  if (key.type() != KeyType::rsa) {
    return make_error(Kind::invalid, "RSA encryption needs an RSA key");
  }
  ossl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1) {
    return ossl::error(Kind::internal, "RSA encryption initialisation failed");
  }
  COCO_TRY_STATUS(set_padding(ctx.get(), padding));
  std::size_t len = 0;
  if (EVP_PKEY_encrypt(ctx.get(), nullptr, &len, plaintext.data(), plaintext.size()) != 1) {
    return ossl::error(Kind::invalid, "RSA encryption failed");
  }
  Bytes out(len);
  if (EVP_PKEY_encrypt(ctx.get(), out.data(), &len, plaintext.data(), plaintext.size()) != 1) {
    return ossl::error(Kind::invalid, "RSA encryption failed (message too long for the key?)");
  }
  out.resize(len);
  return out;
}

Result<Secret> rsa_decrypt(const PrivateKey& key, RsaPadding padding, std::span<const std::uint8_t> ciphertext) {
  if (key.type() != KeyType::rsa) {
    return make_error(Kind::invalid, "RSA decryption needs an RSA key");
  }
  ossl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1) {
    return ossl::error(Kind::internal, "RSA decryption initialisation failed");
  }
  COCO_TRY_STATUS(set_padding(ctx.get(), padding));
  std::size_t len = 0;
  if (EVP_PKEY_decrypt(ctx.get(), nullptr, &len, ciphertext.data(), ciphertext.size()) != 1) {
    ossl::clear_errors();
    return make_error(Kind::integrity, "RSA decryption failed (wrong key or tampered data)");
  }
  Secret out(Bytes(len, 0));
  if (EVP_PKEY_decrypt(ctx.get(), out.mutable_bytes().data(), &len, ciphertext.data(), ciphertext.size()) != 1) {
    ossl::clear_errors();
    return make_error(Kind::integrity, "RSA decryption failed (wrong key or tampered data)");
  }
  Bytes trimmed(out.bytes().begin(), out.bytes().begin() + static_cast<std::ptrdiff_t>(len));
  return Secret(std::move(trimmed));
}

Result<Secret> ecdh_derive(const PrivateKey& key, const PublicKey& peer) {
  if (key.type() != KeyType::ec || peer.type() != KeyType::ec) {
    return make_error(Kind::invalid, "ECDH needs EC keys");
  }
  if (key.curve() != peer.curve()) {
    return make_error(Kind::invalid, "ECDH keys are on different curves");
  }
  ossl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) {
    return ossl::error(Kind::internal, "ECDH initialisation failed");
  }
  if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.get(), 1) != 1) {
    return ossl::error(Kind::invalid, "ECDH: invalid peer public key");
  }
  std::size_t len = 0;
  if (EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1) {
    return ossl::error(Kind::internal, "ECDH failed");
  }
  Secret z(Bytes(len, 0));
  if (EVP_PKEY_derive(ctx.get(), z.mutable_bytes().data(), &len) != 1) {
    return ossl::error(Kind::internal, "ECDH failed");
  }
  return z;
}

Secret concat_kdf_sha256(std::span<const std::uint8_t> z, std::size_t key_length, std::string_view algorithm_id,
                         std::span<const std::uint8_t> apu, std::span<const std::uint8_t> apv) {
  Bytes other_info;
  put_be32(other_info, static_cast<std::uint32_t>(algorithm_id.size()));
  other_info.insert(other_info.end(), algorithm_id.begin(), algorithm_id.end());
  put_be32(other_info, static_cast<std::uint32_t>(apu.size()));
  other_info.insert(other_info.end(), apu.begin(), apu.end());
  put_be32(other_info, static_cast<std::uint32_t>(apv.size()));
  other_info.insert(other_info.end(), apv.begin(), apv.end());
  put_be32(other_info, static_cast<std::uint32_t>(key_length * 8));

  Secret out(Bytes(key_length, 0));
  std::size_t done = 0;
  for (std::uint32_t counter = 1; done < key_length; ++counter) {
    Bytes counter_bytes;
    put_be32(counter_bytes, counter);
    Hasher h(HashAlg::sha256);
    h.update(counter_bytes);
    h.update(z);
    h.update(other_info);
    Bytes block = h.finish();
    std::size_t take = std::min(block.size(), key_length - done);
    std::copy_n(block.begin(), take, out.mutable_bytes().begin() + static_cast<std::ptrdiff_t>(done));
    secure_zero(block.data(), block.size());
    done += take;
  }
  return out;
}

} // namespace coco::crypto
