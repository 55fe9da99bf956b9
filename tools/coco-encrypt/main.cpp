#include "common/cli/run.hpp"
#include "tools/coco-encrypt/commands.hpp"

int main(int argc, char** argv) {
  const coco::cli::Tool tool{
      "coco-encrypt", "encrypt and decrypt container image layers", coco_encrypt::commands(),
      "coco-encrypt encrypts the layers of an OCI image for ocicrypt recipients (jwe, pkcs7, pgp, key providers "
      "and kbs:/// resources), decrypts them with the matching keys, shows who can open an encrypted image and "
      "generates keys. Images are read and written through the same transports as coco copy."};
  coco::cli::report_and_exit(coco::cli::run(tool, argc, argv));
}
