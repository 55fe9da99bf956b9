#include "common/base/atomic_file.hpp"

#include "common/base/direct_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <system_error>

namespace coco {
namespace fs = std::filesystem;

namespace {

std::string random_suffix() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char k_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (int i = 0; i < 8; ++i) {
    s.push_back(k_chars[rng() % (sizeof(k_chars) - 1)]);
  }
  return s;
}

Error io_error(const fs::path& path, std::string_view what, int err) {
  Kind kind = (err == ENOENT) ? Kind::not_found : Kind::io;
  return make_error(kind, path.string() + ": " + std::string(what) + ": " + std::strerror(err));
}

fs::path temp_sibling(const fs::path& target) {
  fs::path dir = target.parent_path();
  if (dir.empty()) {
    dir = ".";
  }
  return dir / ("." + target.filename().string() + ".tmp-" + random_suffix());
}

} // namespace

Result<AtomicFile> AtomicFile::create(const fs::path& target, unsigned mode) {
  if (target.empty()) {
    return make_error(Kind::usage, "empty output path");
  }
  fs::path temp = temp_sibling(target);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) {
    int err = errno;
    return io_error(target, "cannot create", err);
  }
  // The umask may have cleared bits; a key file must be exactly `mode`, and 0644 outputs stay as asked.
  (void)::fchmod(fd, static_cast<mode_t>(mode));
  return AtomicFile(target, temp, fd);
}

Result<AtomicFile> AtomicFile::create_bulk(const fs::path& target, unsigned mode) {
  COCO_TRY(auto file, create(target, mode));
  file.m_bulk = std::make_unique<DirectWriter>(file.m_fd, target.string());
  return file;
}

AtomicFile::AtomicFile(fs::path target, fs::path temp, int fd)
    : m_target(std::move(target)), m_temp(std::move(temp)), m_fd(fd) {}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : m_target(std::move(other.m_target)), m_temp(std::move(other.m_temp)), m_fd(other.m_fd),
      m_committed(other.m_committed), m_bulk(std::move(other.m_bulk)), m_space(std::move(other.m_space)) {
  other.m_fd = -1;
  other.m_committed = true;
}

AtomicFile::~AtomicFile() { abandon(); }

void AtomicFile::abandon() {
  m_bulk.reset();  // joins its thread before the descriptor closes
  if (m_fd >= 0) {
    ::close(m_fd);
    m_fd = -1;
  }
  if (!m_committed && !m_temp.empty()) {
    ::unlink(m_temp.c_str());
    m_committed = true;
  }
}

Status AtomicFile::write(std::span<const std::uint8_t> data) {
  if (m_fd < 0) {
    return make_error(Kind::internal, "write after commit");
  }
  if (m_bulk) {
    return m_bulk->write(data);
  }
  const std::uint8_t* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(m_fd, p, left);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      int err = errno;
      return io_error(m_target, "write failed", err);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return ok();
}

std::span<std::uint8_t> AtomicFile::space() {
  if (m_bulk) {
    return m_bulk->space();
  }
  m_space.resize(256 * 1024);
  return m_space;
}

Status AtomicFile::wrote(std::size_t n) {
  if (m_bulk) {
    return m_bulk->wrote(n);
  }
  return write(std::span<const std::uint8_t>(m_space.data(), n));
}

Status AtomicFile::commit() {
  if (m_fd < 0) {
    return make_error(Kind::internal, "commit twice");
  }
  if (m_bulk) {
    Status finished = m_bulk->finish();
    m_bulk.reset();
    if (!finished) {
      abandon();
      return finished;
    }
  }
  if (::fsync(m_fd) != 0 && errno != EINVAL) {
    int err = errno;
    abandon();
    return io_error(m_target, "fsync failed", err);
  }
  if (::close(m_fd) != 0) {
    int err = errno;
    m_fd = -1;
    abandon();
    return io_error(m_target, "close failed", err);
  }
  m_fd = -1;
  if (::rename(m_temp.c_str(), m_target.c_str()) != 0) {
    int err = errno;
    abandon();
    return io_error(m_target, "rename failed", err);
  }
  m_committed = true;
  return ok();
}

Status write_file_atomic(const fs::path& target, std::string_view data, unsigned mode) {
  COCO_TRY(auto file, AtomicFile::create(target, mode));
  COCO_TRY_STATUS(file.write(data));
  return file.commit();
}

Result<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      return make_error(Kind::not_found, path.string() + ": no such file", "check the path");
    }
    return make_error(Kind::io, path.string() + ": cannot open: " + std::strerror(errno));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    return make_error(Kind::io, path.string() + ": read failed");
  }
  return ss.str();
}

Result<AtomicDir> AtomicDir::create(const fs::path& target, bool merge_existing) {
  if (target.empty()) {
    return make_error(Kind::usage, "empty output path");
  }
  fs::path temp = temp_sibling(target);
  std::error_code ec;
  fs::path parent = temp.parent_path();
  if (!fs::is_directory(parent, ec)) {
    return make_error(Kind::not_found, parent.string() + ": no such directory",
                      "create the parent directory first");
  }
  if (!fs::create_directory(temp, ec)) {
    return make_error(Kind::io, target.string() + ": cannot create temporary directory: " + ec.message());
  }
  if (merge_existing && fs::is_directory(target, ec)) {
    // Hard links make this cheap for blobs; fall back to copies across file systems.
    fs::copy(target, temp, fs::copy_options::recursive | fs::copy_options::create_hard_links, ec);
    if (ec) {
      ec.clear();
      fs::copy(target, temp, fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
    }
    if (ec) {
      fs::remove_all(temp, ec);
      return make_error(Kind::io, target.string() + ": cannot stage existing contents");
    }
  }
  return AtomicDir(target, temp);
}

AtomicDir::AtomicDir(AtomicDir&& other) noexcept
    : m_target(std::move(other.m_target)), m_temp(std::move(other.m_temp)), m_committed(other.m_committed) {
  other.m_committed = true;
}

AtomicDir::~AtomicDir() {
  if (!m_committed && !m_temp.empty()) {
    std::error_code ec;
    fs::remove_all(m_temp, ec);
  }
}

Status AtomicDir::commit() {
  if (m_committed) {
    return make_error(Kind::internal, "commit twice");
  }
  std::error_code ec;
  if (fs::exists(m_target, ec)) {
    // Swap the new tree in atomically, then remove the old one.
#ifdef SYS_renameat2
    if (::syscall(SYS_renameat2, AT_FDCWD, m_temp.c_str(), AT_FDCWD, m_target.c_str(), 2 /*RENAME_EXCHANGE*/) == 0) {
      fs::remove_all(m_temp, ec);
      m_committed = true;
      return ok();
    }
#endif
    fs::path old = temp_sibling(m_target);
    if (::rename(m_target.c_str(), old.c_str()) != 0) {
      int err = errno;
      return io_error(m_target, "cannot replace", err);
    }
    if (::rename(m_temp.c_str(), m_target.c_str()) != 0) {
      int err = errno;
      (void)::rename(old.c_str(), m_target.c_str());
      return io_error(m_target, "rename failed", err);
    }
    fs::remove_all(old, ec);
    m_committed = true;
    return ok();
  }
  if (::rename(m_temp.c_str(), m_target.c_str()) != 0) {
    int err = errno;
    return io_error(m_target, "rename failed", err);
  }
  m_committed = true;
  return ok();
}

} // namespace coco
