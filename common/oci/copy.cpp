#include "common/oci/copy.hpp"

#include <vector>

#include "common/base/log.hpp"

namespace coco::oci {

namespace {

std::string oci_to_docker_media_type(std::string_view mt) {
  if (mt == media_type::oci_manifest) {
    return std::string(media_type::docker_manifest);
  }
  if (mt == media_type::oci_index) {
    return std::string(media_type::docker_manifest_list);
  }
  if (mt == media_type::oci_config) {
    return std::string(media_type::docker_config);
  }
  if (mt == media_type::oci_layer_gzip || mt == media_type::oci_layer) {
    return std::string(media_type::docker_layer_gzip);
  }
  if (mt == media_type::oci_layer_nondistributable_gzip || mt == media_type::oci_layer_nondistributable) {
    return std::string(media_type::docker_layer_foreign_gzip);
  }
  return std::string(mt);
}

class Copier {
public:
  Copier(ImageSource& src, ImageDestination& dst, const CopyOptions& options)
      : m_src(src), m_dst(dst), m_options(options), m_progress(options.progress ? *options.progress : Progress::none()) {}

  Result<CopyResult> run() {
    COCO_TRY(RawManifest top, m_src.get_manifest(std::nullopt));
    Descriptor written;
    if (top.is_index()) {
      COCO_TRY(ImageIndex index, parse_image_index(top.bytes, top.media_type));
      if (m_options.all) {
        if (!m_dst.supports_index()) {
          return make_error(Kind::unsupported, m_dst.describe() + ": cannot hold a multi-platform image",
                            "choose one platform with --platform instead of --all");
        }
        COCO_TRY(written, copy_index(top, index, true));
      } else {
        Platform wanted = m_options.platform ? *m_options.platform : host_platform();
        auto chosen = choose_instance(index, wanted);
        if (!chosen) {
          Error e = chosen.error();
          return std::move(e).context(m_src.describe());
        }
        COCO_TRY(RawManifest instance, m_src.get_manifest(chosen->digest));
        COCO_TRY_STATUS(check_instance(instance, *chosen));
        COCO_TRY(written, copy_manifest(instance, true));
      }
    } else {
      COCO_TRY(written, copy_manifest(top, true));
    }
    COCO_TRY_STATUS(m_dst.commit());
    m_result.manifest_digest = written.digest;
    m_result.media_type = written.media_type;
    return m_result;
  }

private:
  static Status check_instance(const RawManifest& m, const Descriptor& d) {
    if (m.digest() != d.digest) {
      return make_error(Kind::integrity, "manifest " + d.digest.str() + ": digest mismatch");
    }
    return ok();
  }

  Result<Descriptor> put(const RawManifest& m, bool top_level, bool rewritten) {
    COCO_TRY_STATUS(m_dst.put_manifest(m, top_level));
    if (top_level) {
      m_result.manifest_rewritten = rewritten;
    }
    Descriptor d;
    d.media_type = m.media_type;
    d.digest = m.digest();
    d.size = static_cast<std::int64_t>(m.bytes.size());
    return d;
  }

  Result<Descriptor> copy_index(const RawManifest& raw, const ImageIndex& index, bool top_level) {
    ImageIndex out = index;
    bool changed = false;
    for (auto& entry : out.manifests) {
      COCO_TRY(RawManifest child, m_src.get_manifest(entry.digest));
      COCO_TRY_STATUS(check_instance(child, entry));
      Descriptor written;
      if (child.is_index()) {
        COCO_TRY(ImageIndex nested, parse_image_index(child.bytes, child.media_type));
        COCO_TRY(written, copy_index(child, nested, false));
      } else {
        COCO_TRY(written, copy_manifest(child, false));
      }
      if (written.digest != entry.digest || written.media_type != entry.media_type) {
        entry.digest = written.digest;
        entry.size = written.size;
        entry.media_type = written.media_type;
        changed = true;
      }
    }
    std::string type = raw.media_type;
    if (!m_dst.supports_manifest_type(type) || (m_options.force_oci && is_docker_media_type(type))) {
      out = is_docker_media_type(type) ? docker_to_oci(out) : out;
      if (!m_dst.supports_manifest_type(out.media_type)) {
        return make_error(Kind::unsupported, m_dst.describe() + ": cannot store an index of type " + type);
      }
      changed = true;
    }
    if (!changed) {
      return put(raw, top_level, false);
    }
    return put(RawManifest{serialize_index(out), out.media_type}, top_level, true);
  }

  Result<Descriptor> copy_manifest(const RawManifest& raw, bool top_level) {
    COCO_TRY(ImageManifest manifest, parse_image_manifest(raw.bytes, raw.media_type));
    ImageManifest out = manifest;
    bool changed = false;
    if (!m_dst.supports_manifest_type(raw.media_type) ||
        (m_options.force_oci && is_docker_media_type(raw.media_type))) {
      if (is_docker_media_type(raw.media_type)) {
        out = docker_to_oci(manifest);
        if (m_src.layers_uncompressed()) {
          for (auto& l : out.layers) {
            if (l.media_type == media_type::oci_layer_gzip) {
              l.media_type = media_type::oci_layer;
            }
          }
        }
      } else {
        out.media_type = oci_to_docker_media_type(manifest.media_type);
        out.config.media_type = oci_to_docker_media_type(manifest.config.media_type);
        for (auto& l : out.layers) {
          if (l.media_type == media_type::oci_layer_zstd || is_encrypted_media_type(l.media_type)) {
            return make_error(Kind::unsupported, m_dst.describe() + ": cannot store a layer of type " + l.media_type);
          }
          l.media_type = oci_to_docker_media_type(l.media_type);
        }
        out.annotations.clear();
      }
      if (!m_dst.supports_manifest_type(out.media_type)) {
        return make_error(Kind::unsupported, m_dst.describe() + ": cannot store a manifest of type " + raw.media_type);
      }
      changed = true;
    }
    // The config keeps its bytes; only the descriptor's media type may change.
    Descriptor config_in = manifest.config;
    config_in.media_type = out.config.media_type;
    COCO_TRY_STATUS(copy_blob(config_in, "config"));
    for (std::size_t i = 0; i < out.layers.size(); ++i) {
      COCO_TRY(Descriptor layer, copy_layer(manifest.layers[i], out.layers[i], i + 1));
      if (layer.digest != out.layers[i].digest || layer.media_type != out.layers[i].media_type ||
          layer.annotations != out.layers[i].annotations) {
        out.layers[i] = layer;
        changed = true;
      }
    }
    if (!changed) {
      return put(raw, top_level, false);
    }
    return put(RawManifest{serialize_manifest(out), out.media_type}, top_level, true);
  }

