#include "common/base/atomic_file.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/unit/test_util.hpp"

using namespace coco;
namespace fs = std::filesystem;

TEST_CASE("an uncommitted atomic file leaves nothing behind", "[base][atomic_file]") {
  test::TempDir dir;
  {
    auto file = AtomicFile::create(dir / "out");
    REQUIRE(file);
    REQUIRE(file->write(std::string_view("partial")));
  }
  CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("a committed atomic file appears whole with the requested mode", "[base][atomic_file]") {
  test::TempDir dir;
  REQUIRE(write_file_atomic(dir / "key", "secret-bytes", 0600));
  CHECK(*read_file(dir / "key") == "secret-bytes");
  struct stat st {};
  REQUIRE(::stat((dir / "key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("an atomic directory replaces an existing tree only on commit", "[base][atomic_file]") {
  test::TempDir dir;
  fs::create_directory(dir / "layout");
  REQUIRE(write_file_atomic(dir / "layout" / "old", "x"));
  {
    auto staged = AtomicDir::create(dir / "layout");
    REQUIRE(staged);
    REQUIRE(write_file_atomic(staged->path() / "new", "y"));
  }
  CHECK(fs::exists(dir / "layout" / "old"));
  CHECK_FALSE(fs::exists(dir / "layout" / "new"));
  auto staged = AtomicDir::create(dir / "layout");
  REQUIRE(staged);
  REQUIRE(write_file_atomic(staged->path() / "new", "y"));
  REQUIRE(staged->commit());
  CHECK(fs::exists(dir / "layout" / "new"));
  CHECK_FALSE(fs::exists(dir / "layout" / "old"));
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

namespace {

// Deterministic bytes that differ at every offset modulo a large prime, so a misplaced block shows.
std::vector<std::uint8_t> pattern(std::size_t size) {
  std::vector<std::uint8_t> out(size);
  for (std::size_t i = 0; i < size; ++i) {
    out[i] = static_cast<std::uint8_t>((i * 2654435761U) >> 13);
  }
  return out;
}

void check_bulk_round_trip(const fs::path& dir, std::size_t size, std::size_t piece) {
  const auto data = pattern(size);
  auto file = AtomicFile::create_bulk(dir / "blob");
  REQUIRE(file);
  std::size_t at = 0;
  bool use_space = false;
  while (at < size) {
    const std::size_t n = std::min(piece, size - at);
    if (use_space) {
      auto room = file->space();
      REQUIRE(!room.empty());
      const std::size_t m = std::min(n, room.size());
      std::memcpy(room.data(), data.data() + at, m);
      REQUIRE(file->wrote(m));
      at += m;
    } else {
      REQUIRE(file->write(std::span<const std::uint8_t>(data.data() + at, n)));
      at += n;
    }
    use_space = !use_space;
  }
  REQUIRE(file->commit());
  auto back = read_file(dir / "blob");
  REQUIRE(back);
  REQUIRE(back->size() == size);
  CHECK(std::equal(back->begin(), back->end(), data.begin(),
                   [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; }));
}

} // namespace

TEST_CASE("a bulk atomic file keeps every byte at every size around its block and buffer edges",
          "[base][atomic_file]") {
  test::TempDir dir;
  const std::size_t mib = std::size_t{1} << 20;
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{4095}, std::size_t{4096}, std::size_t{4097},
                           2 * mib - 1, 2 * mib, 2 * mib + 1, 5 * mib + 4099, 9 * mib}) {
    for (std::size_t piece : {std::size_t{1000}, std::size_t{65536}, 3 * mib}) {
      if (piece == 1000 && size > 3 * mib) {
        continue;  // small pieces over large sizes add time, not coverage
      }
      INFO("size " << size << " written in pieces of " << piece);
      check_bulk_round_trip(dir.path(), size, piece);
    }
  }
}

TEST_CASE("a bulk atomic file works where O_DIRECT is refused", "[base][atomic_file]") {
  // /dev/shm is tmpfs, which refuses O_DIRECT on older kernels and accepts it on newer ones: both must work.
  if (!fs::is_directory("/dev/shm")) {
    SUCCEED("no /dev/shm here");
    return;
  }
  char name[] = "/dev/shm/coco-bulk-XXXXXX";
  REQUIRE(::mkdtemp(name) != nullptr);
  const fs::path dir(name);
  check_bulk_round_trip(dir, (std::size_t{5} << 20) + 17, 1 << 20);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST_CASE("an uncommitted bulk atomic file leaves nothing behind, even after buffers went to disk",
          "[base][atomic_file]") {
  test::TempDir dir;
  {
    auto file = AtomicFile::create_bulk(dir / "blob");
    REQUIRE(file);
    const auto data = pattern(std::size_t{7} << 20);
    REQUIRE(file->write(data));
  }
  CHECK(fs::is_empty(dir.path()));
}
