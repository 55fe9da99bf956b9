// Outputs that appear whole or not at all.
//
// AtomicFile writes to a temporary name beside the target and renames it over the target on commit();
// without commit() (an error, an exception, a signal) the temporary is removed and nothing is left.
// AtomicDir does the same for a directory tree (an OCI layout, a dir: image).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

#include "common/base/result.hpp"

namespace coco {

class AtomicFile {
public:
  // mode is applied at creation (0600 for files holding keys), before any byte is written.
  static Result<AtomicFile> create(const std::filesystem::path& target, unsigned mode = 0644);
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&& other) = delete;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  Status write(std::span<const std::uint8_t> data);
  Status write(std::string_view data) {
    return write(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
  }
  // fsync, close and rename over the target.
  Status commit();
  [[nodiscard]] const std::filesystem::path& temp_path() const { return m_temp; }
  [[nodiscard]] const std::filesystem::path& target() const { return m_target; }
  [[nodiscard]] int fd() const { return m_fd; }

private:
  AtomicFile(std::filesystem::path target, std::filesystem::path temp, int fd)
      : m_target(std::move(target)), m_temp(std::move(temp)), m_fd(fd) {}
  void abandon();
  std::filesystem::path m_target;
  std::filesystem::path m_temp;
  int m_fd = -1;
  bool m_committed = false;
};

// Write a whole file atomically.
Status write_file_atomic(const std::filesystem::path& target, std::string_view data, unsigned mode = 0644);
Result<std::string> read_file(const std::filesystem::path& path);

class AtomicDir {
public:
  // If the target exists and `merge_existing` is true, the existing tree is copied into the temporary
  // first (hard links where possible) so a write adds to it (an OCI layout holding several images).
  static Result<AtomicDir> create(const std::filesystem::path& target, bool merge_existing = false);
  AtomicDir(AtomicDir&& other) noexcept;
  AtomicDir& operator=(AtomicDir&&) = delete;
  AtomicDir(const AtomicDir&) = delete;
  AtomicDir& operator=(const AtomicDir&) = delete;
  ~AtomicDir();

  [[nodiscard]] const std::filesystem::path& path() const { return m_temp; }
  [[nodiscard]] const std::filesystem::path& target() const { return m_target; }
  Status commit();

private:
  AtomicDir(std::filesystem::path target, std::filesystem::path temp) : m_target(std::move(target)), m_temp(std::move(temp)) {}
  std::filesystem::path m_target;
  std::filesystem::path m_temp;
  bool m_committed = false;
};

} // namespace coco
