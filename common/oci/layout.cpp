// OCI image layout (image-spec image-layout.md): an `oci-layout` file ({"imageLayoutVersion":"1.0.0"}), an
// `index.json` whose entries name images by the org.opencontainers.image.ref.name annotation, and content
// addressed blobs under blobs/<alg>/<hex>. oci-archive: is the same layout in a tar.
//
// Writing goes to a staged copy of the layout (hard links to the existing blobs) swapped in on commit, so an
// existing layout gains or replaces one tag, or stays exactly as it was when the copy fails.
#include <nlohmann/json.hpp>

#include "common/base/atomic_file.hpp"
#include "common/base/log.hpp"
#include "common/oci/archive.hpp"
#include "common/oci/transport.hpp"

namespace coco::oci {
namespace fs = std::filesystem;

namespace {

using ordered_json = nlohmann::ordered_json;

constexpr std::string_view k_layout_file = R"({"imageLayoutVersion": "1.0.0"})";

Result<ImageIndex> read_index_json(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return make_error(Kind::not_found, dir.string() + ": no such directory", "check the path of the OCI layout");
  }
  if (!fs::exists(dir / "index.json", ec)) {
    return make_error(Kind::not_found, dir.string() + ": not an OCI image layout (no index.json)");
  }
  COCO_TRY(std::string text, read_file(dir / "index.json"));
  auto index = parse_image_index(text, media_type::oci_index);
  if (!index) {
    Error e = index.error();
    return std::move(e).context(dir.string() + "/index.json");
  }
  return index;
}

class LayoutSource final : public ImageSource {
public:
  LayoutSource(fs::path dir, std::string name, ImageIndex index, std::string description)
      : m_dir(std::move(dir)), m_name(std::move(name)), m_index(std::move(index)), m_description(std::move(description)) {}

  Result<RawManifest> get_manifest(const std::optional<Digest>& instance) override {
    if (instance) {
      Descriptor d{std::string(), *instance, -1, {}, {}, {}, {}};
      COCO_TRY(std::string bytes, read_manifest_blob(d));
      COCO_TRY(std::string mt, detect_manifest_media_type(bytes));
      return RawManifest{std::move(bytes), std::move(mt)};
    }
    COCO_TRY(Descriptor top, find_top());
    COCO_TRY(std::string bytes, read_manifest_blob(top));
    return RawManifest{std::move(bytes), top.media_type};
  }

  Result<std::unique_ptr<BlobReader>> get_blob(const Descriptor& blob) override {
    auto file = FileReader::open(blob_path(blob.digest));
    if (!file) {
      Error e = file.error();
      if (e.kind == Kind::not_found) {
        return make_error(Kind::not_found, m_description + ": blob " + blob.digest.str() + " is missing",
                          "the layout is incomplete; copy the image again");
      }
      return e;
    }
    std::unique_ptr<BlobReader> reader = std::make_unique<VerifyingReader>(std::move(*file), blob.digest, blob.size);
    return reader;
  }

  [[nodiscard]] std::string describe() const override { return m_description; }

private:
  [[nodiscard]] fs::path blob_path(const Digest& d) const { return m_dir / "blobs" / "sha256" / d.hex; }

  Result<std::string> read_manifest_blob(const Descriptor& d) {
    COCO_TRY(auto reader, get_blob(d));
    return read_small_blob(*reader, k_max_manifest_size, "manifest " + d.digest.str());
  }

  Result<Descriptor> find_top() {
    if (m_name.empty()) {
      if (m_index.manifests.size() == 1) {
        return m_index.manifests.front();
      }
      if (m_index.manifests.empty()) {
        return make_error(Kind::not_found, m_description + ": the layout holds no image");
      }
      return make_error(Kind::usage, m_description + ": the layout holds " + std::to_string(m_index.manifests.size()) + " images",
                        "name one: " + m_description + ":TAG (" + tags() + ")");
    }
    std::vector<const Descriptor*> found;
    for (const auto& d : m_index.manifests) {
      auto it = d.annotations.find(std::string(k_ref_name_annotation));
      if (it != d.annotations.end() && it->second == m_name) {
        found.push_back(&d);
      }
    }
    if (found.empty()) {
      std::string t = tags();
      return make_error(Kind::not_found, m_description + ": no image named '" + m_name + "'",
                        t.empty() ? std::string("the layout has no tagged images") : "tags in the layout: " + t);
    }
    if (found.size() > 1) {
      return make_error(Kind::invalid, m_description + ": several images are named '" + m_name + "'");
    }
    return *found.front();
  }

