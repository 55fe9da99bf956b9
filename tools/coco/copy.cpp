// coco copy SRC DST: copy an image between transports (oci:, oci-archive:, dir:, docker-archive:, docker://),
// as `skopeo copy` does; prints the digest of the manifest written.
#include "common/oci/copy.hpp"
#include "tools/coco/commands.hpp"
#include "tools/coco/image_options.hpp"

namespace coco_tool {
namespace {
struct CopyArgs {
  std::string src;
  std::string dst;
  coco::cli::RegistryOptions src_registry{"src"};
  coco::cli::RegistryOptions dest_registry{"dest"};
  coco::cli::PlatformOptions platform;
};
} // namespace

void register_copy(coco::cli::Command& cmd) {
  auto opts = cmd.options<CopyArgs>();
  cmd.app().add_option("SRC", opts->src, "the image to copy (TRANSPORT:DETAILS)")->required();
  cmd.app().add_option("DST", opts->dst, "where to copy it (TRANSPORT:DETAILS)")->required();
  opts->src_registry.add_to(cmd);
  opts->dest_registry.add_to(cmd);
  opts->platform.add_to(cmd);
  cmd.description(
      "Copies an image between transports, spelt as skopeo spells them: oci:DIR[:TAG], oci-archive:FILE[:TAG], "
      "docker://HOST[:PORT]/REPO[:TAG|@DIGEST], docker-archive:FILE[:NAME:TAG], dir:DIR. Manifests are copied byte "
      "for byte where the destination can hold them, so digests stay those of the source; every blob is checked "
      "against its digest while it streams. A failed copy leaves no destination behind, and an existing oci: "
      "layout as it was. With --all every platform of a multi-platform image is copied, else the one of this "
      "machine or --platform.");
  cmd.example("coco copy oci:app:v1 docker://localhost:5000/app:v1 --dest-tls-verify=false",
              "push an image from an OCI layout to a local registry");
  cmd.example("coco copy --all docker://quay.io/ns/app:v1 oci-archive:app.tar", "save every platform of an image");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(coco::oci::ImageReference src, coco::oci::parse_image_reference(opts->src));
    COCO_TRY(coco::oci::ImageReference dst, coco::oci::parse_image_reference(opts->dst));
    coco::oci::CopyOptions options;
    COCO_TRY(options.src_options.registry, registry_options(opts->src_registry));
    COCO_TRY(options.dst_options.registry, registry_options(opts->dest_registry));
    COCO_TRY(coco::cli::PlatformSelection selection, opts->platform.resolve());
    options.all = selection.all;
    if (selection.platform) {
      options.platform = coco::oci::Platform{selection.platform->os, selection.platform->architecture, selection.platform->variant, "", {}};
    }
    options.progress = &ctx.progress;
    COCO_TRY(coco::oci::CopyResult result, coco::oci::copy_image(src, dst, options));
    nlohmann::json doc{{"source", src.str()},
                       {"destination", dst.str()},
                       {"digest", result.manifest_digest.str()},
                       {"mediaType", result.media_type},
                       {"manifestRewritten", result.manifest_rewritten},
                       {"blobsCopied", result.blobs_copied},
                       {"blobsSkipped", result.blobs_skipped},
                       {"bytesCopied", result.bytes_copied}};
    return ctx.output.emit(doc, [&](std::ostream& out) { out << result.manifest_digest.str() << '\n'; });
  });
}

} // namespace coco_tool
