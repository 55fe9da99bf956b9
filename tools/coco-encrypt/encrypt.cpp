// coco-encrypt encrypt SRC DST -r RECIPIENT...: copies an image with its layers encrypted (ocicrypt's
// AES_256_CTR_HMAC_SHA256, keys wrapped for every recipient), as `skopeo copy --encryption-key` does.
#include "common/base/log.hpp"
#include "tools/coco-encrypt/commands.hpp"
#include "tools/coco-encrypt/kbs_upload.hpp"
#include "tools/coco-encrypt/scope.hpp"

namespace coco_encrypt {
namespace {

struct EncryptArgs {
  std::string src;
  std::string dst;
  std::vector<std::string> recipients;
  std::vector<int> layers;
  std::string kek_out;
  std::string compress;
  ScopeFlags scope;
  KbsUploadFlags kbs;
};

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
  cmd.choices(cmd.app().add_option("--compress", opts->compress,
                                   "recompress zstd layers to gzip before encrypting (the CoCo guest decrypts "
                                   "tar and tar+gzip layers only)"),
              {"gzip"});
  opts->scope.add_to(cmd);
  opts->kbs.add_to(cmd);
  cmd.description(
      "Copies SRC to DST (any transport coco copy supports) with its layers encrypted as ocicrypt does: each "
      "layer gets a fresh AES-256-CTR key and HMAC-SHA256, its media type gains +encrypted, and its keys are "
      "wrapped for every recipient in org.opencontainers.image.enc.keys.* annotations. Layers already encrypted "
      "are copied unchanged. The image is read, encrypted and written in one streaming pass (no temporary "
      "files, constant memory); the HMAC-bearing annotations are written with the manifest, after the layers. A "
      "layer that cannot be encrypted fails the command: the result is never silently plain. A "
      "kbs:///REPO/TYPE/TAG recipient wraps the keys with a key-encryption key kept in --kek-out (generated when "
      "the file does not exist); upload it to the KBS as that resource, or let --kbs-context (or --kbs-url) do it in "
      "the same step: the key is generated (kept in --kek-out only if given), uploaded with an admin token, "
      "confirmed (read back from coco-kbs serve; Trustee has no admin read, so its status code must do), and "
      "after encryption checked to unwrap every layer's key. A failed upload fails the command before any image "
      "is written. zstd layers cannot be decrypted by a "
      "CoCo guest: with a kbs:/// recipient they are refused unless --compress gzip recompresses them.");
  cmd.example("coco-encrypt encrypt oci:app:v1 oci:app:enc -r jwe:pub.pem", "encrypt every layer for an RSA or EC key");
  cmd.example("coco-encrypt encrypt oci:app:v1 oci:app:enc -r kbs:///default/key/app --kek-out app.kek",
              "encrypt for a KBS resource, keeping the KEK in app.kek");
  cmd.example("coco-encrypt encrypt oci:app:v1 docker://registry.example/app:enc -r kbs:///default/key/app --kbs-context prod",
              "generate the key, upload it to the KBS of context prod, encrypt and push");
  cmd.example("coco-encrypt encrypt oci:app:v1 oci:app:enc -r jwe:pub.pem --layer -1", "encrypt only the top layer");
  cmd.example("coco-encrypt encrypt oci:app:zstd oci:app:enc -r kbs:///default/key/app --kek-out app.kek --compress gzip",
              "a zstd image for a CoCo guest");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(coco::oci::ImageReference src, coco::oci::parse_image_reference(opts->src));
    COCO_TRY(coco::oci::ImageReference dst, coco::oci::parse_image_reference(opts->dst));
    coco::ocicrypt::EncryptImageOptions options;
    COCO_TRY(options.scope, opts->scope.resolve());
    options.recipients = opts->recipients;
    options.layers = opts->layers;
    options.zstd_to_gzip = opts->compress == "gzip";
    const bool upload = opts->kbs.requested();
    COCO_TRY(std::optional<coco::ocicrypt::KbsKek> kbs,
             coco::ocicrypt::prepare_kbs_kek(opts->recipients, opts->kek_out, upload));
    if (upload && !kbs) {
      return coco::make_error(coco::Kind::usage, "--kbs-context/--kbs-url need a kbs:///REPO/TYPE/TAG recipient",
                              "add -r kbs:///REPO/TYPE/TAG: the key-encryption key is uploaded as that resource");
    }
    std::optional<coco::kbs::KeyUpload> uploaded;
    if (upload) {
      COCO_TRY(coco::kbs::AdminEndpoint endpoint, opts->kbs.endpoint(ctx));
      COCO_TRY(uploaded, upload_kek(endpoint, *kbs));
      coco::log::info("uploaded the key-encryption key to " + endpoint.url + " as " + uploaded->path +
                      " (confirmed by " + uploaded->confirmed_by + ")");
    }
    if (kbs) {
      options.wrappers.kbs_kek = kbs->kek;
    }
    COCO_TRY(coco::ocicrypt::ImageResult result, coco::ocicrypt::encrypt_image(src, dst, options, ctx.progress));
    if (uploaded) {
      COCO_TRY_STATUS(check_kek_unwraps(dst, options.scope, *kbs));
    }
    nlohmann::json doc{{"source", src.str()},
                       {"destination", dst.str()},
                       {"digest", result.manifest_digest.str()},
                       {"mediaType", result.media_type},
                       {"layersEncrypted", result.layers}};
    if (uploaded) {
      nlohmann::json k{{"resource", uploaded->path}, {"confirmedBy", uploaded->confirmed_by}, {"layerKeysChecked", true}};
      if (uploaded->version) {
        k["version"] = *uploaded->version;
      }
      doc["kbsKey"] = std::move(k);
    }
    return ctx.output.emit(doc, [&](std::ostream& out) { out << result.manifest_digest.str() << '\n'; });
  });
}

} // namespace coco_encrypt
