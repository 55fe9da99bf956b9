// Outputs that appear whole or not at all.
//
// AtomicFile writes to a temporary name beside the target and renames it over the target on commit();
// without commit() (an error, an exception, a signal) the temporary is removed and nothing is left.
// AtomicDir does the same for a directory tree (an OCI layout, a dir: image).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace coco {
class DirectWriter;
}

namespace coco {

class AtomicFile {
public:
  // mode is applied at creation (0600 for files holding keys), before any byte is written.
  static Result<AtomicFile> create(const std::filesystem::path& target, unsigned mode = 0644);
  // For a large sequential output (an image layer): the bytes go to the disk with O_DIRECT from a background
  // thread while they are produced (see DirectWriter), instead of through the page cache at commit.
  static Result<AtomicFile> create_bulk(const std::filesystem::path& target, unsigned mode = 0644);
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&& other) = delete;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  Status write(std::span<const std::uint8_t> data);
  Status write(std::string_view data) {
    return write(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
  }
  // Writable space for the next bytes (no copy for a bulk file); fill a prefix and call wrote().
  std::span<std::uint8_t> space();
  Status wrote(std::size_t n);
  // fsync, close and rename over the target.
  Status commit();
  [[nodiscard]] const std::filesystem::path& temp_path() const { return m_temp; }
  [[nodiscard]] const std::filesystem::path& target() const { return m_target; }
  [[nodiscard]] int fd() const { return m_fd; }

private:
  AtomicFile(std::filesystem::path target, std::filesystem::path temp, int fd);
  void abandon();
  std::filesystem::path m_target;
  std::filesystem::path m_temp;
  int m_fd = -1;
  bool m_committed = false;
  std::unique_ptr<DirectWriter> m_bulk;
  std::vector<std::uint8_t> m_space;  // space() of an ordinary file
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
