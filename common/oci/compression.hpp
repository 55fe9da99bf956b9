// Layer compression: gzip (RFC 1952, zlib) and zstd (RFC 8878, libzstd), recognised by their magic bytes.
// Used where a destination stores layers uncompressed (docker-archive: holds plain tars named by diff ID).
#pragma once

#include <memory>
#include <vector>

#include "common/oci/blob_stream.hpp"

namespace coco::oci {

enum class Compression { none, gzip, zstd };

// Streams the decompressed bytes of `inner`, whatever its compression (plain data passes through).
class DecompressingReader final : public BlobReader {
public:
  explicit DecompressingReader(BlobReader& inner);
  ~DecompressingReader() override;
  Result<std::size_t> read(std::span<std::uint8_t> buf) override;
  [[nodiscard]] Compression detected() const { return m_mode; }

private:
  Status fill();
  BlobReader& m_inner;
  Compression m_mode = Compression::none;
  bool m_started = false;
  bool m_input_done = false;
  bool m_output_done = false;
  bool m_zstd_frame_end = false;
  std::vector<std::uint8_t> m_in;
  std::size_t m_in_pos = 0;
  struct Codec;
  std::unique_ptr<Codec> m_codec;
};

} // namespace coco::oci

namespace coco::oci {

// Streams `inner` gzip-compressed (zlib, default level, no file name or time in the header, as a layer is
// compressed reproducibly). Used to recompress zstd layers to gzip.
class GzipCompressingReader final : public BlobReader {
public:
  explicit GzipCompressingReader(BlobReader& inner);
  ~GzipCompressingReader() override;
  GzipCompressingReader(const GzipCompressingReader&) = delete;
  GzipCompressingReader& operator=(const GzipCompressingReader&) = delete;
  Result<std::size_t> read(std::span<std::uint8_t> buf) override;

private:
  BlobReader& m_inner;
  std::vector<std::uint8_t> m_in;
  bool m_input_done = false;
  bool m_output_done = false;
  struct Stream;
  std::unique_ptr<Stream> m_stream;
};

} // namespace coco::oci
