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

// Buffers in flight: some being read, in the cipher and consumed, the rest slack that absorbs the scheduling
// jitter of three busy threads on two cores (8 x 256 KiB measured ~8 % faster than 4 x 512 KiB at the same RSS).
constexpr std::size_t k_buffers = 8;

struct Item {
  std::size_t buffer = 0;
  std::size_t size = 0;
  bool end = false;
  std::optional<Error> error;
};

} // namespace

struct LayerCipherStream::State {
  explicit State(oci::BlobReader& src) : source(src) {}

  oci::BlobReader& source;
  std::function<void(std::span<std::uint8_t>)> transform;  // on the cipher thread
  std::function<Status()> at_end;                           // on the cipher thread, after the last chunk
  std::optional<LayerEncryptor> encryptor;
  std::optional<LayerDecryptor> decryptor;

  std::vector<std::vector<std::uint8_t>> buffers;
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::size_t> free_buffers;
  std::deque<Item> read_queue;
  std::deque<Item> cipher_queue;
  bool stop = false;
  std::optional<PublicOptions> public_options;
  std::uint64_t size = 0;

  // Consumer side (the thread calling read()).
  std::optional<Item> current;
  std::size_t offset = 0;
  bool done = false;
  std::optional<Error> failed;

  std::thread reader;
  std::thread cipher;

  void push(std::deque<Item>& queue, Item item) {
    {
      std::lock_guard lock(mutex);
      queue.push_back(std::move(item));
    }
    changed.notify_all();
  }

  // Fills a whole buffer (sources hand out smaller pieces) so each chunk crosses the threads once.
  Result<std::size_t> fill(std::vector<std::uint8_t>& buf) {
    std::size_t have = 0;
    while (have < buf.size()) {
      COCO_TRY(std::size_t n, source.read(std::span<std::uint8_t>(buf.data() + have, buf.size() - have)));
      if (n == 0) {
        break;
      }
      have += n;
    }
    return have;
  }

  void read_loop() {
    for (;;) {
      std::size_t b = 0;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [this] { return stop || !free_buffers.empty(); });
        if (stop) {
          return;
        }
        b = free_buffers.front();
        free_buffers.pop_front();
      }
      auto n = fill(buffers[b]);
      if (!n) {
        push(read_queue, Item{b, 0, false, std::move(n).error()});
        return;
      }
      if (*n == 0) {
        push(read_queue, Item{b, 0, true, std::nullopt});
        return;
      }
      push(read_queue, Item{b, *n, false, std::nullopt});
    }
  }

  void cipher_loop() {
    for (;;) {
      Item item;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [this] { return stop || !read_queue.empty(); });
        if (stop) {
          return;
        }
        item = std::move(read_queue.front());
        read_queue.pop_front();
      }
      if (item.error) {
        push(cipher_queue, std::move(item));
        return;
      }
      if (item.end) {
        Status finished = at_end();
        if (!finished) {
          item.end = false;
          item.error = finished.error();
        }
        push(cipher_queue, std::move(item));
        return;
      }
      transform(std::span<std::uint8_t>(buffers[item.buffer].data(), item.size));
      {
        std::lock_guard lock(mutex);
        size += item.size;
      }
      push(cipher_queue, std::move(item));
    }
  }

  void start() {
    buffers.assign(k_buffers, std::vector<std::uint8_t>(k_layer_chunk));
    for (std::size_t i = 0; i < k_buffers; ++i) {
      free_buffers.push_back(i);
    }
    reader = std::thread([this] { read_loop(); });
    cipher = std::thread([this] { cipher_loop(); });
  }
};

LayerCipherStream::LayerCipherStream(std::unique_ptr<State> state) : m_state(std::move(state)) {}

LayerCipherStream::~LayerCipherStream() {
  {
    std::lock_guard lock(m_state->mutex);
    m_state->stop = true;
  }
  m_state->changed.notify_all();
  if (m_state->reader.joinable()) {
    m_state->reader.join();
  }
  if (m_state->cipher.joinable()) {
    m_state->cipher.join();
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
        lock.unlock();
        s.changed.notify_all();
        lock.lock();
      }
      s.changed.wait(lock, [&s] { return !s.cipher_queue.empty(); });
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
