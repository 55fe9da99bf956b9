#include "common/ocicrypt/layer_stream.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace coco::ocicrypt {
namespace {

// Buffers in flight: some being read, in the cipher and consumed, the rest slack that lets reading run ahead
// so a worker that comes free always finds a chunk to take (8 x 256 KiB: ~2 MiB whatever the layer size).
constexpr std::size_t k_buffers = 8;

struct Item {
  std::size_t buffer = 0;
  std::size_t size = 0;
  bool end = false;
  std::optional<Error> error;
};

// The two kinds of work a chunk needs before the consumer takes it. Each is a lane: one chunk at a time, in
// order (the source is a stream, the HMAC and the counter run over the chunks in order).
enum class Task { none, read, cipher };

} // namespace

// Two threads share the work: one background worker and the consumer (the thread calling read()). The
// consumer's own work on a chunk (the destination's digest and write) happens between its read() calls;
// whenever it asks for a chunk that is not ready, it runs the next free task of a lane instead of sleeping.
// With three lanes of about equal cost on two cores, neither thread waits while a lane has work.
struct LayerCipherStream::State {
  explicit State(oci::BlobReader& src) : source(src) {}

  oci::BlobReader& source;
  std::function<void(std::span<std::uint8_t>)> transform;  // one chunk at a time, in order
  std::function<Status()> at_end;                           // after the last chunk
  std::optional<LayerEncryptor> encryptor;
  std::optional<LayerDecryptor> decryptor;

  std::vector<std::vector<std::uint8_t>> buffers;
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::size_t> free_buffers;
  std::deque<Item> read_queue;    // read, waiting for the cipher
  std::deque<Item> cipher_queue;  // ready for the consumer
  bool reading = false;           // a thread runs the read lane
  bool ciphering = false;         // a thread runs the cipher lane
  bool read_over = false;         // the source ended or failed: no more reads
  bool cipher_over = false;       // the last item went through the cipher
  bool stop = false;
  std::optional<PublicOptions> public_options;
  std::uint64_t size = 0;

  // Consumer side (the thread calling read()).
  std::optional<Item> current;
  std::size_t offset = 0;
  bool done = false;
  std::optional<Error> failed;

  std::thread worker;

  // Claims a lane that has work, under the lock. The worker prefers reading (keeping input ahead of the
  // cipher), the consumer the cipher (the chunk it waits for).
  Task claim(bool prefer_read) {
    const bool can_read = !reading && !read_over && !free_buffers.empty();
    const bool can_cipher = !ciphering && !cipher_over && !read_queue.empty();
    if (can_read && (prefer_read || !can_cipher)) {
      reading = true;
      return Task::read;
    }
    if (can_cipher) {
      ciphering = true;
      return Task::cipher;
    }
    return Task::none;
  }

  // Runs a claimed task with the lock released; returns with it held again, having woken the other thread.
  void run(Task task, std::unique_lock<std::mutex>& lock) {
    if (task == Task::read) {
      const std::size_t b = free_buffers.front();
      free_buffers.pop_front();
      lock.unlock();
      Item item = read_chunk(b);
      lock.lock();
      reading = false;
      read_over = item.end || item.error.has_value();
      read_queue.push_back(std::move(item));
    } else {
      Item item = std::move(read_queue.front());
      read_queue.pop_front();
      lock.unlock();
      cipher_chunk(item);
      lock.lock();
      ciphering = false;
      cipher_over = item.end || item.error.has_value();
      size += item.size;
      cipher_queue.push_back(std::move(item));
    }
    changed.notify_all();
  }

  // Fills a whole buffer (sources hand out smaller pieces) so each chunk is one task.
  Item read_chunk(std::size_t b) {
    std::vector<std::uint8_t>& buf = buffers[b];
    std::size_t have = 0;
    while (have < buf.size()) {
      auto n = source.read(std::span<std::uint8_t>(buf.data() + have, buf.size() - have));
      if (!n) {
        return Item{b, 0, false, std::move(n).error()};
      }
      if (*n == 0) {
        break;
      }
      have += *n;
    }
    return Item{b, have, have == 0, std::nullopt};
  }

