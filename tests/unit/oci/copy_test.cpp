// Layouts and the copy engine on real files: a small OCI layout written by hand, copied through the
// transports, with failures that must leave nothing behind.
#include "common/oci/copy.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "common/base/atomic_file.hpp"
#include "common/oci/inspect.hpp"
#include "tests/unit/test_util.hpp"

using namespace coco::oci;
using coco::Kind;
namespace fs = std::filesystem;

namespace {

std::string sample(std::size_t n, int seed) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s.push_back(static_cast<char>((i * 31 + static_cast<std::size_t>(seed) * 17) % 253));
  }
  return s;
}

void put_blob_file(const fs::path& layout, const std::string& data) {
  fs::create_directories(layout / "blobs" / "sha256");
  std::ofstream(layout / "blobs" / "sha256" / digest_of(data).hex, std::ios::binary) << data;
}

struct Image {
  std::string manifest;
  std::string layer;
  std::string config;
};

// A one-layer OCI image tagged `tag` in `layout` (created or extended).
Image add_image(const fs::path& layout, const std::string& tag, int seed) {
  Image img;
  img.layer = sample(100000, seed);
  img.config = R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[")" + digest_of(img.layer).str() + R"("]}})";
  img.manifest = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
                 digest_of(img.config).str() + R"(","size":)" + std::to_string(img.config.size()) +
                 R"(},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":")" + digest_of(img.layer).str() +
                 R"(","size":)" + std::to_string(img.layer.size()) + "}]}";
  put_blob_file(layout, img.layer);
  put_blob_file(layout, img.config);
  put_blob_file(layout, img.manifest);
  std::string entries;
  if (fs::exists(layout / "index.json")) {
    auto text = *coco::read_file(layout / "index.json");
    auto start = text.find('[') + 1;
    auto end = text.rfind(']');
    entries = text.substr(start, end - start);
  }
  std::string entry = R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" + digest_of(img.manifest).str() +
                      R"(","size":)" + std::to_string(img.manifest.size()) +
                      R"(,"annotations":{"org.opencontainers.image.ref.name":")" + tag + R"("}})";
  entries += (entries.empty() ? "" : ",") + entry;
  REQUIRE(coco::write_file_atomic(layout / "index.json", R"({"schemaVersion":2,"manifests":[)" + entries + "]}"));
  REQUIRE(coco::write_file_atomic(layout / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})"));
  return img;
}

ImageReference image_ref(const std::string& text) { return *parse_image_reference(text); }

std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) {
      files[fs::relative(e.path(), dir).string()] = *coco::read_file(e.path());
    }
  }
  return files;
}

bool no_temporaries(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().find(".tmp-") != std::string::npos) {
      return false;
    }
  }
  return true;
}

void corrupt_layer(const fs::path& layout, const Image& img) {
  std::string bad = img.layer;
  bad[5] ^= 1;
  std::ofstream(layout / "blobs" / "sha256" / digest_of(img.layer).hex, std::ios::binary | std::ios::trunc) << bad;
}

class RecordingProgress final : public coco::Progress {
public:
  void begin(std::string_view id, std::string_view /*label*/, std::uint64_t /*total*/) override { begun.insert(std::string(id)); }
  void advance(std::string_view id, std::uint64_t bytes) override { bytes_by_id[std::string(id)] += bytes; }
  void end(std::string_view id, std::string_view status) override { ended[std::string(id)] = std::string(status); }
  std::set<std::string> begun;
  std::map<std::string, std::uint64_t> bytes_by_id;
  std::map<std::string, std::string> ended;
};

} // namespace

TEST_CASE("copying a layout keeps the manifest bytes and digest", "[oci]") {
  coco::test::TempDir dir;
  Image img = add_image(dir / "src", "v1", 1);
  auto result = copy_image(image_ref("oci:" + (dir / "src").string() + ":v1"), image_ref("oci:" + (dir / "dst").string() + ":t"), {});
  REQUIRE(result);
  CHECK(result->manifest_digest == digest_of(img.manifest));
  CHECK_FALSE(result->manifest_rewritten);
  CHECK(*coco::read_file(dir / "dst" / "blobs" / "sha256" / digest_of(img.manifest).hex) == img.manifest);
  CHECK(fs::exists(dir / "dst" / "oci-layout"));
  auto index = *coco::read_file(dir / "dst" / "index.json");
  CHECK(index.find(R"("org.opencontainers.image.ref.name":"t")") != std::string::npos);
}

