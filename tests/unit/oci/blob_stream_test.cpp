#include "common/oci/blob_stream.hpp"

#include <zlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <vector>

#include "common/base/encoding.hpp"
#include "common/oci/compression.hpp"
#include "tests/unit/test_util.hpp"

using namespace coco::oci;
using coco::Kind;

namespace {

coco::Result<std::string> drain(BlobReader& r, std::size_t chunk = 1000) {
  std::string out;
  std::vector<std::uint8_t> buf(chunk);
  while (true) {
    auto n = r.read(buf);
    if (!n) {
      return n.error();
    }
    if (*n == 0) {
      return out;
    }
    out.append(reinterpret_cast<const char*>(buf.data()), *n);
  }
}

std::string gzip(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string sample(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s.push_back(static_cast<char>((i * 7919) % 251));
  }
  return s;
}

} // namespace

TEST_CASE("a verifying reader passes content whose digest and size match", "[oci]") {
  std::string data = sample(300000);
  VerifyingReader r(std::make_unique<StringReader>(data), digest_of(data), static_cast<std::int64_t>(data.size()));
  auto out = drain(r, 4096);
  REQUIRE(out);
  CHECK(*out == data);
}

TEST_CASE("a verifying reader fails at the end on a digest mismatch, naming the blob", "[oci]") {
  std::string data = sample(5000);
  Digest expected = digest_of(data);
  data[100] ^= 1;
  VerifyingReader r(std::make_unique<StringReader>(data), expected, static_cast<std::int64_t>(data.size()));
  auto out = drain(r);
  REQUIRE_FALSE(out);
  CHECK(out.error().kind == Kind::integrity);
  CHECK(out.error().message.find(expected.str()) != std::string::npos);
  CHECK(out.error().message.find("digest mismatch") != std::string::npos);
}

TEST_CASE("a verifying reader stops as soon as a blob exceeds its size", "[oci]") {
  std::string data = sample(5000);
  VerifyingReader r(std::make_unique<StringReader>(data), digest_of(data), 100);
  std::vector<std::uint8_t> buf(1000);
  auto first = r.read(buf);
  REQUIRE_FALSE(first);
  CHECK(first.error().kind == Kind::integrity);
}

TEST_CASE("a verifying reader reports a truncated blob by its size", "[oci]") {
  std::string data = sample(50);
  VerifyingReader r(std::make_unique<StringReader>(data), digest_of(data), 51);
  auto out = drain(r);
  REQUIRE_FALSE(out);
  CHECK(out.error().message.find("size 50 does not match 51") != std::string::npos);
}

TEST_CASE("a hashing reader learns digest and size of what streams through", "[oci]") {
  std::string data = sample(70000);
  StringReader inner(data);
  HashingReader h(inner);
  REQUIRE(drain(h));
  CHECK(h.digest() == digest_of(data));
  CHECK(h.size() == 70000);
}

TEST_CASE("store_blob names the file by digest and keeps nothing on a mismatch", "[oci]") {
  coco::test::TempDir dir;
  std::string data = sample(1234);
  StringReader good(data);
  auto written = store_blob(good, digest_of(data), dir.path());
  REQUIRE(written);
  CHECK(std::filesystem::file_size(dir.path() / digest_of(data).hex) == 1234);
  StringReader bad("other");
  auto refused = store_blob(bad, digest_of(data), dir.path() / "second");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == Kind::integrity);
  CHECK(std::filesystem::is_empty(dir.path() / "second"));
}

TEST_CASE("decompression streams gzip and passes plain data through", "[oci]") {
  std::string data = sample(600000);
  StringReader compressed(gzip(data));
  DecompressingReader plain(compressed);
  auto out = drain(plain, 8192);
  REQUIRE(out);
  CHECK(*out == data);
  CHECK(plain.detected() == Compression::gzip);
  StringReader raw(data);
  DecompressingReader same(raw);
  auto passed = drain(same);
  REQUIRE(passed);
  CHECK(*passed == data);
  CHECK(same.detected() == Compression::none);
}

TEST_CASE("corrupt gzip data is an error, not garbage", "[oci]") {
  std::string z = gzip(sample(100000));
  z.resize(z.size() / 2);
  StringReader compressed(z);
  DecompressingReader plain(compressed);
  auto out = drain(plain);
  REQUIRE_FALSE(out);
  CHECK(out.error().kind == Kind::invalid);
}

TEST_CASE("read_small_blob refuses more than its limit", "[oci]") {
  StringReader r(sample(2000));
  auto out = read_small_blob(r, 1000, "manifest");
  REQUIRE_FALSE(out);
  CHECK(out.error().message.find("manifest") != std::string::npos);
}
