#include "common/crypto/hash.hpp"
#include "common/crypto/hmac.hpp"

#include <catch2/catch.hpp>

using namespace coco;
using namespace coco::crypto;

TEST_CASE("hashes of 'abc' match the FIPS 180 / RFC 1321 examples", "[crypto]") {
  CHECK(hex_encode(hash(HashAlg::sha256, "abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex_encode(hash(HashAlg::sha1, "abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(hex_encode(hash(HashAlg::md5, "abc")) == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(hex_encode(hash(HashAlg::sha384, "abc")) ==
        "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
  CHECK(hex_encode(hash(HashAlg::sha512, "abc")) ==
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd"
        "454d4423643ce80e2a9ac94fa54ca49f");
}

TEST_CASE("streaming hash in pieces equals the one-shot hash", "[crypto]") {
  std::string data(100000, 'x');
  for (std::size_t i = 0; i < data.size(); ++i) {
    data[i] = static_cast<char>(i * 7);
  }
  Hasher h(HashAlg::sha256);
  for (std::size_t off = 0; off < data.size(); off += 4099) {
    h.update(std::string_view(data).substr(off, 4099));
  }
  CHECK(h.finish() == hash(HashAlg::sha256, data));
  // The hasher is reusable after finish().
  h.update("abc");
  CHECK(hex_encode(h.finish()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("digest strings parse and print as algorithm:hex", "[crypto]") {
  Digest d = Digest::of(as_bytes(std::string_view("abc")));
  CHECK(d.to_string() == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto parsed = Digest::parse(d.to_string());
  REQUIRE(parsed);
  CHECK(*parsed == d);
  Digester streaming;
  streaming.update(as_bytes(std::string_view("ab")));
  streaming.update(as_bytes(std::string_view("c")));
  CHECK(streaming.finish() == d);
}

TEST_CASE("malformed digest strings are rejected", "[crypto]") {
  CHECK_FALSE(Digest::parse("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  CHECK(Digest::parse("sha999:00").error().kind == Kind::unsupported);
  CHECK_FALSE(Digest::parse("sha256:abcd"));
  CHECK_FALSE(Digest::parse("sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
}

TEST_CASE("HMAC-SHA256 matches RFC 4231 test cases 1 and 2", "[crypto]") {
  Bytes key1(20, 0x0b);
  CHECK(hex_encode(hmac_sha256(key1, as_bytes(std::string_view("Hi There")))) ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  Hmac m(as_bytes(std::string_view("Jefe")));
  m.update(as_bytes(std::string_view("what do ya want ")));
  m.update(as_bytes(std::string_view("for nothing?")));
  CHECK(hex_encode(m.finish()) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}
