// containers/image's directory transport (dir:), version 1.1: a `version` file holding
// "Directory Transport Version: 1.1\n", the top manifest in manifest.json, the instances of an index in
// <hex>.manifest.json, and every blob (configs, layers) in a file named by its hex digest.
#include "common/base/atomic_file.hpp"
#include "common/oci/transport.hpp"

namespace coco::oci {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_version = "Directory Transport Version: 1.1\n";

class DirSource final : public ImageSource {
public:
  explicit DirSource(fs::path dir) : m_dir(std::move(dir)) {}

  Result<RawManifest> get_manifest(const std::optional<Digest>& instance) override {
    fs::path file = instance ? m_dir / (instance->hex + ".manifest.json") : m_dir / "manifest.json";
    std::error_code ec;
    if (!fs::exists(file, ec)) {
      return make_error(Kind::not_found, describe() + ": " + file.filename().string() + " is missing",
                        "is this a dir: image written by coco or skopeo?");
    }
    COCO_TRY(auto reader, FileReader::open(file));
    COCO_TRY(std::string bytes, read_small_blob(*reader, k_max_manifest_size, file.string()));
    if (instance && digest_of(bytes) != *instance) {
      return make_error(Kind::integrity, describe() + ": manifest " + instance->str() + ": digest mismatch");
    }
    COCO_TRY(std::string mt, detect_manifest_media_type(bytes));
    return RawManifest{std::move(bytes), std::move(mt)};
  }

  Result<std::unique_ptr<BlobReader>> get_blob(const Descriptor& blob) override {
    auto file = FileReader::open(m_dir / blob.digest.hex);
    if (!file) {
      Error e = file.error();
      if (e.kind == Kind::not_found) {
        return make_error(Kind::not_found, describe() + ": blob " + blob.digest.str() + " is missing");
      }
      return e;
    }
    std::unique_ptr<BlobReader> reader = std::make_unique<VerifyingReader>(std::move(*file), blob.digest, blob.size);
    return reader;
  }

  [[nodiscard]] std::string describe() const override { return "dir:" + m_dir.string(); }

private:
  fs::path m_dir;
};

class DirDestination final : public ImageDestination {
public:
  DirDestination(AtomicDir staging, std::string description) : m_staging(std::move(staging)), m_description(std::move(description)) {}

  [[nodiscard]] bool supports_manifest_type(std::string_view /*mt*/) const override { return true; }
  Result<bool> has_blob(const Descriptor& /*blob*/) override { return false; }

  Result<Descriptor> put_blob(BlobReader& reader, const Descriptor& expected) override {
    COCO_TRY(WrittenBlob written, store_blob(reader, expected.digest, m_staging.path()));
    Descriptor d = expected;
    d.digest = written.digest;
    d.size = written.size;
    return d;
  }

  Status put_manifest(const RawManifest& manifest, bool top_level) override {
    fs::path file = m_staging.path() / (top_level ? std::string("manifest.json") : manifest.digest().hex + ".manifest.json");
    COCO_TRY_STATUS(write_file_atomic(file, manifest.bytes));
    m_have_top = m_have_top || top_level;
    return ok();
  }

  Status commit() override {
    if (!m_have_top) {
      return make_error(Kind::internal, m_description + ": commit without a manifest");
    }
    COCO_TRY_STATUS(write_file_atomic(m_staging.path() / "version", k_version));
    return m_staging.commit();
  }

  [[nodiscard]] std::string describe() const override { return m_description; }

private:
  AtomicDir m_staging;
  std::string m_description;
  bool m_have_top = false;
};

} // namespace

Result<std::unique_ptr<ImageSource>> open_dir_source(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return make_error(Kind::not_found, "dir:" + dir.string() + ": no such directory", "check the path");
  }
  std::unique_ptr<ImageSource> src = std::make_unique<DirSource>(dir);
  return src;
}

Result<std::unique_ptr<ImageDestination>> open_dir_destination(const fs::path& dir) {
  std::error_code ec;
  std::string description = "dir:" + dir.string();
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) {
      return make_error(Kind::conflict, description + ": exists and is not a directory");
    }
    if (!fs::is_empty(dir, ec) && !fs::exists(dir / "version", ec)) {
      return make_error(Kind::conflict, description + ": a non-empty directory that is not a dir: image",
                        "choose a new or empty directory");
    }
  }
  // A dir: image holds one image: the new one replaces the old whole.
  COCO_TRY(AtomicDir staging, AtomicDir::create(dir, false));
  std::unique_ptr<ImageDestination> dest = std::make_unique<DirDestination>(std::move(staging), std::move(description));
  return dest;
}

} // namespace coco::oci
