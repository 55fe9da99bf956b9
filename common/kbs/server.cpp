#include "common/kbs/server.hpp"

#include <arpa/inet.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <thread>

#include <httplib.h>

#include "common/base/encoding.hpp"
#include "common/base/log.hpp"
#include "common/crypto/random.hpp"
#include "common/kbs/admin_auth.hpp"
#include "common/kbs/attestation.hpp"
#include "common/kbs/metrics.hpp"
#include "common/kbs/policy.hpp"
#include "common/kbs/protocol.hpp"
#include "common/kbs/rvps.hpp"
#include "common/kbs/tls.hpp"
#include "common/kbs/token.hpp"
#include "common/store/store.hpp"

namespace coco::kbs {
namespace {

constexpr std::string_view k_coco_prefix = "/kbs/coco/v1/";

struct Socket {
  std::string host;
  int port = 0;
};

Result<Socket> parse_socket(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    return make_error(Kind::invalid, "socket " + text + " is not IP:port");
  }
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = 0;
  try {
    port = std::stoi(text.substr(colon + 1));
  } catch (const std::exception&) {
    return make_error(Kind::invalid, "socket " + text + " has no port number");
  }
  if (port < 0 || port > 65535) {
    return make_error(Kind::invalid, "socket " + text + " port is out of range");
  }
  return Socket{host, port};
}

bool is_loopback(const std::string& host) {
  if (host == "localhost" || host == "::1") {
    return true;
  }
  in_addr a{};
  return inet_pton(AF_INET, host.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

std::string new_request_id() { return hex_encode(crypto::random_bytes(12)); }

std::optional<std::string> cookie_value(const httplib::Request& req, std::string_view name) {
  const auto range = req.headers.equal_range("Cookie");
  for (auto it = range.first; it != range.second; ++it) {
    std::string_view all = it->second;
    while (!all.empty()) {
      const auto semi = all.find(';');
      std::string_view item = all.substr(0, semi);
      while (!item.empty() && item.front() == ' ') {
        item.remove_prefix(1);
      }
      const auto eq = item.find('=');
      if (eq != std::string_view::npos && item.substr(0, eq) == name) {
        return std::string(item.substr(eq + 1));
      }
      if (semi == std::string_view::npos) {
        break;
      }
      all.remove_prefix(semi + 1);
    }
  }
  return std::nullopt;
}

std::optional<std::string> header(const httplib::Request& req, const char* name) {
  if (!req.has_header(name)) {
    return std::nullopt;
  }
  return req.get_header_value(name);
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto slash = path.find('/', start);
    parts.emplace_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  return parts;
}

std::string join(const std::vector<std::string>& parts, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to && i < parts.size(); ++i) {
    if (!out.empty()) {
      out += '/';
    }
    out += parts[i];
  }
  return out;
}

// Per-request state: the id every response and audit entry carries, the route label for metrics.
struct Exchange {
  const httplib::Request& req;
  httplib::Response& res;
  std::string request_id = new_request_id();
  std::string route = "other";
  std::string actor = "anonymous";
};

} // namespace

struct Server::Impl {
  ServerOptions options;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<PolicyEngine> policies;
  std::unique_ptr<TokenBroker> broker;
  std::unique_ptr<TokenVerifier> verifier;
  std::unique_ptr<AttestationService> attestation;
  std::unique_ptr<AdminAuth> admin;
  Metrics metrics;
  TlsIdentity tls;
  bool https = true;
  std::vector<std::unique_ptr<httplib::Server>> servers;
  std::vector<std::thread> threads;
  std::vector<ListenAddress> addresses;
  std::atomic<unsigned> auth_count{0};
  std::mutex mutex;
  std::condition_variable stopped_cv;
  bool stopped = false;

  // ---- plumbing ----
  void reply_json(Exchange& x, int status, const nlohmann::json& body) {
    x.res.status = status;
    x.res.set_content(body.dump(), "application/json");
  }

  void refuse(Exchange& x, KbsError error, const std::string& action, const std::string& subject,
              nlohmann::json detail = nlohmann::json::object(), const std::string& attestation_id = {}) {
    error.request_id = x.request_id;
    log::warn("kbs: request " + x.request_id + " refused: " + std::string(error_kind_name(error.kind)) + ": " +
              error.detail + (error.reason.empty() ? "" : " (" + error.reason + ")"));
    detail["error"] = {{"type", std::string(error_kind_name(error.kind))}, {"detail", error.detail}};
    if (!error.reason.empty()) {
      detail["reason"] = error.reason;
    }
    audit(x, action, subject, "denied", std::move(detail), attestation_id);
    reply_json(x, http_status(error.kind), error.to_json());
  }

  void audit(Exchange& x, const std::string& action, const std::string& subject, const std::string& outcome,
             nlohmann::json detail = nlohmann::json::object(), const std::string& attestation_id = {}) {
    store::AuditEntry e;
    e.request_id = x.request_id;
    e.actor = x.actor;
    e.action = action;
    e.subject = subject;
    e.outcome = outcome;
    e.attestation_id = attestation_id;
    detail["method"] = x.req.method;
    detail["uri"] = x.req.target.empty() ? x.req.path : x.req.target;
    e.detail = std::move(detail);
    if (auto r = store->append_audit(e); !r) {
      log::error("kbs: audit write failed for request " + x.request_id + ": " + r.error().message);
    }
  }

