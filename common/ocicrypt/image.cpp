#include "common/ocicrypt/image.hpp"

#include <map>
#include <set>

#include "common/base/atomic_file.hpp"
#include "common/base/log.hpp"
#include "common/crypto/random.hpp"
#include "common/oci/compression.hpp"
#include "common/oci/inspect.hpp"
#include "common/ocicrypt/annotations.hpp"
#include "common/ocicrypt/kbs_wrapper.hpp"
#include "common/ocicrypt/layer_cipher.hpp"
#include "common/ocicrypt/layer_stream.hpp"
#include "common/ocicrypt/pgp_wrapper.hpp"
#include "common/ocicrypt/pkcs7_wrapper.hpp"

namespace coco::ocicrypt {
namespace {

using Annotations = std::map<std::string, std::string>;
using MaybeLayer = std::optional<oci::TransformedLayer>;

bool is_encryption_annotation(const std::string& key) {
  return key.rfind(k_annotation_keys_prefix, 0) == 0 || key == k_annotation_pubopts;
}

bool is_zstd(std::string_view media_type) { return media_type.find("zstd") != std::string_view::npos; }

// A transformed layer's stream: optional stages before the cipher (zstd -> gzip recompression), then the
// cipher stream. Declared so the cipher (whose thread reads the stages) is stopped before they are destroyed.
class LayerPipeline final : public oci::BlobReader {
public:
  std::vector<std::unique_ptr<oci::BlobReader>> stages;
  std::unique_ptr<LayerCipherStream> cipher;
  oci::HashingReader* hashed = nullptr;  // the recompressed blob's digest, when recompressing

