// coco-attest decrypt SRC DST --kbs URL: as image-rs does in a guest, attest to the KBS once, fetch the KEK of
// every kbs:///REPO/TYPE/TAG key id found on the image's encrypted layers, and copy SRC to DST decrypted
// (common/ocicrypt/image.hpp decrypt_image, exactly as `coco-encrypt decrypt --key kbs-key:FILE` with the KEK).
#include <map>
#include <string>

#include "common/base/log.hpp"
#include "common/ocicrypt/image.hpp"
#include "tools/coco-attest/commands.hpp"
#include "tools/coco-attest/kbs_session.hpp"
#include "tools/coco/image_options.hpp"

namespace coco_attest {
namespace {
struct DecryptOptions {
  KbsOptions kbs;
  std::string src;
  std::string dst;
  std::vector<std::string> keys;
  coco::cli::RegistryOptions src_registry{"src"};
  coco::cli::RegistryOptions dest_registry{"dest"};
  coco::cli::PlatformOptions platform;
};
} // namespace

void register_decrypt(coco::cli::Command& cmd) {
  auto opts = cmd.options<DecryptOptions>();
  cmd.app().add_option("SRC", opts->src, "the encrypted image (TRANSPORT:DETAILS)")->required();
  cmd.app().add_option("DST", opts->dst, "where to write the decrypted image (TRANSPORT:DETAILS)")->required();
  opts->kbs.add_to(cmd);
  cmd.app().add_option("-k,--key", opts->keys, "other decryption keys, as coco-encrypt decrypt --key")->type_name("KEY");
  opts->src_registry.add_to(cmd);
  opts->dest_registry.add_to(cmd);
  opts->platform.add_to(cmd);
  cmd.description("Decrypts an image encrypted for a KBS-held key (coco-encrypt encrypt -r kbs:///REPO/TYPE/TAG) the "
                  "way a Confidential Containers guest does: attests to --kbs with the evidence of --tee, fetches "
                  "each layer's key-encryption key kbs:///REPO/TYPE/TAG as a resource (sealed to the ephemeral TEE "
                  "key), then copies SRC to DST with every encrypted layer decrypted and its HMAC checked. The KEKs "
                  "stay in memory. Attestation happens once, on the first kbs:/// layer. DST is not created when "
                  "anything fails." +
                  kbs_exit_status_text());
  cmd.example("coco-attest decrypt oci:app:enc oci:app:plain --kbs https://127.0.0.1:8080 --cacert kbs.crt "
              "--tee sim-snp --sim-dir sim",
              "decrypt with a key the KBS releases to simulated SEV-SNP evidence");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(coco::oci::ImageReference src, coco::oci::parse_image_reference(opts->src));
    COCO_TRY(coco::oci::ImageReference dst, coco::oci::parse_image_reference(opts->dst));
    coco::ocicrypt::DecryptImageOptions options;
    COCO_TRY(options.scope.src_options.registry, coco_tool::registry_options(opts->src_registry));
    COCO_TRY(options.scope.dst_options.registry, coco_tool::registry_options(opts->dest_registry));
    COCO_TRY(coco::cli::PlatformSelection selection, opts->platform.resolve());
    options.scope.all = selection.all;
    if (selection.platform) {
      options.scope.platform = coco::oci::Platform{selection.platform->os, selection.platform->architecture,
                                                   selection.platform->variant, "", {}};
    }
    options.keys = opts->keys;
    std::unique_ptr<coco::kbs::GuestClient> client;
    std::unique_ptr<coco::attest::EvidenceSource> source;
    nlohmann::json fetched = nlohmann::json::array();
    std::string tee;
    options.kbs_kek_for = [&](std::string_view kid) -> coco::Result<coco::Secret> {
      COCO_TRY(std::string path, coco::kbs::parse_kbs_resource_uri(kid));
      if (!client) {
        COCO_TRY(source, open_evidence_source(opts->kbs));
        COCO_TRY(client, open_guest_client(opts->kbs));
        COCO_TRY(auto attested, client->attest(*source));
        tee = attested.tee;
        coco::log::info("attested to " + client->url() + " with " + attested.source + " evidence");
      }
      COCO_TRY(coco::Secret kek, client->get_resource(path));
      fetched.push_back("kbs:///" + path);
      return kek;
    };
    COCO_TRY(coco::ocicrypt::ImageResult result, coco::ocicrypt::decrypt_image(src, dst, options, ctx.progress));
    const nlohmann::json doc{{"source", src.str()},         {"destination", dst.str()},
                             {"digest", result.manifest_digest.str()}, {"mediaType", result.media_type},
                             {"layersDecrypted", result.layers}, {"keys", fetched},
                             {"tee", tee}};
    return ctx.output.emit(doc, [&](std::ostream& out) { out << result.manifest_digest.str() << '\n'; });
  });
}

} // namespace coco_attest