  // Admin check; on refusal answers with `kind` and returns false.
  bool admin_allowed(Exchange& x, ErrorKind kind, const std::string& endpoint) {
    const std::string uri = x.req.target.empty() ? x.req.path : x.req.target;
    auto who = admin->check(uri, header(x.req, "Authorization"));
    if (!who) {
      KbsError e{kind, {}, who.error().message, {}};
      e.detail = kind == ErrorKind::admin_auth_access
                     ? "admin access denied for endpoint " + endpoint + ": " + who.error().message
                     : "failed to initialize [admin] configuration: " + who.error().message;
      refuse(x, e, "admin.refused", endpoint, {{"endpoint", endpoint}});
      return false;
    }
    x.actor = who->subject;
    return true;
  }

  // ---- RCAR ----
  void handle_auth(Exchange& x) {
    x.route = "auth";
    auto request = parse_request(x.req.body);
    if (!request) {
      refuse(x, {ErrorKind::attestation_error, "Attestation error: RCAR handshake Auth failed: " + request.error().message,
                 {}, {}},
             "rcar.auth", "");
      return;
    }
    const std::int64_t now = store::now_ms();
    store::Session s;
    s.id = new_session_id();
    s.nonce = new_nonce();
    s.tee = request->tee;
    s.created_at = now;
    s.expires_at = now + options.config.attestation_service.timeout_min * 60 * 1000;
    if (auto put = store->put_session(s); !put) {
      log::error("kbs: cannot store session: " + put.error().message);
      refuse(x, {ErrorKind::attestation_error, "Attestation error: RCAR handshake Auth failed: session storage error", {}, {}},
             "rcar.auth", "");
      return;
    }
    x.res.set_header("Set-Cookie", std::string(k_session_cookie) + "=" + s.id + "; Expires=" + http_date(s.expires_at));
    reply_json(x, 200, Challenge{s.nonce, ""}.to_json());
    // Expired sessions are purged now and then by whichever replica happens to be answering.
    if (++auth_count % 256 == 0) {
      if (auto purged = store->delete_expired_sessions(now); purged && *purged > 0) {
        log::debug("kbs: purged " + std::to_string(*purged) + " expired sessions");
      }
    }
  }

  void handle_attest(Exchange& x) {
    x.route = "attest";
    const KbsError failed{ErrorKind::attestation_error, "Attestation error: RCAR handshake Attest failed", {}, {}};
    auto fail = [&](std::string reason, nlohmann::json detail = nlohmann::json::object(), const std::string& sid = {}) {
      KbsError e = failed;
      e.reason = std::move(reason);
      refuse(x, e, "rcar.attest", "", std::move(detail), sid);
    };
    const auto sid = cookie_value(x.req, k_session_cookie);
    if (!sid) {
      fail("cookie not found");
      return;
    }
    auto message = Attestation::parse(x.req.body);
    if (!message) {
      fail("deserialize Attestation", {}, *sid);
      return;
    }
    auto session = store->get_session(*sid, store::now_ms());
    if (!session) {
      fail("session not found or expired", {}, *sid);
      return;
    }
    const std::string cookie = std::string(k_session_cookie) + "=" + session->id + "; Expires=" + http_date(session->expires_at);
    if (session->attested) {
      x.res.set_header("Set-Cookie", cookie);
      reply_json(x, 200, nlohmann::json{{"token", session->token}});
      return;
    }
    if (message->nonce != session->nonce) {
      metrics.count_attestation(session->tee, "failure");
      fail("the nonce in the handshake session is different from the client side in KBS protocol's Attestation message",
           {}, *sid);
      return;
    }
    auto outcome = message->tee_pubkey.is_object()
                       ? attestation->attest(session->tee, session->nonce, *message)
                       : Result<AttestationOutcome>(make_error(Kind::invalid, "tee-pubkey is not a JWK"));
    if (!outcome) {
      metrics.count_attestation(session->tee, "failure");
      fail("verify TEE evidence failed: " + outcome.error().message, {{"tee", session->tee}}, *sid);
      return;
    }
    if (auto saved = store->set_session_attested(session->id, outcome->token, outcome->claims.dump()); !saved) {
      metrics.count_attestation(session->tee, "failure");
      fail("session storage error", {}, *sid);
      return;
    }
    metrics.count_attestation(session->tee, outcome->appraisal.status);
    audit(x, "rcar.attest", session->tee, "ok", outcome->explanation, session->id);
    x.res.set_header("Set-Cookie", cookie);
    reply_json(x, 200, nlohmann::json{{"token", outcome->token}});
  }

