#include "common/kbs/guest_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <utility>

#include "common/attest/binding.hpp"
#include "common/crypto/key.hpp"
#include "common/jose/jwe.hpp"
#include "common/jose/jwk.hpp"
#include "common/jose/jwt.hpp"

#include "coco_version.hpp"

namespace coco::kbs {
namespace {

constexpr std::array<std::pair<KbsFailure, std::string_view>, 7> k_labels{{
    {KbsFailure::no_tee, "no tee interface"},
    {KbsFailure::evidence, "evidence could not be produced"},
    {KbsFailure::unreachable, "kbs unreachable"},
    {KbsFailure::tls, "kbs tls failure"},
    {KbsFailure::protocol, "kbs protocol error"},
    {KbsFailure::attestation_refused, "attestation refused"},
    {KbsFailure::resource_refused, "resource refused"},
}};

Error failure(KbsFailure cls, Kind kind, const std::string& message, std::string hint = {}) {
  return make_error(kind, std::string(failure_label(cls)) + ": " + message, std::move(hint));
}

struct Reply {
  long status = 0;
  std::string body;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

bool is_tls_error(CURLcode rc) {
  switch (rc) {
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_ENGINE_NOTFOUND:
  case CURLE_SSL_ENGINE_SETFAILED:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_CRL_BADFILE:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_INVALIDCERTSTATUS:
  case CURLE_USE_SSL_FAILED:
    return true;
  default:
    return false;
  }
}

// The refusal in a KBS error body: Trustee's detail, and coco's reason and request id when present.
std::string describe_refusal(const Reply& reply) {
  const nlohmann::json doc = nlohmann::json::parse(reply.body, nullptr, false);
  std::string text;
  if (doc.is_object() && doc.contains("detail") && doc["detail"].is_string()) {
    text = doc["detail"].get<std::string>();
    if (doc.contains("type") && doc["type"].is_string()) {
      std::string type = doc["type"].get<std::string>();
      if (type.starts_with(k_error_type_prefix)) {
        type = type.substr(k_error_type_prefix.size());
      }
      text = type + ": " + text;
    }
    if (doc.contains("reason") && doc["reason"].is_string() && !doc["reason"].get<std::string>().empty()) {
      text += " (" + doc["reason"].get<std::string>() + ")";
    }
    if (doc.contains("request_id") && doc["request_id"].is_string()) {
      text += " [request " + doc["request_id"].get<std::string>() + "]";
    }
  } else {
    text = "HTTP " + std::to_string(reply.status);
    if (!reply.body.empty()) {
      text += ": " + reply.body.substr(0, 200);
    }
  }
  return text;
}

} // namespace

std::string_view failure_label(KbsFailure f) {
  for (const auto& [cls, label] : k_labels) {
    if (cls == f) {
      return label;
    }
  }
  return "";
}

KbsFailure classify_failure(const Error& error) {
  // At the start, or after context a caller prefixed ("layer 1 (sha256:...): kbs:///r/t/g: resource refused: ...").
  for (const auto& [cls, label] : k_labels) {
    const std::string tagged = std::string(label) + ": ";
    if (error.message.starts_with(tagged) || error.message.find(": " + tagged) != std::string::npos) {
      return cls;
    }
  }
  return KbsFailure::none;
}

Result<std::string> parse_kbs_resource_uri(std::string_view uri) {
  std::string_view path = uri;
  if (path.starts_with("kbs://")) {
    path.remove_prefix(6);
    // kbs:///repo/type/tag (empty authority) or kbs://host/repo/type/tag: the KBS is given separately.
    const auto slash = path.find('/');
    if (slash == std::string_view::npos) {
      return make_error(Kind::usage, std::string(uri) + ": not a kbs:///REPO/TYPE/TAG resource URI");
    }
    path.remove_prefix(slash + 1);
  }
  auto parts = parse_resource_path(path);
  if (!parts) {
    return make_error(Kind::usage, std::string(uri) + ": " + parts.error().message,
                      "a resource is kbs:///REPO/TYPE/TAG, e.g. kbs:///default/key/image");
  }
  return std::string(path);
}

struct GuestClient::Impl {
  GuestClientOptions options;
  std::unique_ptr<CURL, void (*)(CURL*)> curl{nullptr, curl_easy_cleanup};
  std::optional<crypto::PrivateKey> key;
  nlohmann::json jwk;
  bool attested = false;

