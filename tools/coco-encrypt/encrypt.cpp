// coco-encrypt encrypt SRC DST -r RECIPIENT...: copies an image with its layers encrypted (ocicrypt's
// AES_256_CTR_HMAC_SHA256, keys wrapped for every recipient), as `skopeo copy --encryption-key` does.
#include <filesystem>
#include <set>

#include "common/base/atomic_file.hpp"
#include "common/base/log.hpp"
#include "common/crypto/random.hpp"
#include "common/oci/copy.hpp"
#include "common/oci/inspect.hpp"
#include "common/ocicrypt/annotations.hpp"
#include "common/ocicrypt/kbs_wrapper.hpp"
#include "common/ocicrypt/recipients.hpp"
#include "tools/coco-encrypt/commands.hpp"
#include "tools/coco-encrypt/spool.hpp"
#include "tools/coco/image_options.hpp"

namespace coco_encrypt {
namespace {

struct EncryptArgs {
  std::string src;
  std::string dst;
  std::vector<std::string> recipients;
  std::vector<int> layers;
  std::string kek_out;
  coco::cli::RegistryOptions src_registry{"src"};
  coco::cli::RegistryOptions dest_registry{"dest"};
  coco::cli::PlatformOptions platform;
};

bool is_kbs_recipient(const std::string& r) { return r.rfind("kbs://", 0) == 0; }

// The KEK of a kbs:/// recipient: read from --kek-out when the file exists, else generated and written there
// with mode 0600 before anything is encrypted with it.
coco::Result<coco::Secret> kbs_kek(const std::string& path) {
  if (path.empty()) {
    return coco::make_error(coco::Kind::usage, "a kbs:/// recipient needs --kek-out FILE",
                            "the key-encryption key is written there, for the KBS to serve as the resource");
  }
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    return coco::ocicrypt::load_kek_file(path);
  }
  coco::Secret kek = coco::crypto::random_secret(32);
  const auto bytes = kek.bytes();
  COCO_TRY_STATUS(coco::write_file_atomic(
      path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), 0600));
  coco::log::info("wrote a new key-encryption key to " + path);
  return kek;
}

bool is_zstd(const std::string& media_type) { return media_type.find("zstd") != std::string::npos; }

} // namespace