  // ---- resource (plugin "resource") ----
  void handle_resource(Exchange& x, const std::vector<std::string>& rest) {
    const std::string path = join(rest, 0, rest.size());
    if (x.req.method == "POST" || x.req.method == "DELETE") {
      x.route = "admin:resource";
      if (!admin_allowed(x, ErrorKind::admin_auth_initialization, "resource")) {
        return;
      }
      auto valid = parse_resource_path(path);
      if (!valid) {
        refuse(x, {ErrorKind::plugin_internal_error, "Plugin internal error", valid.error().message, {}}, "resource.write", path);
        return;
      }
      if (x.req.method == "POST") {
        auto version = store->put_resource(path, as_bytes(x.req.body), x.actor);
        if (!version) {
          refuse(x, {ErrorKind::plugin_internal_error, "Plugin internal error", version.error().message, {}}, "resource.put", path);
          return;
        }
        audit(x, "resource.put", path, "ok", {{"version", *version}, {"size", x.req.body.size()}});
      } else {
        auto deleted = store->delete_resource(path);
        if (!deleted) {
          refuse(x, {ErrorKind::plugin_internal_error, "Plugin internal error", deleted.error().message, {}}, "resource.delete", path);
          return;
        }
        audit(x, "resource.delete", path, "ok");
      }
      x.res.status = 200;
      x.res.set_content("", "text/xml");
      return;
    }
    x.route = "resource";
    if (x.req.method != "GET") {
      refuse(x, {ErrorKind::plugin_internal_error, "Plugin internal error", "method not supported by the resource plugin", {}},
             "resource.release", path);
      return;
    }
    // The token: the cookie's attested session, else a Bearer token (passport mode).
    std::string token;
    std::string attestation_id;
    if (auto sid = cookie_value(x.req, k_session_cookie)) {
      if (auto s = store->get_session(*sid, store::now_ms()); s && s->attested) {
        token = s->token;
        attestation_id = s->id;
      }
    }
    if (token.empty()) {
      if (auto auth = header(x.req, "Authorization"); auth && auth->starts_with("Bearer ")) {
        token = auth->substr(7);
        attestation_id = "bearer";
      }
    }
    if (token.empty()) {
      metrics.count_release("no_token");
      refuse(x, token_not_found(), "resource.release", path);
      return;
    }
    auto claims = verifier->verify(token);
    if (!claims) {
      metrics.count_release("bad_token");
      refuse(x, {ErrorKind::token_verifier_error, "Token Verifier error", claims.error().message, {}}, "resource.release", path,
             {}, attestation_id);
      return;
    }
    nlohmann::json query = nlohmann::json::object();
    for (const auto& [k, v] : x.req.params) {
      query[k] = v;
    }
    const nlohmann::json data = {{"plugin", "resource"}, {"resource-path", rest}, {"query", query}};
    auto policy = store->get_policy(store::PolicyKind::resource, std::string(k_resource_policy_id));
    const std::string policy_text = policy ? policy->text : std::string(default_resource_policy());
    auto decision = policies->evaluate_resource(policy_text, *claims, data);
    if (!decision) {
      metrics.count_release("policy_error");
      refuse(x, {ErrorKind::policy_engine_error, "Policy engine error: " + decision.error().message, {}, {}},
             "resource.release", path, {}, attestation_id);
      return;
    }
    nlohmann::json explanation = {{"policy", std::string(k_resource_policy_id)},
                                  {"rule", decision->rule},
                                  {"allow", decision->allow},
                                  {"reason", decision->reason},
                                  {"inputs_read", decision->inputs_read},
                                  {"data", data}};
    if (!decision->allow) {
      metrics.count_release("denied");
      KbsError e = policy_deny();
      e.reason = decision->rule + " is false: " + decision->reason;
      refuse(x, e, "resource.release", path, explanation, attestation_id);
      return;
    }
    auto valid = parse_resource_path(path);
    auto resource = valid ? store->get_resource(path) : Result<store::Resource>(valid.error());
    if (!resource) {
      metrics.count_release("not_found");
      refuse(x, {ErrorKind::plugin_internal_error, "Plugin internal error", resource.error().message, {}}, "resource.release",
             path, explanation, attestation_id);
      return;
    }
    auto jwk = verifier->tee_pubkey(*claims);
    auto jwe = jwk ? seal_resource(*jwk, resource->value.bytes()) : Result<nlohmann::json>(jwk.error());
    if (!jwe) {
      metrics.count_release("jwe_error");
      refuse(x, {ErrorKind::jwe_error, "JWE failed", jwe.error().message, {}}, "resource.release", path, explanation,
             attestation_id);
      return;
    }
    metrics.count_release("released");
    explanation["version"] = resource->meta.version;
    audit(x, "resource.release", path, "ok", explanation, attestation_id);
    reply_json(x, 200, *jwe);
  }