TEST_CASE("a layout with several images needs a name", "[oci]") {
  coco::test::TempDir dir;
  add_image(dir / "src", "a", 1);
  add_image(dir / "src", "b", 2);
  auto result = copy_image(image_ref("oci:" + (dir / "src").string()), image_ref("dir:" + (dir / "d").string()), {});
  REQUIRE_FALSE(result);
  CHECK(result.error().hint.find("a, b") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "d"));
}

TEST_CASE("a corrupted layer fails the copy and leaves no destination", "[oci]") {
  coco::test::TempDir dir;
  Image img = add_image(dir / "src", "v1", 1);
  corrupt_layer(dir / "src", img);
  for (const std::string& dst : {"oci:" + (dir / "o").string() + ":v1", "dir:" + (dir / "d").string(),
                                "oci-archive:" + (dir / "a.tar").string(), "docker-archive:" + (dir / "da.tar").string()}) {
    INFO(dst);
    auto result = copy_image(image_ref("oci:" + (dir / "src").string() + ":v1"), image_ref(dst), {});
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == Kind::integrity);
    CHECK(result.error().message.find(digest_of(img.layer).str()) != std::string::npos);
  }
  CHECK_FALSE(fs::exists(dir / "o"));
  CHECK_FALSE(fs::exists(dir / "d"));
  CHECK_FALSE(fs::exists(dir / "a.tar"));
  CHECK_FALSE(fs::exists(dir / "da.tar"));
  CHECK(no_temporaries(dir.path()));
}

TEST_CASE("a failed copy into an existing layout leaves it exactly as it was", "[oci]") {
  coco::test::TempDir dir;
  add_image(dir / "existing", "old", 1);
  auto before = snapshot(dir / "existing");
  Image img = add_image(dir / "src", "v1", 2);
  corrupt_layer(dir / "src", img);
  auto result = copy_image(image_ref("oci:" + (dir / "src").string() + ":v1"), image_ref("oci:" + (dir / "existing").string() + ":new"), {});
  REQUIRE_FALSE(result);
  CHECK(snapshot(dir / "existing") == before);
  CHECK(no_temporaries(dir.path()));
}

TEST_CASE("copying into an existing layout adds a tag and replaces a tag of the same name", "[oci]") {
  coco::test::TempDir dir;
  Image old_img = add_image(dir / "layout", "old", 1);
  Image img = add_image(dir / "src", "v1", 2);
  std::string layout = "oci:" + (dir / "layout").string();
  REQUIRE(copy_image(image_ref("oci:" + (dir / "src").string() + ":v1"), image_ref(layout + ":new"), {}));
  REQUIRE(copy_image(image_ref("oci:" + (dir / "src").string() + ":v1"), image_ref(layout + ":old"), {}));
  auto old_now = inspect_image(image_ref(layout + ":old"), {});
  REQUIRE(old_now);
  CHECK(old_now->digest == digest_of(img.manifest));
  auto index = parse_image_index(*coco::read_file(dir / "layout" / "index.json"));
  REQUIRE(index);
  CHECK(index->manifests.size() == 2);
  // The replaced image's blobs stay (no garbage collection), as with skopeo.
  CHECK(fs::exists(dir / "layout" / "blobs" / "sha256" / digest_of(old_img.manifest).hex));
}

TEST_CASE("dir: writes the version file containers/image expects", "[oci]") {
  coco::test::TempDir dir;
  Image img = add_image(dir / "src", "v1", 1);
  REQUIRE(copy_image(image_ref("oci:" + (dir / "src").string() + ":v1"), image_ref("dir:" + (dir / "d").string()), {}));
  CHECK(*coco::read_file(dir / "d" / "version") == "Directory Transport Version: 1.1\n");
  CHECK(*coco::read_file(dir / "d" / "manifest.json") == img.manifest);
  CHECK(fs::exists(dir / "d" / digest_of(img.layer).hex));
  CHECK(fs::exists(dir / "d" / digest_of(img.config).hex));
}

TEST_CASE("dir: refuses to overwrite a directory that is not a dir: image", "[oci]") {
  coco::test::TempDir dir;
  add_image(dir / "src", "v1", 1);
  fs::create_directories(dir / "precious");
  std::ofstream(dir / "precious" / "notes.txt") << "keep";
  auto result = copy_image(image_ref("oci:" + (dir / "src").string() + ":v1"), image_ref("dir:" + (dir / "precious").string()), {});
  REQUIRE_FALSE(result);
  CHECK(result.error().kind == Kind::conflict);
  CHECK(fs::exists(dir / "precious" / "notes.txt"));
}

