#include "common/oci/compression.hpp"

#include <zlib.h>
#include <zstd.h>

#include <cstring>

namespace coco::oci {

struct DecompressingReader::Codec {
  z_stream z{};
  bool z_init = false;
  ZSTD_DStream* zstd = nullptr;
  ~Codec() {
    if (z_init) {
      inflateEnd(&z);
    }
    if (zstd != nullptr) {
      ZSTD_freeDStream(zstd);
    }
  }
};

DecompressingReader::DecompressingReader(BlobReader& inner) : m_inner(inner), m_codec(std::make_unique<Codec>()) {}
DecompressingReader::~DecompressingReader() = default;

Status DecompressingReader::fill() {
  if (m_in_pos < m_in.size() || m_input_done) {
    return ok();
  }
  m_in.resize(k_chunk_size);
  COCO_TRY(std::size_t n, m_inner.read(m_in));
  m_in.resize(n);
  m_in_pos = 0;
  if (n == 0) {
    m_input_done = true;
  }
  return ok();
}

Result<std::size_t> DecompressingReader::read(std::span<std::uint8_t> buf) {
  if (!m_started) {
    m_started = true;
    COCO_TRY_STATUS(fill());
    if (m_in.size() >= 2 && m_in[0] == 0x1f && m_in[1] == 0x8b) {
      m_mode = Compression::gzip;
      if (inflateInit2(&m_codec->z, 15 + 32) != Z_OK) {
        return make_error(Kind::internal, "zlib init failed");
      }
      m_codec->z_init = true;
    } else if (m_in.size() >= 4 && m_in[0] == 0x28 && m_in[1] == 0xb5 && m_in[2] == 0x2f && m_in[3] == 0xfd) {
      m_mode = Compression::zstd;
      m_codec->zstd = ZSTD_createDStream();
      ZSTD_initDStream(m_codec->zstd);
    }
  }
  if (m_output_done) {
    return std::size_t{0};
  }
  while (true) {
    COCO_TRY_STATUS(fill());
    if (m_mode == Compression::none) {
      if (m_input_done) {
        m_output_done = true;
        return std::size_t{0};
      }
      std::size_t n = std::min(buf.size(), m_in.size() - m_in_pos);
      std::memcpy(buf.data(), m_in.data() + m_in_pos, n);
      m_in_pos += n;
      return n;
    }
    if (m_mode == Compression::gzip) {
      auto& z = m_codec->z;
      z.next_in = m_in.data() + m_in_pos;
      z.avail_in = static_cast<uInt>(m_in.size() - m_in_pos);
      z.next_out = buf.data();
      z.avail_out = static_cast<uInt>(buf.size());
      int r = inflate(&z, Z_NO_FLUSH);
      m_in_pos = m_in.size() - z.avail_in;
      std::size_t produced = buf.size() - z.avail_out;
      if (r == Z_STREAM_END) {
        // Concatenated gzip members continue; anything else after the end is ignored.
        if (m_in_pos < m_in.size() || !m_input_done) {
          COCO_TRY_STATUS(fill());
          if (!m_input_done && m_in_pos < m_in.size() && m_in[m_in_pos] == 0x1f) {
            inflateReset(&z);
            if (produced > 0) {
              return produced;
            }
            continue;
          }
        }
        m_output_done = true;
        return produced;
      }
      if (r != Z_OK && r != Z_BUF_ERROR) {
        return make_error(Kind::invalid, "corrupt gzip data");
      }
      if (produced > 0) {
        return produced;
      }
      if (m_input_done) {
        return make_error(Kind::invalid, "truncated gzip data");
      }
      continue;
    }
    ZSTD_inBuffer in{m_in.data() + m_in_pos, m_in.size() - m_in_pos, 0};
    ZSTD_outBuffer out{buf.data(), buf.size(), 0};
    std::size_t r = ZSTD_decompressStream(m_codec->zstd, &out, &in);
    m_in_pos += in.pos;
    if (ZSTD_isError(r) != 0U) {
      return make_error(Kind::invalid, std::string("corrupt zstd data: ") + ZSTD_getErrorName(r));
    }
    // r == 0: a frame ended. A call that neither read nor wrote only hints at the next frame's header, so
    // the end of the stream is judged by the last call that did something.
    if (in.pos > 0 || out.pos > 0) {
      m_zstd_frame_end = r == 0;
    }
    if (out.pos > 0) {
      return out.pos;
    }
    if (m_input_done) {
      if (!m_zstd_frame_end) {
        return make_error(Kind::invalid, "truncated zstd data");
      }
      m_output_done = true;
      return std::size_t{0};
    }
  }
}

} // namespace coco::oci

namespace coco::oci {

struct GzipCompressingReader::Stream {
  z_stream z{};
  bool ready = false;
  ~Stream() {
    if (ready) {
      deflateEnd(&z);
    }
  }
};

GzipCompressingReader::GzipCompressingReader(BlobReader& inner)
    : m_inner(inner), m_in(k_chunk_size), m_stream(std::make_unique<Stream>()) {}

GzipCompressingReader::~GzipCompressingReader() = default;

Result<std::size_t> GzipCompressingReader::read(std::span<std::uint8_t> buf) {
  if (m_output_done || buf.empty()) {
    return std::size_t{0};
  }
  z_stream& z = m_stream->z;
  if (!m_stream->ready) {
    // windowBits 15 + 16: a gzip wrapper with an empty header (no name, mtime 0).
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      return make_error(Kind::internal, "gzip: cannot initialise the compressor");
    }
    m_stream->ready = true;
  }
  z.next_out = buf.data();
  z.avail_out = static_cast<uInt>(buf.size());
  while (z.avail_out == buf.size()) {
    if (z.avail_in == 0 && !m_input_done) {
      COCO_TRY(std::size_t n, m_inner.read(m_in));
      if (n == 0) {
        m_input_done = true;
      }
      z.next_in = m_in.data();
      z.avail_in = static_cast<uInt>(n);
    }
    const int rc = deflate(&z, m_input_done ? Z_FINISH : Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      m_output_done = true;
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return make_error(Kind::internal, "gzip: compression failed");
    }
  }
  return buf.size() - z.avail_out;
}

} // namespace coco::oci
