// Tar archives for oci-archive: and docker-archive: (libarchive). An archive is read by extracting it into
// a private temporary directory (as containers/image does), and written by staging a directory and taring
// it into a temporary file renamed over the target on commit.
#pragma once

#include <filesystem>

#include "common/base/result.hpp"

namespace coco::oci {

// A temporary directory removed on destruction.
class ScratchDir {
public:
  static Result<ScratchDir> create(std::string_view purpose);
  ScratchDir(ScratchDir&& other) noexcept : m_path(std::move(other.m_path)) { other.m_path.clear(); }
  ScratchDir& operator=(ScratchDir&&) = delete;
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir();
  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

private:
  explicit ScratchDir(std::filesystem::path p) : m_path(std::move(p)) {}
  std::filesystem::path m_path;
};

// Extracts regular files and directories of a tar (any compression libarchive knows); entries escaping the
// directory (absolute, "..") are refused; symbolic and hard links are skipped.
Status extract_tar(const std::filesystem::path& archive, const std::filesystem::path& into);

// Writes the tree under `dir` (regular files and directories, sorted, uid/gid 0, mtime 0) as an
// uncompressed tar at `target`, atomically.
Status write_tar(const std::filesystem::path& dir, const std::filesystem::path& target);

} // namespace coco::oci