  LayerPipeline() = default;
  LayerPipeline(const LayerPipeline&) = delete;
  LayerPipeline& operator=(const LayerPipeline&) = delete;
  ~LayerPipeline() override { cipher.reset(); }
  Result<std::size_t> read(std::span<std::uint8_t> buf) override { return cipher->read(buf); }
};

// The one tail of both directions: the layer streams through its pipeline to the destination in one pass
// (no temporary file); once the blob is stored, `finish` sees the pipeline (the HMAC) and the stored
// descriptor and returns the annotations to add. The copy engine keeps the source stream alive meanwhile.
using FinishFn = std::function<Result<Annotations>(const LayerPipeline& pipeline, const oci::Descriptor& stored)>;
MaybeLayer transformed_layer(std::unique_ptr<LayerPipeline> pipeline, std::string media_type, Annotations annotations,
                             FinishFn finish) {
  LayerPipeline* p = pipeline.get();
  oci::TransformedLayer layer{std::move(pipeline), std::move(media_type), std::move(annotations), {}};
  layer.finish = [p, finish = std::move(finish)](const oci::Descriptor& stored) { return finish(*p, stored); };
  return MaybeLayer(std::move(layer));
}

oci::CopyOptions copy_options(const ImageScope& scope, Progress& progress) {
  oci::CopyOptions options;
  options.platform = scope.platform;
  options.all = scope.all;
  options.src_options = scope.src_options;
  options.dst_options = scope.dst_options;
  options.progress = &progress;
  return options;
}

// Digests of the layers chosen by --layer in the manifest the copy will select.
Result<std::optional<std::set<std::string>>> selected_layers(const oci::ImageReference& src,
                                                             const EncryptImageOptions& options) {
  if (options.layers.empty()) {
    return std::optional<std::set<std::string>>();
  }
  if (options.scope.all) {
    return make_error(Kind::usage, "--layer cannot be combined with --all",
                      "platforms may have different layers; encrypt them one --platform at a time");
  }
  oci::InspectOptions inspect_options;
  inspect_options.platform = options.scope.platform;
  inspect_options.transport = options.scope.src_options;
  inspect_options.fetch_config = false;
  COCO_TRY(oci::InspectResult image, oci::inspect_image(src, inspect_options));
  const auto count = static_cast<int>(image.layers.size());
  std::set<std::string> selected;
  for (int n : options.layers) {
    const int i = n < 0 ? count + n : n;
    if (i < 0 || i >= count) {
      return make_error(Kind::usage,
                        "--layer " + std::to_string(n) + " is out of range: the image has " + std::to_string(count) +
                            " layers",
                        "layers are numbered 0.." + std::to_string(count - 1) + ", or -1 for the last");
    }
    selected.insert(image.layers[static_cast<std::size_t>(i)].descriptor.digest.str());
  }
  return std::optional<std::set<std::string>>(std::move(selected));
}

// Unwraps kbs packets with a KEK asked for by key id.
class KbsResolvingWrapper final : public KeyWrapper {
public:
  explicit KbsResolvingWrapper(std::function<Result<Secret>(std::string_view kid)> resolve)
      : m_resolve(std::move(resolve)) {}
  [[nodiscard]] std::string scheme() const override { return "provider." + std::string(k_kbs_provider_name); }
  [[nodiscard]] bool can_wrap() const override { return false; }
  [[nodiscard]] bool can_unwrap() const override { return true; }
  Result<Bytes> wrap(const Secret& /*private_options*/) override {
    return make_error(Kind::internal, "a KEK resolver cannot wrap keys");
  }
  Result<Secret> unwrap(std::span<const std::uint8_t> blob) override {
    COCO_TRY(KbsPacket packet, parse_kbs_packet(blob));
    auto it = m_keks.find(packet.kid);
    if (it == m_keks.end()) {
      auto kek = m_resolve(packet.kid);
      if (!kek) {
        return std::move(kek).error().context(packet.kid);
      }
      it = m_keks.emplace(packet.kid, std::move(kek).value()).first;
    }
    KbsKeyWrapper inner("", it->second);
    return inner.unwrap(blob);
  }

private:
  std::function<Result<Secret>(std::string_view kid)> m_resolve;
  std::map<std::string, Secret> m_keks;
};

} // namespace

Result<KeyWrappers> decryption_key_wrappers(const DecryptImageOptions& options) {
  KeyWrappers wrappers;
  if (!options.keys.empty() || (options.kbs_keks.empty() && !options.kbs_kek_for)) {
    COCO_TRY(wrappers, decryption_wrappers(options.keys, options.wrappers));
  }
  for (const Secret& kek : options.kbs_keks) {
    if (kek.size() != 32) {
      return make_error(Kind::invalid, "a KBS key-encryption key must be 32 bytes (has " + std::to_string(kek.size()) + ")");
    }
    wrappers.push_back(std::make_unique<KbsKeyWrapper>("", kek));
  }
  if (options.kbs_kek_for) {
    wrappers.push_back(std::make_unique<KbsResolvingWrapper>(options.kbs_kek_for));
  }
  return wrappers;
}

bool is_kbs_recipient(std::string_view recipient) { return recipient.rfind("kbs://", 0) == 0; }

Result<std::optional<KbsKek>> prepare_kbs_kek(std::span<const std::string> recipients,
                                              const std::filesystem::path& kek_out, bool kek_out_optional) {
  const std::string* kid = nullptr;
  for (const std::string& r : recipients) {
    if (is_kbs_recipient(r)) {
      kid = &r;
      break;
    }
  }
  if (kid == nullptr) {
    if (!kek_out.empty()) {
      return make_error(Kind::usage, "--kek-out is only used with a kbs:/// recipient");
    }
    return std::optional<KbsKek>();
  }
  if (kek_out.empty() && !kek_out_optional) {
    return make_error(Kind::usage, "a kbs:/// recipient needs --kek-out FILE",
                      "the key-encryption key is written there, for the KBS to serve as the resource");
  }
  KbsKek out;
  out.kid = *kid;
  COCO_TRY(out.resource_path, kbs_resource_path(*kid));
  if (kek_out.empty()) {
    out.kek = crypto::random_secret(32);
    out.generated = true;
    return std::optional<KbsKek>(std::move(out));
  }
  std::error_code ec;
  if (std::filesystem::exists(kek_out, ec)) {
    COCO_TRY(out.kek, load_kek_file(kek_out));
    return std::optional<KbsKek>(std::move(out));
  }
  out.kek = crypto::random_secret(32);
  const auto bytes = out.kek.bytes();
  COCO_TRY_STATUS(
      write_file_atomic(kek_out, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), 0600));
  log::info("wrote a new key-encryption key to " + kek_out.string());
  out.generated = true;
  return std::optional<KbsKek>(std::move(out));
}

