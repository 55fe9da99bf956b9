#include "common/oci/inspect.hpp"

namespace coco::oci {

bool layer_is_encrypted(const Descriptor& layer) {
  if (is_encrypted_media_type(layer.media_type)) {
    return true;
  }
  for (const auto& [key, value] : layer.annotations) {
    if (key.starts_with("org.opencontainers.image.enc.")) {
      return true;
    }
  }
  return false;
}

Result<InspectResult> inspect_image(ImageSource& source, const InspectOptions& options) {
  InspectResult r;
  r.reference = source.describe();
  COCO_TRY(RawManifest top, source.get_manifest(std::nullopt));
  r.raw_manifest = top.bytes;
  r.digest = top.digest();
  r.media_type = top.media_type;
  RawManifest instance = top;
  if (top.is_index()) {
    COCO_TRY(ImageIndex index, parse_image_index(top.bytes, top.media_type));
    r.index_entries = index.manifests;
    Platform wanted = options.platform ? *options.platform : host_platform();
    auto chosen = choose_instance(index, wanted);
    if (!chosen) {
      // An index without this host's platform still inspects; the per-image part stays empty.
      if (options.platform) {
        return chosen.error();
      }
      return r;
    }
    COCO_TRY(instance, source.get_manifest(chosen->digest));
    if (instance.digest() != chosen->digest) {
      return make_error(Kind::integrity, "manifest " + chosen->digest.str() + ": digest mismatch");
    }
    if (instance.is_index()) {
      return make_error(Kind::unsupported, "nested index " + chosen->digest.str() + " is not inspected");
    }
  }
  COCO_TRY(ImageManifest manifest, parse_image_manifest(instance.bytes, instance.media_type));
  r.instance_digest = instance.digest();
  r.instance_media_type = instance.media_type;
  r.config = manifest.config;
  for (const auto& layer : manifest.layers) {
    r.layers.push_back(LayerInfo{layer, layer_is_encrypted(layer)});
  }
  if (options.fetch_config) {
    COCO_TRY(auto reader, source.get_blob(manifest.config));
    COCO_TRY(r.raw_config, read_small_blob(*reader, k_max_config_size, "config " + manifest.config.digest.str()));
    auto summary = parse_image_config(r.raw_config);
    if (summary) {
      r.config_summary = *summary;
    }
  }
  return r;
}

Result<InspectResult> inspect_image(const ImageReference& ref, const InspectOptions& options) {
  COCO_TRY(auto source, open_source(ref, options.transport));
  COCO_TRY(InspectResult r, inspect_image(*source, options));
  r.reference = ref.str();
  return r;
}

nlohmann::ordered_json InspectResult::to_json() const {
  nlohmann::ordered_json j;
  j["reference"] = reference;
  j["digest"] = digest.str();
  j["mediaType"] = media_type;
  if (!index_entries.empty()) {
    auto& platforms = j["manifests"] = nlohmann::ordered_json::array();
    for (const auto& d : index_entries) {
      nlohmann::ordered_json e{{"digest", d.digest.str()}, {"mediaType", d.media_type}, {"size", d.size}};
      if (d.platform) {
        e["platform"] = d.platform->str();
      }
      platforms.push_back(e);
    }
  }
  if (!instance_digest.empty()) {
    if (instance_digest != digest) {
      j["instanceDigest"] = instance_digest.str();
      j["instanceMediaType"] = instance_media_type;
    }
    j["config"] = {{"digest", config.digest.str()}, {"mediaType", config.media_type}, {"size", config.size}};
    if (!config_summary.os.empty()) {
      Platform p{config_summary.os, config_summary.architecture, config_summary.variant, "", {}};
      j["platform"] = p.str();
    }
    auto& layers_json = j["layers"] = nlohmann::ordered_json::array();
    for (const auto& l : layers) {
      nlohmann::ordered_json e{{"digest", l.descriptor.digest.str()}, {"mediaType", l.descriptor.media_type},
                               {"size", l.descriptor.size}, {"encrypted", l.encrypted}};
      if (!l.descriptor.annotations.empty()) {
        e["annotations"] = l.descriptor.annotations;
      }
      layers_json.push_back(e);
    }
  }
  return j;
}

} // namespace coco::oci