  // ---- Trustee admin endpoints ----
  void handle_resource_policy(Exchange& x) {
    x.route = "admin:resource-policy";
    if (!admin_allowed(x, ErrorKind::admin_auth_access, "resource-policy")) {
      return;
    }
    if (x.req.method == "GET") {
      auto ids = store->list_policy_ids(store::PolicyKind::resource);
      if (!ids) {
        refuse(x, {ErrorKind::policy_engine_error, "Policy engine error: " + ids.error().message, {}, {}}, "policy.list", "");
        return;
      }
      reply_json(x, 200, *ids);
      return;
    }
    auto text = decode_policy_body(x, "policy.set");
    if (!text) {
      return;
    }
    if (auto checked = policies->check_resource_policy(*text); !checked) {
      refuse(x, {ErrorKind::parse_policy_error, "Failed to parse policy: " + checked.error().message, checked.error().hint, {}},
             "policy.set", std::string(k_resource_policy_id));
      return;
    }
    if (auto put = store->put_policy(store::PolicyKind::resource, std::string(k_resource_policy_id), *text); !put) {
      refuse(x, {ErrorKind::policy_engine_error, "Policy engine error: " + put.error().message, {}, {}}, "policy.set",
             std::string(k_resource_policy_id));
      return;
    }
    audit(x, "policy.set", std::string(k_resource_policy_id), "ok", {{"kind", "resource"}, {"size", text->size()}});
    x.res.status = 200;
  }

  // {"policy": base64url-no-pad} -> text; answers ParsePolicyError itself when malformed.
  std::optional<std::string> decode_policy_body(Exchange& x, const std::string& action,
                                                nlohmann::json* parsed_out = nullptr) {
    auto body = nlohmann::json::parse(x.req.body, nullptr, false);
    const auto bad = [&](const std::string& why) {
      refuse(x, {ErrorKind::parse_policy_error, "Failed to parse policy: " + why, {}, {}}, action, "");
      return std::nullopt;
    };
    if (body.is_discarded() || !body.is_object()) {
      return bad("Illegal SetPolicy Request Json");
    }
    if (!body.contains("policy")) {
      return bad("No `policy` field inside SetPolicy Request Json");
    }
    if (!body["policy"].is_string()) {
      return bad("`policy` field is not a string in SetPolicy Request Json");
    }
    auto raw = base64url_decode(body["policy"].get<std::string>());
    if (!raw) {
      return bad("Failed to decode policy: " + raw.error().message);
    }
    if (parsed_out != nullptr) {
      *parsed_out = body;
    }
    return std::string(raw->begin(), raw->end());
  }

  void handle_attestation_policy(Exchange& x) {
    x.route = "admin:attestation-policy";
    if (!admin_allowed(x, ErrorKind::admin_auth_access, "attestation-policy")) {
      return;
    }
    nlohmann::json body;
    auto text = decode_policy_body(x, "attestation-policy.set", &body);
    if (!text) {
      return;
    }
    const std::string id = body.contains("policy_id") && body["policy_id"].is_string() ? body["policy_id"].get<std::string>()
                                                                                        : std::string();
    const KbsError set_failed{ErrorKind::attestation_error, "Attestation error: Set Attestation Policy failed", {}, {}};
    if (id.empty()) {
      KbsError e = set_failed;
      e.reason = "no policy_id";
      refuse(x, e, "attestation-policy.set", "");
      return;
    }
    if (auto checked = policies->check_attestation_policy(*text); !checked) {
      KbsError e = set_failed;
      e.reason = checked.error().message + "; " + checked.error().hint;
      refuse(x, e, "attestation-policy.set", id);
      return;
    }
    if (auto put = store->put_policy(store::PolicyKind::attestation, id, *text); !put) {
      KbsError e = set_failed;
      e.reason = put.error().message;
      refuse(x, e, "attestation-policy.set", id);
      return;
    }
    audit(x, "attestation-policy.set", id, "ok", {{"size", text->size()}});
    x.res.status = 200;
  }

  void handle_reference_value(Exchange& x, const std::vector<std::string>& rest) {
    x.route = "admin:reference-value";
    if (!admin_allowed(x, ErrorKind::admin_auth_access, "reference-value")) {
      return;
    }
    if (x.req.method == "GET") {
      const std::string id = join(rest, 0, rest.size());
      auto rv = store->get_reference_value(id);
      if (!rv) {
        refuse(x, {ErrorKind::rvps_error,
                   "RVPS configuration failed: Failed to get reference_values: No reference value found for the given id: " + id,
                   {}, {}},
               "reference-value.get", id);
        return;
      }
      x.res.status = 200;
      x.res.set_content(rv->values.dump(), "application/json");
      return;
    }
    auto registered = register_reference_values(x.req.body);
    if (!registered) {
      refuse(x, {ErrorKind::rvps_error, "RVPS configuration failed: Failed to register reference value: " + registered.error().message,
                 {}, {}},
             "reference-value.set", "");
      return;
    }
    audit(x, "reference-value.set", join(*registered, 0, registered->size()), "ok", {{"names", *registered}});
    x.res.status = 200;
    x.res.set_content("", "application/json");
  }

