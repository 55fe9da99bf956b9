#include "common/base/atomic_file.hpp"

#include <sys/stat.h>

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
