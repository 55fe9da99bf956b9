// RFC 8785 canonicalisation; see jcs.hpp for the rules.
#include "common/jose/jcs.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace coco::jose {
namespace {

// Decode UTF-8 into UTF-16 code units (RFC 8785 §3.2.3 sorts names by them). Rejects overlong forms,
// surrogates and truncated sequences.
Result<std::u16string> utf8_to_utf16(const std::string& text) {
  std::u16string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    std::uint32_t cp = 0;
    std::size_t len = 0;
    if (b0 < 0x80) {
      cp = b0;
      len = 1;
    } else if ((b0 & 0xE0U) == 0xC0U) {
      cp = b0 & 0x1FU;
      len = 2;
    } else if ((b0 & 0xF0U) == 0xE0U) {
      cp = b0 & 0x0FU;
      len = 3;
    } else if ((b0 & 0xF8U) == 0xF0U) {
      cp = b0 & 0x07U;
      len = 4;
    } else {
      return make_error(Kind::invalid, "json canonicalization: invalid utf-8 in a string");
    }
    if (i + len > text.size()) {
      return make_error(Kind::invalid, "json canonicalization: truncated utf-8 in a string");
    }
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if ((b & 0xC0U) != 0x80U) {
        return make_error(Kind::invalid, "json canonicalization: invalid utf-8 in a string");
      }
      cp = (cp << 6U) | (b & 0x3FU);
    }
    const bool overlong = (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return make_error(Kind::invalid, "json canonicalization: invalid utf-8 in a string");
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10U)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FFU)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    i += len;
  }
  return out;
}

Status write_string(const std::string& text, std::string& out) {
  COCO_TRY_STATUS(utf8_to_utf16(text)); // validates
  out.push_back('"');
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\b': out += "\\b"; break;
    case '\f': out += "\\f"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default:
      if (u < 0x20) {
        static constexpr char k_hex[] = "0123456789abcdef";
        out += "\\u00";
        out.push_back(k_hex[u >> 4U]);
        out.push_back(k_hex[u & 0xFU]);
      } else {
        out.push_back(c);
      }
    }
  }
  out.push_back('"');
  return ok();
}

Status write_value(const nlohmann::json& value, std::string& out) {
  switch (value.type()) {
  case nlohmann::json::value_t::null: out += "null"; return ok();
  case nlohmann::json::value_t::boolean: out += value.get<bool>() ? "true" : "false"; return ok();
  case nlohmann::json::value_t::number_integer: out += std::to_string(value.get<std::int64_t>()); return ok();
  case nlohmann::json::value_t::number_unsigned: out += std::to_string(value.get<std::uint64_t>()); return ok();
  case nlohmann::json::value_t::number_float: {
    COCO_TRY(auto text, format_ecmascript_number(value.get<double>()));
    out += text;
    return ok();
  }
  case nlohmann::json::value_t::string: return write_string(value.get_ref<const std::string&>(), out);
  case nlohmann::json::value_t::array: {
    out.push_back('[');
    bool first = true;
    for (const auto& item : value) {
      if (!first) {
        out.push_back(',');
      }
      first = false;
      COCO_TRY_STATUS(write_value(item, out));
    }
    out.push_back(']');
    return ok();
  }
  case nlohmann::json::value_t::object: {
    std::vector<std::pair<std::u16string, const std::string*>> names;
    names.reserve(value.size());
    for (const auto& [name, item] : value.items()) {
      (void)item;
      COCO_TRY(auto utf16, utf8_to_utf16(name));
      names.emplace_back(std::move(utf16), &name);
    }
    std::sort(names.begin(), names.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    out.push_back('{');
    bool first = true;
    for (const auto& [utf16, name] : names) {
      if (!first) {
        out.push_back(',');
      }
      first = false;
      COCO_TRY_STATUS(write_string(*name, out));
      out.push_back(':');
      COCO_TRY_STATUS(write_value(value.at(*name), out));
    }
    out.push_back('}');
    return ok();
  }
  case nlohmann::json::value_t::binary:
  case nlohmann::json::value_t::discarded: break;
  }
  return make_error(Kind::invalid, "json canonicalization: value has no JSON representation");
}

} // namespace

Result<std::string> format_ecmascript_number(double value) {
  if (!std::isfinite(value)) {
    return make_error(Kind::invalid, "json canonicalization: NaN or infinite number");
  }
  if (value == 0.0) {
    return std::string("0"); // also -0
  }
  // Shortest round-trip digits in scientific form: "-d.ddde+XX".
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  std::string out;
  std::size_t pos = 0;
  if (sci[0] == '-') {
    out.push_back('-');
    pos = 1;
  }
  const std::size_t e_pos = sci.find('e');
  std::string digits;
  for (std::size_t i = pos; i < e_pos; ++i) {
    if (sci[i] != '.') {
      digits.push_back(sci[i]);
    }
  }
  while (digits.size() > 1 && digits.back() == '0') {
    digits.pop_back();
  }
  const int exponent = std::stoi(sci.substr(e_pos + 1));
  const int k = static_cast<int>(digits.size());
  const int n = exponent + 1; // value = 0.digits * 10^n
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<std::size_t>(n));
    out.push_back('.');
    out += digits.substr(static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out.push_back(digits[0]);
    if (k > 1) {
      out.push_back('.');
      out += digits.substr(1);
    }
    out.push_back('e');
    out.push_back(n - 1 >= 0 ? '+' : '-');
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

Result<std::string> canonicalize(const nlohmann::json& value) {
  std::string out;
  COCO_TRY_STATUS(write_value(value, out));
  return out;
}

} // namespace coco::jose
