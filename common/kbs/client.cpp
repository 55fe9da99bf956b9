#include "common/kbs/client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include <nlohmann/json.hpp>

#include "common/jose/jwt.hpp"
#include "common/kbs/tls.hpp"

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

namespace {

// The SHA-256 fingerprint of the leaf certificate in curl's certificate info, "" when there is none.
std::string leaf_fingerprint(CURL* c) {
  curl_certinfo* info = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_CERTINFO, &info) != CURLE_OK || info == nullptr || info->num_of_certs < 1) {
    return {};
  }
  for (curl_slist* item = info->certinfo[0]; item != nullptr; item = item->next) {
    std::string_view field(item->data);
    if (field.starts_with("Cert:")) {
      auto fp = certificate_fingerprint_pem(field.substr(5));
      return fp ? *fp : std::string();
    }
  }
  return {};
}

// Connects without verifying (and without sending a request) to learn which certificate the server presents.
std::string probe_fingerprint(const std::string& url, long timeout_s) {
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    return {};
  }
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
  if (curl_easy_perform(c) != CURLE_OK) {
    return {};
  }
  return leaf_fingerprint(c);
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string line(data, size * count);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.pop_back();
  }
  if (line.starts_with("HTTP/")) {
    t->response.headers.clear();  // a new response (after a redirect or 100-continue)
  } else if (line.find(':') != std::string::npos) {
    t->response.headers.push_back(std::move(line));
  }
  return size * count;
}

bool tls_verification_failure(CURLcode rc) {
  return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_ISSUER_ERROR ||
         rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}

} // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const std::string& h : headers) {
    const size_t colon = h.find(':');
    if (colon != name.size()) {
      continue;
    }
    bool same = true;
    for (size_t i = 0; i < colon; ++i) {
      same = same && std::tolower(static_cast<unsigned char>(h[i])) == std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (same) {
      size_t start = colon + 1;
      while (start < h.size() && h[start] == ' ') {
        ++start;
      }
      return h.substr(start);
    }
  }
  return std::nullopt;
}

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
  if (options.peer_fingerprint) {
    curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
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
  const bool has_type = std::any_of(request.headers.begin(), request.headers.end(), [](const std::string& h) {
    return h.size() > 13 && std::equal(h.begin(), h.begin() + 13, "content-type:", [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == b;
           });
  });
  if (!has_type) {
    headers = curl_slist_append(headers, "Content-Type:");  // no curl default (form-urlencoded) on a bodiless POST
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  const CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    if (tls_verification_failure(rc)) {
      const std::string fp = probe_fingerprint(request.url, options.timeout_s);
      return make_error(Kind::auth,
                        request.url + ": TLS: the server's certificate is not trusted (" + curl_easy_strerror(rc) + ")" +
                            (fp.empty() ? std::string() : "; it presented SHA-256 fingerprint " + fp),
                        "pass --cacert with the KBS's certificate (compare the fingerprint with the one the server "
                        "printed at start), or --insecure-skip-tls-verify for a test server");
    }
    std::string hint;
    if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_OPERATION_TIMEDOUT ||
        rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL) {
      hint = "is a KBS listening there? check --url (scheme, host and port)";
    } else if (rc == CURLE_SSL_CONNECT_ERROR) {
      hint = "TLS handshake failed: does the server speak https (or plain http)? check --url";
    }
    return make_error(Kind::network, request.url + ": " + curl_easy_strerror(rc), hint);
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t.response.status);
  char* type = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type != nullptr) {
    t.response.content_type = type;
  }
  if (options.peer_fingerprint) {
    t.response.peer_fingerprint = leaf_fingerprint(c);
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
