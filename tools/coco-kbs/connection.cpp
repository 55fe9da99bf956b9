#include "tools/coco-kbs/connection.hpp"

#include "common/base/atomic_file.hpp"
#include "common/crypto/key.hpp"

namespace coco_kbs {

void add_connection_options(coco::cli::Command& cmd, const std::shared_ptr<Connection>& conn) {
  auto& app = cmd.app();
  app.add_option("--url", conn->url, "the KBS, https://HOST:PORT")->required();
  auto* key = app.add_option("--admin-key", conn->admin_key, "a private key (PEM) to mint admin tokens with");
  auto* token = app.add_option("--admin-token-file", conn->admin_token_file, "a file holding an admin bearer token");
  key->excludes(token);
  auto* cacert = app.add_option("--cacert", conn->cacert, "the CA certificate (PEM) to verify the KBS with");
  auto* skip = app.add_flag("--insecure-skip-tls-verify", conn->insecure_skip_tls_verify,
                            "do not verify the KBS's certificate");
  cacert->excludes(skip);
}

coco::Result<coco::kbs::HttpResponse> admin_call(const Connection& conn, const std::string& method,
                                                 const std::string& path, std::string body,
                                                 const std::string& content_type) {
  coco::kbs::HttpRequest request;
  request.method = method;
  std::string base = conn.url;
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  request.url = base + path;
  request.body = std::move(body);
  if (!content_type.empty()) {
    request.headers.push_back("Content-Type: " + content_type);
  }
  if (!conn.admin_key.empty()) {
    COCO_TRY(auto key, coco::crypto::PrivateKey::load_file(conn.admin_key));
    COCO_TRY(auto token, coco::kbs::admin_token(key));
    request.headers.push_back("Authorization: Bearer " + token);
  } else if (!conn.admin_token_file.empty()) {
    COCO_TRY(auto token, coco::read_file(conn.admin_token_file));
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
      token.pop_back();
    }
    request.headers.push_back("Authorization: Bearer " + token);
  }
  coco::kbs::ClientOptions options;
  options.cacert = conn.cacert;
  options.insecure_skip_tls_verify = conn.insecure_skip_tls_verify;
  COCO_TRY(auto response, coco::kbs::http_request(request, options));
  if (response.status < 200 || response.status >= 300) {
    const coco::Kind kind = response.status == 401 || response.status == 403 ? coco::Kind::denied
                            : response.status == 404                         ? coco::Kind::not_found
                                                                             : coco::Kind::failure;
    return coco::make_error(kind, method + " " + path + ": HTTP " + std::to_string(response.status) + ": " +
                                      coco::kbs::describe_error_reply(response));
  }
  return response;
}

} // namespace coco_kbs
