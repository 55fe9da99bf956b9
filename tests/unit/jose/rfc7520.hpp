// The RFC 7520 ("Examples of Protecting Content Using JOSE") vectors kept beside these tests, as published in
// the ietf-jose/cookbook repository.
#pragma once

#include <filesystem>

#include "common/base/atomic_file.hpp"
#include "common/jose/json.hpp"
#include "tests/unit/test_util.hpp"

namespace coco::test {

inline jose::Json rfc7520(const std::string& name) {
  auto path = source_dir() / "tests" / "unit" / "jose" / "rfc7520" / (name + ".json");
  return jose::Json::parse(read_file(path).value());
}

} // namespace coco::test
