// Shared helpers for the attest unit tests: vector loading.
#pragma once

#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "common/base/atomic_file.hpp"
#include "common/base/encoding.hpp"
#include "tests/unit/test_util.hpp"

namespace coco::test {

inline Bytes load_vector_bytes(const std::string& relative) {
  auto data = read_file(vectors_dir() / "evidence" / relative);
  REQUIRE(data);
  return to_bytes(*data);
}

inline nlohmann::json load_vector_json(const std::string& relative) {
  auto data = read_file(vectors_dir() / "evidence" / relative);
  REQUIRE(data);
  return nlohmann::json::parse(*data);
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

} // namespace coco::test
