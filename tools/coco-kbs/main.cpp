#include "common/cli/run.hpp"
#include "tools/coco-kbs/commands.hpp"

int main(int argc, char** argv) {
  const coco::cli::Tool tool{"coco-kbs", "Key Broker Service client and server", coco_kbs::commands(),
                             "coco-kbs runs a Trustee-compatible Key Broker Service (KBS) and talks to one: it "
                             "serves the KBS attestation and resource protocol, evaluates Rego policies as the "
                             "server does, and manages a KBS (Trustee's or its own) through the admin API: secrets, policies, reference "
                             "values, contexts and admin tokens.",
                             coco_kbs::register_connection_root};
  coco::cli::report_and_exit(coco::cli::run(tool, argc, argv));
}