TEST_CASE("archives round-trip and docker-archive names layers by diff ID", "[oci]") {
  coco::test::TempDir dir;
  Image img = add_image(dir / "src", "v1", 3);
  std::string src = "oci:" + (dir / "src").string() + ":v1";
  REQUIRE(copy_image(image_ref(src), image_ref("oci-archive:" + (dir / "a.tar").string() + ":x"), {}));
  auto back = copy_image(image_ref("oci-archive:" + (dir / "a.tar").string() + ":x"), image_ref("oci:" + (dir / "back").string() + ":y"), {});
  REQUIRE(back);
  CHECK(back->manifest_digest == digest_of(img.manifest));
  REQUIRE(copy_image(image_ref(src), image_ref("docker-archive:" + (dir / "d.tar").string() + ":app:v1"), {}));
  auto info = inspect_image(image_ref("docker-archive:" + (dir / "d.tar").string() + ":app:v1"), {});
  REQUIRE(info);
  CHECK(info->media_type == media_type::docker_manifest);
  REQUIRE(info->layers.size() == 1);
  CHECK(info->layers[0].descriptor.digest == digest_of(img.layer)); // the layer is plain: its digest is its diff ID
  CHECK(info->config.digest == digest_of(img.config));
  auto wrong_tag = inspect_image(image_ref("docker-archive:" + (dir / "d.tar").string() + ":app:v2"), {});
  REQUIRE_FALSE(wrong_tag);
  CHECK(wrong_tag.error().kind == Kind::not_found);
}

TEST_CASE("progress sees every blob begin, advance by its size and end", "[oci]") {
  coco::test::TempDir dir;
  Image img = add_image(dir / "src", "v1", 1);
  RecordingProgress progress;
  CopyOptions options;
  options.progress = &progress;
  REQUIRE(copy_image(image_ref("oci:" + (dir / "src").string() + ":v1"), image_ref("oci:" + (dir / "dst").string()), options));
  std::string layer = digest_of(img.layer).str();
  CHECK(progress.begun.count(layer) == 1);
  CHECK(progress.bytes_by_id[layer] == img.layer.size());
  CHECK(progress.ended[layer] == "done");
  CHECK(progress.ended[digest_of(img.config).str()] == "done");
  // A second copy finds the blobs present.
  RecordingProgress again;
  options.progress = &again;
  REQUIRE(copy_image(image_ref("oci:" + (dir / "src").string() + ":v1"), image_ref("oci:" + (dir / "dst").string() + ":b"), options));
  CHECK(again.ended[layer] == "skipped");
}

namespace {

// Inverts every byte: enough to stand for a cipher in the transform hook.
class InvertingReader final : public BlobReader {
public:
  explicit InvertingReader(BlobReader& inner) : m_inner(inner) {}
  coco::Result<std::size_t> read(std::span<std::uint8_t> buf) override {
    COCO_TRY(std::size_t n, m_inner.read(buf));
    for (std::size_t i = 0; i < n; ++i) {
      buf[i] = static_cast<std::uint8_t>(~buf[i]);
    }
    return n;
  }

private:
  BlobReader& m_inner;
};

} // namespace

TEST_CASE("a layer transform rewrites layers and the manifest naming them", "[oci]") {
  coco::test::TempDir dir;
  Image img = add_image(dir / "src", "v1", 1);
  CopyOptions options;
  options.layer_transform = [](const Descriptor& layer, BlobReader& source) -> coco::Result<std::optional<TransformedLayer>> {
    TransformedLayer t;
    t.stream = std::make_unique<InvertingReader>(source);
    t.media_type = layer.media_type + "+encrypted";
    t.annotations = {{"org.opencontainers.image.enc.keys.test", "k"}};
    return std::optional<TransformedLayer>(std::move(t));
  };
  auto result = copy_image(image_ref("oci:" + (dir / "src").string() + ":v1"), image_ref("oci:" + (dir / "enc").string() + ":v1"), options);
  REQUIRE(result);
  CHECK(result->manifest_rewritten);
  std::string inverted = img.layer;
  for (char& c : inverted) {
    c = static_cast<char>(~c);
  }
  auto info = inspect_image(image_ref("oci:" + (dir / "enc").string() + ":v1"), {});
  REQUIRE(info);
  REQUIRE(info->layers.size() == 1);
  CHECK(info->layers[0].descriptor.digest == digest_of(inverted));
  CHECK(info->layers[0].descriptor.size == static_cast<std::int64_t>(inverted.size()));
  CHECK(info->layers[0].descriptor.media_type == "application/vnd.oci.image.layer.v1.tar+encrypted");
  CHECK(info->layers[0].encrypted);
  CHECK(info->config.digest == digest_of(img.config));
  CHECK(info->digest == result->manifest_digest);
  CHECK(*coco::read_file(dir / "enc" / "blobs" / "sha256" / digest_of(inverted).hex) == inverted);
}

