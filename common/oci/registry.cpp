#include "common/oci/registry.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/base/encoding.hpp"
#include "common/base/log.hpp"

namespace coco::oci {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t k_max_small_response = 4 * 1024 * 1024;
constexpr std::size_t k_stream_buffer_limit = 4 * 1024 * 1024;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

std::string url_escape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      static constexpr char k_hex[] = "0123456789ABCDEF";
      out.push_back('%');
      out.push_back(k_hex[c >> 4]);
      out.push_back(k_hex[c & 15]);
    }
  }
  return out;
}

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers; // lowercase names; last value wins
  std::vector<std::string> www_authenticate;
  std::string body;
  bool body_truncated = false;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;
  std::string body;             // sent when upload is null and method is POST/PUT/PATCH
  BlobReader* upload = nullptr; // streamed request body
  std::int64_t upload_size = -1;
  std::size_t max_body = k_max_small_response;
};

struct Transfer {
  HttpResponse* response = nullptr;
  std::size_t max_body = 0;
  BlobReader* upload = nullptr;
  std::optional<Error> upload_error;
  const std::string* body = nullptr;
  std::size_t body_pos = 0;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    // A new response (after a redirect or 100-continue): forget the previous headers.
    t->response->headers.clear();
    t->response->www_authenticate.clear();
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name = lower(std::string(line.substr(0, colon)));
    std::string value = trim(line.substr(colon + 1));
    if (name == "www-authenticate") {
      t->response->www_authenticate.push_back(value);
    }
    t->response->headers[name] = value;
  }
  return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t n = size * count;
  if (t->response->body.size() + n > t->max_body) {
    t->response->body_truncated = true;
    return 0; // abort: larger than we accept
  }
  t->response->body.append(data, n);
  return n;
}

size_t on_read(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t want = size * count;
  if (t->upload != nullptr) {
    auto n = t->upload->read(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(buffer), want));
    if (!n) {
      t->upload_error = n.error();
      return CURL_READFUNC_ABORT;
    }
    return *n;
  }
  std::size_t n = std::min(want, t->body->size() - t->body_pos);
  std::memcpy(buffer, t->body->data() + t->body_pos, n);
  t->body_pos += n;
  return n;
}

struct Registry_errors {
  static std::string summary(const std::string& body) {
    auto doc = nlohmann::json::parse(body, nullptr, false);
    if (doc.is_object() && doc.contains("errors") && doc["errors"].is_array() && !doc["errors"].empty()) {
      const auto& e = doc["errors"][0];
      std::string code = e.value("code", "");
      std::string message = e.value("message", "");
      return lower(code) + (message.empty() ? "" : ": " + message);
    }
    return {};
  }
};

bool retryable_status(long status) { return status == 429 || status == 502 || status == 503 || status == 504 || status == 500; }


} // namespace

std::vector<AuthChallenge> parse_www_authenticate(std::string_view header) {
  std::vector<AuthChallenge> out;
  std::size_t i = 0;
  auto skip_ws = [&] {
    while (i < header.size() && (header[i] == ' ' || header[i] == '\t' || header[i] == ',')) {
      ++i;
    }
  };
  auto token = [&] {
    std::size_t start = i;
    while (i < header.size() && header[i] != ' ' && header[i] != '\t' && header[i] != ',' && header[i] != '=') {
      ++i;
    }
    return std::string(header.substr(start, i - start));
  };
  skip_ws();
  while (i < header.size()) {
    std::string scheme = token();
    if (scheme.empty()) {
      ++i;
      skip_ws();
      continue;
    }
    AuthChallenge challenge{lower(scheme), {}};
    // Parameters: name=value or name="quoted", separated by commas, until the next scheme token.
    while (true) {
      skip_ws();
      std::size_t save = i;
      std::string name = token();
      if (name.empty() || i >= header.size() || header[i] != '=') {
        i = save;
        break;
      }
      ++i; // '='
      std::string value;
      if (i < header.size() && header[i] == '"') {
        ++i;
        while (i < header.size() && header[i] != '"') {
          if (header[i] == '\\' && i + 1 < header.size()) {
            ++i;
          }
          value.push_back(header[i]);
          ++i;
        }
        ++i; // closing quote
      } else {
        value = token();
      }
      challenge.params[lower(name)] = value;
    }
    out.push_back(std::move(challenge));
    skip_ws();
  }
  return out;
}