  void cipher_chunk(Item& item) {
    if (item.error) {
      return;
    }
    if (item.end) {
      Status finished = at_end();
      if (!finished) {
        item.end = false;
        item.error = finished.error();
      }
      return;
    }
    transform(std::span<std::uint8_t>(buffers[item.buffer].data(), item.size));
  }

  void work_loop() {
    std::unique_lock lock(mutex);
    for (;;) {
      Task task = Task::none;
      changed.wait(lock, [&] { return stop || cipher_over || (task = claim(true)) != Task::none; });
      if (task == Task::none) {
        return;
      }
      run(task, lock);
    }
  }

  void start() {
    buffers.assign(k_buffers, std::vector<std::uint8_t>(k_layer_chunk));
    for (std::size_t i = 0; i < k_buffers; ++i) {
      free_buffers.push_back(i);
    }
    worker = std::thread([this] { work_loop(); });
  }
};

LayerCipherStream::LayerCipherStream(std::unique_ptr<State> state) : m_state(std::move(state)) {}

LayerCipherStream::~LayerCipherStream() {
  {
    std::lock_guard lock(m_state->mutex);
    m_state->stop = true;
  }
  m_state->changed.notify_all();
  if (m_state->worker.joinable()) {
    m_state->worker.join();
  }
}

std::unique_ptr<LayerCipherStream> LayerCipherStream::encrypting(oci::BlobReader& source, LayerEncryptor encryptor) {
  auto state = std::make_unique<State>(source);
  State* s = state.get();
  s->encryptor.emplace(std::move(encryptor));
  s->transform = [s](std::span<std::uint8_t> chunk) { s->encryptor->update(chunk); };
  s->at_end = [s]() -> Status {
    PublicOptions pub = s->encryptor->finish();
    std::lock_guard lock(s->mutex);
    s->public_options = std::move(pub);
    return ok();
  };
  s->start();
  return std::unique_ptr<LayerCipherStream>(new LayerCipherStream(std::move(state)));
}

std::unique_ptr<LayerCipherStream> LayerCipherStream::decrypting(oci::BlobReader& source, LayerDecryptor decryptor) {
  auto state = std::make_unique<State>(source);
  State* s = state.get();
  s->decryptor.emplace(std::move(decryptor));
  s->transform = [s](std::span<std::uint8_t> chunk) { s->decryptor->update(chunk); };
  s->at_end = [s]() -> Status { return s->decryptor->finish(); };
  s->start();
  return std::unique_ptr<LayerCipherStream>(new LayerCipherStream(std::move(state)));
}

Result<std::size_t> LayerCipherStream::read(std::span<std::uint8_t> buf) {
  State& s = *m_state;
  if (s.failed) {
    return *s.failed;
  }
  if (s.done || buf.empty()) {
    return std::size_t{0};
  }
  while (!s.current || s.offset == s.current->size) {
    {
      std::unique_lock lock(s.mutex);
      if (s.current) {
        s.free_buffers.push_back(s.current->buffer);
        s.current.reset();
        s.changed.notify_all();
      }
      while (s.cipher_queue.empty()) {
        if (Task task = s.claim(false); task != Task::none) {
          s.run(task, lock);
        } else {
          s.changed.wait(lock);
        }
      }
      s.current = std::move(s.cipher_queue.front());
      s.cipher_queue.pop_front();
    }
    s.offset = 0;
    if (s.current->error) {
      s.failed = std::move(s.current->error);
      s.current.reset();
      return *s.failed;
    }
    if (s.current->end) {
      s.done = true;
      s.current.reset();
      return std::size_t{0};
    }
  }
  const std::size_t n = std::min(buf.size(), s.current->size - s.offset);
  std::memcpy(buf.data(), s.buffers[s.current->buffer].data() + s.offset, n);
  s.offset += n;
  return n;
}

std::optional<PublicOptions> LayerCipherStream::public_options() const {
  std::lock_guard lock(m_state->mutex);
  return m_state->public_options;
}

std::uint64_t LayerCipherStream::size() const {
  std::lock_guard lock(m_state->mutex);
  return m_state->size;
}

} // namespace coco::ocicrypt