TEST_CASE("a transform returning nothing copies the layer unchanged", "[oci]") {
  coco::test::TempDir dir;
  Image img = add_image(dir / "src", "v1", 1);
  CopyOptions options;
  options.layer_transform = [](const Descriptor&, BlobReader&) -> coco::Result<std::optional<TransformedLayer>> {
    return std::optional<TransformedLayer>{};
  };
  auto result = copy_image(image_ref("oci:" + (dir / "src").string() + ":v1"), image_ref("oci:" + (dir / "same").string() + ":v1"), options);
  REQUIRE(result);
  CHECK(result->manifest_digest == digest_of(img.manifest));
  CHECK_FALSE(result->manifest_rewritten);
}

TEST_CASE("a transform's finish callback adds annotations known only after the stream was read", "[oci]") {
  coco::test::TempDir dir;
  Image img = add_image(dir / "src", "v1", 1);
  CopyOptions options;
  std::string seen_digest;
  options.layer_transform = [&](const Descriptor& layer, BlobReader& source) -> coco::Result<std::optional<TransformedLayer>> {
    TransformedLayer t;
    auto stream = std::make_unique<InvertingReader>(source);
    t.stream = std::move(stream);
    t.media_type = layer.media_type + "+encrypted";
    t.annotations = {{"before", "1"}};
    t.finish = [&](const Descriptor& stored) -> coco::Result<std::map<std::string, std::string>> {
      seen_digest = stored.digest.str();
      return std::map<std::string, std::string>{{"after", "stored " + stored.digest.short_str()}};
    };
    return std::optional<TransformedLayer>(std::move(t));
  };
  auto result = copy_image(image_ref("oci:" + (dir / "src").string() + ":v1"), image_ref("oci:" + (dir / "enc").string() + ":v1"), options);
  REQUIRE(result);
  std::string inverted = img.layer;
  for (char& c : inverted) {
    c = static_cast<char>(~c);
  }
  CHECK(seen_digest == digest_of(inverted).str());
  auto info = inspect_image(image_ref("oci:" + (dir / "enc").string() + ":v1"), {});
  REQUIRE(info);
  CHECK(info->layers[0].descriptor.annotations ==
        std::map<std::string, std::string>{{"before", "1"}, {"after", "stored " + digest_of(inverted).short_str()}});
}

TEST_CASE("a failing finish callback fails the copy and leaves no destination", "[oci]") {
  coco::test::TempDir dir;
  add_image(dir / "src", "v1", 1);
  CopyOptions options;
  options.layer_transform = [&](const Descriptor& layer, BlobReader& source) -> coco::Result<std::optional<TransformedLayer>> {
    TransformedLayer t;
    t.stream = std::make_unique<InvertingReader>(source);
    t.media_type = layer.media_type;
    t.finish = [](const Descriptor&) -> coco::Result<std::map<std::string, std::string>> {
      return coco::make_error(Kind::integrity, "checked after the stream");
    };
    return std::optional<TransformedLayer>(std::move(t));
  };
  auto result = copy_image(image_ref("oci:" + (dir / "src").string() + ":v1"), image_ref("oci:" + (dir / "enc").string() + ":v1"), options);
  REQUIRE_FALSE(result);
  CHECK(result.error().message.find("layer 1") != std::string::npos);
  CHECK(result.error().message.find("checked after the stream") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "enc"));
}

TEST_CASE("a transform without a stream keeps the layer bytes and changes only its annotations", "[oci]") {
  coco::test::TempDir dir;
  Image img = add_image(dir / "src", "v1", 1);
  CopyOptions options;
  options.layer_transform = [](const Descriptor& layer, BlobReader&) -> coco::Result<std::optional<TransformedLayer>> {
    return std::optional<TransformedLayer>(TransformedLayer{nullptr, layer.media_type, {{"rewrapped", "yes"}}, {}});
  };
  auto result = copy_image(image_ref("oci:" + (dir / "src").string() + ":v1"), image_ref("oci:" + (dir / "re").string() + ":v1"), options);
  REQUIRE(result);
  CHECK(result->manifest_rewritten);
  auto info = inspect_image(image_ref("oci:" + (dir / "re").string() + ":v1"), {});
  REQUIRE(info);
  CHECK(info->layers[0].descriptor.digest == digest_of(img.layer));
  CHECK(info->layers[0].descriptor.annotations == std::map<std::string, std::string>{{"rewrapped", "yes"}});
  CHECK(*coco::read_file(dir / "re" / "blobs" / "sha256" / digest_of(img.layer).hex) == img.layer);
}
