// The command table of coco-encrypt.
#include "tools/coco-encrypt/commands.hpp"

namespace coco_encrypt {
namespace {

const coco::cli::CommandSpec k_commands[] = {
    {"decrypt", "decrypt the encrypted layers of an image with the given keys", register_decrypt},
    {"encrypt", "encrypt the layers of an image for the given recipients", register_encrypt},
    {"inspect", "show which layers of an image are encrypted and for whom", register_inspect},
    {"keygen", "generate an rsa or ec key pair or a kbs key-encryption key", register_keygen},
};

} // namespace

std::span<const coco::cli::CommandSpec> commands() { return k_commands; }

} // namespace coco_encrypt
