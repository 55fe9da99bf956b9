// docker-archive: the `docker save` tarball: manifest.json, a JSON array of {"Config": "<file>",
// "RepoTags": ["name:tag", ...], "Layers": ["<file>", ...]}, the config files and one uncompressed tar per
// layer (moby image/tarexport). Only Docker schema2 single-platform images fit in it.
//
// Reading generates the schema2 manifest containers/image generates (layers named by their diff IDs, with
// the gzip layer media type although the tars are plain, fields in Go's order), so its digest equals what
// `skopeo inspect --raw docker-archive:...` prints. Writing decompresses layers and names each file by the
// digest of the plain tar, as containers/image does.
#include <nlohmann/json.hpp>

#include "common/base/atomic_file.hpp"
#include "common/oci/archive.hpp"
#include "common/oci/compression.hpp"
#include "common/oci/transport.hpp"

namespace coco::oci {
namespace fs = std::filesystem;

namespace {

using json = nlohmann::json;

struct ArchiveItem {
  std::string config;
  std::vector<std::string> repo_tags;
  std::vector<std::string> layers;
};

Result<std::vector<ArchiveItem>> read_archive_manifest(const fs::path& dir, const std::string& what) {
  std::error_code ec;
  if (!fs::exists(dir / "manifest.json", ec)) {
    return make_error(Kind::invalid, what + ": not a docker archive (no manifest.json)");
  }
  COCO_TRY(std::string text, read_file(dir / "manifest.json"));
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_array()) {
    return make_error(Kind::invalid, what + ": manifest.json is not a JSON array");
  }
  std::vector<ArchiveItem> items;
  for (const auto& entry : doc) {
    if (!entry.is_object() || !entry.contains("Config") || !entry["Config"].is_string() || !entry.contains("Layers") ||
        !entry["Layers"].is_array()) {
      return make_error(Kind::invalid, what + ": manifest.json entry lacks Config or Layers");
    }
    ArchiveItem item;
    item.config = entry["Config"].get<std::string>();
    if (entry.contains("RepoTags") && entry["RepoTags"].is_array()) {
      for (const auto& t : entry["RepoTags"]) {
        if (t.is_string()) {
          item.repo_tags.push_back(t.get<std::string>());
        }
      }
    }
    for (const auto& l : entry["Layers"]) {
      if (!l.is_string()) {
        return make_error(Kind::invalid, what + ": manifest.json Layers holds a non-string");
      }
      item.layers.push_back(l.get<std::string>());
    }
    items.push_back(std::move(item));
  }
  return items;
}

bool safe_member(const std::string& name) {
  return !name.empty() && name.front() != '/' && name.find("..") == std::string::npos;
}

class DockerArchiveSource final : public ImageSource {
public:
  DockerArchiveSource(ScratchDir scratch, std::string description) : m_scratch(std::move(scratch)), m_description(std::move(description)) {}

