// coco-encrypt recipients add|remove IMAGE DST -r ...: rewraps the layer keys of an encrypted image for more
// or fewer recipients without touching the layer data (common/ocicrypt/image.hpp rewrap_image).
#include "tools/coco-encrypt/commands.hpp"
#include "tools/coco-encrypt/scope.hpp"

namespace coco_encrypt {
namespace {

struct RecipientsArgs {
  std::string src;
  std::string dst;
  std::vector<std::string> recipients;
  std::vector<std::string> keys;
  std::string kek_out;
  ScopeFlags scope;
};

coco::Status emit(coco::cli::Context& ctx, const coco::oci::ImageReference& src, const coco::oci::ImageReference& dst,
                  const coco::ocicrypt::ImageResult& result) {
  nlohmann::json doc{{"source", src.str()},
                     {"destination", dst.str()},
                     {"digest", result.manifest_digest.str()},
                     {"mediaType", result.media_type},
                     {"layersRewrapped", result.layers}};
  return ctx.output.emit(doc, [&](std::ostream& out) { out << result.manifest_digest.str() << '\n'; });
}

void add_common(coco::cli::Command& cmd, RecipientsArgs& opts, const char* what) {
  cmd.app().add_option("IMAGE", opts.src, "the encrypted image (TRANSPORT:DETAILS)")->required();
  cmd.app().add_option("DST", opts.dst, "where to write the rewrapped image (TRANSPORT:DETAILS)")->required();
  cmd.app().add_option("-r,--recipient", opts.recipients, what)->required()->type_name("RECIPIENT");
  opts.scope.add_to(cmd);
}

} // namespace

void register_recipients_add(coco::cli::Command& cmd) {
  auto opts = cmd.options<RecipientsArgs>();
  add_common(cmd, *opts, "jwe:PUBKEY.pem, pkcs7:CERT.pem, pgp:EMAIL, provider:NAME[:PARAMS] or kbs:///REPO/TYPE/TAG");
  cmd.app()
      .add_option("-k,--key", opts->keys,
                  "a key that opens the layers: jwe:PRIV.pem, pkcs7:KEY.pem,CERT.pem, pgp, provider:NAME or kbs-key:KEKFILE")
      ->required()
      ->type_name("KEY");
  cmd.app().add_option("--kek-out", opts->kek_out, "the KEK file of a kbs:/// recipient (created 0600 if missing)")
      ->type_name("FILE");
  cmd.description("Copies IMAGE to DST with the layer keys of every encrypted layer also wrapped for the given "
                  "recipients. The layer data and its HMAC are not touched (the blobs are copied as they are); "
                  "only the org.opencontainers.image.enc.keys.* annotations change. The keys are first "
                  "unwrapped with --key.");
  cmd.example("coco-encrypt recipients add oci:app:enc oci:app:enc2 -r jwe:ops.pub --key jwe:ci.pem",
              "let a second key open the image");
  cmd.example("coco-encrypt recipients add oci:app:enc oci:app:coco -r kbs:///default/key/app --kek-out app.kek "
              "--key jwe:ci.pem",
              "make it decryptable by a CoCo guest");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(coco::oci::ImageReference src, coco::oci::parse_image_reference(opts->src));
    COCO_TRY(coco::oci::ImageReference dst, coco::oci::parse_image_reference(opts->dst));
    coco::ocicrypt::RewrapImageOptions options;
    COCO_TRY(options.scope, opts->scope.resolve());
    options.add = opts->recipients;
    options.keys = opts->keys;
    COCO_TRY(std::optional<coco::ocicrypt::KbsKek> kbs, coco::ocicrypt::prepare_kbs_kek(opts->recipients, opts->kek_out));
    if (kbs) {
      options.wrappers.kbs_kek = kbs->kek;
    }
    COCO_TRY(coco::ocicrypt::ImageResult result, coco::ocicrypt::rewrap_image(src, dst, options, ctx.progress));
    return emit(ctx, src, dst, result);
  });
}

void register_recipients_remove(coco::cli::Command& cmd) {
  auto opts = cmd.options<RecipientsArgs>();
  add_common(cmd, *opts,
             "a scheme (jwe, pkcs7, pgp, kbs, provider:NAME), a kbs:///REPO/TYPE/TAG key id, pkcs7:CERT.pem or "
             "pgp:EMAIL-OR-FINGERPRINT");
  cmd.description("Copies IMAGE to DST with the given recipients' wrapped keys removed from every encrypted "
                  "layer; the layer data is not touched and no private key is needed. A whole scheme goes with "
                  "its name (-r jwe, -r pkcs7, -r pgp, -r kbs, -r provider:NAME). Single recipients: a kbs:/// "
                  "recipient by its key id; a pkcs7 recipient by its certificate (issuer and serial number, or "
                  "subject key identifier); a pgp recipient by e-mail address or fingerprint, looked up in the "
                  "keyring ($GNUPGHOME) to find the key ids its session key packets carry (recipients hidden "
                  "with wildcard key ids cannot be picked out). JWE wrapped keys do not say which public key "
                  "they are for, so jwe recipients are removed a whole scheme at a time (add back the ones to "
                  "keep with recipients add). Leaving a layer with no recipient is an error.");
  cmd.example("coco-encrypt recipients remove oci:app:enc oci:app:kbs-only -r jwe", "drop every jwe recipient");
  cmd.example("coco-encrypt recipients remove oci:app:enc oci:app:jwe-only -r kbs:///default/key/app",
              "drop the KBS recipient");
  cmd.example("coco-encrypt recipients remove oci:app:enc oci:app:enc2 -r pkcs7:old-ops.crt",
              "drop one pkcs7 recipient, keeping the others");
  cmd.example("coco-encrypt recipients remove oci:app:enc oci:app:enc2 -r pgp:alice@example.com",
              "drop one pgp recipient (its key must be in the keyring)");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(coco::oci::ImageReference src, coco::oci::parse_image_reference(opts->src));
    COCO_TRY(coco::oci::ImageReference dst, coco::oci::parse_image_reference(opts->dst));
    coco::ocicrypt::RewrapImageOptions options;
    COCO_TRY(options.scope, opts->scope.resolve());
    options.remove = opts->recipients;
    COCO_TRY(coco::ocicrypt::ImageResult result, coco::ocicrypt::rewrap_image(src, dst, options, ctx.progress));
    return emit(ctx, src, dst, result);
  });
}

} // namespace coco_encrypt