  // An RVPS message (rvps.hpp): sample or swid.
  Result<std::vector<std::string>> register_reference_values(const std::string& body) {
    COCO_TRY(auto values, extract_reference_values(body));
    std::vector<std::string> names;
    for (const auto& rv : values) {
      COCO_TRY_STATUS(store->put_reference_value(rv.name, rv.value));
      names.push_back(rv.name);
    }
    return names;
  }

  // ---- coco's own admin endpoints (API.md) ----
  void handle_coco(Exchange& x, const std::vector<std::string>& parts) {
    x.route = "coco:" + (parts.empty() ? std::string() : parts[0]);
    if (!admin_allowed(x, ErrorKind::admin_auth_access, "coco/" + (parts.empty() ? std::string() : parts[0]))) {
      return;
    }
    const auto fail = [&](const Error& e, const std::string& action, const std::string& subject) {
      const ErrorKind kind = e.kind == Kind::not_found ? ErrorKind::plugin_internal_error : ErrorKind::plugin_internal_error;
      refuse(x, {kind, "Plugin internal error", e.message, {}}, action, subject);
    };
    const std::string& m = x.req.method;
    const std::string head = parts.empty() ? "" : parts[0];
    if (head == "resources" && parts.size() == 1 && m == "GET") {
      auto list = store->list_resources(x.req.get_param_value("include_deleted") == "true");
      if (!list) {
        return fail(list.error(), "resource.list", "");
      }
      nlohmann::json out = nlohmann::json::array();
      for (const auto& r : *list) {
        out.push_back({{"path", r.path}, {"latest_version", r.latest_version}, {"updated_at", r.updated_at}, {"deleted", r.deleted}});
      }
      return reply_json(x, 200, out);
    }
    if (head == "resource" && (parts.size() == 4 || parts.size() == 5)) {
      const std::string path = join(parts, 1, 4);
      if (auto valid = parse_resource_path(path); !valid) {
        return refuse(x, invalid_request_path(path), "resource.admin", path);
      }
      const std::string action = parts.size() == 5 ? parts[4] : "";
      if (action.empty() && m == "GET") {
        std::optional<std::int64_t> version;
        if (x.req.has_param("version")) {
          try {
            version = std::stoll(x.req.get_param_value("version"));
          } catch (const std::exception&) {
            return fail(make_error(Kind::invalid, "version is not a number"), "resource.read", path);
          }
        }
        auto r = store->get_resource(path, version);
        if (!r) {
          return fail(r.error(), "resource.read", path);
        }
        audit(x, "resource.read", path, "ok", {{"version", r->meta.version}});
        x.res.status = 200;
        x.res.set_header("X-Resource-Version", std::to_string(r->meta.version));
        x.res.set_content(std::string(r->value.view()), "application/octet-stream");
        return;
      }
      if (action == "history" && m == "GET") {
        auto h = store->resource_history(path);
        if (!h) {
          return fail(h.error(), "resource.history", path);
        }
        nlohmann::json out = nlohmann::json::array();
        for (const auto& v : *h) {
          out.push_back({{"version", v.version}, {"created_at", v.created_at}, {"created_by", v.created_by}, {"size", v.size}});
        }
        return reply_json(x, 200, out);
      }
      if (action == "rollback" && m == "POST") {
        std::int64_t version = 0;
        try {
          version = std::stoll(x.req.get_param_value("version"));
        } catch (const std::exception&) {
          return fail(make_error(Kind::invalid, "rollback needs ?version=N"), "resource.rollback", path);
        }
        auto v = store->rollback_resource(path, version, x.actor);
        if (!v) {
          return fail(v.error(), "resource.rollback", path);
        }
        audit(x, "resource.rollback", path, "ok", {{"from_version", version}, {"version", *v}});
        return reply_json(x, 200, {{"version", *v}});
      }
      if (action == "undelete" && m == "POST") {
        if (auto u = store->undelete_resource(path); !u) {
          return fail(u.error(), "resource.undelete", path);
        }
        audit(x, "resource.undelete", path, "ok");
        return reply_json(x, 200, nlohmann::json::object());
      }
    }
    if ((head == "resource-policy" || head == "attestation-policy") && parts.size() == 2 && m == "GET") {
      const auto kind = head == "resource-policy" ? store::PolicyKind::resource : store::PolicyKind::attestation;
      auto p = store->get_policy(kind, parts[1]);
      if (!p) {
        return fail(p.error(), head + ".read", parts[1]);
      }
      x.res.status = 200;
      x.res.set_content(p->text, "text/plain");
      return;
    }
    if (head == "attestation-policies" && parts.size() == 1 && m == "GET") {
      auto ids = store->list_policy_ids(store::PolicyKind::attestation);
      if (!ids) {
        return fail(ids.error(), "attestation-policy.list", "");
      }
      return reply_json(x, 200, *ids);
    }
    if (head == "reference-values" && parts.size() == 1 && m == "GET") {
      auto list = store->list_reference_values();
      if (!list) {
        return fail(list.error(), "reference-value.list", "");
      }
      nlohmann::json out = nlohmann::json::object();
      for (const auto& rv : *list) {
        out[rv.name] = rv.values;
      }
      return reply_json(x, 200, out);
    }
    if (head == "reference-value" && parts.size() >= 2 && m == "DELETE") {
      const std::string name = join(parts, 1, parts.size());
      if (auto d = store->delete_reference_value(name); !d) {
        return fail(d.error(), "reference-value.delete", name);
      }
      audit(x, "reference-value.delete", name, "ok");
      return reply_json(x, 200, nlohmann::json::object());
    }
    if ((head == "audit" && parts.size() == 1) || (head == "explain" && parts.size() == 2)) {
      if (m != "GET") {
        return refuse(x, plugin_not_found("coco/" + head), "coco", head);
      }
      store::AuditQuery q;
      if (head == "explain") {
        q.request_id = parts[1];
      } else {
        if (x.req.has_param("request_id")) {
          q.request_id = x.req.get_param_value("request_id");
        }
        if (x.req.has_param("subject")) {
          q.subject = x.req.get_param_value("subject");
        }
        if (x.req.has_param("limit")) {
          try {
            q.limit = std::stoll(x.req.get_param_value("limit"));
          } catch (const std::exception&) {
          }
        }
      }
      auto entries = store->query_audit(q);
      if (!entries) {
        return fail(entries.error(), "audit.read", "");
      }
      nlohmann::json out = nlohmann::json::array();
      for (const auto& e : *entries) {
        out.push_back({{"id", e.id}, {"at", e.at}, {"request_id", e.request_id}, {"actor", e.actor}, {"action", e.action},
                       {"subject", e.subject}, {"outcome", e.outcome}, {"attestation_id", e.attestation_id},
                       {"detail", e.detail}});
      }
      if (head == "explain") {
        if (out.empty()) {
          return fail(make_error(Kind::not_found, "no record of request " + parts[1]), "explain", parts[1]);
        }
        return reply_json(x, 200, {{"request_id", parts[1]}, {"entries", out}});
      }
      return reply_json(x, 200, out);
    }
    refuse(x, plugin_not_found("coco/" + head), "coco", head);
  }