Result<ImageResult> encrypt_image(const oci::ImageReference& src, const oci::ImageReference& dst,
                                  const EncryptImageOptions& options, Progress& progress) {
  oci::CopyOptions copy = copy_options(options.scope, progress);
  copy.force_oci = true;  // encrypted layer types exist only in OCI manifests (containers/image does the same)
  COCO_TRY(std::optional<std::set<std::string>> selected, selected_layers(src, options));
  bool kbs = false;
  for (const std::string& r : options.recipients) {
    kbs = kbs || is_kbs_recipient(r);
  }
  COCO_TRY(KeyWrappers wrappers, encryption_wrappers(options.recipients, options.wrappers));
  int count = 0;
  copy.layer_transform = [&](const oci::Descriptor& layer, oci::BlobReader& source) -> Result<MaybeLayer> {
    if (is_encrypted_media_type(layer.media_type)) {
      return MaybeLayer();
    }
    if (selected && selected->count(layer.digest.str()) == 0) {
      return MaybeLayer();
    }
    const bool recompress = options.zstd_to_gzip && is_zstd(layer.media_type);
    if (kbs && is_zstd(layer.media_type) && !recompress) {
      return make_error(Kind::unsupported, "a zstd layer cannot be encrypted for a kbs:/// recipient",
                        "the CoCo guest decrypts gzip and uncompressed layers only: add --compress gzip to "
                        "recompress it, or leave this layer out with --layer");
    }
    std::string plain_type = layer.media_type;
    if (recompress) {
      plain_type.replace(plain_type.find("zstd"), 4, "gzip");
    }
    COCO_TRY(std::string media_type, encrypted_media_type(plain_type));
    COCO_TRY(LayerEncryptor encryptor, LayerEncryptor::create(layer.digest.str()));
    PrivateOptions priv = encryptor.private_options();
    auto pipeline = std::make_unique<LayerPipeline>();
    oci::BlobReader* input = &source;
    if (recompress) {
      pipeline->stages.push_back(std::make_unique<oci::DecompressingReader>(source));
      pipeline->stages.push_back(std::make_unique<oci::GzipCompressingReader>(*pipeline->stages.back()));
      auto hashed = std::make_unique<oci::HashingReader>(*pipeline->stages.back());
      pipeline->hashed = hashed.get();
      pipeline->stages.push_back(std::move(hashed));
      input = pipeline->stages.back().get();
    }
    pipeline->cipher = LayerCipherStream::encrypting(*input, std::move(encryptor));
    ++count;
    // The keys are wrapped once the stream has ended: the public options carry the HMAC of the whole
    // ciphertext, and a recompressed layer's private options its new digest.
    return transformed_layer(std::move(pipeline), std::move(media_type), layer.annotations,
                             [&wrappers, priv](const LayerPipeline& p, const oci::Descriptor&) -> Result<Annotations> {
                               std::optional<PublicOptions> pub = p.cipher->public_options();
                               if (!pub) {
                                 return make_error(Kind::internal, "the layer stream ended without its HMAC");
                               }
                               PrivateOptions opts = priv;
                               if (p.hashed != nullptr) {
                                 opts.digest = p.hashed->digest().str();
                               }
                               return wrap_layer_keys(opts, *pub, wrappers);
                             });
  };
  COCO_TRY(oci::CopyResult result, oci::copy_image(src, dst, copy));
  return ImageResult{result.manifest_digest, result.media_type, count};
}

Result<ImageResult> decrypt_image(const oci::ImageReference& src, const oci::ImageReference& dst,
                                  const DecryptImageOptions& options, Progress& progress) {
  oci::CopyOptions copy = copy_options(options.scope, progress);
  COCO_TRY(KeyWrappers wrappers, decryption_key_wrappers(options));
  int count = 0;
  copy.layer_transform = [&](const oci::Descriptor& layer, oci::BlobReader& source) -> Result<MaybeLayer> {
    if (!is_encrypted_media_type(layer.media_type)) {
      return MaybeLayer();
    }
    COCO_TRY(std::string media_type, decrypted_media_type(layer.media_type));
    COCO_TRY(UnwrappedKeys keys, unwrap_layer_keys(layer.annotations, wrappers));
    Annotations annotations;
    for (const auto& [k, v] : layer.annotations) {
      if (!is_encryption_annotation(k)) {
        annotations[k] = v;
      }
    }
    COCO_TRY(LayerDecryptor decryptor, LayerDecryptor::create(keys.private_options, keys.public_options));
    auto pipeline = std::make_unique<LayerPipeline>();
    pipeline->cipher = LayerCipherStream::decrypting(source, std::move(decryptor));
    ++count;
    return transformed_layer(
        std::move(pipeline), std::move(media_type), std::move(annotations),
        [expected = keys.private_options.digest](const LayerPipeline&,
                                                 const oci::Descriptor& stored) -> Result<Annotations> {
          // The HMAC was checked at the end of the stream; the plaintext must also be the blob the key
          // options name (compared when both use the same algorithm, as they do in practice).
          if (expected.rfind("sha256:", 0) == 0 && expected != stored.digest.str()) {
            return make_error(Kind::integrity, "decrypted layer digest " + stored.digest.str() +
                                                   " does not match the digest in its key options " + expected);
          }
          return Annotations{};
        });
  };
  COCO_TRY(oci::CopyResult result, oci::copy_image(src, dst, copy));
  return ImageResult{result.manifest_digest, result.media_type, count};
}

} // namespace coco::ocicrypt