std::string registry_host(std::string_view domain) {
  if (domain == "docker.io") {
    return "registry-1.docker.io";
  }
  return std::string(domain);
}

struct RegistryClient::State {
  DockerReference ref;
  RegistryOptions options;
  bool push = false;
  std::string base; // "https://host:port"
  std::optional<Credentials> creds;
  std::optional<AuthChallenge> challenge; // from the ping
  std::map<std::string, std::string> tokens; // scope -> bearer token
  std::vector<std::string> extra_scopes;
  fs::path ca_file;
  fs::path client_cert;
  fs::path client_key;

  [[nodiscard]] std::string describe() const { return "docker://" + ref.name(); }
  [[nodiscard]] std::string repo_url(std::string_view tail) const { return base + "/v2/" + ref.path + "/" + std::string(tail); }

  [[nodiscard]] bool verify_tls() const { return options.tls_verify.value_or(true); }

  void configure(CURL* curl, const HttpRequest& req) const {
    curl_easy_setopt(curl, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options.connect_timeout_s));
    // A stalled transfer (under 1 byte/s for 60 s) is a dropped connection.
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "coco/0.1");
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    if (!verify_tls()) {
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (!ca_file.empty()) {
      curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file.c_str());
    }
    if (!client_cert.empty()) {
      curl_easy_setopt(curl, CURLOPT_SSLCERT, client_cert.c_str());
      curl_easy_setopt(curl, CURLOPT_SSLKEY, client_key.c_str());
    }
    if (req.method == "HEAD") {
      curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (req.method != "GET") {
      bool has_body = req.upload != nullptr || !req.body.empty() || req.method == "PUT" || req.method == "PATCH";
      if (has_body) {
        curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
        if (req.upload == nullptr) {
          curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
        } else if (req.upload_size >= 0) {
          curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.upload_size));
        }
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req.method.c_str());
      } else {
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
        if (req.method != "POST") {
          curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req.method.c_str());
        }
      }
    }
  }

  Error network_error(CURLcode code, const std::string& url, const char* detail) const {
    std::string why = detail != nullptr && *detail != '\0' ? detail : curl_easy_strerror(code);
    std::string hint = "check that the registry " + ref.domain + " is running and reachable";
    if (code == CURLE_SSL_CONNECT_ERROR || code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE) {
      hint = "for a registry without TLS or with a self-signed certificate use --tls-verify=false or --cert-dir";
    }
    return make_error(Kind::network, describe() + ": " + url + ": " + why, hint);
  }

  // One HTTP exchange, no auth logic, no retries.
  Result<HttpResponse> perform_once(const HttpRequest& req, const std::string& authorization) const {
    global_init();
    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
      return make_error(Kind::internal, "curl_easy_init failed");
    }
    HttpResponse response;
    Transfer t;
    t.response = &response;
    t.max_body = req.max_body;
    t.upload = req.upload;
    t.body = &req.body;
    configure(curl, req);
    curl_slist* headers = nullptr;
    for (const auto& h : req.headers) {
      headers = curl_slist_append(headers, h.c_str());
    }
    headers = curl_slist_append(headers, "Expect:");
    if (!authorization.empty()) {
      headers = curl_slist_append(headers, ("Authorization: " + authorization).c_str());
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &t);
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (t.upload_error) {
      return *t.upload_error;
    }
    if (code == CURLE_WRITE_ERROR && response.body_truncated) {
      return make_error(Kind::invalid, describe() + ": response from " + req.url + " is larger than " + std::to_string(req.max_body) + " bytes");
    }
    if (code != CURLE_OK) {
      Error e = network_error(code, req.url, errbuf);
      e.message += " [curl " + std::to_string(static_cast<int>(code)) + "]";
      return e;
    }
    return response;
  }

  [[nodiscard]] std::string scope_for(bool with_push) const {
    return "repository:" + ref.path + ":" + (with_push ? "pull,push" : "pull");
  }

  Result<std::string> fetch_token(const AuthChallenge& bearer, const std::vector<std::string>& scopes) {
    std::string key;
    for (const auto& s : scopes) {
      key += s + " ";
    }
    if (auto it = tokens.find(key); it != tokens.end()) {
      return it->second;
    }
    auto realm = bearer.params.find("realm");
    if (realm == bearer.params.end() || realm->second.empty()) {
      return make_error(Kind::auth, describe() + ": the registry asks for a bearer token but names no realm");
    }
    std::string url = realm->second;
    char sep = url.find('?') == std::string::npos ? '?' : '&';
    if (auto svc = bearer.params.find("service"); svc != bearer.params.end()) {
      url += sep + std::string("service=") + url_escape(svc->second);
      sep = '&';
    }
    for (const auto& s : scopes) {
      url += sep + std::string("scope=") + url_escape(s);
      sep = '&';
    }
    HttpRequest req;
    req.url = url;
    std::string authorization;
    if (creds) {
      authorization = basic_authorization();
    }
    COCO_TRY(HttpResponse resp, perform_once(req, authorization));
    if (resp.status == 401 || resp.status == 403) {
      return auth_error("the token server refused the credentials");
    }
    if (resp.status != 200) {
      return make_error(Kind::auth, describe() + ": token server answered HTTP " + std::to_string(resp.status));
    }
    auto doc = nlohmann::json::parse(resp.body, nullptr, false);
    std::string token;
    if (doc.is_object()) {
      if (doc.contains("token") && doc["token"].is_string()) {
        token = doc["token"].get<std::string>();
      } else if (doc.contains("access_token") && doc["access_token"].is_string()) {
        token = doc["access_token"].get<std::string>();
      }
    }
    if (token.empty()) {
      return make_error(Kind::auth, describe() + ": the token server's answer holds no token");
    }
    tokens[key] = token;
    return token;
  }

  [[nodiscard]] std::string basic_authorization() const {
    std::string pair = creds->username + ":" + std::string(creds->password.view());
    std::string header = "Basic " + base64_encode(pair);
    secure_zero(pair.data(), pair.size());
    return header;
  }

  [[nodiscard]] Error auth_error(std::string_view why) const {
    return make_error(Kind::auth, describe() + ": " + std::string(why),
                      creds ? "check the credentials given with --creds or in the auth file"
                            : "log in: give --creds USER:PASSWORD or an --authfile with an entry for " + ref.domain);
  }

  Result<std::string> authorization_for(const std::vector<std::string>& scopes) {
    if (!challenge) {
      return std::string();
    }
    if (challenge->scheme == "basic") {
      if (!creds) {
        return auth_error("authentication required");
      }
      return basic_authorization();
    }
    if (challenge->scheme == "bearer") {
      COCO_TRY(std::string token, fetch_token(*challenge, scopes));
      return "Bearer " + token;
    }
    return make_error(Kind::unsupported, describe() + ": unsupported authentication scheme " + challenge->scheme);
  }

  [[nodiscard]] std::vector<std::string> scopes() const {
    std::vector<std::string> s{scope_for(push)};
    s.insert(s.end(), extra_scopes.begin(), extra_scopes.end());
    return s;
  }

  // A request with auth, refreshed once on 401, and retried with backoff when it can be replayed.
  Result<HttpResponse> send(const HttpRequest& req) {
    bool replayable = req.upload == nullptr;
    int attempts = replayable ? std::max(1, options.max_attempts) : 1;
    int backoff = options.initial_backoff_ms;
    bool reauthed = false;
    for (int attempt = 1;; ++attempt) {
      COCO_TRY(std::string authorization, authorization_for(scopes()));
      auto resp = perform_once(req, authorization);
      bool retry = false;
      if (!resp) {
        retry = resp.error().kind == Kind::network && attempt < attempts;
        if (!retry) {
          return resp.error();
        }
      } else if (resp->status == 401 && !reauthed && replayable) {
        // The token may lack a scope (or have expired): take the new challenge and try once more.
        reauthed = true;
        tokens.clear();
        for (const auto& h : resp->www_authenticate) {
          for (auto& c : parse_www_authenticate(h)) {
            if (c.scheme == "bearer" || c.scheme == "basic") {
              challenge = c;
            }
          }
        }
        if (!challenge) {
          return auth_error("authentication required");
        }
        --attempt;
        continue;
      } else if (retryable_status(resp->status) && attempt < attempts) {
        retry = true;
      } else {
        return resp;
      }
      log::debug(describe() + ": retrying " + req.method + " " + req.url + " in " + std::to_string(backoff) + " ms");
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff));
      backoff *= 2;
    }
  }

  Error status_error(const HttpResponse& resp, std::string_view what) const {
    std::string detail = Registry_errors::summary(resp.body);
    std::string suffix = detail.empty() ? "" : " (" + detail + ")";
    if (resp.status == 401) {
      return auth_error(std::string(what) + ": authentication required" + suffix);
    }
    if (resp.status == 403) {
      return make_error(Kind::auth, describe() + ": " + std::string(what) + ": access denied" + suffix,
                        "the credentials do not allow this; check --creds or the auth file");
    }
    if (resp.status == 404) {
      return make_error(Kind::not_found, describe() + ": " + std::string(what) + ": not found" + suffix,
                        "check the repository name and tag");
    }
    if (resp.status == 429 || resp.status >= 500) {
      return make_error(Kind::network, describe() + ": " + std::string(what) + ": HTTP " + std::to_string(resp.status) + suffix,
                        "the registry is overloaded or failing; try again later");
    }
    return make_error(Kind::failure, describe() + ": " + std::string(what) + ": unexpected HTTP " + std::to_string(resp.status) + suffix);
  }

  [[nodiscard]] std::string resolve_location(const std::string& location) const {
    if (location.starts_with("http://") || location.starts_with("https://")) {
      return location;
    }
    if (location.starts_with("/")) {
      return base + location;
    }
    return base + "/" + location;
  }
};

