#include "common/base/encoding.hpp"

#include <array>

namespace coco {
namespace {

constexpr std::string_view k_hex_digits = "0123456789abcdef";
constexpr std::string_view k_b64_std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view k_b64_url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::string encode64(std::span<const std::uint8_t> data, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    out.push_back(alphabet[v & 63]);
  }
  std::size_t rest = data.size() - i;
  if (rest == 1) {
    std::uint32_t v = std::uint32_t{data[i]} << 16;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (pad) {
      out += "==";
    }
  } else if (rest == 2) {
    std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    if (pad) {
      out += "=";
    }
  }
  return out;
}

enum class Pad { required, forbidden, optional };

Result<Bytes> decode64(std::string_view text, bool std_alpha, bool url_alpha, Pad pad, bool skip_space,
                       std::string_view what) {
  std::array<int, 256> table{};
  table.fill(-1);
  for (std::size_t i = 0; i < 64; ++i) {
    if (std_alpha) {
      table[static_cast<unsigned char>(k_b64_std[i])] = static_cast<int>(i);
    }
    if (url_alpha) {
      table[static_cast<unsigned char>(k_b64_url[i])] = static_cast<int>(i);
    }
  }
  Bytes out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t symbols = 0;
  std::size_t padding = 0;
  for (char c : text) {
    if (skip_space && (c == ' ' || c == '\n' || c == '\r' || c == '\t')) {
      continue;
    }
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0) {
      return make_error(Kind::invalid, std::string(what) + ": data after padding");
    }
    int v = table[static_cast<unsigned char>(c)];
    if (v < 0) {
      return make_error(Kind::invalid, std::string(what) + ": invalid character");
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    ++symbols;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xff));
    }
  }
  if (symbols % 4 == 1) {
    return make_error(Kind::invalid, std::string(what) + ": truncated data");
  }
  std::size_t expected_pad = (4 - symbols % 4) % 4;
  if (pad == Pad::required && padding != expected_pad) {
    return make_error(Kind::invalid, std::string(what) + ": wrong padding");
  }
  if (pad == Pad::forbidden && padding != 0) {
    return make_error(Kind::invalid, std::string(what) + ": padding not allowed");
  }
  if (pad == Pad::optional && padding != 0 && padding != expected_pad) {
    return make_error(Kind::invalid, std::string(what) + ": wrong padding");
  }
  // Non-canonical trailing bits are tolerated, as Go's and Rust's default decoders do.
  return out;
}

} // namespace

std::string hex_encode(std::span<const std::uint8_t> data) {
  std::string out;
  out.reserve(data.size() * 2);
  for (std::uint8_t b : data) {
    out.push_back(k_hex_digits[b >> 4]);
    out.push_back(k_hex_digits[b & 15]);
  }
  return out;
}

Result<Bytes> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) {
    return make_error(Kind::invalid, "hex: odd number of digits");
  }
  Bytes out(text.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = hex_value(text[2 * i]);
    int lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return make_error(Kind::invalid, "hex: invalid digit");
    }
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return out;
}

std::string base64_encode(std::span<const std::uint8_t> data) { return encode64(data, k_b64_std, true); }

Result<Bytes> base64_decode(std::string_view text) {
  return decode64(text, true, false, Pad::required, false, "base64");
}

std::string base64url_encode(std::span<const std::uint8_t> data) { return encode64(data, k_b64_url, false); }

Result<Bytes> base64url_decode(std::string_view text) {
  return decode64(text, false, true, Pad::forbidden, false, "base64url");
}

Result<Bytes> base64_decode_any(std::string_view text) {
  return decode64(text, true, true, Pad::optional, true, "base64");
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

} // namespace coco
