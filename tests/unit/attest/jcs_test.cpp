#include "common/jose/jcs.hpp"

#include <catch2/catch.hpp>

#include "common/attest/binding.hpp"
#include "common/base/encoding.hpp"

using coco::jose::canonicalize;
using coco::jose::format_ecmascript_number;

TEST_CASE("jcs sorts members and hashes like Trustee's canonicalisation vector", "[attest][jcs]") {
  const auto value = nlohmann::json::parse(R"({"b":1,"a":"test","c":{"d":"e"}})");
  auto text = canonicalize(value);
  REQUIRE(text);
  CHECK(*text == R"({"a":"test","b":1,"c":{"d":"e"}})");
  const auto hash = coco::hex_encode(coco::attest::digest(coco::attest::HashAlgorithm::sha384, coco::as_bytes(*text)));
  CHECK(hash.substr(0, 8) == "e71ce8e7");
  CHECK(hash.substr(hash.size() - 4) == "70c3");
}

TEST_CASE("jcs formats numbers as ECMAScript does", "[attest][jcs]") {
  // RFC 8785 appendix B sample values (IEEE-754 bit patterns -> text).
  const std::pair<double, const char*> cases[] = {
      {0.0, "0"},
      {-0.0, "0"},
      {1e21, "1e+21"},
      {1e20, "100000000000000000000"},
      {333333333.3333333, "333333333.3333333"},
      {1e-7, "1e-7"},
      {0.000001, "0.000001"},
      {9007199254740992.0, "9007199254740992"},
      {295147905179352830000.0, "295147905179352830000"},
      {-1.5, "-1.5"},
      {4.5, "4.5"},
      {2e-3, "0.002"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {123456789012345680000.0, "123456789012345680000"},
  };
  for (const auto& [value, expected] : cases) {
    INFO(expected);
    auto text = format_ecmascript_number(value);
    REQUIRE(text);
    CHECK(*text == expected);
  }
  CHECK_FALSE(format_ecmascript_number(std::numeric_limits<double>::quiet_NaN()));
  CHECK_FALSE(format_ecmascript_number(std::numeric_limits<double>::infinity()));
}

TEST_CASE("jcs escapes strings with the short forms and lowercase unicode escapes", "[attest][jcs]") {
  const nlohmann::json value = std::string("\x01\b\t\n\f\r\"\\/\x7f\xe2\x82\xac\x1f");
  auto text = canonicalize(value);
  REQUIRE(text);
  CHECK(*text == "\"\\u0001\\b\\t\\n\\f\\r\\\"\\\\/\x7f\xe2\x82\xac\\u001f\"");
}

TEST_CASE("jcs orders member names by UTF-16 code units, not UTF-8 bytes", "[attest][jcs]") {
  // In UTF-8 bytes U+FB33 (EF AC B3) sorts before U+1F600 (F0 9F 98 80); in UTF-16 the surrogate D83D < FB33.
  nlohmann::json value = nlohmann::json::object();
  value["\xef\xac\xb3"] = 1;     // U+FB33
  value["\xf0\x9f\x98\x80"] = 2; // U+1F600, UTF-16 D83D DE00
  value["a"] = 3;
  auto text = canonicalize(value);
  REQUIRE(text);
  CHECK(*text == "{\"a\":3,\"\xf0\x9f\x98\x80\":2,\"\xef\xac\xb3\":1}");
}

TEST_CASE("jcs rejects invalid utf-8", "[attest][jcs]") {
  const nlohmann::json value = std::string("\xc3\x28");
  CHECK_FALSE(canonicalize(value));
  nlohmann::json object = nlohmann::json::object();
  object[std::string("\xed\xa0\x80")] = 1; // encoded surrogate
  CHECK_FALSE(canonicalize(object));
}

TEST_CASE("jcs writes arrays, literals and integers compactly", "[attest][jcs]") {
  const auto value = nlohmann::json::parse(R"([null, true, false, -5, 18446744073709551615, [], {}, 1.0])");
  auto text = canonicalize(value);
  REQUIRE(text);
  CHECK(*text == "[null,true,false,-5,18446744073709551615,[],{},1]");
}