  [[nodiscard]] std::string tags() const {
    std::string out;
    for (const auto& d : m_index.manifests) {
      auto it = d.annotations.find(std::string(k_ref_name_annotation));
      if (it != d.annotations.end()) {
        out += (out.empty() ? "" : ", ") + it->second;
      }
    }
    return out;
  }

  fs::path m_dir;
  std::string m_name;
  ImageIndex m_index;
  std::string m_description;
};

class LayoutDestination final : public ImageDestination {
public:
  LayoutDestination(AtomicDir staging, std::string name, ordered_json index, std::string description)
      : m_staging(std::move(staging)), m_name(std::move(name)), m_index(std::move(index)), m_description(std::move(description)) {}

  // For oci-archive: the staged layout is tarred instead of swapped in.
  LayoutDestination(fs::path dir, std::string name, ordered_json index, std::string description,
                    std::function<Status(const fs::path&)> finish)
      : m_plain_dir(std::move(dir)), m_name(std::move(name)), m_index(std::move(index)), m_description(std::move(description)),
        m_finish(std::move(finish)) {}

  [[nodiscard]] bool supports_manifest_type(std::string_view mt) const override {
    return mt == media_type::oci_manifest || mt == media_type::oci_index;
  }

  Result<bool> has_blob(const Descriptor& blob) override {
    std::error_code ec;
    auto size = fs::file_size(root() / "blobs" / "sha256" / blob.digest.hex, ec);
    return !ec && static_cast<std::int64_t>(size) == blob.size;
  }

  Result<Descriptor> put_blob(BlobReader& reader, const Descriptor& expected) override {
    COCO_TRY(WrittenBlob written, store_blob(reader, expected.digest, root() / "blobs" / "sha256"));
    Descriptor d = expected;
    d.digest = written.digest;
    d.size = written.size;
    return d;
  }

  Status put_manifest(const RawManifest& manifest, bool top_level) override {
    StringReader reader(manifest.bytes);
    COCO_TRY(WrittenBlob written, store_blob(reader, Digest{}, root() / "blobs" / "sha256"));
    if (!top_level) {
      return ok();
    }
    ordered_json entry;
    entry["mediaType"] = manifest.media_type;
    entry["digest"] = written.digest.str();
    entry["size"] = written.size;
    if (!m_name.empty()) {
      entry["annotations"] = {{std::string(k_ref_name_annotation), m_name}};
    }
    // A named image replaces the entries carrying its name; an unnamed one only an identical unnamed entry.
    ordered_json kept = ordered_json::array();
    for (const auto& existing : m_index["manifests"]) {
      std::string existing_name;
      if (existing.contains("annotations") && existing["annotations"].contains(std::string(k_ref_name_annotation))) {
        existing_name = existing["annotations"][std::string(k_ref_name_annotation)].get<std::string>();
      }
      bool replace = m_name.empty() ? (existing_name.empty() && existing.value("digest", "") == written.digest.str())
                                    : existing_name == m_name;
      if (!replace) {
        kept.push_back(existing);
      }
    }
    kept.push_back(entry);
    m_index["manifests"] = kept;
    m_have_top = true;
    return ok();
  }

  Status commit() override {
    if (!m_have_top) {
      return make_error(Kind::internal, m_description + ": commit without a manifest");
    }
    COCO_TRY_STATUS(write_file_atomic(root() / "oci-layout", k_layout_file));
    COCO_TRY_STATUS(write_file_atomic(root() / "index.json", m_index.dump()));
    if (m_finish) {
      return m_finish(root());
    }
    return m_staging->commit();
  }

  [[nodiscard]] std::string describe() const override { return m_description; }

private:
  [[nodiscard]] fs::path root() const { return m_staging ? m_staging->path() : m_plain_dir; }

  std::optional<AtomicDir> m_staging;
  fs::path m_plain_dir;
  std::string m_name;
  ordered_json m_index;
  std::string m_description;
  std::function<Status(const fs::path&)> m_finish;
  bool m_have_top = false;
};

Result<ordered_json> load_index_for_update(const fs::path& staged) {
  std::error_code ec;
  if (!fs::exists(staged / "index.json", ec)) {
    return ordered_json{{"schemaVersion", 2}, {"manifests", ordered_json::array()}};
  }
  COCO_TRY(std::string text, read_file(staged / "index.json"));
  ordered_json doc = ordered_json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !(doc.contains("manifests") ? doc["manifests"].is_array() : true)) {
    return make_error(Kind::invalid, "index.json of the existing layout is not a valid index",
                      "write to a new directory or repair the layout");
  }
  if (!doc.contains("manifests")) {
    doc["manifests"] = ordered_json::array();
  }
  return doc;
}

} // namespace

