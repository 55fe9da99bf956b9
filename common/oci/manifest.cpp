#include "common/oci/manifest.hpp"

#include <sys/utsname.h>

#include <nlohmann/json.hpp>

namespace coco::oci {

namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

Error invalid(std::string_view what) { return make_error(Kind::invalid, std::string(what)); }

Result<json> parse_json_object(std::string_view bytes, std::string_view what) {
  json doc = json::parse(bytes, nullptr, false);
  if (doc.is_discarded()) {
    return invalid(std::string(what) + ": not valid JSON");
  }
  if (!doc.is_object()) {
    return invalid(std::string(what) + ": not a JSON object");
  }
  return doc;
}

Result<std::string> get_string(const json& obj, const char* key, bool required, std::string_view what) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) {
      return invalid(std::string(what) + ": missing " + key);
    }
    return std::string();
  }
  if (!it->is_string()) {
    return invalid(std::string(what) + ": " + key + " is not a string");
  }
  return it->get<std::string>();
}

Result<std::map<std::string, std::string>> get_annotations(const json& obj, std::string_view what) {
  std::map<std::string, std::string> out;
  auto it = obj.find("annotations");
  if (it == obj.end() || it->is_null()) {
    return out;
  }
  if (!it->is_object()) {
    return invalid(std::string(what) + ": annotations is not an object");
  }
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) {
      return invalid(std::string(what) + ": annotation " + k + " is not a string");
    }
    out[k] = v.get<std::string>();
  }
  return out;
}