  // ---- dispatch ----
  void handle_kbs(Exchange& x) {
    const std::string path = x.req.matches.size() > 1 ? std::string(x.req.matches[1]) : std::string();
    const auto parts = split_path(path);
    const std::string& plugin = parts[0];
    const std::vector<std::string> rest(parts.begin() + 1, parts.end());
    const std::string& m = x.req.method;
    if (plugin == "auth" && m == "POST") {
      return handle_auth(x);
    }
    if (plugin == "attest" && m == "POST") {
      return handle_attest(x);
    }
    if (plugin == "attestation-policy" && m == "POST") {
      return handle_attestation_policy(x);
    }
    if (plugin == "reference-value" && (m == "GET" || m == "POST")) {
      return handle_reference_value(x, rest);
    }
    if (plugin == "resource-policy" && (m == "GET" || m == "POST")) {
      return handle_resource_policy(x);
    }
    if (plugin == "resource" && options.config.has_resource_plugin()) {
      return handle_resource(x, rest);
    }
    x.route = "other";
    refuse(x, plugin_not_found(plugin), "plugin", plugin);
  }

  void serve(const httplib::Request& req, httplib::Response& res, const std::function<void(Exchange&)>& body) {
    const auto start = std::chrono::steady_clock::now();
    Exchange x{req, res};
    res.set_header("X-Request-Id", x.request_id);
    try {
      body(x);
    } catch (const std::exception& e) {
      log::error(std::string("kbs: internal error in request ") + x.request_id + ": " + e.what());
      KbsError err{ErrorKind::plugin_internal_error, "Plugin internal error", "internal error", x.request_id};
      reply_json(x, 401, err.to_json());
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    metrics.observe_request(x.route, req.method, res.status, seconds);
    log::info("kbs: request id=" + x.request_id + " method=" + req.method + " path=" + req.path +
              " route=" + x.route + " status=" + std::to_string(res.status) + " ms=" + std::to_string(seconds * 1000));
  }

  void install_routes(httplib::Server& svr) {
    const auto kbs = [this](const httplib::Request& req, httplib::Response& res) {
      serve(req, res, [this](Exchange& x) { handle_kbs(x); });
    };
    const std::string kbs_pattern = R"(/kbs/v0/(.*))";
    svr.Get(kbs_pattern, kbs);
    svr.Post(kbs_pattern, kbs);
    svr.Put(kbs_pattern, kbs);
    svr.Delete(kbs_pattern, kbs);
    // Registered before the /kbs/coco/v1/(.*) routes (httplib takes the first match): the JWKS is public.
    const auto jwks = [this](const httplib::Request& req, httplib::Response& res) {
      serve(req, res, [this](Exchange& x) {
        x.route = "jwks";
        reply_json(x, 200, broker->jwks());
      });
    };
    svr.Get("/.well-known/jwks.json", jwks);
    svr.Get(std::string(k_coco_prefix) + "jwks", jwks);
    const auto coco = [this](const httplib::Request& req, httplib::Response& res) {
      serve(req, res, [this](Exchange& x) {
        const std::string rest = x.req.matches.size() > 1 ? std::string(x.req.matches[1]) : std::string();
        handle_coco(x, split_path(rest));
      });
    };
    const std::string coco_pattern = std::string(k_coco_prefix) + "(.*)";
    svr.Get(coco_pattern, coco);
    svr.Post(coco_pattern, coco);
    svr.Delete(coco_pattern, coco);
    svr.Get("/healthz", [this](const httplib::Request& req, httplib::Response& res) {
      serve(req, res, [](Exchange& x) {
        x.route = "healthz";
        x.res.status = 200;
        x.res.set_content("ok\n", "text/plain");
      });
    });
    svr.Get("/readyz", [this](const httplib::Request& req, httplib::Response& res) {
      serve(req, res, [this](Exchange& x) {
        x.route = "readyz";
        const auto ping = store->ping();
        x.res.status = ping ? 200 : 503;
        x.res.set_content(ping ? "ready\n" : "store unavailable\n", "text/plain");
      });
    });
    svr.Get("/metrics", [this](const httplib::Request& req, httplib::Response& res) {
      serve(req, res, [this](Exchange& x) {
        x.route = "metrics";
        x.res.status = 200;
        x.res.set_content(metrics.render(), "text/plain; version=0.0.4");
      });
    });
    svr.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (res.body.empty() && res.status == 404) {
        res.set_content(R"({"detail":"not found"})", "application/json");
      }
    });
    // Small request/response pairs: without TCP_NODELAY, Nagle and delayed ACKs add ~40 ms per exchange.
    svr.set_tcp_nodelay(true);
    svr.set_payload_max_length(static_cast<std::size_t>(options.config.http_server.payload_request_size) * 1024 * 1024);
    if (options.config.http_server.worker_count && *options.config.http_server.worker_count > 0) {
      const auto n = static_cast<std::size_t>(*options.config.http_server.worker_count);
      svr.new_task_queue = [n] { return new httplib::ThreadPool(n); };
    }
  }