  // Copies one blob unchanged.
  Status copy_blob(const Descriptor& d, std::string_view what) {
    const std::string label = std::string(what) + " " + d.digest.short_str();
    COCO_TRY(bool present, m_dst.has_blob(d));
    if (present) {
      skip(d.digest.str(), label, d.size);
      return ok();
    }
    COCO_TRY(auto reader, m_src.get_blob(d));
    return store(*reader, d, d.digest.str(), label, d.size);
  }

  void skip(const std::string& id, const std::string& label, std::int64_t size) {
    m_progress.begin(id, label, static_cast<std::uint64_t>(size));
    m_progress.end(id, "skipped");
    ++m_result.blobs_skipped;
  }

  // Writes `reader` to the destination as `target`, reporting progress under `id`.
  Status store(BlobReader& reader, const Descriptor& target, const std::string& id, const std::string& label,
               std::int64_t size) {
    m_progress.begin(id, label, static_cast<std::uint64_t>(size));
    ProgressReader counted(reader, m_progress, id);
    auto stored = m_dst.put_blob(counted, target);
    m_progress.end(id, stored ? "done" : "failed");
    if (!stored) {
      return stored.error();
    }
    ++m_result.blobs_copied;
    m_result.bytes_copied += static_cast<std::uint64_t>(stored->size);
    return ok();
  }

  Result<Descriptor> copy_layer(const Descriptor& source, const Descriptor& target, std::size_t number) {
    std::string what = "layer " + std::to_string(number);
    if (!m_options.layer_transform) {
      COCO_TRY_STATUS(copy_blob(target, what));
      return target;
    }
    COCO_TRY(auto reader, m_src.get_blob(source));
    auto transformed = m_options.layer_transform(target, *reader);
    if (!transformed) {
      Error e = transformed.error();
      return std::move(e).context(what + " (" + source.digest.short_str() + ")");
    }
    if (!*transformed || !(*transformed)->stream) {
      // Unchanged bytes: the source stream is still unread.
      Descriptor kept = target;
      if (*transformed) {
        kept.media_type = (*transformed)->media_type;
        kept.annotations = (*transformed)->annotations;
      }
      COCO_TRY_STATUS(copy_unchanged(*reader, source, target, what));
      return kept;
    }
    TransformedLayer& t = **transformed;
    Descriptor expected = target;
    expected.digest = Digest{};
    expected.size = -1;
    expected.media_type = t.media_type;
    expected.annotations = t.annotations;
    std::string id = source.digest.str() + "+transformed";
    m_progress.begin(id, what + " " + source.digest.short_str(), static_cast<std::uint64_t>(source.size));
    ProgressReader counted(*t.stream, m_progress, id);
    auto stored = m_dst.put_blob(counted, expected);
    m_progress.end(id, stored ? "done" : "failed");
    if (!stored) {
      Error e = stored.error();
      return std::move(e).context(what + " (" + source.digest.short_str() + ")");
    }
    ++m_result.blobs_copied;
    m_result.bytes_copied += static_cast<std::uint64_t>(stored->size);
    Descriptor out = *stored;
    out.media_type = t.media_type;
    out.annotations = t.annotations;
    out.urls.clear();
    if (t.finish) {
      auto added = t.finish(out);
      if (!added) {
        Error e = added.error();
        return std::move(e).context(what + " (" + source.digest.short_str() + ")");
      }
      for (auto& [k, v] : *added) {
        out.annotations[k] = std::move(v);
      }
    }
    return out;
  }

  Status copy_unchanged(BlobReader& reader, const Descriptor& source, const Descriptor& target,
                        const std::string& what) {
    const std::string label = what + " " + source.digest.short_str();
    COCO_TRY(bool present, m_dst.has_blob(target));
    if (present) {
      skip(source.digest.str(), label, source.size);
      return ok();
    }
    return store(reader, target, source.digest.str(), label, source.size);
  }

  ImageSource& m_src;
  ImageDestination& m_dst;
  const CopyOptions& m_options;
  Progress& m_progress;
  CopyResult m_result;
};

} // namespace

Result<CopyResult> copy_image(ImageSource& src, ImageDestination& dst, const CopyOptions& options) {
  return Copier(src, dst, options).run();
}

Result<CopyResult> copy_image(const ImageReference& src, const ImageReference& dst, const CopyOptions& options) {
  COCO_TRY(auto source, open_source(src, options.src_options));
  COCO_TRY(auto destination, open_destination(dst, options.dst_options));
  destination->note_source(src);
  log::debug("copying " + src.str() + " to " + dst.str());
  return copy_image(*source, *destination, options);
}

} // namespace coco::oci