namespace {

void find_certs(RegistryClient::State& s) {
  std::vector<fs::path> dirs;
  if (!s.options.cert_dir.empty()) {
    dirs.push_back(s.options.cert_dir);
  } else {
    dirs.push_back(fs::path("/etc/containers/certs.d") / s.ref.domain);
    dirs.push_back(fs::path("/etc/docker/certs.d") / s.ref.domain);
  }
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      continue;
    }
    std::vector<fs::path> entries;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      entries.push_back(e.path());
    }
    std::sort(entries.begin(), entries.end());
    for (const auto& p : entries) {
      if (p.extension() == ".crt" && s.ca_file.empty()) {
        s.ca_file = p;
      }
      if (p.extension() == ".cert") {
        fs::path key = p;
        key.replace_extension(".key");
        if (fs::exists(key, ec)) {
          s.client_cert = p;
          s.client_key = key;
        }
      }
    }
    return;
  }
}

// Pulls a blob through curl_multi so the caller reads it in chunks; the transfer pauses while the buffer is
// full, so memory stays bounded whatever the blob's size.
class HttpBlobReader final : public BlobReader {
public:
  HttpBlobReader(RegistryClient::State& state, Descriptor blob) : m_state(state), m_blob(std::move(blob)) {}
  ~HttpBlobReader() override { cleanup(); }

