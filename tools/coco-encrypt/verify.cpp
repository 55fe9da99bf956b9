// coco-encrypt verify IMAGE: the check a pipeline runs before pushing an encrypted image (see
// common/ocicrypt/verify.hpp). Exit 0 when every check passes, 3 with the list of problems otherwise.
#include "common/ocicrypt/verify.hpp"
#include "tools/coco-encrypt/commands.hpp"
#include "tools/coco/image_options.hpp"

namespace coco_encrypt {
namespace {

struct VerifyArgs {
  std::string image;
  std::vector<std::string> allowed;
  std::vector<std::string> keys;
  coco::cli::RegistryOptions registry{""};
};

} // namespace

void register_verify(coco::cli::Command& cmd) {
  auto opts = cmd.options<VerifyArgs>();
  cmd.app().add_option("IMAGE", opts->image, "the image to check (TRANSPORT:DETAILS)")->required();
  cmd.app()
      .add_option("--allow-plain-layer", opts->allowed, "a layer digest that may stay unencrypted (repeatable)")
      ->type_name("DIGEST");
  cmd.app()
      .add_option("-k,--key", opts->keys,
                  "decrypt every layer with this key and check its HMAC: jwe:PRIV.pem, pkcs7:KEY.pem,CERT.pem, pgp, "
                  "provider:NAME or kbs-key:KEKFILE")
      ->type_name("KEY");
  opts->registry.add_to(cmd);
  cmd.description(
      "Checks an encrypted image before it is pushed, over every layer of every platform: each layer is "
      "encrypted (or its digest given with --allow-plain-layer); each wrapped key parses; with --key, each layer "
      "is decrypted in full and its HMAC checked; the image config's Env and Labels hold nothing that looks like "
      "a secret (ocicrypt never encrypts the config); and a CoCo guest can use the image: no zstd encrypted "
      "layers, a kbs:///REPO/TYPE/TAG key id in KBS packets, complete pubopts. Prints one line per problem "
      "(check, platform, layer or config entry, message) and exits 3 when there is any; secret values are never "
      "printed.");
  cmd.example("coco-encrypt verify oci:app:enc", "check an encrypted image");
  cmd.example("coco-encrypt verify oci:app:enc --key kbs-key:app.kek -o json", "decrypt every layer too; JSON report");
  cmd.example("coco-encrypt verify docker://localhost:5000/app:enc --allow-plain-layer sha256:ab12...",
              "a base layer may stay plain");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(coco::oci::ImageReference ref, coco::oci::parse_image_reference(opts->image));
    coco::ocicrypt::VerifyOptions options;
    COCO_TRY(options.transport.registry, coco_tool::registry_options(opts->registry));
    options.allowed_plain_layers = opts->allowed;
    options.keys = opts->keys;
    COCO_TRY(coco::ocicrypt::VerifyReport report, coco::ocicrypt::verify_image(ref, options, ctx.progress));
    nlohmann::json problems = nlohmann::json::array();
    for (const auto& p : report.problems) {
      problems.push_back({{"check", p.check}, {"platform", p.platform}, {"subject", p.subject}, {"message", p.message}});
    }
    nlohmann::json doc{{"reference", ref.str()},
                       {"ok", report.ok()},
                       {"manifests", report.manifests},
                       {"layers", report.layers},
                       {"layersEncrypted", report.layers_encrypted},
                       {"layersDecrypted", report.layers_decrypted},
                       {"problems", problems}};
    COCO_TRY_STATUS(ctx.output.emit(doc, [&](std::ostream& out) {
      for (const auto& p : report.problems) {
        out << p.check << ": " << (p.platform.empty() ? "" : p.platform + ": ") << p.subject << ": " << p.message
            << '\n';
      }
      if (report.ok()) {
        out << "ok: " << report.layers << " layers in " << report.manifests << " manifests encrypted"
            << (report.layers_decrypted > 0 ? ", " + std::to_string(report.layers_decrypted) + " decrypted" : "")
            << '\n';
      }
    }));
    if (!report.ok()) {
      return coco::make_error(coco::Kind::denied,
                              ref.str() + ": " + std::to_string(report.problems.size()) + " problem" +
                                  (report.problems.size() == 1 ? "" : "s") + " found",
                              "fix them, or allow a plain layer with --allow-plain-layer DIGEST");
    }
    return coco::ok();
  });
}

} // namespace coco_encrypt