namespace coco::ocicrypt {
namespace {

// What `recipients remove -r SPEC` drops from a layer's annotations, resolved once before the copy.
struct Removal {
  enum class What { scheme, kbs_kid, pkcs7_cert, pgp_keys };
  What what = What::scheme;
  std::string spec;
  std::string scheme;                        // the scheme of the keys annotation it applies to
  std::optional<Pkcs7Certificate> cert;      // pkcs7:CERT
  std::vector<std::string> key_ids;          // pgp:EMAIL-OR-FINGERPRINT: the key and its subkeys
};

Result<Removal> resolve_removal(const std::string& spec, const WrapperOptions& wrappers) {
  Removal r;
  r.spec = spec;
  if (is_kbs_recipient(spec)) {
    r.what = Removal::What::kbs_kid;
    r.scheme = "provider." + std::string(k_kbs_provider_name);
  } else if (spec == "jwe" || spec == "pkcs7" || spec == "pgp") {
    r.scheme = spec;
  } else if (spec == "kbs") {
    r.scheme = "provider." + std::string(k_kbs_provider_name);
  } else if (spec.rfind("provider:", 0) == 0 && spec.size() > 9) {
    r.scheme = "provider." + split_provider_recipient(spec.substr(9)).first;
  } else if (spec.rfind("pkcs7:", 0) == 0 && spec.size() > 6) {
    r.what = Removal::What::pkcs7_cert;
    r.scheme = "pkcs7";
    COCO_TRY(r.cert, load_pkcs7_certificate_file(spec.substr(6)));
  } else if (spec.rfind("pgp:", 0) == 0 && spec.size() > 4) {
    r.what = Removal::What::pgp_keys;
    r.scheme = "pgp";
    COCO_TRY(r.key_ids, pgp_key_ids(spec.substr(4), wrappers.pgp));
  } else if (spec.rfind("jwe:", 0) == 0) {
    return make_error(Kind::usage, "cannot remove recipient '" + spec + "' on its own",
                      "JWE wrapped keys do not say which public key they are for; remove the whole scheme "
                      "(-r jwe), then add back the recipients to keep with recipients add");
  } else {
    return make_error(Kind::usage, "cannot remove recipient '" + spec + "'",
                      "use a scheme (jwe, pkcs7, pgp, kbs, provider:NAME), kbs:///REPO/TYPE/TAG, pkcs7:CERT.pem or "
                      "pgp:EMAIL-OR-FINGERPRINT");
  }
  return r;
}

// One blob of a keys annotation without the recipient: the new blob (std::nullopt when none is left) and
// whether anything was dropped.
struct BlobRemoval {
  std::optional<std::string> blob;
  bool dropped = false;
};

Result<BlobRemoval> remove_from_blob(const std::string& blob, const Removal& r) {
  switch (r.what) {
  case Removal::What::kbs_kid: {
    auto packet = parse_kbs_packet(as_bytes(blob));
    if (packet && packet->kid == r.spec) {
      return BlobRemoval{std::nullopt, true};
    }
    return BlobRemoval{blob, false};
  }
  case Removal::What::pkcs7_cert: {
    COCO_TRY(Pkcs7Removal out, pkcs7_remove_recipient(as_bytes(blob), *r.cert));
    if (!out.blob) {
      return BlobRemoval{std::nullopt, true};
    }
    return BlobRemoval{std::string(as_string(*out.blob)), out.removed > 0};
  }
  case Removal::What::pgp_keys: {
    COCO_TRY(PgpRemoval out, pgp_remove_recipients(as_bytes(blob), r.key_ids));
    if (out.removed == 0 && out.kept > 0 && out.hidden == out.kept) {
      return make_error(Kind::unsupported,
                        "cannot remove " + r.spec + ": the layer's pgp recipients are hidden (wildcard key ids)",
                        "a hidden recipient cannot be matched to a key; remove the whole scheme (-r pgp) and add "
                        "back the recipients to keep");
    }
    if (!out.message) {
      return BlobRemoval{std::nullopt, true};
    }
    return BlobRemoval{std::string(as_string(*out.message)), out.removed > 0};
  }
  case Removal::What::scheme:
    break;
  }
  return make_error(Kind::internal, "a whole-scheme removal has no blobs to edit");
}

// Applies one removal to a layer's annotations; returns whether anything was dropped. A keys annotation left
// with no blob is removed.
Result<bool> remove_recipient(Annotations& annotations, const Removal& r) {
  if (r.what == Removal::What::scheme) {
    return annotations.erase(keys_annotation(r.scheme)) > 0;
  }
  auto it = annotations.find(keys_annotation(r.scheme));
  if (it == annotations.end()) {
    return false;
  }
  COCO_TRY(std::vector<std::string> blobs, split_key_annotation(it->second));
  std::string kept;
  bool dropped = false;
  for (const std::string& blob : blobs) {
    COCO_TRY(BlobRemoval out, remove_from_blob(blob, r));
    dropped = dropped || out.dropped;
    if (out.blob) {
      kept += (kept.empty() ? "" : ",") + base64_encode(as_bytes(*out.blob));
    }
  }
  if (!dropped) {
    return false;  // the annotation stays exactly as it was
  }
  if (kept.empty()) {
    annotations.erase(it);
  } else {
    it->second = kept;
  }
  return true;
}

bool has_keys(const Annotations& annotations) {
  for (const auto& [k, v] : annotations) {
    if (k.rfind(k_annotation_keys_prefix, 0) == 0) {
      return true;
    }
  }
  return false;
}

} // namespace

Result<ImageResult> rewrap_image(const oci::ImageReference& src, const oci::ImageReference& dst,
                                 const RewrapImageOptions& options, Progress& progress) {
  if (options.add.empty() && options.remove.empty()) {
    return make_error(Kind::usage, "no recipients to add or remove");
  }
  oci::CopyOptions copy = copy_options(options.scope, progress);
  KeyWrappers unwrappers;
  KeyWrappers add;
  if (!options.add.empty()) {
    if (options.keys.empty() && options.kbs_keks.empty()) {
      return make_error(Kind::usage, "adding recipients needs a key that opens the layers",
                        "pass --key (jwe:PRIV.pem, pkcs7:KEY.pem,CERT.pem, pgp, provider:NAME or kbs-key:KEKFILE)");
    }
    DecryptImageOptions d;
    d.keys = options.keys;
    d.kbs_keks = options.kbs_keks;
    d.wrappers = options.wrappers;
    COCO_TRY(unwrappers, decryption_key_wrappers(d));
    COCO_TRY(add, encryption_wrappers(options.add, options.wrappers));
  }
  std::vector<Removal> removals;
  for (const std::string& spec : options.remove) {
    COCO_TRY(Removal r, resolve_removal(spec, options.wrappers));
    removals.push_back(std::move(r));
  }
  std::set<std::string> removed;
  int count = 0;
  copy.layer_transform = [&](const oci::Descriptor& layer, oci::BlobReader&) -> Result<MaybeLayer> {
    if (!is_encrypted_media_type(layer.media_type)) {
      return MaybeLayer();
    }
    Annotations annotations = layer.annotations;
    for (const Removal& r : removals) {
      COCO_TRY(bool dropped, remove_recipient(annotations, r));
      if (dropped) {
        removed.insert(r.spec);
      }
    }
    if (!add.empty()) {
      COCO_TRY(UnwrappedKeys keys, unwrap_layer_keys(layer.annotations, unwrappers));
      COCO_TRY(Annotations wrapped, wrap_layer_keys(keys.private_options, keys.public_options, add));
      wrapped.erase(std::string(k_annotation_pubopts));
      for (auto& [k, v] : wrapped) {
        auto it = annotations.find(k);
        if (it == annotations.end()) {
          annotations.emplace(k, std::move(v));
        } else if (k == keys_annotation("provider." + std::string(k_kbs_provider_name))) {
          return make_error(Kind::conflict, "the layer already has a kbs:/// recipient",
                            "the CoCo guest reads a single KBS packet: remove it first with -r kbs");
        } else {
          it->second += "," + v;  // as ocicrypt adds recipients to a layer that has the scheme already
        }
      }
    }
    if (!has_keys(annotations)) {
      return make_error(Kind::usage, "removing these recipients would leave the layer with none",
                        "add another recipient in the same command with recipients add first");
    }
    if (annotations == layer.annotations) {
      return MaybeLayer();
    }
    ++count;
    return MaybeLayer(oci::TransformedLayer{nullptr, layer.media_type, std::move(annotations), {}});
  };
  COCO_TRY(oci::CopyResult result, oci::copy_image(src, dst, copy));
  for (const std::string& spec : options.remove) {
    if (removed.count(spec) == 0) {
      log::warn("no layer had the recipient '" + spec + "'");
    }
  }
  return ImageResult{result.manifest_digest, result.media_type, count};
}

} // namespace coco::ocicrypt
