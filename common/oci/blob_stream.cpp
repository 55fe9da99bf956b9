#include "common/oci/blob_stream.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "common/base/atomic_file.hpp"
#include "common/base/interrupt.hpp"

namespace coco::oci {

Result<std::unique_ptr<FileReader>> FileReader::open(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) {
      return make_error(Kind::not_found, path.string() + ": no such file");
    }
    return make_error(Kind::io, path.string() + ": cannot open: " + std::strerror(err));
  }
  return std::unique_ptr<FileReader>(new FileReader(fd, path));
}

FileReader::~FileReader() {
  if (m_fd >= 0) {
    ::close(m_fd);
  }
}

Result<std::size_t> FileReader::read(std::span<std::uint8_t> buf) {
  while (true) {
    ssize_t n = ::read(m_fd, buf.data(), buf.size());
    if (n >= 0) {
      return static_cast<std::size_t>(n);
    }
    if (errno != EINTR) {
      return make_error(Kind::io, m_path.string() + ": read failed: " + std::strerror(errno));
    }
  }
}

Result<std::size_t> StringReader::read(std::span<std::uint8_t> buf) {
  std::size_t n = std::min(buf.size(), m_data.size() - m_pos);
  std::memcpy(buf.data(), m_data.data() + m_pos, n);
  m_pos += n;
  return n;
}

VerifyingReader::VerifyingReader(std::unique_ptr<BlobReader> inner, Digest expected, std::int64_t expected_size)
    : m_inner(std::move(inner)), m_expected(std::move(expected)), m_expected_size(expected_size) {}

Result<std::size_t> VerifyingReader::read(std::span<std::uint8_t> buf) {
  if (m_done) {
    return std::size_t{0};
  }
  auto n = m_inner->read(buf);
  if (!n) {
    Error e = n.error();
    return std::move(e).context("blob " + m_expected.str());
  }
  if (*n > 0) {
    m_seen += static_cast<std::int64_t>(*n);
    if (m_expected_size >= 0 && m_seen > m_expected_size) {
      return make_error(Kind::integrity,
                        "blob " + m_expected.str() + ": more data than its size " + std::to_string(m_expected_size),
                        "the source is corrupted or was changed; fetch the image again");
    }
    m_hash.update(buf.first(*n));
    return *n;
  }
  m_done = true;
  if (m_expected_size >= 0 && m_seen != m_expected_size) {
    return make_error(Kind::integrity,
                      "blob " + m_expected.str() + ": size " + std::to_string(m_seen) + " does not match " +
                          std::to_string(m_expected_size),
                      "the source is truncated or corrupted; fetch the image again");
  }
  Digest got = m_hash.finish();
  if (got != m_expected) {
    return make_error(Kind::integrity, "blob " + m_expected.str() + ": digest mismatch (content is " + got.str() + ")",
                      "the source is corrupted or was tampered with; fetch the image again");
  }
  return std::size_t{0};
}

Result<std::size_t> HashingReader::read(std::span<std::uint8_t> buf) {
  COCO_TRY(std::size_t n, m_inner.read(buf));
  if (n == 0) {
    if (m_digest.empty()) {
      m_digest = m_hash.finish();
    }
    return n;
  }
  m_hash.update(buf.first(n));
  m_size += static_cast<std::int64_t>(n);
  return n;
}

Result<std::size_t> ProgressReader::read(std::span<std::uint8_t> buf) {
  if (interrupted()) {
    return make_error(Kind::interrupted, "interrupted while copying " + m_id);
  }
  COCO_TRY(std::size_t n, m_inner.read(buf));
  if (n > 0) {
    m_progress.advance(m_id, n);
  }
  return n;
}

Result<std::string> read_small_blob(BlobReader& reader, std::size_t limit, std::string_view what) {
  std::string out;
  std::vector<std::uint8_t> buf(64 * 1024);
  while (true) {
    COCO_TRY(std::size_t n, reader.read(buf));
    if (n == 0) {
      return out;
    }
    if (out.size() + n > limit) {
      return make_error(Kind::invalid, std::string(what) + ": larger than " + std::to_string(limit) + " bytes");
    }
    out.append(reinterpret_cast<const char*>(buf.data()), n);
  }
}

Result<WrittenBlob> write_blob_file(BlobReader& reader, const std::filesystem::path& target) {
  COCO_TRY(auto file, AtomicFile::create_bulk(target, 0644));
  HashingReader hashing(reader);
  while (true) {
    COCO_TRY(std::size_t n, hashing.read(file.space()));
    if (n == 0) {
      break;
    }
    COCO_TRY_STATUS(file.wrote(n));
  }
  COCO_TRY_STATUS(file.commit());
  return WrittenBlob{hashing.digest(), hashing.size()};
}

Result<WrittenBlob> store_blob(BlobReader& reader, const Digest& expected, const std::filesystem::path& dir,
                               std::string_view suffix) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::filesystem::path incoming = dir / ".incoming";
  COCO_TRY(WrittenBlob written, write_blob_file(reader, incoming));
  if (!expected.empty() && written.digest != expected) {
    std::filesystem::remove(incoming, ec);
    return make_error(Kind::integrity, "blob " + expected.str() + ": digest mismatch (content is " + written.digest.str() + ")");
  }
  std::filesystem::rename(incoming, dir / (written.digest.hex + std::string(suffix)), ec);
  if (ec) {
    return make_error(Kind::io, dir.string() + ": cannot store blob: " + ec.message());
  }
  return written;
}

} // namespace coco::oci