  // Starts the request and runs until the status is known. Returns the status (body of an error read whole).
  Result<long> start(const std::string& url, const std::string& authorization) {
    global_init();
    m_easy = curl_easy_init();
    m_multi = curl_multi_init();
    HttpRequest req;
    req.url = url;
    m_state.configure(m_easy, req);
    if (!authorization.empty()) {
      m_headers = curl_slist_append(m_headers, ("Authorization: " + authorization).c_str());
    }
    curl_easy_setopt(m_easy, CURLOPT_HTTPHEADER, m_headers);
    curl_easy_setopt(m_easy, CURLOPT_HEADERFUNCTION, &HttpBlobReader::on_header_cb);
    curl_easy_setopt(m_easy, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(m_easy, CURLOPT_WRITEFUNCTION, &HttpBlobReader::on_data);
    curl_easy_setopt(m_easy, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(m_easy, CURLOPT_ERRORBUFFER, m_errbuf);
    curl_multi_add_handle(m_multi, m_easy);
    while (!m_finished && !m_body_started) {
      pump();
    }
    long status = 0;
    curl_easy_getinfo(m_easy, CURLINFO_RESPONSE_CODE, &status);
    if (m_finished && m_code != CURLE_OK) {
      return m_state.network_error(m_code, url, m_errbuf);
    }
    m_status = status;
    if (status != 200) {
      while (!m_finished) {
        pump();
        if (m_buffer.size() > 64 * 1024) {
          break;
        }
      }
      m_error_body.assign(m_buffer.begin(), m_buffer.end());
    }
    return status;
  }

  [[nodiscard]] const std::vector<std::string>& www_authenticate() const { return m_www_authenticate; }
  [[nodiscard]] const std::string& error_body() const { return m_error_body; }

  Result<std::size_t> read(std::span<std::uint8_t> buf) override {
    while (m_pos >= m_buffer.size()) {
      m_buffer.clear();
      m_pos = 0;
      if (m_finished) {
        if (m_code != CURLE_OK) {
          return make_error(Kind::network,
                            m_state.describe() + ": blob " + m_blob.digest.str() + ": connection lost after " +
                                std::to_string(m_received) + " of " + std::to_string(m_blob.size) + " bytes (" +
                                (m_errbuf[0] != '\0' ? std::string(m_errbuf) : std::string(curl_easy_strerror(m_code))) + ")",
                            "the registry or the network dropped the transfer; try again");
        }
        return std::size_t{0};
      }
      if (m_paused) {
        m_paused = false;
        curl_easy_pause(m_easy, CURLPAUSE_CONT);
      }
      pump();
    }
    std::size_t n = std::min(buf.size(), m_buffer.size() - m_pos);
    std::memcpy(buf.data(), m_buffer.data() + m_pos, n);
    m_pos += n;
    return n;
  }

private:
  static size_t on_header_cb(char* data, size_t size, size_t count, void* user) {
    auto* self = static_cast<HttpBlobReader*>(user);
    std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) {
      self->m_www_authenticate.clear();
    }
    auto colon = line.find(':');
    if (colon != std::string_view::npos && lower(std::string(line.substr(0, colon))) == "www-authenticate") {
      self->m_www_authenticate.push_back(trim(line.substr(colon + 1)));
    }
    return size * count;
  }

  static size_t on_data(char* data, size_t size, size_t count, void* user) {
    auto* self = static_cast<HttpBlobReader*>(user);
    std::size_t n = size * count;
    if (self->m_buffer.size() - self->m_pos >= k_stream_buffer_limit) {
      self->m_paused = true;
      return CURL_WRITEFUNC_PAUSE;
    }
    self->m_body_started = true;
    self->m_buffer.insert(self->m_buffer.end(), data, data + n);
    self->m_received += n;
    return n;
  }

  void pump() {
    int running = 0;
    curl_multi_perform(m_multi, &running);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(m_multi, &queued)) {
      if (msg->msg == CURLMSG_DONE) {
        m_finished = true;
        m_code = msg->data.result;
      }
    }
    if (!m_finished && m_buffer.size() == m_pos) {
      curl_multi_poll(m_multi, nullptr, 0, 1000, nullptr);
    }
  }