Result<std::vector<std::string>> get_string_array(const json& obj, const char* key, std::string_view what) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return out;
  }
  if (!it->is_array()) {
    return invalid(std::string(what) + ": " + key + " is not an array");
  }
  for (const auto& v : *it) {
    if (!v.is_string()) {
      return invalid(std::string(what) + ": " + key + " holds a non-string");
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<Platform> platform_from_json(const json& obj) {
  if (!obj.is_object()) {
    return invalid("platform is not an object");
  }
  Platform p;
  COCO_TRY(p.architecture, get_string(obj, "architecture", true, "platform"));
  COCO_TRY(p.os, get_string(obj, "os", true, "platform"));
  COCO_TRY(p.variant, get_string(obj, "variant", false, "platform"));
  COCO_TRY(p.os_version, get_string(obj, "os.version", false, "platform"));
  COCO_TRY(p.os_features, get_string_array(obj, "os.features", "platform"));
  return p;
}

Result<Descriptor> descriptor_from_json(const json& obj, std::string_view what) {
  if (!obj.is_object()) {
    return invalid(std::string(what) + ": descriptor is not an object");
  }
  Descriptor d;
  COCO_TRY(d.media_type, get_string(obj, "mediaType", true, what));
  COCO_TRY(std::string digest, get_string(obj, "digest", true, what));
  auto parsed = parse_digest(digest);
  if (!parsed) {
    Error e = parsed.error();
    return std::move(e).context(what);
  }
  d.digest = *parsed;
  auto size = obj.find("size");
  if (size == obj.end() || !size->is_number_integer()) {
    return invalid(std::string(what) + ": missing or non-integer size");
  }
  d.size = size->get<std::int64_t>();
  if (d.size < 0) {
    return invalid(std::string(what) + ": negative size");
  }
  COCO_TRY(d.urls, get_string_array(obj, "urls", what));
  COCO_TRY(d.annotations, get_annotations(obj, what));
  COCO_TRY(d.artifact_type, get_string(obj, "artifactType", false, what));
  if (auto p = obj.find("platform"); p != obj.end() && !p->is_null()) {
    auto platform = platform_from_json(*p);
    if (!platform) {
      Error e = platform.error();
      return std::move(e).context(what);
    }
    d.platform = *platform;
  }
  return d;
}

// Go's encoding/json field order for the structs skopeo serialises: OCI descriptors put digest before size,
// docker schema2 descriptors put size before digest.
ordered_json descriptor_to_json(const Descriptor& d, bool docker) {
  ordered_json j;
  j["mediaType"] = d.media_type;
  if (docker) {
    j["size"] = d.size;
    j["digest"] = d.digest.str();
  } else {
    j["digest"] = d.digest.str();
    j["size"] = d.size;
  }
  if (!d.urls.empty()) {
    j["urls"] = d.urls;
  }
  if (!d.annotations.empty() && !docker) {
    j["annotations"] = d.annotations;
  }
  if (d.platform) {
    ordered_json p;
    p["architecture"] = d.platform->architecture;
    p["os"] = d.platform->os;
    if (!d.platform->os_version.empty()) {
      p["os.version"] = d.platform->os_version;
    }
    if (!d.platform->os_features.empty()) {
      p["os.features"] = d.platform->os_features;
    }
    if (!d.platform->variant.empty()) {
      p["variant"] = d.platform->variant;
    }
    j["platform"] = p;
  }
  if (!d.artifact_type.empty() && !docker) {
    j["artifactType"] = d.artifact_type;
  }
  return j;
}

Status check_declared_type(const json& doc, std::string_view given, std::string_view what) {
  auto it = doc.find("mediaType");
  if (it != doc.end() && it->is_string() && !given.empty() && it->get<std::string>() != given) {
    return invalid(std::string(what) + ": mediaType " + it->get<std::string>() + " does not match " + std::string(given));
  }
  return ok();
}

} // namespace

bool is_index_media_type(std::string_view mt) { return mt == media_type::oci_index || mt == media_type::docker_manifest_list; }
bool is_image_manifest_media_type(std::string_view mt) {
  return mt == media_type::oci_manifest || mt == media_type::docker_manifest;
}
bool is_docker_media_type(std::string_view mt) { return mt.starts_with("application/vnd.docker."); }
bool is_encrypted_media_type(std::string_view mt) { return mt.ends_with("+encrypted"); }

std::string Platform::str() const {
  std::string s = os + "/" + architecture;
  if (!variant.empty()) {
    s += "/" + variant;
  }
  return s;
}

Result<Platform> parse_platform(std::string_view text) {
  Platform p;
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    auto slash = text.find('/', start);
    parts.emplace_back(text.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  if (parts.size() < 2 || parts.size() > 3) {
    return make_error(Kind::usage, "invalid platform '" + std::string(text) + "'", "write os/arch[/variant], e.g. linux/arm64/v8");
  }
  for (const auto& part : parts) {
    if (part.empty()) {
      return make_error(Kind::usage, "invalid platform '" + std::string(text) + "'", "write os/arch[/variant], e.g. linux/arm64/v8");
    }
  }
  p.os = parts[0];
  p.architecture = parts[1];
  if (parts.size() == 3) {
    p.variant = parts[2];
  }
  return p;
}

Platform host_platform() {
  Platform p{"linux", "amd64", "", "", {}};
  struct utsname u {};
  if (::uname(&u) == 0) {
    std::string m = u.machine;
    if (m == "aarch64" || m == "arm64") {
      p.architecture = "arm64";
    } else if (m.starts_with("armv7")) {
      p.architecture = "arm";
      p.variant = "v7";
    } else if (m == "s390x" || m == "ppc64le" || m == "riscv64") {
      p.architecture = m;
    }
  }
  return p;
}

Result<std::string> detect_manifest_media_type(std::string_view bytes) {
  COCO_TRY(json doc, parse_json_object(bytes, "manifest"));
  if (auto it = doc.find("mediaType"); it != doc.end() && it->is_string()) {
    std::string mt = it->get<std::string>();
    if (mt == media_type::docker_schema1 || mt == media_type::docker_schema1_signed) {
      return make_error(Kind::unsupported, "docker schema 1 manifests are not supported", "convert the image with skopeo copy --format v2s2");
    }
    if (is_index_media_type(mt) || is_image_manifest_media_type(mt)) {
      return mt;
    }
    return make_error(Kind::unsupported, "unsupported manifest media type " + mt);
  }
  if (auto sv = doc.find("schemaVersion"); sv != doc.end() && sv->is_number_integer() && sv->get<int>() == 1) {
    return make_error(Kind::unsupported, "docker schema 1 manifests are not supported", "convert the image with skopeo copy --format v2s2");
  }
  if (doc.contains("manifests")) {
    return std::string(media_type::oci_index);
  }
  if (doc.contains("config") && doc.contains("layers")) {
    return std::string(media_type::oci_manifest);
  }
  return invalid("not an image manifest or index");
}

Result<ImageManifest> parse_image_manifest(std::string_view bytes, std::string_view mt) {
  COCO_TRY(json doc, parse_json_object(bytes, "manifest"));
  COCO_TRY_STATUS(check_declared_type(doc, mt, "manifest"));
  std::string type(mt);
  if (type.empty()) {
    COCO_TRY(type, detect_manifest_media_type(bytes));
  }
  if (!is_image_manifest_media_type(type)) {
    return invalid("manifest: media type " + type + " is not an image manifest");
  }
  auto sv = doc.find("schemaVersion");
  if (sv == doc.end() || !sv->is_number_integer() || sv->get<int>() != 2) {
    return invalid("manifest: schemaVersion is not 2");
  }
  ImageManifest m;
  m.media_type = type;
  auto config = doc.find("config");
  if (config == doc.end()) {
    return invalid("manifest: missing config");
  }
  COCO_TRY(m.config, descriptor_from_json(*config, "manifest config"));
  auto layers = doc.find("layers");
  if (layers == doc.end() || !(layers->is_array() || layers->is_null())) {
    return invalid("manifest: layers is not an array");
  }
  if (layers->is_array()) {
    for (std::size_t i = 0; i < layers->size(); ++i) {
      COCO_TRY(Descriptor d, descriptor_from_json((*layers)[i], "manifest layer " + std::to_string(i + 1)));
      m.layers.push_back(std::move(d));
    }
  }
  if (auto s = doc.find("subject"); s != doc.end() && !s->is_null()) {
    COCO_TRY(Descriptor d, descriptor_from_json(*s, "manifest subject"));
    m.subject = std::move(d);
  }
  COCO_TRY(m.artifact_type, get_string(doc, "artifactType", false, "manifest"));
  COCO_TRY(m.annotations, get_annotations(doc, "manifest"));
  return m;
}

Result<ImageIndex> parse_image_index(std::string_view bytes, std::string_view mt) {
  COCO_TRY(json doc, parse_json_object(bytes, "index"));
  COCO_TRY_STATUS(check_declared_type(doc, mt, "index"));
  std::string type(mt);
  if (type.empty()) {
    COCO_TRY(type, detect_manifest_media_type(bytes));
  }
  if (!is_index_media_type(type)) {
    return invalid("index: media type " + type + " is not an index");
  }
  auto sv = doc.find("schemaVersion");
  if (sv == doc.end() || !sv->is_number_integer() || sv->get<int>() != 2) {
    return invalid("index: schemaVersion is not 2");
  }
  ImageIndex index;
  index.media_type = type;
  auto manifests = doc.find("manifests");
  if (manifests == doc.end() || !(manifests->is_array() || manifests->is_null())) {
    return invalid("index: manifests is not an array");
  }
  if (manifests->is_array()) {
    for (std::size_t i = 0; i < manifests->size(); ++i) {
      COCO_TRY(Descriptor d, descriptor_from_json((*manifests)[i], "index entry " + std::to_string(i + 1)));
      index.manifests.push_back(std::move(d));
    }
  }
  COCO_TRY(index.annotations, get_annotations(doc, "index"));
  return index;
}

Result<Descriptor> parse_descriptor_json(std::string_view text) {
  COCO_TRY(json doc, parse_json_object(text, "descriptor"));
  return descriptor_from_json(doc, "descriptor");
}

std::string serialize_descriptor(const Descriptor& d) { return descriptor_to_json(d, false).dump(); }

std::string serialize_manifest(const ImageManifest& m) {
  bool docker = m.media_type == media_type::docker_manifest;
  ordered_json j;
  j["schemaVersion"] = 2;
  j["mediaType"] = m.media_type;
  if (!m.artifact_type.empty() && !docker) {
    j["artifactType"] = m.artifact_type;
  }
  j["config"] = descriptor_to_json(m.config, docker);
  j["layers"] = ordered_json::array();
  for (const auto& l : m.layers) {
    j["layers"].push_back(descriptor_to_json(l, docker));
  }
  if (m.subject && !docker) {
    j["subject"] = descriptor_to_json(*m.subject, false);
  }
  if (!m.annotations.empty() && !docker) {
    j["annotations"] = m.annotations;
  }
  return j.dump();
}

std::string serialize_index(const ImageIndex& index) {
  bool docker = index.media_type == media_type::docker_manifest_list;
  ordered_json j;
  j["schemaVersion"] = 2;
  j["mediaType"] = index.media_type;
  j["manifests"] = ordered_json::array();
  for (const auto& d : index.manifests) {
    j["manifests"].push_back(descriptor_to_json(d, docker));
  }
  if (!index.annotations.empty() && !docker) {
    j["annotations"] = index.annotations;
  }
  return j.dump();
}

Result<ImageConfig> parse_image_config(std::string_view bytes) {
  COCO_TRY(json doc, parse_json_object(bytes, "image config"));
  ImageConfig c;
  COCO_TRY(c.os, get_string(doc, "os", false, "image config"));
  COCO_TRY(c.architecture, get_string(doc, "architecture", false, "image config"));
  COCO_TRY(c.variant, get_string(doc, "variant", false, "image config"));
  if (auto rootfs = doc.find("rootfs"); rootfs != doc.end() && rootfs->is_object()) {
    if (auto ids = rootfs->find("diff_ids"); ids != rootfs->end() && ids->is_array()) {
      for (const auto& id : *ids) {
        if (!id.is_string()) {
          return invalid("image config: diff_ids holds a non-string");
        }
        auto d = parse_digest(id.get<std::string>());
        if (!d) {
          Error e = d.error();
          return std::move(e).context("image config diff_id");
        }
        c.diff_ids.push_back(*d);
      }
    }
  }
  return c;
}

Result<Descriptor> choose_instance(const ImageIndex& index, const Platform& wanted) {
  // Variant preference as containers/image's WantedPlatforms: a named variant walks down its compatibility
  // list then accepts no variant; no variant prefers none, then the compatible ones.
  std::vector<std::string> variants;
  std::vector<std::string> compat;
  if (wanted.architecture == "arm") {
    compat = {"v7", "v6", "v5"};
  } else if (wanted.architecture == "arm64") {
    compat = {"v8"};
  }
  if (!wanted.variant.empty()) {
    auto it = std::find(compat.begin(), compat.end(), wanted.variant);
    if (it != compat.end()) {
      variants.assign(it, compat.end());
    } else {
      variants.push_back(wanted.variant);
    }
    variants.emplace_back();
  } else {
    variants.emplace_back();
    variants.insert(variants.end(), compat.begin(), compat.end());
  }
  for (const auto& variant : variants) {
    for (const auto& d : index.manifests) {
      if (d.platform && d.platform->os == wanted.os && d.platform->architecture == wanted.architecture &&
          d.platform->variant == variant) {
        return d;
      }
    }
  }
  std::string available;
  for (const auto& d : index.manifests) {
    if (d.platform) {
      available += (available.empty() ? "" : ", ") + d.platform->str();
    }
  }
  return make_error(Kind::not_found, "no image for platform " + wanted.str() + " in the index",
                    available.empty() ? "the index names no platforms" : "available: " + available + " (use --platform or --all)");
}

std::string docker_to_oci_media_type(std::string_view mt) {
  if (mt == media_type::docker_manifest) {
    return std::string(media_type::oci_manifest);
  }
  if (mt == media_type::docker_manifest_list) {
    return std::string(media_type::oci_index);
  }
  if (mt == media_type::docker_config) {
    return std::string(media_type::oci_config);
  }
  if (mt == media_type::docker_layer_gzip) {
    return std::string(media_type::oci_layer_gzip);
  }
  if (mt == media_type::docker_layer_foreign_gzip) {
    return std::string(media_type::oci_layer_nondistributable_gzip);
  }
  return std::string(mt);
}

ImageManifest docker_to_oci(const ImageManifest& docker) {
  ImageManifest m = docker;
  m.media_type = docker_to_oci_media_type(docker.media_type);
  m.config.media_type = docker_to_oci_media_type(docker.config.media_type);
  for (auto& l : m.layers) {
    l.media_type = docker_to_oci_media_type(l.media_type);
  }
  return m;
}

ImageIndex docker_to_oci(const ImageIndex& docker) {
  ImageIndex index = docker;
  index.media_type = docker_to_oci_media_type(docker.media_type);
  for (auto& d : index.manifests) {
    d.media_type = docker_to_oci_media_type(d.media_type);
  }
  return index;
}

} // namespace coco::oci
