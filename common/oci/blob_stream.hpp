// Blob streams: blobs move in fixed-size chunks from a source to a destination, never whole in memory.
//
// Every reader a transport hands out is a VerifyingReader: it hashes what passes through and, at the end
// (or as soon as too many bytes arrive), fails with Kind::integrity naming the blob when the digest or the
// size differs from the descriptor's. A consumer must read to the end (read() returns 0) before trusting
// the bytes; destinations write to a temporary name and only keep the blob after that final read.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "common/base/progress.hpp"
#include "common/base/result.hpp"
#include "common/oci/digest.hpp"

namespace coco::oci {

inline constexpr std::size_t k_chunk_size = 256 * 1024;

class BlobReader {
public:
  BlobReader() = default;
  BlobReader(const BlobReader&) = delete;
  BlobReader& operator=(const BlobReader&) = delete;
  virtual ~BlobReader() = default;
  // Fills up to buf.size() bytes; 0 means the end of the blob.
  virtual Result<std::size_t> read(std::span<std::uint8_t> buf) = 0;
};

class FileReader final : public BlobReader {
public:
  static Result<std::unique_ptr<FileReader>> open(const std::filesystem::path& path);
  ~FileReader() override;
  Result<std::size_t> read(std::span<std::uint8_t> buf) override;

private:
  FileReader(int fd, std::filesystem::path path) : m_fd(fd), m_path(std::move(path)) {}
  int m_fd = -1;
  std::filesystem::path m_path;
};

class StringReader final : public BlobReader {
public:
  explicit StringReader(std::string data) : m_data(std::move(data)) {}
  Result<std::size_t> read(std::span<std::uint8_t> buf) override;

private:
  std::string m_data;
  std::size_t m_pos = 0;
};

// Checks digest and size of what streams through. expected_size < 0: size unknown, not checked.
class VerifyingReader final : public BlobReader {
public:
  VerifyingReader(std::unique_ptr<BlobReader> inner, Digest expected, std::int64_t expected_size);
  Result<std::size_t> read(std::span<std::uint8_t> buf) override;

private:
  std::unique_ptr<BlobReader> m_inner;
  Digest m_expected;
  std::int64_t m_expected_size;
  std::int64_t m_seen = 0;
  Sha256 m_hash;
  bool m_done = false;
};

// Computes digest and size of what streams through (a destination learning what it wrote).
class HashingReader final : public BlobReader {
public:
  explicit HashingReader(BlobReader& inner) : m_inner(inner) {}
  Result<std::size_t> read(std::span<std::uint8_t> buf) override;
  // Valid after read() returned 0.
  [[nodiscard]] const Digest& digest() const { return m_digest; }
  [[nodiscard]] std::int64_t size() const { return m_size; }

private:
  BlobReader& m_inner;
  Sha256 m_hash;
  Digest m_digest;
  std::int64_t m_size = 0;
};

// Reports bytes to a Progress task as they stream.
class ProgressReader final : public BlobReader {
public:
  ProgressReader(BlobReader& inner, Progress& progress, std::string id) : m_inner(inner), m_progress(progress), m_id(std::move(id)) {}
  Result<std::size_t> read(std::span<std::uint8_t> buf) override;

private:
  BlobReader& m_inner;
  Progress& m_progress;
  std::string m_id;
};

// Reads a whole small blob (a manifest or config) into memory, refusing more than `limit` bytes.
Result<std::string> read_small_blob(BlobReader& reader, std::size_t limit, std::string_view what);

// Streams a reader into a file through AtomicFile; returns the digest and size written. The file appears only
// if the whole stream was read without error.
struct WrittenBlob {
  Digest digest;
  std::int64_t size = 0;
};
Result<WrittenBlob> write_blob_file(BlobReader& reader, const std::filesystem::path& target);

// Streams a blob into `dir`/<hex><suffix>, named by the digest of what was written; when `expected` has a
// digest, a different content is Kind::integrity and nothing is kept.
Result<WrittenBlob> store_blob(BlobReader& reader, const Digest& expected, const std::filesystem::path& dir,
                               std::string_view suffix = {});

} // namespace coco::oci