  void cleanup() {
    if (m_multi != nullptr && m_easy != nullptr) {
      curl_multi_remove_handle(m_multi, m_easy);
    }
    if (m_easy != nullptr) {
      curl_easy_cleanup(m_easy);
    }
    if (m_multi != nullptr) {
      curl_multi_cleanup(m_multi);
    }
    curl_slist_free_all(m_headers);
    m_easy = nullptr;
    m_multi = nullptr;
    m_headers = nullptr;
  }

  RegistryClient::State& m_state;
  Descriptor m_blob;
  CURL* m_easy = nullptr;
  CURLM* m_multi = nullptr;
  curl_slist* m_headers = nullptr;
  char m_errbuf[CURL_ERROR_SIZE] = {0};
  std::vector<std::uint8_t> m_buffer;
  std::size_t m_pos = 0;
  std::uint64_t m_received = 0;
  bool m_paused = false;
  bool m_finished = false;
  bool m_body_started = false;
  CURLcode m_code = CURLE_OK;
  long m_status = 0;
  std::vector<std::string> m_www_authenticate;
  std::string m_error_body;
};

std::string strip_params(const std::string& content_type) { return trim(content_type.substr(0, content_type.find(';'))); }

} // namespace

RegistryClient::RegistryClient(std::unique_ptr<State> state) : m_state(std::move(state)) {}
RegistryClient::~RegistryClient() = default;

const DockerReference& RegistryClient::reference() const { return m_state->ref; }
std::string RegistryClient::describe() const { return m_state->describe(); }

