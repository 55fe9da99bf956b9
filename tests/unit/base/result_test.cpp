#include "common/base/result.hpp"

#include <string>

#include <catch2/catch.hpp>

using namespace coco;

namespace {
Result<int> parse_positive(int v) {
  if (v <= 0) {
    return make_error(Kind::invalid, "not positive", "use a number above 0");
  }
  return v;
}
Result<std::string> describe(int v) {
  COCO_TRY(int checked, parse_positive(v));
  return std::to_string(checked);
}
} // namespace

TEST_CASE("Result carries a value or an error with kind and hint", "[base][result]") {
  auto good = describe(4);
  REQUIRE(good);
  CHECK(*good == "4");
  auto bad = describe(-1);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == Kind::invalid);
  CHECK(bad.error().hint == "use a number above 0");
  CHECK_THROWS(bad.value());
}

TEST_CASE("error kinds map to the documented exit codes", "[base][result]") {
  CHECK(exit_code_for(Kind::usage) == 2);
  CHECK(exit_code_for(Kind::denied) == 3);
  CHECK(exit_code_for(Kind::internal) == 70);
  CHECK(exit_code_for(Kind::interrupted) == 130);
  CHECK(exit_code_for(Kind::io) == 1);
}