  std::unique_ptr<httplib::Server> make_http_server() {
    if (!https) {
      return std::make_unique<httplib::Server>();
    }
    const auto& http = options.config.http_server;
    const std::string cert = tls.certificate.string();
    const std::string key = tls.private_key.string();
    const std::string min_version = http.tls_min_version.value_or(http.tls_profile == "modern" ? "1.3" : "1.2");
    const std::string max_version = http.tls_max_version.value_or("1.3");
    const std::optional<std::string> ciphers = http.tls_ciphers;
    const std::optional<std::string> groups = http.tls_groups;
    return std::make_unique<httplib::SSLServer>([=](SSL_CTX& ctx) {
      SSL_CTX_set_min_proto_version(&ctx, min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION);
      SSL_CTX_set_max_proto_version(&ctx, max_version == "1.2" ? TLS1_2_VERSION : TLS1_3_VERSION);
      if (ciphers) {
        SSL_CTX_set_ciphersuites(&ctx, ciphers->c_str());
        SSL_CTX_set_cipher_list(&ctx, ciphers->c_str());
      }
      if (groups) {
        SSL_CTX_set1_groups_list(&ctx, groups->c_str());
      }
      return SSL_CTX_use_certificate_chain_file(&ctx, cert.c_str()) == 1 &&
             SSL_CTX_use_PrivateKey_file(&ctx, key.c_str(), SSL_FILETYPE_PEM) == 1 && SSL_CTX_check_private_key(&ctx) == 1;
    });
  }
};

