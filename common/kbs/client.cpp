#include "common/kbs/client.hpp"

#include <curl/curl.h>

#include <memory>

#include <nlohmann/json.hpp>

#include "common/jose/jwt.hpp"

namespace coco::kbs {
namespace {

struct Transfer {
  HttpResponse response;
  std::string_view upload;
  size_t sent = 0;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  t->response.body.append(data, size * count);
  return size * count;
}

size_t on_read(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = std::min(size * count, t->upload.size() - t->sent);
  std::copy_n(t->upload.data() + t->sent, n, buffer);
  t->sent += n;
  return n;
}

} // namespace

Result<HttpResponse> http_request(const HttpRequest& request, const ClientOptions& options) {
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    return make_error(Kind::internal, "curl_easy_init failed");
  }
  CURL* c = curl.get();
  Transfer t;
  t.upload = request.body;
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, options.timeout_s);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "coco-kbs/0.1");
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  if (options.insecure_skip_tls_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  } else if (!options.cacert.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, options.cacert.c_str());
  }
  if (request.method == "POST" || request.method == "PUT") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &t);
    if (request.method == "PUT") {
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
    }
  } else if (request.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  curl_slist* headers = nullptr;
  for (const std::string& h : request.headers) {
    headers = curl_slist_append(headers, h.c_str());
  }
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  const CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    return make_error(rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ? Kind::auth : Kind::network,
                      request.url + ": " + curl_easy_strerror(rc),
                      rc == CURLE_PEER_FAILED_VERIFICATION ? "pass --cacert with the server's certificate" : "");
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t.response.status);
  char* type = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type != nullptr) {
    t.response.content_type = type;
  }
  return std::move(t.response);
}

Result<std::string> admin_token(const crypto::PrivateKey& key) {
  jose::JwtMintOptions options;
  options.lifetime_seconds = 300;
  return jose::jwt_mint(jose::Json{{"role", "admin"}}, key, options);
}

std::string describe_error_reply(const HttpResponse& response) {
  const nlohmann::json doc = nlohmann::json::parse(response.body, nullptr, false);
  if (doc.is_object() && doc.contains("detail") && doc["detail"].is_string()) {
    return doc["detail"].get<std::string>();
  }
  std::string text = response.body.substr(0, 200);
  return text.empty() ? "HTTP " + std::to_string(response.status) : text;
}

} // namespace coco::kbs
