// coco-encrypt keygen --type rsa|ec|kek --out FILE: a key to encrypt images for. rsa and ec: the private key
// (PKCS#8 PEM, 0600) in FILE and the public key in FILE.pub; kek: 32 random bytes (0600) for kbs-key:.
#include <filesystem>

#include "common/base/atomic_file.hpp"
#include "common/crypto/key.hpp"
#include "common/crypto/random.hpp"
#include "tools/coco-encrypt/commands.hpp"

namespace coco_encrypt {
namespace {
struct KeygenArgs {
  std::string type;
  std::string out;
  int bits = 3072;
  bool force = false;
};
} // namespace

void register_keygen(coco::cli::Command& cmd) {
  auto opts = cmd.options<KeygenArgs>();
  cmd.choices(cmd.app().add_option("--type", opts->type, "rsa, ec (P-256) or kek")->required(), {"rsa", "ec", "kek"});
  cmd.app().add_option("--out", opts->out, "the private key file (the public key goes to FILE.pub)")
      ->required()
      ->type_name("FILE");
  cmd.app().add_option("--bits", opts->bits, "RSA key size: 2048, 3072 or 4096")->type_name("N");
  cmd.app().add_flag("--force", opts->force, "overwrite existing files");
  cmd.description("Generates a key pair for jwe: recipients (rsa or ec) or a 32-byte key-encryption key for "
                  "kbs:/// recipients (kek). Private keys are written with mode 0600; for rsa and ec the public "
                  "key is written to FILE.pub, to give to whoever encrypts.");
  cmd.example("coco-encrypt keygen --type ec --out app.pem", "app.pem (private) and app.pem.pub (public)");
  cmd.example("coco-encrypt keygen --type kek --out app.kek", "a KEK for kbs-key:app.kek");
  cmd.run([opts](coco::cli::Context& ctx) -> coco::Status {
    const std::filesystem::path out = opts->out;
    const std::filesystem::path pub = opts->out + ".pub";
    std::error_code ec;
    if (!opts->force && (std::filesystem::exists(out, ec) || (opts->type != "kek" && std::filesystem::exists(pub, ec)))) {
      return coco::make_error(coco::Kind::conflict, opts->out + " already exists", "use --force to overwrite it");
    }
    nlohmann::json doc{{"type", opts->type}, {"private", out.string()}};
    if (opts->type == "kek") {
      coco::Secret kek = coco::crypto::random_secret(32);
      const auto bytes = kek.bytes();
      COCO_TRY_STATUS(coco::write_file_atomic(
          out, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), 0600));
    } else {
      coco::Result<coco::crypto::PrivateKey> key = opts->type == "rsa"
                                                       ? coco::crypto::PrivateKey::generate_rsa(opts->bits)
                                                       : coco::crypto::PrivateKey::generate_ec();
      if (!key) {
        return key.error();
      }
      COCO_TRY_STATUS(key->write_pem_file(out));
      COCO_TRY_STATUS(coco::write_file_atomic(pub, key->public_key().to_pem(), 0644));
      doc["public"] = pub.string();
    }
    return ctx.output.emit(doc, [&](std::ostream& o) {
      o << "wrote " << out.string();
      if (opts->type != "kek") {
        o << " and " << pub.string();
      }
      o << '\n';
    });
  });
}

} // namespace coco_encrypt