Server::Server(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Server::~Server() { stop(); }

Result<std::unique_ptr<Server>> Server::create(ServerOptions options) {
  if (options.state_dir.empty()) {
    return make_error(Kind::usage, "no state directory given");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.state_dir, ec);
  if (ec) {
    return make_error(Kind::io, "cannot create state directory " + options.state_dir.string() + ": " + ec.message());
  }
  auto impl = std::make_unique<Impl>();
  auto& config = options.config;
  if (options.sockets) {
    config.http_server.sockets = *options.sockets;
  }
  if (options.insecure_http) {
    config.http_server.insecure_http = *options.insecure_http;
  }
  for (const auto& key : config.ignored) {
    log::warn("kbs: config key " + key + " is not used by coco-kbs and is ignored");
  }
  // Sockets and the plain-HTTP guard.
  for (const auto& s : config.http_server.sockets) {
    COCO_TRY(auto socket, parse_socket(s));
    if (config.http_server.insecure_http && !is_loopback(socket.host) && !options.allow_insecure_http_off_loopback) {
      return make_error(Kind::usage, "plain HTTP on " + s + " would expose secrets to the network",
                        "listen on 127.0.0.1, use HTTPS, or force it explicitly");
    }
  }
  impl->https = !config.http_server.insecure_http;
  if (impl->https) {
    const auto cert = options.tls_cert ? std::optional<std::string>(options.tls_cert->string()) : config.http_server.certificate;
    const auto key = options.tls_key ? std::optional<std::string>(options.tls_key->string()) : config.http_server.private_key;
    if (cert && key) {
      COCO_TRY(impl->tls, load_tls_identity(*cert, *key));
    } else if (cert || key) {
      return make_error(Kind::usage, "HTTPS needs both a certificate and a private key");
    } else {
      std::vector<std::string> hosts;
      for (const auto& s : config.http_server.sockets) {
        hosts.push_back(parse_socket(s)->host);
      }
      COCO_TRY(impl->tls, ensure_self_signed(options.state_dir, hosts));
      log::info(std::string("kbs: ") + (impl->tls.generated ? "created" : "using") + " self-signed certificate " +
                impl->tls.certificate.string());
    }
    log::info("kbs: TLS certificate SHA-256 fingerprint " + impl->tls.fingerprint);
  } else {
    log::warn("kbs: serving plain HTTP (insecure_http): use only on loopback or behind a TLS proxy");
  }
  // Store.
  store::StoreOptions so;
  so.database = options.database.empty() ? (options.state_dir / "kbs.db").string() : options.database;
  so.kek_path = options.kek_path.value_or(options.state_dir / "kek");
  COCO_TRY(impl->store, store::Store::open(so));
  log::info("kbs: store " + impl->store->engine() + " at schema version " + std::to_string(store::Store::schema_version()));
  COCO_TRY(bool installed, impl->store->put_policy_if_absent(store::PolicyKind::resource, std::string(k_resource_policy_id),
                                                             std::string(default_resource_policy())));
  if (installed) {
    log::info("kbs: installed the default resource policy");
  }
  impl->policies = make_policy_engine();
  log::info("kbs: policy engine: " + impl->policies->name());
  COCO_TRY(impl->broker, TokenBroker::create(config.attestation_service.token_broker, options.state_dir / "token-signer.pem"));
  ClientOptions key_fetch;  // https:// key sources of [admin] identity providers and trusted_jwk_sets
  if (options.key_source_cacert) {
    key_fetch.cacert = options.key_source_cacert->string();
  }
  COCO_TRY(impl->verifier, TokenVerifier::create(config.attestation_token, impl->broker.get(), key_fetch));
  impl->attestation = std::make_unique<AttestationService>(*impl->store, *impl->policies, *impl->broker,
                                                           config.attestation_service.token_broker.verbose_token,
                                                           options.verifier);
  if (options.verifier.sim_dir) {
    log::warn("kbs: INSECURE: trusting the simulated SEV-SNP/TDX roots in " + options.verifier.sim_dir->string() +
              ": evidence signed by them is accepted (its claims carry \"simulated\": true); for tests and demos only");
  }
  COCO_TRY(impl->admin, AdminAuth::create(config.admin, key_fetch));
  impl->options = std::move(options);
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Status Server::start() {
  auto& impl = *m_impl;
  for (const auto& s : impl.options.config.http_server.sockets) {
    COCO_TRY(auto socket, parse_socket(s));
    auto svr = impl.make_http_server();
    if (!svr->is_valid()) {
      return make_error(Kind::invalid, "cannot set up TLS with " + impl.tls.certificate.string());
    }
    impl.install_routes(*svr);
    int port = socket.port;
    if (port == 0) {
      port = svr->bind_to_any_port(socket.host);
      if (port < 0) {
        return make_error(Kind::network, "cannot listen on " + s);
      }
    } else if (!svr->bind_to_port(socket.host, port)) {
      return make_error(Kind::network, "cannot listen on " + s, "is another server using the port?");
    }
    const std::string host = socket.host.find(':') != std::string::npos ? "[" + socket.host + "]" : socket.host;
    impl.addresses.push_back({socket.host, port, std::string(impl.https ? "https://" : "http://") + host + ":" + std::to_string(port)});
    log::info("kbs: listening on " + impl.addresses.back().url);
    httplib::Server* raw = svr.get();
    impl.servers.push_back(std::move(svr));
    impl.threads.emplace_back([&impl, raw] {
      raw->listen_after_bind();
      std::lock_guard lock(impl.mutex);
      impl.stopped = true;
      impl.stopped_cv.notify_all();
    });
  }
  return ok();
}

void Server::wait() {
  std::unique_lock lock(m_impl->mutex);
  m_impl->stopped_cv.wait(lock, [this] { return m_impl->stopped; });
}

void Server::stop() {
  if (!m_impl) {
    return;
  }
  for (auto& svr : m_impl->servers) {
    svr->stop();
  }
  for (auto& t : m_impl->threads) {
    if (t.joinable()) {
      t.join();
    }
  }
  m_impl->threads.clear();
  std::lock_guard lock(m_impl->mutex);
  m_impl->stopped = true;
  m_impl->stopped_cv.notify_all();
}

const std::vector<ListenAddress>& Server::addresses() const { return m_impl->addresses; }
const std::string& Server::tls_fingerprint() const { return m_impl->tls.fingerprint; }
const std::filesystem::path& Server::tls_certificate() const { return m_impl->tls.certificate; }
store::Store& Server::store() { return *m_impl->store; }

} // namespace coco::kbs
