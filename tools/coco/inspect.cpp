// coco inspect IMAGE [--raw|--config]: the manifest of an image: digest, media type, platforms of an index,
// config, layers with media types and sizes and whether each is encrypted.
#include "common/oci/inspect.hpp"
#include "tools/coco/commands.hpp"
#include "tools/coco/image_options.hpp"

namespace coco_tool {
namespace {
struct InspectArgs {
  std::string image;
  bool raw = false;
  bool config = false;
  std::string platform;
  coco::cli::RegistryOptions registry;
};
} // namespace

void register_inspect(coco::cli::Command& cmd) {
  auto opts = cmd.options<InspectArgs>();
  cmd.app().add_option("IMAGE", opts->image, "the image (TRANSPORT:DETAILS)")->required();
  auto* raw = cmd.app().add_flag("--raw", opts->raw, "print the manifest exactly as stored");
  auto* config = cmd.app().add_flag("--config", opts->config, "print the image config");
  raw->excludes(config);
  cmd.app()
      .add_option("--platform", opts->platform, "the platform to describe in a multi-platform image (default: this machine's)")
      ->type_name("OS/ARCH[/VARIANT]");
  opts->registry.add_to(cmd);
  cmd.description(
      "Describes an image: the digest and media type of its manifest, the platforms of a multi-platform index, "
      "and for the chosen image its config and layers, with media types, sizes and whether each layer is "
      "encrypted. --raw prints the manifest bytes (their sha256 is the manifest digest), --config the config.");
  cmd.example("coco inspect oci:app:v1", "describe an image in an OCI layout");
  cmd.example("coco inspect --raw docker://localhost:5000/app:v1 --tls-verify=false | sha256sum", "the manifest digest");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(coco::oci::ImageReference ref, coco::oci::parse_image_reference(opts->image));
    coco::oci::InspectOptions options;
    COCO_TRY(options.transport.registry, registry_options(opts->registry));
    if (!opts->platform.empty()) {
      COCO_TRY(options.platform, coco::oci::parse_platform(opts->platform));
    }
    options.fetch_config = !opts->raw;
    COCO_TRY(coco::oci::InspectResult result, coco::oci::inspect_image(ref, options));
    if (opts->raw || opts->config) {
      ctx.streams.out << (opts->raw ? result.raw_manifest : result.raw_config);
      ctx.streams.out.flush();
      if (!ctx.streams.out) {
        return coco::make_error(coco::Kind::io, "cannot write to standard output");
      }
      return coco::ok();
    }
    return ctx.output.emit(result.to_json(), [&](std::ostream& out) {
      out << "Reference:  " << result.reference << "\n";
      out << "Digest:     " << result.digest.str() << "\n";
      out << "MediaType:  " << result.media_type << "\n";
      for (const auto& d : result.index_entries) {
        out << "Manifest:   " << d.digest.str() << "  " << (d.platform ? d.platform->str() : std::string("-")) << "\n";
      }
      if (!result.instance_digest.empty()) {
        if (result.instance_digest != result.digest) {
          out << "Instance:   " << result.instance_digest.str() << "\n";
        }
        out << "Config:     " << result.config.digest.str() << "  " << result.config.media_type << "\n";
        for (const auto& l : result.layers) {
          out << "Layer:      " << l.descriptor.digest.str() << "  " << l.descriptor.size << "  " << l.descriptor.media_type
              << (l.encrypted ? "  encrypted" : "") << "\n";
        }
      }
    });
  });
}

} // namespace coco_tool
