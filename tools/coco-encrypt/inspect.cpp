// coco-encrypt inspect IMAGE: per layer, whether it is encrypted and for which schemes and recipients (from
// the annotations; no key is needed and none is shown).
#include "common/oci/inspect.hpp"
#include "common/ocicrypt/inspect.hpp"
#include "tools/coco-encrypt/commands.hpp"
#include "tools/coco/image_options.hpp"

namespace coco_encrypt {
namespace {
struct InspectArgs {
  std::string image;
  std::string platform;
  coco::cli::RegistryOptions registry{""};
};
} // namespace

void register_inspect(coco::cli::Command& cmd) {
  auto opts = cmd.options<InspectArgs>();
  cmd.app().add_option("IMAGE", opts->image, "the image (TRANSPORT:DETAILS)")->required();
  cmd.app().add_option("--platform", opts->platform, "the instance of a multi-platform image (OS/ARCH[/VARIANT])")
      ->type_name("PLATFORM");
  opts->registry.add_to(cmd);
  cmd.description("Lists the layers of an image: digest, media type, size, and for an encrypted layer the key "
                  "schemes (jwe, pkcs7, pgp, provider.NAME) and one line per recipient (algorithm and curve, PGP "
                  "key id, KBS resource). Reads only the manifest; never needs or prints a key.");
  cmd.example("coco-encrypt inspect oci:app:enc", "who can decrypt which layer");
  cmd.example("coco-encrypt inspect -o json docker://localhost:5000/app:enc", "the same as JSON");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(coco::oci::ImageReference ref, coco::oci::parse_image_reference(opts->image));
    coco::oci::InspectOptions options;
    COCO_TRY(options.transport.registry, coco_tool::registry_options(opts->registry));
    if (!opts->platform.empty()) {
      COCO_TRY(options.platform, coco::oci::parse_platform(opts->platform));
    }
    options.fetch_config = false;
    COCO_TRY(coco::oci::InspectResult image, coco::oci::inspect_image(ref, options));
    nlohmann::json layers = nlohmann::json::array();
    std::string text;
    std::size_t n = 0;
    for (const coco::oci::LayerInfo& layer : image.layers) {
      const coco::oci::Descriptor& d = layer.descriptor;
      nlohmann::json entry{{"index", n},
                           {"digest", d.digest.str()},
                           {"mediaType", d.media_type},
                           {"size", d.size},
                           {"encrypted", layer.encrypted}};
      text += "layer " + std::to_string(n) + " " + d.digest.str() + " " + d.media_type + " " +
              std::to_string(d.size) + (layer.encrypted ? " encrypted" : " not encrypted") + "\n";
      if (layer.encrypted) {
        auto schemes = coco::ocicrypt::describe_layer_keys(d.annotations);
        if (!schemes) {
          coco::Error e = schemes.error();
          return std::move(e).context("layer " + std::to_string(n));
        }
        nlohmann::json js = nlohmann::json::array();
        for (const coco::ocicrypt::SchemeRecipients& s : *schemes) {
          js.push_back({{"scheme", s.scheme}, {"recipients", s.recipients}});
          text += "  " + s.scheme + ":\n";
          for (const std::string& r : s.recipients) {
            text += "    " + r + "\n";
          }
        }
        entry["schemes"] = js;
      }
      layers.push_back(entry);
      ++n;
    }
    nlohmann::json doc{{"reference", ref.str()}, {"digest", image.instance_digest.str()}, {"layers", layers}};
    return ctx.output.emit(doc, [&](std::ostream& out) { out << text; });
  });
}

} // namespace coco_encrypt
