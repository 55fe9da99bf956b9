// The command table of coco-encrypt.
#include "tools/coco-encrypt/commands.hpp"

namespace coco_encrypt {
namespace {

const coco::cli::CommandSpec k_commands[] = {
    {"decrypt", "decrypt the encrypted layers of an image with the given keys", register_decrypt},
    {"encrypt", "encrypt the layers of an image for the given recipients", register_encrypt},
    {"inspect", "show which layers of an image are encrypted and for whom", register_inspect},
    {"keygen", "generate an rsa or ec key pair or a kbs key-encryption key", register_keygen},
    {"recipients", "add or remove recipients of an encrypted image", nullptr},
    {"recipients add", "wrap the layer keys for more recipients, keeping the layer data", register_recipients_add},
    {"recipients remove", "remove recipients' wrapped layer keys, keeping the layer data", register_recipients_remove},
    {"verify", "check that an image is fully encrypted and usable before it is pushed", register_verify},
};

} // namespace

std::span<const coco::cli::CommandSpec> commands() { return k_commands; }

} // namespace coco_encrypt