Result<std::unique_ptr<ImageSource>> open_layout_source(const fs::path& dir, const std::string& name, std::string description) {
  COCO_TRY(ImageIndex index, read_index_json(dir));
  std::unique_ptr<ImageSource> src = std::make_unique<LayoutSource>(dir, name, std::move(index), std::move(description));
  return src;
}

Result<std::unique_ptr<ImageDestination>> open_layout_destination(const fs::path& dir, const std::string& name) {
  std::error_code ec;
  std::string description = "oci:" + dir.string();
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) {
      return make_error(Kind::conflict, description + ": exists and is not a directory");
    }
    bool empty = fs::is_empty(dir, ec);
    if (!empty && !fs::exists(dir / "index.json", ec)) {
      return make_error(Kind::conflict, description + ": a non-empty directory that is not an OCI layout",
                        "choose a new or empty directory");
    }
  }
  COCO_TRY(AtomicDir staging, AtomicDir::create(dir, true));
  COCO_TRY(ordered_json index, load_index_for_update(staging.path()));
  std::unique_ptr<ImageDestination> dest =
      std::make_unique<LayoutDestination>(std::move(staging), name, std::move(index), std::move(description));
  return dest;
}

namespace {

// The extracted layout lives as long as the source.
class ArchiveSource final : public ImageSource {
public:
  ArchiveSource(ScratchDir scratch, std::unique_ptr<ImageSource> inner) : m_scratch(std::move(scratch)), m_inner(std::move(inner)) {}
  Result<RawManifest> get_manifest(const std::optional<Digest>& instance) override { return m_inner->get_manifest(instance); }
  Result<std::unique_ptr<BlobReader>> get_blob(const Descriptor& blob) override { return m_inner->get_blob(blob); }
  [[nodiscard]] bool layers_uncompressed() const override { return m_inner->layers_uncompressed(); }
  [[nodiscard]] std::string describe() const override { return m_inner->describe(); }

private:
  ScratchDir m_scratch;
  std::unique_ptr<ImageSource> m_inner;
};

class ArchiveDestination final : public ImageDestination {
public:
  ArchiveDestination(ScratchDir scratch, std::unique_ptr<ImageDestination> inner) : m_scratch(std::move(scratch)), m_inner(std::move(inner)) {}
  [[nodiscard]] bool supports_manifest_type(std::string_view mt) const override { return m_inner->supports_manifest_type(mt); }
  [[nodiscard]] bool supports_index() const override { return m_inner->supports_index(); }
  Result<bool> has_blob(const Descriptor& blob) override { return m_inner->has_blob(blob); }
  Result<Descriptor> put_blob(BlobReader& reader, const Descriptor& expected) override { return m_inner->put_blob(reader, expected); }
  Status put_manifest(const RawManifest& manifest, bool top_level) override { return m_inner->put_manifest(manifest, top_level); }
  Status commit() override { return m_inner->commit(); }
  [[nodiscard]] std::string describe() const override { return m_inner->describe(); }

private:
  ScratchDir m_scratch;
  std::unique_ptr<ImageDestination> m_inner;
};

} // namespace

Result<std::unique_ptr<ImageSource>> open_oci_archive_source(const ImageReference& ref) {
  COCO_TRY(ScratchDir scratch, ScratchDir::create("oci-archive"));
  auto extracted = extract_tar(ref.path, scratch.path());
  if (!extracted) {
    Error e = extracted.error();
    return std::move(e).context("oci-archive:" + ref.path.string());
  }
  COCO_TRY(auto inner, open_layout_source(scratch.path(), ref.name, ref.str()));
  std::unique_ptr<ImageSource> src = std::make_unique<ArchiveSource>(std::move(scratch), std::move(inner));
  return src;
}

Result<std::unique_ptr<ImageDestination>> open_oci_archive_destination(const ImageReference& ref) {
  std::error_code ec;
  if (fs::is_directory(ref.path, ec)) {
    return make_error(Kind::conflict, ref.str() + ": is a directory", "an oci-archive is a file");
  }
  fs::path parent = ref.path.parent_path().empty() ? fs::path(".") : ref.path.parent_path();
  if (!fs::is_directory(parent, ec)) {
    return make_error(Kind::not_found, parent.string() + ": no such directory", "create the parent directory first");
  }
  COCO_TRY(ScratchDir scratch, ScratchDir::create("oci-archive"));
  fs::path target = ref.path;
  auto inner = std::make_unique<LayoutDestination>(scratch.path(), ref.name,
                                                   ordered_json{{"schemaVersion", 2}, {"manifests", ordered_json::array()}},
                                                   ref.str(), [target](const fs::path& staged) { return write_tar(staged, target); });
  std::unique_ptr<ImageDestination> dest = std::make_unique<ArchiveDestination>(std::move(scratch), std::move(inner));
  return dest;
}

} // namespace coco::oci
