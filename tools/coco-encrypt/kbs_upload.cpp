#include "tools/coco-encrypt/kbs_upload.hpp"

#include "common/kbs/contexts.hpp"
#include "common/ocicrypt/verify.hpp"

namespace coco_encrypt {
namespace {

coco::kbs::EndpointValue explicit_value(const std::string& v) { return {v, !v.empty()}; }

} // namespace

void KbsUploadFlags::add_to(coco::cli::Command& cmd) {
  auto& app = cmd.app();
  const std::string group = "KBS upload (with a kbs:/// recipient)";
  app.add_option("--kbs-context", context, "upload the key-encryption key to the KBS of this coco-kbs context")
      ->type_name("NAME")
      ->group(group);
  app.add_option("--kbs-url", url, "upload the key-encryption key to this KBS, https://HOST:PORT")
      ->type_name("URL")
      ->group(group);
  app.add_option("--kbs-admin-key", admin_key, "the KBS admin private key (PEM) to mint tokens with")
      ->type_name("FILE")
      ->group(group);
  app.add_option("--kbs-admin-token-file", admin_token_file, "a file holding a KBS admin bearer token")
      ->type_name("FILE")
      ->group(group);
  app.add_option("--kbs-cacert", cacert, "the CA certificate (PEM) to verify the KBS with")->type_name("FILE")->group(group);
  app.add_flag("--kbs-insecure-skip-tls-verify", insecure_skip_tls_verify,
               "do not verify the KBS's certificate (tests only)")
      ->group(group);
}

bool KbsUploadFlags::requested() const { return !context.empty() || !url.empty(); }

coco::Result<coco::kbs::AdminEndpoint> KbsUploadFlags::endpoint(const coco::cli::Context& ctx) const {
  coco::kbs::KbsContexts contexts;
  if (!ctx.global.config_file.empty()) {
    COCO_TRY(contexts, coco::kbs::load_contexts(ctx.global.config_file));
  }
  coco::kbs::EndpointSources sources;
  sources.url = explicit_value(url);
  sources.admin_key = explicit_value(admin_key);
  sources.admin_token_file = explicit_value(admin_token_file);
  sources.cacert = explicit_value(cacert);
  sources.insecure_skip_tls_verify = explicit_value(insecure_skip_tls_verify ? "true" : "");
  sources.context = context;
  COCO_TRY(coco::kbs::AdminEndpoint endpoint, coco::kbs::resolve_endpoint(sources, contexts));
  if (endpoint.url.empty()) {
    return coco::make_error(coco::Kind::usage, "no KBS URL for the key upload",
                            "pass --kbs-url URL or a --kbs-context that has one (coco-kbs config get-contexts)");
  }
  if (endpoint.admin_key.empty() && endpoint.admin_token_file.empty()) {
    return coco::make_error(coco::Kind::usage, "no KBS admin credential for the key upload",
                            "pass --kbs-admin-key FILE or --kbs-admin-token-file FILE, or use a context that has one");
  }
  return endpoint;
}

coco::Result<coco::kbs::KeyUpload> upload_kek(const coco::kbs::AdminEndpoint& endpoint,
                                              const coco::ocicrypt::KbsKek& kek) {
  const coco::kbs::AdminClient client(endpoint);
  auto uploaded = coco::kbs::upload_key(client, kek.resource_path, kek.kek);
  if (!uploaded) {
    return std::move(uploaded).error().context("uploading the key-encryption key to " + endpoint.url +
                                               " as " + kek.resource_path + " (no image was written)");
  }
  return uploaded;
}

coco::Status check_kek_unwraps(const coco::oci::ImageReference& image, const coco::ocicrypt::ImageScope& scope,
                               const coco::ocicrypt::KbsKek& kek) {
  coco::ocicrypt::VerifyOptions options;
  options.transport = scope.dst_options;
  options.kbs_keks.push_back(kek.kek);
  options.unwrap_only = true;
  COCO_TRY(coco::ocicrypt::VerifyReport report, coco::ocicrypt::verify_image(image, options));
  std::string failures;
  for (const auto& p : report.problems) {
    if (p.check == "decrypt" || p.check == "wrapped-key") {
      failures += "\n  " + (p.platform.empty() ? "" : p.platform + " ") + p.subject + ": " + p.message;
    }
  }
  if (!failures.empty()) {
    return coco::make_error(coco::Kind::integrity,
                            "the uploaded key does not unwrap every layer key of " + image.str() + ":" + failures,
                            "run coco-encrypt verify on the image with --key kbs-key:FILE for details");
  }
  if (report.layers_decrypted == 0) {
    return coco::make_error(coco::Kind::integrity, "no layer of " + image.str() + " is encrypted for " + kek.kid);
  }
  return coco::ok();
}

} // namespace coco_encrypt
