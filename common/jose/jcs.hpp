// JSON Canonicalization Scheme (RFC 8785) for nlohmann::json values.
//
// JCS serialises a JSON value deterministically: no whitespace; object members sorted by the UTF-16 code units
// of their names; strings escaped with the short forms \b \t \n \f \r \" \\ and \u00xx (lowercase hex) for the
// other control characters, everything else written as UTF-8; numbers written as ECMAScript's
// Number.prototype.toString writes an IEEE-754 double (shortest round-trip digits, exponent outside 1e-6..1e21).
// Integers stored as 64-bit integers are written exactly in decimal (serde_json_canonicalizer, which Trustee
// and guest-components use, does the same for u64/i64). The KBS protocol hashes JCS text to bind runtime data
// into TEE evidence (see common/attest/binding.hpp).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/base/result.hpp"

namespace coco::jose {

// The RFC 8785 text of `value`. Fails (Kind::invalid) on NaN/infinite numbers, invalid UTF-8 in a string or
// name, and on nlohmann's binary values, none of which JSON can represent.
Result<std::string> canonicalize(const nlohmann::json& value);

// The ECMAScript string form of a finite double ("1e+21", "0.000001", "1e-7", "-0" -> "0").
Result<std::string> format_ecmascript_number(double value);

} // namespace coco::jose
