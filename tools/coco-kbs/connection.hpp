// The options every coco-kbs client command shares: where the KBS is and how to authenticate to its admin API.
//
// The connection options live on the root command (register_connection_root), so they are accepted before
// or after the subcommand like the global options: `coco-kbs --url U secrets put ...` and
// `coco-kbs secrets put ... --url U`. Each is a layered setting (flag > COCO_KBS_* > config.toml [kbs] key);
// a named context (--context, COCO_KBS_CONTEXT, else kbs.current-context) fills what no flag or variable set
// (common/kbs/contexts.hpp).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "common/base/result.hpp"
#include "common/cli/command.hpp"
#include "common/kbs/admin_client.hpp"
#include "common/kbs/client.hpp"
#include "common/kbs/contexts.hpp"

namespace coco_kbs {

// Root registration (Tool::register_root): --url --admin-key --admin-token-file --cacert
// --insecure-skip-tls-verify --context.
void register_connection_root(coco::cli::Command& cmd);

// The config file contexts are read from and written to (it may not exist yet).
std::filesystem::path config_path(const coco::cli::Context& ctx);
// The connection settings of this invocation as given (flags/env explicit, config file not).
coco::kbs::EndpointSources endpoint_sources(const coco::cli::Context& ctx);
// The endpoint this invocation talks to (flags, environment, context, config).
coco::Result<coco::kbs::AdminEndpoint> resolve_endpoint(const coco::cli::Context& ctx);

// --print-curl for an admin command.
std::shared_ptr<bool> add_print_curl(coco::cli::Command& cmd);

// Sends `request` (or, with print_curl, prints the equivalent curl command line and sends nothing: the
// returned exchange then has status 0). With -o json the curl line is emitted as {"curl": "..."}.
coco::Result<coco::kbs::AdminExchange> admin_send(coco::cli::Context& ctx, const coco::kbs::AdminClient& client,
                                                  const coco::kbs::AdminRequest& request, bool print_curl);

} // namespace coco_kbs
