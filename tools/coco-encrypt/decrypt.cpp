// coco-encrypt decrypt SRC DST --key KEY...: copies an image with its encrypted layers decrypted, as
// `skopeo copy --decryption-key` does. Every layer's HMAC is checked before the destination is committed.
#include "common/oci/copy.hpp"
#include "common/ocicrypt/annotations.hpp"
#include "common/ocicrypt/recipients.hpp"
#include "tools/coco-encrypt/commands.hpp"
#include "tools/coco-encrypt/spool.hpp"
#include "tools/coco/image_options.hpp"

namespace coco_encrypt {
namespace {

struct DecryptArgs {
  std::string src;
  std::string dst;
  std::vector<std::string> keys;
  coco::cli::RegistryOptions src_registry{"src"};
  coco::cli::RegistryOptions dest_registry{"dest"};
  coco::cli::PlatformOptions platform;
};

bool is_encryption_annotation(const std::string& key) {
  return key.rfind(coco::ocicrypt::k_annotation_keys_prefix, 0) == 0 || key == coco::ocicrypt::k_annotation_pubopts;
}

} // namespace

void register_decrypt(coco::cli::Command& cmd) {
  auto opts = cmd.options<DecryptArgs>();
  cmd.app().add_option("SRC", opts->src, "the encrypted image (TRANSPORT:DETAILS)")->required();
  cmd.app().add_option("DST", opts->dst, "where to write the decrypted image (TRANSPORT:DETAILS)")->required();
  cmd.app()
      .add_option("-k,--key", opts->keys,
                  "jwe:PRIV.pem, pkcs7:KEY.pem,CERT.pem, pgp, provider:NAME or kbs-key:KEKFILE")
      ->required()
      ->type_name("KEY");
  opts->src_registry.add_to(cmd);
  opts->dest_registry.add_to(cmd);
  opts->platform.add_to(cmd);
  cmd.description(
      "Copies SRC to DST with every encrypted layer decrypted by one of the given keys; the media type loses "
      "+encrypted and the encryption annotations are dropped. Each layer is decrypted to a temporary file in "
      "TMPDIR and its HMAC checked before it is written to DST, so a tampered layer fails the command (exit 1, "
      "naming the layer) and DST is not created. A layer none of the keys opens is an error.");
  cmd.example("coco-encrypt decrypt oci:app:enc oci:app:plain --key jwe:priv.pem", "decrypt with an RSA or EC key");
  cmd.example("coco-encrypt decrypt oci:app:enc oci:app:plain --key kbs-key:app.kek",
              "decrypt an image encrypted for a kbs:/// recipient with its KEK");
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
    COCO_TRY(coco::ocicrypt::KeyWrappers wrappers,
             coco::ocicrypt::decryption_wrappers(opts->keys, coco::ocicrypt::WrapperOptions{}));
    int decrypted = 0;
    options.layer_transform = [&](const coco::oci::Descriptor& layer, coco::oci::BlobReader& source)
        -> coco::Result<std::optional<coco::oci::TransformedLayer>> {
      if (!coco::ocicrypt::is_encrypted_media_type(layer.media_type)) {
        return std::optional<coco::oci::TransformedLayer>();
      }
      COCO_TRY(std::string media_type, coco::ocicrypt::decrypted_media_type(layer.media_type));
      COCO_TRY(coco::ocicrypt::UnwrappedKeys keys, coco::ocicrypt::unwrap_layer_keys(layer.annotations, wrappers));
      COCO_TRY(Spool spool, Spool::create());
      COCO_TRY(coco::ocicrypt::DecryptedBlob plain,
               coco::ocicrypt::decrypt_blob(read_from(source), spool.writer(), keys.private_options,
                                            keys.public_options));
      (void)plain;
      std::map<std::string, std::string> annotations;
      for (const auto& [k, v] : layer.annotations) {
        if (!is_encryption_annotation(k)) {
          annotations[k] = v;
        }
      }
      COCO_TRY(auto reader, spool.reader());
      ++decrypted;
      return std::optional<coco::oci::TransformedLayer>(
          coco::oci::TransformedLayer{std::move(reader), std::move(media_type), std::move(annotations)});
    };
    COCO_TRY(coco::oci::CopyResult result, coco::oci::copy_image(src, dst, options));
    nlohmann::json doc{{"source", src.str()},
                       {"destination", dst.str()},
                       {"digest", result.manifest_digest.str()},
                       {"mediaType", result.media_type},
                       {"layersDecrypted", decrypted}};
    return ctx.output.emit(doc, [&](std::ostream& out) { out << result.manifest_digest.str() << '\n'; });
  });
}

} // namespace coco_encrypt