  Status load(const ImageReference& ref) {
    COCO_TRY(auto items, read_archive_manifest(m_scratch.path(), m_description));
    const ArchiveItem* chosen = nullptr;
    if (ref.docker) {
      for (const auto& item : items) {
        for (const auto& tag : item.repo_tags) {
          auto parsed = parse_docker_reference(tag);
          if (parsed && parsed->str() == ref.docker->str()) {
            chosen = &item;
          }
        }
      }
      if (chosen == nullptr) {
        return make_error(Kind::not_found, m_description + ": no image tagged " + ref.docker->str());
      }
    } else if (ref.source_index >= 0) {
      if (static_cast<std::size_t>(ref.source_index) >= items.size()) {
        return make_error(Kind::not_found, m_description + ": no image @" + std::to_string(ref.source_index),
                          "the archive holds " + std::to_string(items.size()) + " images");
      }
      chosen = &items[static_cast<std::size_t>(ref.source_index)];
    } else {
      if (items.size() != 1) {
        return make_error(Kind::usage, m_description + ": the archive holds " + std::to_string(items.size()) + " images",
                          "name one as docker-archive:FILE:NAME:TAG or docker-archive:FILE:@N");
      }
      chosen = &items.front();
    }
    if (!safe_member(chosen->config)) {
      return make_error(Kind::invalid, m_description + ": bad config path " + chosen->config);
    }
    fs::path config_path = m_scratch.path() / chosen->config;
    COCO_TRY(std::string config, read_file(config_path));
    COCO_TRY(ImageConfig parsed, parse_image_config(config));
    if (parsed.diff_ids.size() != chosen->layers.size()) {
      return make_error(Kind::invalid, m_description + ": the config lists " + std::to_string(parsed.diff_ids.size()) +
                                           " layers, manifest.json " + std::to_string(chosen->layers.size()));
    }
    Digest config_digest = digest_of(config);
    m_files[config_digest.hex] = config_path;
    nlohmann::ordered_json m;
    m["schemaVersion"] = 2;
    m["mediaType"] = media_type::docker_manifest;
    m["config"] = {{"mediaType", media_type::docker_config}, {"size", config.size()}, {"digest", config_digest.str()}};
    m["layers"] = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < chosen->layers.size(); ++i) {
      if (!safe_member(chosen->layers[i])) {
        return make_error(Kind::invalid, m_description + ": bad layer path " + chosen->layers[i]);
      }
      fs::path layer = m_scratch.path() / chosen->layers[i];
      std::error_code ec;
      auto size = fs::file_size(layer, ec);
      if (ec) {
        return make_error(Kind::invalid, m_description + ": layer file " + chosen->layers[i] + " is missing");
      }
      m_files[parsed.diff_ids[i].hex] = layer;
      m["layers"].push_back({{"mediaType", media_type::docker_layer_gzip}, {"size", size}, {"digest", parsed.diff_ids[i].str()}});
    }
    m_manifest = m.dump();
    return ok();
  }

  Result<RawManifest> get_manifest(const std::optional<Digest>& instance) override {
    if (instance) {
      return make_error(Kind::not_found, m_description + ": a docker archive holds no index");
    }
    return RawManifest{m_manifest, std::string(media_type::docker_manifest)};
  }

  Result<std::unique_ptr<BlobReader>> get_blob(const Descriptor& blob) override {
    auto it = m_files.find(blob.digest.hex);
    if (it == m_files.end()) {
      return make_error(Kind::not_found, m_description + ": no blob " + blob.digest.str());
    }
    COCO_TRY(auto file, FileReader::open(it->second));
    std::unique_ptr<BlobReader> reader = std::make_unique<VerifyingReader>(std::move(file), blob.digest, blob.size);
    return reader;
  }

  [[nodiscard]] bool layers_uncompressed() const override { return true; }
  [[nodiscard]] std::string describe() const override { return m_description; }

private:
  ScratchDir m_scratch;
  std::string m_description;
  std::string m_manifest;
  std::map<std::string, fs::path> m_files;
};

class DockerArchiveDestination final : public ImageDestination {
public:
  DockerArchiveDestination(ScratchDir scratch, fs::path target, std::optional<DockerReference> tag, std::string description)
      : m_scratch(std::move(scratch)), m_target(std::move(target)), m_tag(std::move(tag)), m_description(std::move(description)) {}

  [[nodiscard]] bool supports_manifest_type(std::string_view mt) const override { return mt == media_type::docker_manifest; }
  [[nodiscard]] bool supports_index() const override { return false; }
  Result<bool> has_blob(const Descriptor& /*blob*/) override { return false; }

