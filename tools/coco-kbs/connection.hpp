// The options every coco-kbs client command shares: where the KBS is and how to authenticate to its admin API.
#pragma once

#include <memory>
#include <string>

#include "common/base/result.hpp"
#include "common/cli/command.hpp"
#include "common/kbs/client.hpp"

namespace coco_kbs {

struct Connection {
  std::string url;
  std::string admin_key;
  std::string admin_token_file;
  std::string cacert;
  bool insecure_skip_tls_verify = false;
};

void add_connection_options(coco::cli::Command& cmd, const std::shared_ptr<Connection>& conn);
// An admin request to URL + path, with a bearer token; a non-2xx reply becomes an error.
coco::Result<coco::kbs::HttpResponse> admin_call(const Connection& conn, const std::string& method,
                                                 const std::string& path, std::string body = {},
                                                 const std::string& content_type = {});

} // namespace coco_kbs
