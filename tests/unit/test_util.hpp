// Helpers shared by unit tests: a temporary directory per test, paths to the source tree and shared vectors.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

namespace coco::test {

class TempDir {
public:
  TempDir() {
    std::random_device rd;
    const char* base = std::getenv("TMPDIR");
    m_path = std::filesystem::path(base ? base : "/tmp") / ("coco-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(m_path);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
  std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

private:
  std::filesystem::path m_path;
};

inline std::filesystem::path source_dir() { return COCO_SOURCE_DIR; }
// ../shared beside the checkout; COCO_SHARED_DIR in the environment overrides.
inline std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("COCO_SHARED_DIR")) {
    return env;
  }
  return COCO_SHARED_DIR;
}
inline std::filesystem::path vectors_dir() { return shared_dir() / "vectors"; }

} // namespace coco::test
