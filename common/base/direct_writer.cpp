#include "common/base/direct_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

namespace coco {
namespace {

constexpr std::size_t k_align = 4096;             // covers every logical block size Linux uses
constexpr std::size_t k_buffer_size = 1ULL << 20;  // per buffer; two of them

struct AlignedFree {
  void operator()(std::uint8_t* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<std::uint8_t, AlignedFree>;

AlignedBuffer aligned_buffer() {
  return AlignedBuffer(static_cast<std::uint8_t*>(std::aligned_alloc(k_align, k_buffer_size)));
}

bool set_direct(int fd, bool on) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) {
    return false;
  }
  flags = on ? (flags | O_DIRECT) : (flags & ~O_DIRECT);
  return ::fcntl(fd, F_SETFL, flags) == 0;
}

} // namespace

struct DirectWriter::State {
  int fd = -1;
  std::string name;
  bool direct = false;
  AlignedBuffer buffers[2];
  int current = 0;       // the buffer being filled by the caller
  std::size_t fill = 0;  // bytes in it
  std::uint64_t offset = 0;  // file offset of the current buffer's first byte

  // Hand-off to the writer thread: at most one buffer in flight.
  std::mutex mutex;
  std::condition_variable changed;
  bool pending = false;
  int pending_buffer = 0;
  std::size_t pending_size = 0;
  std::uint64_t pending_offset = 0;
  bool stop = false;
  int error = 0;  // errno of the first failed write
  std::thread thread;

  // Writes all of [data, data+size) at `at`; on a file system that refuses O_DIRECT, switches to ordinary writes.
  int write_all(const std::uint8_t* data, std::size_t size, std::uint64_t at) {
    while (size > 0) {
      ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(at));
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        if (errno == EINVAL && direct) {
          direct = false;
          if (set_direct(fd, false)) {
            continue;
          }
        }
        return errno;
      }
      data += n;
      size -= static_cast<std::size_t>(n);
      at += static_cast<std::uint64_t>(n);
    }
    return 0;
  }

  void run() {
    std::unique_lock lock(mutex);
    for (;;) {
      changed.wait(lock, [this] { return stop || pending; });
      if (stop) {
        return;
      }
      const int b = pending_buffer;
      const std::size_t size = pending_size;
      const std::uint64_t at = pending_offset;
      lock.unlock();
      const int err = write_all(buffers[b].get(), size, at);
      lock.lock();
      if (err != 0 && error == 0) {
        error = err;
      }
      pending = false;
      changed.notify_all();
    }
  }

  Status failure() const {
    return make_error(Kind::io, name + ": write failed: " + std::strerror(error), "check the free space on its disk");
  }

  // Waits until no buffer is in flight; the first write error, if any.
  Status drain() {
    std::unique_lock lock(mutex);
    changed.wait(lock, [this] { return !pending; });
    if (error != 0) {
      return failure();
    }
    return ok();
  }

  Status submit() {
    if (!thread.joinable()) {
      thread = std::thread([this] { run(); });  // started by the first full buffer: small files never need it
    }
    COCO_TRY_STATUS(drain());
    {
      std::lock_guard lock(mutex);
      pending = true;
      pending_buffer = current;
      pending_size = fill;
      pending_offset = offset;
    }
    changed.notify_all();
    offset += fill;
    current ^= 1;
    fill = 0;
    return ok();
  }
};

DirectWriter::DirectWriter(int fd, std::string name) : m_state(std::make_unique<State>()) {
  State& s = *m_state;
  s.fd = fd;
  s.name = std::move(name);
  s.buffers[0] = aligned_buffer();
  s.buffers[1] = aligned_buffer();
  if (!s.buffers[0] || !s.buffers[1]) {
    throw std::bad_alloc();
  }
  s.direct = set_direct(fd, true);
}

DirectWriter::~DirectWriter() {
  {
    std::lock_guard lock(m_state->mutex);
    m_state->stop = true;
  }
  m_state->changed.notify_all();
  if (m_state->thread.joinable()) {
    m_state->thread.join();
  }
}

std::span<std::uint8_t> DirectWriter::space() {
  State& s = *m_state;
  return {s.buffers[s.current].get() + s.fill, k_buffer_size - s.fill};
}

Status DirectWriter::wrote(std::size_t n) {
  State& s = *m_state;
  s.fill += n;
  if (s.fill == k_buffer_size) {
    return s.submit();
  }
  return ok();
}

Status DirectWriter::write(std::span<const std::uint8_t> data) {
  while (!data.empty()) {
    auto room = space();
    const std::size_t n = std::min(room.size(), data.size());
    std::memcpy(room.data(), data.data(), n);
    data = data.subspan(n);
    COCO_TRY_STATUS(wrote(n));
  }
  return ok();
}

Status DirectWriter::finish() {
  State& s = *m_state;
  COCO_TRY_STATUS(s.drain());
  // The aligned part of the tail still goes direct; the last partial block needs an ordinary write.
  const std::size_t aligned = s.direct ? (s.fill / k_align) * k_align : 0;
  const std::uint8_t* data = s.buffers[s.current].get();
  int err = s.write_all(data, aligned, s.offset);
  if (err == 0 && s.fill > aligned) {
    if (s.direct) {
      s.direct = false;
      (void)set_direct(s.fd, false);
    }
    err = s.write_all(data + aligned, s.fill - aligned, s.offset + aligned);
  }
  if (err != 0) {
    s.error = err;
    return s.failure();
  }
  s.offset += s.fill;
  s.fill = 0;
  return ok();
}

} // namespace coco
