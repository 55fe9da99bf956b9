// Lexer and recursive-descent parser for Rego v1 and v0 (OPA ast/parser.go is the reference grammar).
//
// v1 (OPA 1.0 default): rule bodies need `if`, partial sets need `contains`; `p[x] if ...` is an object
// rule with value true. v0 (OPA < 1.0, regorus set_rego_v0): `p { ... }` bodies without `if`, `p[x] { ... }`
// is a partial set. A module importing `rego.v1` is v1 whatever the option. Keywords (`if`, `in`,
// `contains`, `every`) are recognised by context in both modes, so v0 policies calling `contains(a, b)` work.
#pragma once

#include <string>
#include <string_view>

#include "common/rego/ast.hpp"

namespace coco::rego {

struct ParseOptions {
  bool v0 = false;
};

// Throws RegoException (code rego_parse_error) on malformed input.
Module parse_module(const std::string& file, std::string_view text, const ParseOptions& options);
// A query such as `data.policy.allow` or `x := data.a; x > 1`.
Body parse_query(std::string_view text, const ParseOptions& options, const std::string& file = "query");

} // namespace coco::rego
