// coco-attest get-resource kbs:///REPO/TYPE/TAG --kbs URL: attest, then fetch one resource (decrypted with the TEE
// key). Nothing is written when the KBS refuses; --out files are created 0600.
#include <string>

#include "common/base/atomic_file.hpp"
#include "common/base/encoding.hpp"
#include "tools/coco-attest/commands.hpp"
#include "tools/coco-attest/kbs_session.hpp"

namespace coco_attest {
namespace {
struct GetResourceOptions {
  KbsOptions kbs;
  std::string resource;
  std::string out;
};
} // namespace

void register_get_resource(coco::cli::Command& cmd) {
  auto opts = cmd.options<GetResourceOptions>();
  cmd.app().add_option("RESOURCE", opts->resource, "kbs:///REPO/TYPE/TAG")->required();
  opts->kbs.add_to(cmd);
  cmd.app().add_option("--out", opts->out, "write the resource to FILE (mode 0600) instead of stdout")->type_name("FILE");
  cmd.description("Attests to the KBS (as `coco-attest attest`) and fetches one resource, which the KBS seals to the "
                  "ephemeral TEE key (JWE) and this command decrypts. The value goes to --out (created 0600, replaced "
                  "atomically) or raw to stdout; -o json prints it base64 in {\"resource\", \"value_base64\"}. "
                  "Nothing is written when attestation or the release is refused." +
                  kbs_exit_status_text());
  cmd.example("coco-attest get-resource kbs:///default/key/img --kbs https://127.0.0.1:8080 --cacert kbs.crt "
              "--tee sim-snp --sim-dir sim --out img.kek",
              "fetch an image key with simulated SEV-SNP evidence");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    COCO_TRY(std::string path, coco::kbs::parse_kbs_resource_uri(opts->resource));
    COCO_TRY(auto source, open_evidence_source(opts->kbs));
    COCO_TRY(auto client, open_guest_client(opts->kbs));
    COCO_TRY(auto attested, client->attest(*source));
    (void)attested;
    COCO_TRY(coco::Secret value, client->get_resource(path));
    if (!opts->out.empty()) {
      COCO_TRY_STATUS(coco::write_file_atomic(opts->out, value.view(), 0600));
      return ctx.output.emit({{"resource", "kbs:///" + path}, {"out", opts->out}, {"size", value.size()}},
                             [&](std::ostream& out) {
                               out << "kbs:///" << path << " (" << value.size() << " bytes) written to " << opts->out
                                   << '\n';
                             });
    }
    if (ctx.output.json()) {
      return ctx.output.emit({{"resource", "kbs:///" + path}, {"value_base64", coco::base64_encode(value.bytes())}},
                             [](std::ostream&) {});
    }
    ctx.streams.out.write(value.view().data(), static_cast<std::streamsize>(value.size()));
    return coco::ok();
  });
}

} // namespace coco_attest