  Result<Descriptor> put_blob(BlobReader& reader, const Descriptor& expected) override {
    bool is_config = expected.media_type == media_type::docker_config || expected.media_type == media_type::oci_config;
    if (is_config) {
      COCO_TRY(WrittenBlob w, store_blob(reader, expected.digest, m_scratch.path(), ".json"));
      Descriptor d = expected;
      d.digest = w.digest;
      d.size = w.size;
      return d;
    }
    // Layers are stored as plain tars named by their diff ID; the compressed stream must still be read to its
    // end so its digest is checked.
    HashingReader compressed(reader);
    DecompressingReader plain(compressed);
    auto written = store_blob(plain, Digest{}, m_scratch.path(), ".tar");
    if (!written) {
      Error e = written.error();
      return std::move(e).context("layer " + expected.digest.str());
    }
    std::vector<std::uint8_t> rest(k_chunk_size);
    while (true) {
      COCO_TRY(std::size_t n, compressed.read(rest));
      if (n == 0) {
        break;
      }
    }
    if (!expected.digest.empty() && compressed.digest() != expected.digest) {
      return make_error(Kind::integrity, "blob " + expected.digest.str() + ": digest mismatch");
    }
    m_layer_files[compressed.digest().hex] = written->digest.hex + ".tar";
    Descriptor d = expected;
    d.digest = compressed.digest();
    d.size = compressed.size();
    return d;
  }

  Status put_manifest(const RawManifest& manifest, bool top_level) override {
    if (!top_level) {
      return make_error(Kind::unsupported, m_description + ": a docker archive cannot hold an index");
    }
    COCO_TRY(ImageManifest m, parse_image_manifest(manifest.bytes, manifest.media_type));
    nlohmann::ordered_json item;
    item["Config"] = m.config.digest.hex + ".json";
    item["RepoTags"] = nlohmann::ordered_json::array();
    if (m_tag) {
      item["RepoTags"].push_back(m_tag->str());
    }
    item["Layers"] = nlohmann::ordered_json::array();
    for (const auto& layer : m.layers) {
      auto it = m_layer_files.find(layer.digest.hex);
      if (it == m_layer_files.end()) {
        return make_error(Kind::internal, m_description + ": layer " + layer.digest.str() + " was not written");
      }
      item["Layers"].push_back(it->second);
    }
    nlohmann::ordered_json doc = nlohmann::ordered_json::array();
    doc.push_back(item);
    COCO_TRY_STATUS(write_file_atomic(m_scratch.path() / "manifest.json", doc.dump()));
    m_have_top = true;
    return ok();
  }

  Status commit() override {
    if (!m_have_top) {
      return make_error(Kind::internal, m_description + ": commit without a manifest");
    }
    return write_tar(m_scratch.path(), m_target);
  }

  [[nodiscard]] std::string describe() const override { return m_description; }

private:
  ScratchDir m_scratch;
  fs::path m_target;
  std::optional<DockerReference> m_tag;
  std::string m_description;
  std::map<std::string, std::string> m_layer_files;
  bool m_have_top = false;
};

} // namespace

Result<std::unique_ptr<ImageSource>> open_docker_archive_source(const ImageReference& ref) {
  COCO_TRY(ScratchDir scratch, ScratchDir::create("docker-archive"));
  auto extracted = extract_tar(ref.path, scratch.path());
  if (!extracted) {
    Error e = extracted.error();
    return std::move(e).context("docker-archive:" + ref.path.string());
  }
  auto src = std::make_unique<DockerArchiveSource>(std::move(scratch), ref.str());
  COCO_TRY_STATUS(src->load(ref));
  std::unique_ptr<ImageSource> out = std::move(src);
  return out;
}

Result<std::unique_ptr<ImageDestination>> open_docker_archive_destination(const ImageReference& ref) {
  std::error_code ec;
  if (fs::is_directory(ref.path, ec)) {
    return make_error(Kind::conflict, ref.str() + ": is a directory", "a docker-archive is a file");
  }
  fs::path parent = ref.path.parent_path().empty() ? fs::path(".") : ref.path.parent_path();
  if (!fs::is_directory(parent, ec)) {
    return make_error(Kind::not_found, parent.string() + ": no such directory", "create the parent directory first");
  }
  COCO_TRY(ScratchDir scratch, ScratchDir::create("docker-archive"));
  std::unique_ptr<ImageDestination> dest = std::make_unique<DockerArchiveDestination>(std::move(scratch), ref.path, ref.docker, ref.str());
  return dest;
}

} // namespace coco::oci
