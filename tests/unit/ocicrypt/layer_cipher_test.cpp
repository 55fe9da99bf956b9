#include "common/ocicrypt/layer_cipher.hpp"

#include <cstdlib>

#include <catch2/catch.hpp>

#include "common/base/atomic_file.hpp"
#include "common/crypto/random.hpp"
#include "tests/unit/test_util.hpp"

using namespace coco;
using namespace coco::ocicrypt;

namespace {

struct Memory {
  Bytes data;
  std::size_t pos = 0;
  ReadFn reader() {
    return [this](std::span<std::uint8_t> buf) -> Result<std::size_t> {
      // Odd-sized reads, to exercise chunk boundaries.
      std::size_t n = std::min({buf.size(), data.size() - pos, std::size_t{700001}});
      std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(pos), n, buf.begin());
      pos += n;
      return n;
    };
  }
};

WriteFn collect(Bytes& out) {
  return [&out](std::span<const std::uint8_t> d) -> Status {
    out.insert(out.end(), d.begin(), d.end());
    return ok();
  };
}

int sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

} // namespace

TEST_CASE("a layer encrypts and decrypts back with its options", "[ocicrypt]") {
  Memory plain{crypto::random_bytes(3 * k_layer_chunk + 12345)};
  std::string digest = crypto::Digest::of(plain.data).to_string();
  Bytes ciphertext;
  auto enc = encrypt_blob(plain.reader(), collect(ciphertext), digest);
  REQUIRE(enc);
  CHECK(enc->size == plain.data.size());
  CHECK(enc->digest == crypto::Digest::of(ciphertext));
  CHECK(ciphertext != plain.data);
  CHECK(enc->private_options.digest == digest);
  CHECK(enc->private_options.cipheroptions.at("nonce").size() == 16);

  Memory cipher{ciphertext};
  Bytes back;
  auto dec = decrypt_blob(cipher.reader(), collect(back), enc->private_options, enc->public_options);
  REQUIRE(dec);
  CHECK(back == plain.data);
  CHECK(dec->digest.to_string() == digest);
}

TEST_CASE("the layer cipher is AES-256-CTR and HMAC-SHA256 over the ciphertext, as openssl computes them", "[ocicrypt]") {
  coco::test::TempDir dir;
  Bytes plain = crypto::random_bytes(100000);
  REQUIRE(write_file_atomic(dir / "plain", as_string(plain)));
  Memory in{plain};
  Bytes ciphertext;
  auto enc = encrypt_blob(in.reader(), collect(ciphertext), "sha256:x");
  REQUIRE(enc);
  std::string key = hex_encode(enc->private_options.symkey.bytes());
  std::string iv = hex_encode(enc->private_options.cipheroptions.at("nonce"));
  REQUIRE(sh("openssl enc -aes-256-ctr -K " + key + " -iv " + iv + " -in " + (dir / "plain").string() + " -out " +
             (dir / "ct").string()) == 0);
  CHECK(read_file(dir / "ct").value() == std::string(as_string(ciphertext)));
  REQUIRE(sh("openssl dgst -sha256 -mac HMAC -macopt hexkey:" + key + " -binary -out " + (dir / "mac").string() + " " +
             (dir / "ct").string()) == 0);
  CHECK(read_file(dir / "mac").value() == std::string(as_string(enc->public_options.hmac)));
}

TEST_CASE("one flipped ciphertext byte fails the HMAC at the end", "[ocicrypt]") {
  Memory plain{crypto::random_bytes(50000)};
  Bytes ciphertext;
  auto enc = encrypt_blob(plain.reader(), collect(ciphertext), crypto::Digest::of(plain.data).to_string());
  REQUIRE(enc);
  for (std::size_t pos : {std::size_t{0}, std::size_t{25000}, ciphertext.size() - 1}) {
    Memory cipher{ciphertext};
    cipher.data[pos] ^= 0x01;
    Bytes back;
    auto dec = decrypt_blob(cipher.reader(), collect(back), enc->private_options, enc->public_options);
    REQUIRE_FALSE(dec);
    CHECK(dec.error().kind == Kind::integrity);
    CHECK(dec.error().message.find("HMAC mismatch") != std::string::npos);
  }
  // A different HMAC in the public options fails the same way.
  PublicOptions wrong = enc->public_options;
  wrong.hmac[0] ^= 1;
  Memory cipher{ciphertext};
  Bytes back;
  CHECK(decrypt_blob(cipher.reader(), collect(back), enc->private_options, wrong).error().kind == Kind::integrity);
}

TEST_CASE("decryption without an HMAC, with a bad nonce or an unknown cipher is refused", "[ocicrypt]") {
  PrivateOptions priv;
  priv.symkey = crypto::random_secret(32);
  priv.cipheroptions["nonce"] = Bytes(16);
  PublicOptions pub;
  CHECK(LayerDecryptor::create(priv, pub).error().kind == Kind::integrity);
  pub.hmac = Bytes(32);
  CHECK(LayerDecryptor::create(priv, pub));
  priv.cipheroptions["nonce"] = Bytes(12);
  CHECK_FALSE(LayerDecryptor::create(priv, pub));
  priv.cipheroptions["nonce"] = Bytes(16);
  pub.cipher = "AES_128_GCM";
  CHECK(LayerDecryptor::create(priv, pub).error().kind == Kind::unsupported);
}

TEST_CASE("a plaintext whose digest differs from the private options' digest is refused", "[ocicrypt]") {
  Memory plain{crypto::random_bytes(1000)};
  Bytes ciphertext;
  auto enc = encrypt_blob(plain.reader(), collect(ciphertext), crypto::Digest::of(Bytes{1}).to_string());
  REQUIRE(enc);
  Memory cipher{ciphertext};
  Bytes back;
  auto dec = decrypt_blob(cipher.reader(), collect(back), enc->private_options, enc->public_options);
  REQUIRE_FALSE(dec);
  CHECK(dec.error().message.find("does not match") != std::string::npos);
}
