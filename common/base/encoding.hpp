// Byte encodings used everywhere: hex, standard base64 (RFC 4648 §4, padded) and base64url (§5).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace coco {

using Bytes = std::vector<std::uint8_t>;

inline std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_string(std::span<const std::uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes to_bytes(std::string_view s) { return {s.begin(), s.end()}; }

std::string hex_encode(std::span<const std::uint8_t> data);
Result<Bytes> hex_decode(std::string_view text);

// Standard alphabet, with '=' padding.
std::string base64_encode(std::span<const std::uint8_t> data);
inline std::string base64_encode(std::string_view data) { return base64_encode(as_bytes(data)); }
// Strict: standard alphabet, padding required when the length needs it.
Result<Bytes> base64_decode(std::string_view text);
// URL-safe alphabet, no padding.
std::string base64url_encode(std::span<const std::uint8_t> data);
inline std::string base64url_encode(std::string_view data) { return base64url_encode(as_bytes(data)); }
// Strict: URL-safe alphabet, no padding (as Rust's URL_SAFE_NO_PAD).
Result<Bytes> base64url_decode(std::string_view text);
// Lenient: either alphabet, padding optional, whitespace ignored (for inputs written by people).
Result<Bytes> base64_decode_any(std::string_view text);

// Appends the UTF-8 encoding of one Unicode code point (escape decoding in the Rego parser, XML entities).
void append_utf8(std::string& out, std::uint32_t code_point);

} // namespace coco
