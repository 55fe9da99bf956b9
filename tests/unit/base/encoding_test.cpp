#include "common/base/encoding.hpp"

#include <catch2/catch.hpp>

using namespace coco;

TEST_CASE("hex round-trips and rejects bad digits", "[base][encoding]") {
  Bytes data{0x00, 0x01, 0xab, 0xff};
  CHECK(hex_encode(data) == "0001abff");
  CHECK(*hex_decode("0001ABff") == data);
  CHECK_FALSE(hex_decode("abc"));
  CHECK_FALSE(hex_decode("zz"));
}

TEST_CASE("base64 follows RFC 4648 test vectors", "[base][encoding]") {
  CHECK(base64_encode(std::string_view("")) == "");
  CHECK(base64_encode(std::string_view("f")) == "Zg==");
  CHECK(base64_encode(std::string_view("fo")) == "Zm8=");
  CHECK(base64_encode(std::string_view("foo")) == "Zm9v");
  CHECK(base64_encode(std::string_view("foobar")) == "Zm9vYmFy");
  CHECK(as_string(*base64_decode("Zm9vYg==")) == "foob");
  CHECK_FALSE(base64_decode("Zm9vYg"));   // padding required
  CHECK_FALSE(base64_decode("Zm9v_A==")); // url alphabet rejected
}

TEST_CASE("base64url is unpadded and strict", "[base][encoding]") {
  Bytes data{0xfb, 0xff};
  CHECK(base64url_encode(data) == "-_8");
  CHECK(*base64url_decode("-_8") == data);
  CHECK_FALSE(base64url_decode("-_8="));
  CHECK_FALSE(base64url_decode("+/8"));
  CHECK(*base64_decode_any("+/8=") == data);
  CHECK(*base64_decode_any("-_8") == data);
}
