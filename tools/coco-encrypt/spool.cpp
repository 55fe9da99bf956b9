#include "tools/coco-encrypt/spool.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace coco_encrypt {
namespace {

class FdReader final : public coco::oci::BlobReader {
public:
  explicit FdReader(int fd) : m_fd(fd) {}
  FdReader(const FdReader&) = delete;
  FdReader& operator=(const FdReader&) = delete;
  ~FdReader() override { ::close(m_fd); }
  coco::Result<std::size_t> read(std::span<std::uint8_t> buf) override {
    for (;;) {
      const ssize_t n = ::read(m_fd, buf.data(), buf.size());
      if (n >= 0) {
        return static_cast<std::size_t>(n);
      }
      if (errno != EINTR) {
        return coco::make_error(coco::Kind::io, std::string("cannot read the spooled layer: ") + std::strerror(errno));
      }
    }
  }

private:
  int m_fd;
};

} // namespace

coco::Result<Spool> Spool::create() {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
  if (ec) {
    dir = "/tmp";
  }
  std::string templ = (dir / "coco-encrypt-layer-XXXXXX").string();
  const int fd = ::mkstemp(templ.data());
  if (fd < 0) {
    return coco::make_error(coco::Kind::io, "cannot create a temporary file in " + dir.string() + ": " +
                                                std::strerror(errno), "set TMPDIR to a writable directory");
  }
  ::unlink(templ.c_str());
  return Spool(fd);
}

Spool::Spool(Spool&& other) noexcept : m_fd(other.m_fd) { other.m_fd = -1; }

Spool::~Spool() {
  if (m_fd >= 0) {
    ::close(m_fd);
  }
}

coco::ocicrypt::WriteFn Spool::writer() {
  const int fd = m_fd;
  return [fd](std::span<const std::uint8_t> data) -> coco::Status {
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        return coco::make_error(coco::Kind::io, std::string("cannot write the spooled layer: ") + std::strerror(errno));
      }
      done += static_cast<std::size_t>(n);
    }
    return coco::ok();
  };
}

coco::Result<std::unique_ptr<coco::oci::BlobReader>> Spool::reader() {
  if (::lseek(m_fd, 0, SEEK_SET) < 0) {
    return coco::make_error(coco::Kind::io, std::string("cannot rewind the spooled layer: ") + std::strerror(errno));
  }
  const int fd = m_fd;
  m_fd = -1;
  return std::unique_ptr<coco::oci::BlobReader>(std::make_unique<FdReader>(fd));
}

coco::ocicrypt::ReadFn read_from(coco::oci::BlobReader& source) {
  return [&source](std::span<std::uint8_t> buffer) { return source.read(buffer); };
}

} // namespace coco_encrypt