Result<std::unique_ptr<RegistryClient>> RegistryClient::connect(const DockerReference& ref, const RegistryOptions& options, bool push) {
  auto state = std::make_unique<State>();
  state->ref = ref;
  state->options = options;
  state->push = push;
  find_certs(*state);
  COCO_TRY(state->creds, find_credentials(ref.domain, ref.path, options.creds, options.authfile));
  std::string host = registry_host(ref.domain);
  std::vector<std::string> schemes{"https"};
  if (!state->verify_tls()) {
    schemes.emplace_back("http");
  }
  std::optional<Error> first_error;
  for (const auto& scheme : schemes) {
    state->base = scheme + "://" + host;
    HttpRequest ping;
    ping.url = state->base + "/v2/";
    auto resp = state->perform_once(ping, "");
    int attempts = std::max(1, options.max_attempts);
    int backoff = options.initial_backoff_ms;
    for (int attempt = 1; attempt < attempts && resp && retryable_status(resp->status); ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff));
      backoff *= 2;
      resp = state->perform_once(ping, "");
    }
    if (!resp) {
      if (!first_error) {
        first_error = resp.error();
      }
      continue;
    }
    if (resp->status == 401) {
      for (const auto& h : resp->www_authenticate) {
        for (auto& c : parse_www_authenticate(h)) {
          if (c.scheme == "bearer" || (c.scheme == "basic" && !state->challenge)) {
            state->challenge = c;
          }
        }
      }
      if (!state->challenge) {
        return make_error(Kind::auth, state->describe() + ": the registry requires authentication but sent no usable challenge");
      }
    } else if (resp->status != 200) {
      return state->status_error(*resp, "ping /v2/");
    }
    log::debug(state->describe() + ": registry at " + state->base);
    return std::unique_ptr<RegistryClient>(new RegistryClient(std::move(state)));
  }
  return *first_error;
}

Result<RawManifest> RegistryClient::get_manifest(const std::string& reference) {
  HttpRequest req;
  req.url = m_state->repo_url("manifests/" + reference);
  req.headers = {"Accept: " + std::string(media_type::oci_manifest) + ", " + std::string(media_type::oci_index) + ", " +
                 std::string(media_type::docker_manifest) + ", " + std::string(media_type::docker_manifest_list)};
  req.max_body = k_max_manifest_size;
  COCO_TRY(HttpResponse resp, m_state->send(req));
  if (resp.status != 200) {
    return m_state->status_error(resp, "manifest " + reference);
  }
  std::string type = strip_params(resp.headers["content-type"]);
  if (reference.starts_with("sha256:")) {
    COCO_TRY(Digest want, parse_digest(reference));
    if (digest_of(resp.body) != want) {
      return make_error(Kind::integrity, describe() + ": manifest " + reference + ": digest mismatch");
    }
  }
  if (!is_index_media_type(type) && !is_image_manifest_media_type(type)) {
    COCO_TRY(type, detect_manifest_media_type(resp.body));
  }
  return RawManifest{std::move(resp.body), std::move(type)};
}

Result<std::unique_ptr<BlobReader>> RegistryClient::get_blob(const Descriptor& blob) {
  std::string url = m_state->repo_url("blobs/" + blob.digest.str());
  int attempts = std::max(1, m_state->options.max_attempts);
  int backoff = m_state->options.initial_backoff_ms;
  bool reauthed = false;
  for (int attempt = 1;; ++attempt) {
    COCO_TRY(std::string authorization, m_state->authorization_for(m_state->scopes()));
    auto reader = std::make_unique<HttpBlobReader>(*m_state, blob);
    auto status = reader->start(url, authorization);
    if (status && *status == 200) {
      std::unique_ptr<BlobReader> verifying = std::make_unique<VerifyingReader>(std::move(reader), blob.digest, blob.size);
      return verifying;
    }
    if (status && *status == 401 && !reauthed) {
      reauthed = true;
      m_state->tokens.clear();
      for (const auto& h : reader->www_authenticate()) {
        for (auto& c : parse_www_authenticate(h)) {
          m_state->challenge = c;
        }
      }
      --attempt;
      continue;
    }
    bool retry = attempt < attempts && (status ? retryable_status(*status) : status.error().kind == Kind::network);
    if (!retry) {
      if (!status) {
        return status.error();
      }
      HttpResponse resp;
      resp.status = *status;
      resp.body = reader->error_body();
      return m_state->status_error(resp, "blob " + blob.digest.str());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff));
    backoff *= 2;
  }
}

