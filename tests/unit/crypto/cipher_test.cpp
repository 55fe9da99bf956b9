#include "common/crypto/cipher.hpp"
#include "common/crypto/random.hpp"

#include <catch2/catch.hpp>

using namespace coco;
using namespace coco::crypto;

namespace {
Bytes hx(std::string_view s) { return hex_decode(s).value(); }

Bytes ctr(std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv, std::span<const std::uint8_t> in) {
  auto c = AesCtr::create(key, iv);
  REQUIRE(c);
  Bytes out(in.size());
  c->update(in, out);
  return out;
}
} // namespace

TEST_CASE("AES-256-CTR matches NIST SP 800-38A F.5.5", "[crypto]") {
  Bytes key = hx("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
  Bytes iv = hx("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  Bytes pt = hx("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
                "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
  CHECK(hex_encode(ctr(key, iv, pt)) == "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
                                        "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6");
}

TEST_CASE("AES-CTR increments the whole 128-bit counter big-endian, carrying across 64 bits", "[crypto]") {
  Bytes key = random_bytes(32);
  Bytes iv = hx("0011223344556677ffffffffffffffff");
  Bytes next = hx("00112233445566780000000000000000");
  Bytes zeros(32, 0);
  Bytes two_blocks = ctr(key, iv, zeros);
  Bytes from_next = ctr(key, next, Bytes(16, 0));
  CHECK(Bytes(two_blocks.begin() + 16, two_blocks.end()) == from_next);
  // And the full wrap from all-ones to zero.
  Bytes all_ones(16, 0xff);
  Bytes wrapped = ctr(key, all_ones, zeros);
  CHECK(Bytes(wrapped.begin() + 16, wrapped.end()) == ctr(key, Bytes(16, 0), Bytes(16, 0)));
}

TEST_CASE("AES-CTR streamed in odd-sized pieces equals one call", "[crypto]") {
  Bytes key = random_bytes(32);
  Bytes iv = random_bytes(16);
  Bytes data = random_bytes(10007);
  Bytes whole = ctr(key, iv, data);
  auto c = AesCtr::create(key, iv);
  REQUIRE(c);
  Bytes pieces = data;
  for (std::size_t off = 0; off < pieces.size(); off += 333) {
    std::size_t n = std::min<std::size_t>(333, pieces.size() - off);
    c->update_in_place(std::span<std::uint8_t>(pieces).subspan(off, n));
  }
  CHECK(pieces == whole);
  CHECK(ctr(key, iv, whole) == data);
}

TEST_CASE("AES-CTR rejects a nonce that is not 16 bytes and bad key sizes", "[crypto]") {
  CHECK_FALSE(AesCtr::create(Bytes(32), Bytes(12)));
  CHECK_FALSE(AesCtr::create(Bytes(31), Bytes(16)));
}

TEST_CASE("AES-256-GCM matches the GCM spec test case 16", "[crypto]") {
  Bytes key = hx("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  Bytes iv = hx("cafebabefacedbaddecaf888");
  Bytes pt = hx("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
                "b16aedf5aa0de657ba637b39");
  Bytes aad = hx("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  auto sealed = aes_gcm_encrypt(key, iv, pt, aad);
  REQUIRE(sealed);
  CHECK(hex_encode(sealed->ciphertext) == "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590d"
                                          "bb3da7b08b1056828838c5f61e6393ba7a0abcc9f662");
  CHECK(hex_encode(sealed->tag) == "76fc6ece0f4e1768cddf8853bb2d551b");
  auto opened = aes_gcm_decrypt(key, iv, sealed->ciphertext, aad, sealed->tag);
  REQUIRE(opened);
  CHECK(Bytes(opened->bytes().begin(), opened->bytes().end()) == pt);
}

TEST_CASE("AES-GCM decryption fails on a flipped tag, ciphertext or AAD byte", "[crypto]") {
  for (std::size_t key_size : {16U, 24U, 32U}) {
    Bytes key = random_bytes(key_size);
    Bytes iv = random_bytes(12);
    Bytes aad = to_bytes("header");
    Bytes pt = to_bytes("private options");
    auto sealed = aes_gcm_encrypt(key, iv, pt, aad);
    REQUIRE(sealed);
    Bytes bad_tag = sealed->tag;
    bad_tag[3] ^= 1;
    CHECK(aes_gcm_decrypt(key, iv, sealed->ciphertext, aad, bad_tag).error().kind == Kind::integrity);
    Bytes bad_ct = sealed->ciphertext;
    bad_ct[0] ^= 0x80;
    CHECK(aes_gcm_decrypt(key, iv, bad_ct, aad, sealed->tag).error().kind == Kind::integrity);
    CHECK(aes_gcm_decrypt(key, iv, sealed->ciphertext, to_bytes("headex"), sealed->tag).error().kind == Kind::integrity);
    CHECK(aes_gcm_decrypt(key, iv, sealed->ciphertext, aad, sealed->tag));
  }
}

TEST_CASE("AES key wrap matches RFC 3394 sections 4.1 and 4.6", "[crypto]") {
  auto w1 = aes_key_wrap(hx("000102030405060708090A0B0C0D0E0F"), hx("00112233445566778899AABBCCDDEEFF"));
  REQUIRE(w1);
  CHECK(hex_encode(*w1) == "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5");
  Bytes kek = hx("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
  Bytes data = hx("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F");
  auto w6 = aes_key_wrap(kek, data);
  REQUIRE(w6);
  CHECK(hex_encode(*w6) == "28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21");
  auto back = aes_key_unwrap(kek, *w6);
  REQUIRE(back);
  CHECK(Bytes(back->bytes().begin(), back->bytes().end()) == data);
}

TEST_CASE("AES key unwrap fails on tampering or the wrong KEK", "[crypto]") {
  Bytes kek = random_bytes(24);
  Bytes cek = random_bytes(32);
  auto wrapped = aes_key_wrap(kek, cek);
  REQUIRE(wrapped);
  Bytes bad = *wrapped;
  bad[10] ^= 1;
  CHECK(aes_key_unwrap(kek, bad).error().kind == Kind::integrity);
  CHECK(aes_key_unwrap(random_bytes(24), *wrapped).error().kind == Kind::integrity);
  CHECK_FALSE(aes_key_unwrap(kek, Bytes(7)));
}