  Result<Reply> exchange(const std::string& method, const std::string& path, const std::string& body, KbsFailure refused) {
    CURL* c = curl.get();
    const std::string url = options.url + path;
    Reply reply;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply.body);
    curl_slist* headers = nullptr;
    if (method == "POST") {
      curl_easy_setopt(c, CURLOPT_POST, 1L);
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      headers = curl_slist_append(headers, "Content-Type: application/json");
    } else {
      curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    const CURLcode rc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
      if (is_tls_error(rc)) {
        return failure(KbsFailure::tls, Kind::network, url + ": " + curl_easy_strerror(rc),
                       options.cacert.empty() ? "pass --cacert with the KBS's certificate (or its CA)"
                                              : "check that " + options.cacert + " is the KBS's certificate or its CA");
      }
      return failure(KbsFailure::unreachable, Kind::network, url + ": " + curl_easy_strerror(rc),
                     "check the --kbs URL and that the KBS is running");
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
    if (reply.status != 200) {
      // 401 and 404 carry KBS error bodies; anything else (a proxy, a web server) is not the protocol.
      const bool kbs_error = nlohmann::json::parse(reply.body, nullptr, false).contains("type");
      if (!kbs_error && reply.status != 401 && reply.status != 404) {
        return failure(KbsFailure::protocol, Kind::invalid, method + " " + url + ": " + describe_refusal(reply));
      }
      return failure(refused, Kind::denied, method + " " + path + ": " + describe_refusal(reply));
    }
    return reply;
  }
};

GuestClient::GuestClient(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
GuestClient::~GuestClient() = default;

Result<std::unique_ptr<GuestClient>> GuestClient::create(GuestClientOptions options) {
  while (options.url.ends_with('/')) {
    options.url.pop_back();
  }
  if (!options.url.starts_with("https://") && !options.url.starts_with("http://")) {
    return make_error(Kind::usage, "KBS URL " + options.url + " is not http(s)://HOST[:PORT]");
  }
  auto impl = std::make_unique<Impl>();
  impl->curl.reset(curl_easy_init());
  if (!impl->curl) {
    return make_error(Kind::internal, "curl_easy_init failed");
  }
  CURL* c = impl->curl.get();
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, options.timeout_s);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, std::min(options.timeout_s, 10L));
  curl_easy_setopt(c, CURLOPT_USERAGENT, (std::string("coco-attest/") + std::string(coco::k_version)).c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_COOKIEFILE, "");  // the in-memory cookie engine keeps kbs-session-id
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  if (options.insecure_skip_tls_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  } else if (!options.cacert.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, options.cacert.c_str());
  }
  if (options.key_type == TeeKeyType::rsa) {
    COCO_TRY(auto key, crypto::PrivateKey::generate_rsa(3072));
    impl->key = std::move(key);
    impl->jwk = nlohmann::json::parse(jose::Jwk::from_private(*impl->key, "RSA-OAEP-256").public_jwk().to_json().dump());
  } else {
    COCO_TRY(auto key, crypto::PrivateKey::generate_ec(crypto::Curve::p256));
    impl->key = std::move(key);
    impl->jwk = nlohmann::json::parse(jose::Jwk::from_private(*impl->key, "ECDH-ES+A256KW").public_jwk().to_json().dump());
  }
  impl->options = std::move(options);
  return std::unique_ptr<GuestClient>(new GuestClient(std::move(impl)));
}

const nlohmann::json& GuestClient::tee_pubkey() const { return m_impl->jwk; }
const std::string& GuestClient::url() const { return m_impl->options.url; }