Result<bool> RegistryClient::has_blob(const Digest& digest) {
  HttpRequest req;
  req.method = "HEAD";
  req.url = m_state->repo_url("blobs/" + digest.str());
  COCO_TRY(HttpResponse resp, m_state->send(req));
  if (resp.status == 200) {
    return true;
  }
  if (resp.status == 404) {
    return false;
  }
  return m_state->status_error(resp, "blob " + digest.str());
}

Result<bool> RegistryClient::mount_blob(const Digest& digest, const std::string& from_repository) {
  std::string scope = "repository:" + from_repository + ":pull";
  if (std::find(m_state->extra_scopes.begin(), m_state->extra_scopes.end(), scope) == m_state->extra_scopes.end()) {
    m_state->extra_scopes.push_back(scope);
  }
  HttpRequest req;
  req.method = "POST";
  req.url = m_state->repo_url("blobs/uploads/?mount=" + url_escape(digest.str()) + "&from=" + url_escape(from_repository));
  COCO_TRY(HttpResponse resp, m_state->send(req));
  if (resp.status == 201) {
    return true;
  }
  if (resp.status == 202) {
    // The registry started an ordinary upload instead; cancel it.
    if (auto loc = resp.headers.find("location"); loc != resp.headers.end()) {
      HttpRequest cancel;
      cancel.method = "DELETE";
      cancel.url = m_state->resolve_location(loc->second);
      (void)m_state->send(cancel);
    }
    return false;
  }
  return false;
}

Result<Descriptor> RegistryClient::upload_blob(BlobReader& reader, const Descriptor& expected) {
  HttpRequest start;
  start.method = "POST";
  start.url = m_state->repo_url("blobs/uploads/");
  COCO_TRY(HttpResponse started, m_state->send(start));
  if (started.status != 202) {
    return m_state->status_error(started, "starting the upload of blob " + expected.digest.str());
  }
  auto location = started.headers.find("location");
  if (location == started.headers.end()) {
    return make_error(Kind::failure, describe() + ": upload started without a Location");
  }
  std::string url = m_state->resolve_location(location->second);
  auto with_digest = [](std::string u, const Digest& d) {
    return u + (u.find('?') == std::string::npos ? "?" : "&") + "digest=" + url_escape(d.str());
  };
  Descriptor out = expected;
  bool monolithic = !expected.digest.empty() && expected.size >= 0 && !m_state->options.chunked_upload;
  if (monolithic) {
    HttpRequest put;
    put.method = "PUT";
    put.url = with_digest(url, expected.digest);
    put.headers = {"Content-Type: application/octet-stream"};
    put.upload = &reader;
    put.upload_size = expected.size;
    COCO_TRY(HttpResponse resp, m_state->send(put));
    // The reader verifies the digest at its end; read past it to make sure the check ran.
    std::uint8_t probe[1];
    COCO_TRY(std::size_t extra, reader.read(probe));
    (void)extra;
    if (resp.status != 201) {
      return m_state->status_error(resp, "uploading blob " + expected.digest.str());
    }
    return out;
  }
  HashingReader hashing(reader);
  HttpRequest patch;
  patch.method = "PATCH";
  patch.url = url;
  patch.headers = {"Content-Type: application/octet-stream"};
  patch.upload = &hashing;
  patch.upload_size = expected.size;
  COCO_TRY(HttpResponse patched, m_state->send(patch));
  if (patched.status != 202 && patched.status != 204) {
    return m_state->status_error(patched, "uploading blob " + expected.digest.str());
  }
  std::uint8_t probe[1];
  COCO_TRY(std::size_t extra, hashing.read(probe));
  if (extra != 0) {
    return make_error(Kind::internal, "upload stream not at its end");
  }
  if (!expected.digest.empty() && hashing.digest() != expected.digest) {
    return make_error(Kind::integrity, "blob " + expected.digest.str() + ": digest mismatch (content is " + hashing.digest().str() + ")");
  }
  auto next = patched.headers.find("location");
  std::string final_url = m_state->resolve_location(next != patched.headers.end() ? next->second : url);
  HttpRequest put;
  put.method = "PUT";
  put.url = with_digest(final_url, hashing.digest());
  COCO_TRY(HttpResponse resp, m_state->send(put));
  if (resp.status != 201) {
    return m_state->status_error(resp, "finishing the upload of blob " + hashing.digest().str());
  }
  out.digest = hashing.digest();
  out.size = hashing.size();
  return out;
}