void register_encrypt(coco::cli::Command& cmd) {
  auto opts = cmd.options<EncryptArgs>();
  cmd.app().add_option("SRC", opts->src, "the image to encrypt (TRANSPORT:DETAILS)")->required();
  cmd.app().add_option("DST", opts->dst, "where to write the encrypted image (TRANSPORT:DETAILS)")->required();
  cmd.app()
      .add_option("-r,--recipient", opts->recipients,
                  "jwe:PUBKEY.pem, pkcs7:CERT.pem, pgp:EMAIL, provider:NAME[:PARAMS] or kbs:///REPO/TYPE/TAG")
      ->required()
      ->type_name("RECIPIENT");
  cmd.app()
      .add_option("--layer", opts->layers, "encrypt only layer N (0-based; negative counts from the end)")
      ->type_name("N")
      ->allow_extra_args(false);
  cmd.app().add_option("--kek-out", opts->kek_out, "the KEK file of a kbs:/// recipient (created 0600 if missing)")
      ->type_name("FILE");
  opts->src_registry.add_to(cmd);
  opts->dest_registry.add_to(cmd);
  opts->platform.add_to(cmd);
  cmd.description(
      "Copies SRC to DST (any transport coco copy supports) with its layers encrypted as ocicrypt does: each "
      "layer gets a fresh AES-256-CTR key and HMAC-SHA256, its media type gains +encrypted, and its keys are "
      "wrapped for every recipient in org.opencontainers.image.enc.keys.* annotations. Layers already encrypted "
      "are copied unchanged. Each layer is encrypted to a temporary file in TMPDIR first (the HMAC belongs in "
      "the manifest), so TMPDIR needs room for the largest layer. A kbs:///REPO/TYPE/TAG recipient wraps the "
      "keys with a key-encryption key kept in --kek-out (generated when the file does not exist); upload it to "
      "the KBS as that resource.");
  cmd.example("coco-encrypt encrypt oci:app:v1 oci:app:enc -r jwe:pub.pem", "encrypt every layer for an RSA or EC key");
  cmd.example("coco-encrypt encrypt oci:app:v1 oci:app:enc -r kbs:///default/key/app --kek-out app.kek",
              "encrypt for a KBS resource, keeping the KEK in app.kek");
  cmd.example("coco-encrypt encrypt oci:app:v1 oci:app:enc -r jwe:pub.pem --layer -1", "encrypt only the top layer");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(coco::oci::ImageReference src, coco::oci::parse_image_reference(opts->src));
    COCO_TRY(coco::oci::ImageReference dst, coco::oci::parse_image_reference(opts->dst));
    coco::oci::CopyOptions options;
    COCO_TRY(options.src_options.registry, coco_tool::registry_options(opts->src_registry));
    COCO_TRY(options.dst_options.registry, coco_tool::registry_options(opts->dest_registry));
    COCO_TRY(coco::cli::PlatformSelection selection, opts->platform.resolve());
    options.all = selection.all;
    if (selection.platform) {
      options.platform = coco::oci::Platform{selection.platform->os, selection.platform->architecture,
                                             selection.platform->variant, "", {}};
    }
    options.progress = &ctx.progress;

    // --layer: resolved against the layers of the selected manifest.
    std::optional<std::set<std::string>> selected;
    if (!opts->layers.empty()) {
      if (options.all) {
        return coco::make_error(coco::Kind::usage, "--layer cannot be combined with --all",
                                "platforms may have different layers; encrypt them one --platform at a time");
      }
      coco::oci::InspectOptions inspect_options;
      inspect_options.platform = options.platform;
      inspect_options.transport = options.src_options;
      inspect_options.fetch_config = false;
      COCO_TRY(coco::oci::InspectResult image, coco::oci::inspect_image(src, inspect_options));
      const auto count = static_cast<int>(image.layers.size());
      selected.emplace();
      for (int n : opts->layers) {
        const int i = n < 0 ? count + n : n;
        if (i < 0 || i >= count) {
          return coco::make_error(coco::Kind::usage,
                                  "--layer " + std::to_string(n) + " is out of range: the image has " +
                                      std::to_string(count) + " layers",
                                  "layers are numbered 0.." + std::to_string(count - 1) + ", or -1 for the last");
        }
        selected->insert(image.layers[static_cast<std::size_t>(i)].descriptor.digest.str());
      }
    }

    coco::ocicrypt::WrapperOptions wrapper_options;
    bool kbs = false;
    for (const std::string& r : opts->recipients) {
      kbs = kbs || is_kbs_recipient(r);
    }
    if (!kbs && !opts->kek_out.empty()) {
      return coco::make_error(coco::Kind::usage, "--kek-out is only used with a kbs:/// recipient");
    }
    if (kbs) {
      COCO_TRY(coco::Secret kek, kbs_kek(opts->kek_out));
      wrapper_options.kbs_kek = std::move(kek);
    }
    COCO_TRY(coco::ocicrypt::KeyWrappers wrappers,
             coco::ocicrypt::encryption_wrappers(opts->recipients, wrapper_options));

    int encrypted = 0;
    options.layer_transform = [&](const coco::oci::Descriptor& layer, coco::oci::BlobReader& source)
        -> coco::Result<std::optional<coco::oci::TransformedLayer>> {
      if (coco::ocicrypt::is_encrypted_media_type(layer.media_type)) {
        return std::optional<coco::oci::TransformedLayer>();
      }
      if (selected && selected->count(layer.digest.str()) == 0) {
        return std::optional<coco::oci::TransformedLayer>();
      }
      if (kbs && is_zstd(layer.media_type)) {
        return coco::make_error(coco::Kind::unsupported,
                                "a zstd layer cannot be encrypted for a kbs:/// recipient",
                                "the CoCo guest decrypts gzip and uncompressed layers only; rebuild the image "
                                "with gzip layers, or leave this layer out with --layer");
      }
      COCO_TRY(std::string media_type, coco::ocicrypt::encrypted_media_type(layer.media_type));
      COCO_TRY(Spool spool, Spool::create());
      COCO_TRY(coco::ocicrypt::EncryptedBlob blob,
               coco::ocicrypt::encrypt_blob(read_from(source), spool.writer(), layer.digest.str()));
      COCO_TRY(auto keys, coco::ocicrypt::wrap_layer_keys(blob.private_options, blob.public_options, wrappers));
      std::map<std::string, std::string> annotations = layer.annotations;
      for (auto& [k, v] : keys) {
        annotations[k] = v;
      }
      COCO_TRY(auto reader, spool.reader());
      ++encrypted;
      return std::optional<coco::oci::TransformedLayer>(
          coco::oci::TransformedLayer{std::move(reader), std::move(media_type), std::move(annotations)});
    };
    COCO_TRY(coco::oci::CopyResult result, coco::oci::copy_image(src, dst, options));
    nlohmann::json doc{{"source", src.str()},
                       {"destination", dst.str()},
                       {"digest", result.manifest_digest.str()},
                       {"mediaType", result.media_type},
                       {"layersEncrypted", encrypted}};
    return ctx.output.emit(doc, [&](std::ostream& out) { out << result.manifest_digest.str() << '\n'; });
  });
}

} // namespace coco_encrypt
