// Content digests as the OCI image spec writes them: "algorithm:encoded" (image-spec descriptor.md,
// "Digests"). coco handles sha256 only, the algorithm every registry and tool uses; sha512 and others are
// refused with Kind::unsupported so a reference never silently means something else.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/base/result.hpp"

namespace coco::oci {

struct Digest {
  std::string hex; // 64 lowercase hex digits

  [[nodiscard]] std::string str() const { return "sha256:" + hex; }
  [[nodiscard]] bool empty() const { return hex.empty(); }
  // "sha256:ab12cd34ef56" for messages.
  [[nodiscard]] std::string short_str() const { return "sha256:" + hex.substr(0, 12); }
  friend bool operator==(const Digest&, const Digest&) = default;
  friend auto operator<=>(const Digest&, const Digest&) = default;
};

// Parses "sha256:<64 lowercase hex>". Other well-formed algorithms are Kind::unsupported, anything else
// Kind::invalid.
Result<Digest> parse_digest(std::string_view text);

// Incremental SHA-256.
class Sha256 {
public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::span<const std::uint8_t> data);
  void update(std::string_view data);
  Digest finish();

private:
  struct State;
  std::unique_ptr<State> m_state;
};

Digest digest_of(std::string_view data);

} // namespace coco::oci