Result<Challenge> GuestClient::auth(std::string_view tee) {
  Request request;
  request.version = std::string(k_protocol_version);
  request.tee = std::string(tee);
  request.extra_params = {{"supported-hash-algorithms", {"sha256", "sha384", "sha512", "sm3"}}};
  COCO_TRY(Reply reply, m_impl->exchange("POST", "/kbs/v0/auth", request.to_json().dump(), KbsFailure::attestation_refused));
  auto challenge = Challenge::parse(reply.body);
  if (!challenge) {
    return failure(KbsFailure::protocol, Kind::invalid, "auth: the challenge is malformed: " + challenge.error().message);
  }
  return challenge;
}

Result<AttestResult> GuestClient::attest(attest::EvidenceSource& source) {
  using clock = std::chrono::steady_clock;
  AttestResult out;
  out.tee = std::string(attest::tee_name(source.tee()));
  out.source = source.name();
  out.tee_pubkey = m_impl->jwk;
  auto t0 = clock::now();
  COCO_TRY(Challenge challenge, auth(out.tee));
  out.auth_time = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - t0);
  out.nonce = challenge.nonce;
  auto algorithm = attest::binding_hash(source.tee());
  if (challenge.extra_params.is_object() && challenge.extra_params.contains("selected-hash-algorithm")) {
    const auto selected = challenge.extra_params["selected-hash-algorithm"];
    algorithm = selected == "sha512"   ? attest::HashAlgorithm::sha512
                : selected == "sha256" ? attest::HashAlgorithm::sha256
                                       : attest::HashAlgorithm::sha384;
  }
  const std::string additional_evidence;  // no device evidence
  COCO_TRY(Bytes digest, attest::runtime_data_digest(out.nonce, m_impl->jwk, additional_evidence, algorithm));

  t0 = clock::now();
  auto evidence = source.evidence(digest);
  if (!evidence) {
    const auto cls = evidence.error().kind == Kind::not_found ? KbsFailure::no_tee : KbsFailure::evidence;
    return failure(cls, evidence.error().kind, source.name() + ": " + evidence.error().message, evidence.error().hint);
  }
  out.evidence_time = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - t0);

  Attestation message;
  message.init_data = m_impl->options.init_data;
  message.nonce = out.nonce;
  message.tee_pubkey = m_impl->jwk;
  message.primary_evidence = std::move(*evidence);
  message.additional_evidence = additional_evidence;
  nlohmann::json body = message.to_json();
  if (!message.init_data) {
    body.erase("init-data");
  }
  t0 = clock::now();
  COCO_TRY(Reply reply, m_impl->exchange("POST", "/kbs/v0/attest", body.dump(), KbsFailure::attestation_refused));
  out.attest_time = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - t0);
  const nlohmann::json doc = nlohmann::json::parse(reply.body, nullptr, false);
  if (!doc.is_object() || !doc.contains("token") || !doc["token"].is_string()) {
    return failure(KbsFailure::protocol, Kind::invalid, "attest: the reply has no token");
  }
  out.token = doc["token"].get<std::string>();
  auto jwt = jose::jwt_decode_unverified(out.token);
  if (!jwt) {
    return failure(KbsFailure::protocol, Kind::invalid, "attest: the token is not a JWT: " + jwt.error().message);
  }
  out.token_header = nlohmann::json::parse(jwt->header.dump());
  out.claims = nlohmann::json::parse(jwt->claims.dump());
  m_impl->attested = true;
  return out;
}

Result<Secret> GuestClient::get_resource(std::string_view path) {
  COCO_TRY(std::string checked, parse_kbs_resource_uri(path));
  if (!m_impl->attested) {
    return make_error(Kind::usage, "get_resource before attest: the KBS releases resources to an attested session");
  }
  COCO_TRY(Reply reply, m_impl->exchange("GET", "/kbs/v0/resource/" + checked, "", KbsFailure::resource_refused));
  auto jwe = jose::parse_object(reply.body, "resource response");
  if (!jwe) {
    return failure(KbsFailure::protocol, Kind::invalid, "resource " + checked + ": " + jwe.error().message);
  }
  auto plain = jose::jwe_decrypt_json(*jwe, *m_impl->key);
  if (!plain) {
    return failure(KbsFailure::protocol, plain.error().kind,
                   "resource " + checked + ": the response does not decrypt with the TEE key: " + plain.error().message);
  }
  return std::move(*plain);
}

} // namespace coco::kbs
