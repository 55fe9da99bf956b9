// Secret: bytes that zero themselves on destruction and never print.
//
// There is deliberately no operator<< and no implicit conversion to string: to reach the bytes a caller
// must ask for them by name (bytes(), view()), which makes every use easy to audit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace coco {

class Secret {
public:
  Secret() = default;
  explicit Secret(std::vector<std::uint8_t> bytes) : m_bytes(std::move(bytes)) {}
  explicit Secret(std::span<const std::uint8_t> bytes) : m_bytes(bytes.begin(), bytes.end()) {}
  static Secret from_string(std::string_view text);
  Secret(const Secret& other) = default;
  Secret(Secret&& other) noexcept;
  Secret& operator=(const Secret& other);
  Secret& operator=(Secret&& other) noexcept;
  ~Secret();

  [[nodiscard]] std::span<const std::uint8_t> bytes() const { return m_bytes; }
  [[nodiscard]] std::span<std::uint8_t> mutable_bytes() { return m_bytes; }
  [[nodiscard]] std::string_view view() const {
    return {reinterpret_cast<const char*>(m_bytes.data()), m_bytes.size()};
  }
  [[nodiscard]] std::size_t size() const { return m_bytes.size(); }
  [[nodiscard]] bool empty() const { return m_bytes.empty(); }
  void clear();

private:
  std::vector<std::uint8_t> m_bytes;
};

// Zero memory in a way the optimiser cannot remove.
void secure_zero(void* data, std::size_t size);

// Constant-time comparison (for MACs, tokens): true when equal. Lengths are not secret.
bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

} // namespace coco
