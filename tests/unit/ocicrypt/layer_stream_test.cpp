// The streaming layer cipher (layer_stream.hpp) against the whole-blob functions of layer_cipher.hpp.
#include "common/ocicrypt/layer_stream.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "common/crypto/random.hpp"

using namespace coco;
using namespace coco::ocicrypt;

namespace {

// Hands out odd-sized pieces, optionally failing after `fail_after` bytes.
class PieceReader final : public oci::BlobReader {
public:
  explicit PieceReader(Bytes data, std::size_t fail_after = SIZE_MAX) : m_data(std::move(data)), m_fail(fail_after) {}
  Result<std::size_t> read(std::span<std::uint8_t> buf) override {
    if (m_pos >= m_fail) {
      return make_error(Kind::io, "source broke");
    }
    std::size_t n = std::min({buf.size(), m_data.size() - m_pos, std::size_t{300007}});
    std::copy_n(m_data.begin() + static_cast<std::ptrdiff_t>(m_pos), n, buf.begin());
    m_pos += n;
    return n;
  }

private:
  Bytes m_data;
  std::size_t m_pos = 0;
  std::size_t m_fail;
};

Result<Bytes> drain(oci::BlobReader& r, std::size_t piece = 65536) {
  Bytes out;
  std::vector<std::uint8_t> buf(piece);
  for (;;) {
    COCO_TRY(std::size_t n, r.read(buf));
    if (n == 0) {
      return out;
    }
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
  }
}

ReadFn from(const Bytes& data) {
  auto pos = std::make_shared<std::size_t>(0);
  return [&data, pos](std::span<std::uint8_t> buf) -> Result<std::size_t> {
    std::size_t n = std::min(buf.size(), data.size() - *pos);
    std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(*pos), n, buf.begin());
    *pos += n;
    return n;
  };
}

} // namespace

TEST_CASE("a streamed encryption decrypts with decrypt_blob and its public options", "[ocicrypt]") {
  Bytes plain = crypto::random_bytes(5 * k_layer_chunk + 4321);
  PieceReader source(plain);
  auto enc = LayerEncryptor::create(std::string("sha256:x"));
  REQUIRE(enc);
  PrivateOptions priv = enc->private_options();
  auto stream = LayerCipherStream::encrypting(source, std::move(enc).value());
  CHECK_FALSE(stream->public_options());
  auto ciphertext = drain(*stream);
  REQUIRE(ciphertext);
  REQUIRE(stream->public_options());
  CHECK(stream->size() == plain.size());
  CHECK(*ciphertext != plain);
  Bytes back;
  auto dec = decrypt_blob(from(*ciphertext),
                          [&back](std::span<const std::uint8_t> d) -> Status {
                            back.insert(back.end(), d.begin(), d.end());
                            return ok();
                          },
                          PrivateOptions{priv.symkey, "", priv.cipheroptions}, *stream->public_options());
  REQUIRE(dec);
  CHECK(back == plain);
}

TEST_CASE("a streamed decryption fails at the end when one ciphertext byte changed", "[ocicrypt]") {
  Bytes plain = crypto::random_bytes(2 * k_layer_chunk + 99);
  Bytes ciphertext;
  auto enc = encrypt_blob(from(plain),
                          [&ciphertext](std::span<const std::uint8_t> d) -> Status {
                            ciphertext.insert(ciphertext.end(), d.begin(), d.end());
                            return ok();
                          },
                          "");
  REQUIRE(enc);
  {
    PieceReader good(ciphertext);
    auto dec = LayerDecryptor::create(enc->private_options, enc->public_options);
    REQUIRE(dec);
    auto stream = LayerCipherStream::decrypting(good, std::move(dec).value());
    auto out = drain(*stream, 4096);
    REQUIRE(out);
    CHECK(*out == plain);
  }
  ciphertext[ciphertext.size() - 5] ^= 0x40;
  PieceReader bad(ciphertext);
  auto dec = LayerDecryptor::create(enc->private_options, enc->public_options);
  REQUIRE(dec);
  auto stream = LayerCipherStream::decrypting(bad, std::move(dec).value());
  auto out = drain(*stream);
  REQUIRE_FALSE(out);
  CHECK(out.error().kind == Kind::integrity);
  CHECK(out.error().message.find("HMAC") != std::string::npos);
}

TEST_CASE("a source error reaches the stream's reader", "[ocicrypt]") {
  PieceReader source(crypto::random_bytes(3 * k_layer_chunk), k_layer_chunk + 10);
  auto enc = LayerEncryptor::create(std::string("sha256:x"));
  REQUIRE(enc);
  auto stream = LayerCipherStream::encrypting(source, std::move(enc).value());
  auto out = drain(*stream);
  REQUIRE_FALSE(out);
  CHECK(out.error().message == "source broke");
  CHECK_FALSE(stream->public_options());
}

TEST_CASE("a stream abandoned half-way stops its threads", "[ocicrypt]") {
  PieceReader source(crypto::random_bytes(8 * k_layer_chunk));
  auto enc = LayerEncryptor::create(std::string("sha256:x"));
  REQUIRE(enc);
  auto stream = LayerCipherStream::encrypting(source, std::move(enc).value());
  std::vector<std::uint8_t> buf(1000);
  REQUIRE(stream->read(buf));
  stream.reset();  // must return (joins the worker thread)
  SUCCEED("destroyed");
}

TEST_CASE("a stream's output is the same whichever thread runs its tasks", "[ocicrypt]") {
  // The worker and the consumer share the read and cipher tasks; a slow consumer leaves them all to the worker,
  // a slow source makes the consumer take tasks itself. Either way: the bytes and HMAC of one in-order pass.
  Bytes plain = crypto::random_bytes(6 * k_layer_chunk + 12345);
  auto first = LayerEncryptor::create(std::string("sha256:x"));
  REQUIRE(first);
  const PrivateOptions priv = first->private_options();
  Bytes expected = plain;
  first->update(expected);
  const Bytes expected_hmac = first->finish().hmac;

  class SlowReader final : public oci::BlobReader {
  public:
    SlowReader(oci::BlobReader& inner, std::chrono::microseconds pause) : m_inner(inner), m_pause(pause) {}
    Result<std::size_t> read(std::span<std::uint8_t> buf) override {
      std::this_thread::sleep_for(m_pause);
      return m_inner.read(buf.first(std::min(buf.size(), std::size_t{40000})));
    }

  private:
    oci::BlobReader& m_inner;
    std::chrono::microseconds m_pause;
  };

  for (const bool slow_source : {false, true}) {
    INFO("slow source: " << slow_source);
    PieceReader pieces(plain);
    SlowReader source(pieces, std::chrono::microseconds(slow_source ? 300 : 0));
    auto enc = LayerEncryptor::create(priv);
    REQUIRE(enc);
    auto stream = LayerCipherStream::encrypting(source, std::move(enc).value());
    SlowReader consumer(*stream, std::chrono::microseconds(slow_source ? 0 : 300));
    auto out = drain(consumer, 50000);
    REQUIRE(out);
    CHECK(*out == expected);
    REQUIRE(stream->public_options());
    CHECK(stream->public_options()->hmac == expected_hmac);
  }
}
