#include "common/ocicrypt/layer_cipher.hpp"

#include <array>
#include <future>
#include <vector>

#include "common/crypto/random.hpp"

namespace coco::ocicrypt {

Result<LayerEncryptor> LayerEncryptor::create(std::string plaintext_digest) {
  PrivateOptions options;
  options.symkey = crypto::random_secret(32);
  options.digest = std::move(plaintext_digest);
  options.cipheroptions["nonce"] = crypto::random_bytes(16);
  return create(std::move(options));
}

Result<LayerEncryptor> LayerEncryptor::create(PrivateOptions options) {
  if (options.symkey.size() != 32) {
    return make_error(Kind::invalid, "layer cipher: key must be 32 bytes");
  }
  auto nonce = options.cipheroptions.find("nonce");
  if (nonce == options.cipheroptions.end()) {
    return make_error(Kind::invalid, "layer cipher: no nonce");
  }
  COCO_TRY(crypto::AesCtr ctr, crypto::AesCtr::create(options.symkey.bytes(), nonce->second));
  return LayerEncryptor(std::move(options), std::move(ctr));
}

void LayerEncryptor::update(std::span<std::uint8_t> data) {
  m_ctr.update_in_place(data);
  m_mac.update(data);
}

PublicOptions LayerEncryptor::finish() {
  PublicOptions pub;
  pub.hmac = m_mac.finish();
  return pub;
}

Result<LayerDecryptor> LayerDecryptor::create(const PrivateOptions& priv, const PublicOptions& pub) {
  if (pub.cipher != k_cipher_aes_ctr_hmac) {
    return make_error(Kind::unsupported, "layer cipher \"" + pub.cipher + "\" is not supported (expected " +
                                             std::string(k_cipher_aes_ctr_hmac) + ")");
  }
  if (pub.hmac.size() != 32) {
    return make_error(Kind::integrity, "layer public options carry no valid HMAC");
  }
  if (priv.symkey.size() != 32) {
    return make_error(Kind::invalid, "layer cipher: key must be 32 bytes");
  }
  COCO_TRY(Bytes nonce, layer_nonce(priv, pub));
  if (nonce.size() != 16) {
    return make_error(Kind::invalid, "layer cipher: nonce must be 16 bytes");
  }
  COCO_TRY(crypto::AesCtr ctr, crypto::AesCtr::create(priv.symkey.bytes(), nonce));
  return LayerDecryptor(std::move(ctr), crypto::Hmac(priv.symkey.bytes()), pub.hmac);
}

void LayerDecryptor::update(std::span<std::uint8_t> data) {
  m_mac.update(data);
  m_ctr.update_in_place(data);
}

Status LayerDecryptor::finish() {
  Bytes mac = m_mac.finish();
  if (!constant_time_equal(mac, m_expected)) {
    return make_error(Kind::integrity, "HMAC mismatch: the encrypted layer was altered or its key does not match",
                      "re-pull the image; if it persists the image is corrupt or tampered with");
  }
  return ok();
}

namespace {

// Reads chunks, transforms each in the calling thread, and digests and writes it on a second thread while the
// next chunk is read and transformed: the cipher and the digest of its output run on two cores. `read` and
// `transform` run on the calling thread, `write` on the helper thread, never two writes at once and always in
// order.
Result<std::uint64_t> pipeline(const ReadFn& read, const WriteFn& write, crypto::Digester& digest,
                               const std::function<void(std::span<std::uint8_t>)>& transform, Progress& progress,
                               std::string_view progress_id) {
  std::array<std::vector<std::uint8_t>, 2> buffers{std::vector<std::uint8_t>(k_layer_chunk),
                                                    std::vector<std::uint8_t>(k_layer_chunk)};
  std::future<Status> pending;
  std::size_t cur = 0;
  std::uint64_t total = 0;
  auto drain = [&pending]() -> Status {
    if (pending.valid()) {
      return pending.get();
    }
    return ok();
  };
  while (true) {
    auto n = read(buffers[cur]);
    if (!n) {
      (void)drain();
      return std::move(n).error();
    }
    if (*n == 0) {
      break;
    }
    std::span<std::uint8_t> chunk(buffers[cur].data(), *n);
    transform(chunk);
    COCO_TRY_STATUS(drain());
    pending = std::async(std::launch::async, [&digest, &write, chunk]() -> Status {
      digest.update(chunk);
      return write(chunk);
    });
    total += *n;
    if (!progress_id.empty()) {
      progress.advance(progress_id, *n);
    }
    cur ^= 1;
  }
  COCO_TRY_STATUS(drain());
  return total;
}

} // namespace

Result<EncryptedBlob> encrypt_blob(const ReadFn& read, const WriteFn& write, std::string plaintext_digest,
                                   Progress& progress, std::string_view progress_id) {
  COCO_TRY(LayerEncryptor enc, LayerEncryptor::create(std::move(plaintext_digest)));
  crypto::Digester digest;
  COCO_TRY(std::uint64_t total,
           pipeline(read, write, digest, [&enc](std::span<std::uint8_t> c) { enc.update(c); }, progress, progress_id));
  EncryptedBlob out;
  out.public_options = enc.finish();
  out.private_options = enc.private_options();
  out.digest = digest.finish();
  out.size = total;
  return out;
}

Result<DecryptedBlob> decrypt_blob(const ReadFn& read, const WriteFn& write, const PrivateOptions& priv,
                                   const PublicOptions& pub, Progress& progress, std::string_view progress_id) {
  COCO_TRY(LayerDecryptor dec, LayerDecryptor::create(priv, pub));
  std::optional<crypto::Digest> expected;
  if (auto parsed = crypto::Digest::parse(priv.digest)) {
    expected = std::move(parsed).value();
  }
  crypto::Digester digest(expected ? expected->alg : crypto::HashAlg::sha256);
  COCO_TRY(std::uint64_t total,
           pipeline(read, write, digest, [&dec](std::span<std::uint8_t> c) { dec.update(c); }, progress, progress_id));
  COCO_TRY_STATUS(dec.finish());
  DecryptedBlob out{digest.finish(), total};
  if (expected && !(out.digest == *expected)) {
    return make_error(Kind::integrity, "decrypted layer digest " + out.digest.to_string() +
                                           " does not match the digest in its key options " + expected->to_string());
  }
  return out;
}

} // namespace coco::ocicrypt
