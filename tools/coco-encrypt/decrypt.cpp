// coco-encrypt decrypt SRC DST --key KEY...: copies an image with its encrypted layers decrypted, as
// `skopeo copy --decryption-key` does. Every layer's HMAC is checked before the destination is committed.
#include "tools/coco-encrypt/commands.hpp"
#include "tools/coco-encrypt/scope.hpp"

namespace coco_encrypt {
namespace {

struct DecryptArgs {
  std::string src;
  std::string dst;
  std::vector<std::string> keys;
  ScopeFlags scope;
};

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
  opts->scope.add_to(cmd);
  cmd.description(
      "Copies SRC to DST with every encrypted layer decrypted by one of the given keys; the media type loses "
      "+encrypted and the encryption annotations are dropped. Layers stream through in one pass; each layer's "
      "HMAC is checked at its end, before the blob is kept, so a tampered layer fails the command (exit 1, "
      "naming the layer) and DST is not created. A layer none of the keys opens is an error.");
  cmd.example("coco-encrypt decrypt oci:app:enc oci:app:plain --key jwe:priv.pem", "decrypt with an RSA or EC key");
  cmd.example("coco-encrypt decrypt oci:app:enc oci:app:plain --key kbs-key:app.kek",
              "decrypt an image encrypted for a kbs:/// recipient with its KEK");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(coco::oci::ImageReference src, coco::oci::parse_image_reference(opts->src));
    COCO_TRY(coco::oci::ImageReference dst, coco::oci::parse_image_reference(opts->dst));
    coco::ocicrypt::DecryptImageOptions options;
    COCO_TRY(options.scope, opts->scope.resolve());
    options.keys = opts->keys;
    COCO_TRY(coco::ocicrypt::ImageResult result, coco::ocicrypt::decrypt_image(src, dst, options, ctx.progress));
    nlohmann::json doc{{"source", src.str()},
                       {"destination", dst.str()},
                       {"digest", result.manifest_digest.str()},
                       {"mediaType", result.media_type},
                       {"layersDecrypted", result.layers}};
    return ctx.output.emit(doc, [&](std::ostream& out) { out << result.manifest_digest.str() << '\n'; });
  });
}

} // namespace coco_encrypt