Status RegistryClient::put_manifest(const RawManifest& manifest, const std::string& reference) {
  HttpRequest req;
  req.method = "PUT";
  req.url = m_state->repo_url("manifests/" + reference);
  req.headers = {"Content-Type: " + manifest.media_type};
  req.body = manifest.bytes;
  COCO_TRY(HttpResponse resp, m_state->send(req));
  if (resp.status != 201 && resp.status != 200 && resp.status != 202) {
    return m_state->status_error(resp, "putting manifest " + reference);
  }
  return ok();
}

namespace {

class RegistrySource final : public ImageSource {
public:
  explicit RegistrySource(std::unique_ptr<RegistryClient> client) : m_client(std::move(client)) {}
  Result<RawManifest> get_manifest(const std::optional<Digest>& instance) override {
    return m_client->get_manifest(instance ? instance->str() : m_client->reference().manifest_reference());
  }
  Result<std::unique_ptr<BlobReader>> get_blob(const Descriptor& blob) override { return m_client->get_blob(blob); }
  [[nodiscard]] std::string describe() const override { return "docker://" + m_client->reference().str(); }

private:
  std::unique_ptr<RegistryClient> m_client;
};

class RegistryDestination final : public ImageDestination {
public:
  explicit RegistryDestination(std::unique_ptr<RegistryClient> client) : m_client(std::move(client)) {}
  [[nodiscard]] bool supports_manifest_type(std::string_view mt) const override {
    return is_index_media_type(mt) || is_image_manifest_media_type(mt);
  }
  void note_source(const ImageReference& source) override {
    if (source.transport == Transport::docker && source.docker->domain == m_client->reference().domain &&
        source.docker->path != m_client->reference().path) {
      m_mount_from = source.docker->path;
    }
  }
  Result<bool> has_blob(const Descriptor& blob) override {
    COCO_TRY(bool present, m_client->has_blob(blob.digest));
    if (present) {
      return true;
    }
    if (!m_mount_from.empty()) {
      COCO_TRY(bool mounted, m_client->mount_blob(blob.digest, m_mount_from));
      if (mounted) {
        log::debug("mounted " + blob.digest.str() + " from " + m_mount_from);
      }
      return mounted;
    }
    return false;
  }
  Result<Descriptor> put_blob(BlobReader& reader, const Descriptor& expected) override {
    return m_client->upload_blob(reader, expected);
  }
  Status put_manifest(const RawManifest& manifest, bool top_level) override {
    if (!top_level) {
      return m_client->put_manifest(manifest, manifest.digest().str());
    }
    const auto& ref = m_client->reference();
    if (ref.digest && manifest.digest() != *ref.digest) {
      return make_error(Kind::conflict, describe() + ": the manifest written has digest " + manifest.digest().str() +
                                            ", not the one in the reference");
    }
    return m_client->put_manifest(manifest, ref.manifest_reference());
  }
  Status commit() override { return ok(); }
  [[nodiscard]] std::string describe() const override { return "docker://" + m_client->reference().str(); }

private:
  std::unique_ptr<RegistryClient> m_client;
  std::string m_mount_from;
};

} // namespace

Result<std::unique_ptr<ImageSource>> open_registry_source(const DockerReference& ref, const RegistryOptions& options) {
  COCO_TRY(auto client, RegistryClient::connect(ref, options, false));
  std::unique_ptr<ImageSource> src = std::make_unique<RegistrySource>(std::move(client));
  return src;
}

Result<std::unique_ptr<ImageDestination>> open_registry_destination(const DockerReference& ref, const RegistryOptions& options) {
  COCO_TRY(auto client, RegistryClient::connect(ref, options, true));
  std::unique_ptr<ImageDestination> dst = std::make_unique<RegistryDestination>(std::move(client));
  return dst;
}

} // namespace coco::oci
