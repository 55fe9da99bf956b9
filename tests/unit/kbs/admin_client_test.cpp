// The admin client library: request bytes per call (shared/spec/kbs-protocol.md "Admin API"), admin tokens,
// the curl line, error mapping (a recording httplib server plays Trustee), and contexts in config.toml.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <httplib.h>
#include <toml++/toml.h>

#include <mutex>
#include <thread>

#include "common/base/atomic_file.hpp"
#include "common/base/encoding.hpp"
#include "common/jose/jwt.hpp"
#include "common/kbs/admin_client.hpp"
#include "common/kbs/contexts.hpp"
#include "common/kbs/server.hpp"
#include "tests/unit/test_util.hpp"

namespace coco::kbs {
namespace {

struct Recorded {
  std::string method;
  std::string path;
  std::string authorization;
  std::string content_type;
  std::string body;
};

// A plain-HTTP server on 127.0.0.1 that records each request and answers as Trustee would: 200 for its own
// admin endpoints (or 401 when told to), a bare 404 for anything else.
class FakeTrustee {
public:
  explicit FakeTrustee(int admin_status = 200) {
    auto handler = [this, admin_status](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(m_mutex);
        m_requests.push_back({req.method, req.target, req.get_header_value("Authorization"),
                              req.get_header_value("Content-Type"), req.body});
      }
      if (!req.path.starts_with("/kbs/v0/")) {
        res.status = 404;
        return;
      }
      res.status = admin_status;
      if (admin_status == 401) {
        res.set_content(R"({"type":"https://github.com/confidential-containers/kbs/errors/AdminAuthAccess","detail":"Admin access denied: Cannot verify token with any of the issuers"})",
                        "application/json");
      }
    };
    m_server.Get(".*", handler);
    m_server.Post(".*", handler);
    m_server.Delete(".*", handler);
    m_port = m_server.bind_to_any_port("127.0.0.1");
    m_thread = std::thread([this] { m_server.listen_after_bind(); });
  }
  ~FakeTrustee() {
    m_server.stop();
    m_thread.join();
  }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  [[nodiscard]] std::vector<Recorded> requests() {
    std::lock_guard lock(m_mutex);
    return m_requests;
  }

private:
  httplib::Server m_server;
  int m_port = 0;
  std::thread m_thread;
  std::mutex m_mutex;
  std::vector<Recorded> m_requests;
};

crypto::PrivateKey write_key(const std::filesystem::path& path) {
  auto key = crypto::PrivateKey::generate_ed25519();
  REQUIRE(key);
  REQUIRE(key->write_pem_file(path));
  return std::move(*key);
}

} // namespace

TEST_CASE("resource policy upload is {\"policy\": base64url without padding of the Rego}", "[kbs][admin-client]") {
  const std::string rego = "package policy\ndefault allow = true\n??";  // "??" encodes to '/' in std base64
  const AdminRequest r = admin::resource_policy_set(rego);
  CHECK(r.method == "POST");
  CHECK(r.path == "/kbs/v0/resource-policy");
  CHECK(r.content_type == "application/json");
  const auto doc = nlohmann::json::parse(r.body);
  CHECK(doc.size() == 1);
  const std::string encoded = doc["policy"].get<std::string>();
  CHECK(encoded.find_first_of("=+/") == std::string::npos);
  auto decoded = base64url_decode(encoded);
  REQUIRE(decoded);
  CHECK(as_string(*decoded) == rego);
}

TEST_CASE("attestation policy upload carries type, policy_id and policy in kbs-client's order", "[kbs][admin-client]") {
  const AdminRequest r = admin::attestation_policy_set("default_cpu", "package policy\n");
  CHECK(r.path == "/kbs/v0/attestation-policy");
  CHECK(r.body == "{\"type\":\"rego\",\"policy_id\":\"default_cpu\",\"policy\":\"" + base64url_encode(std::string("package policy\n")) + "\"}");
}

TEST_CASE("a plain reference-value object becomes an RVPS sample message with a std base64 payload", "[kbs][admin-client]") {
  auto message = admin::reference_value_message_from_text(R"({"svn":["1"],"launch_digest":["abcde"]})");
  REQUIRE(message);
  CHECK((*message)["version"] == "0.1.0");
  CHECK((*message)["type"] == "sample");
  auto payload = base64_decode((*message)["payload"].get<std::string>());
  REQUIRE(payload);
  CHECK(nlohmann::json::parse(as_string(*payload)) == nlohmann::json::parse(R"({"svn":["1"],"launch_digest":["abcde"]})"));
}

TEST_CASE("an RVPS message from the shared vectors is sent unchanged", "[kbs][admin-client]") {
  auto text = read_file(test::vectors_dir() / "evidence" / "rvps" / "made-here-sample-message-sample.json");
  REQUIRE(text);
  auto message = admin::reference_value_message_from_text(*text);
  REQUIRE(message);
  CHECK(*message == nlohmann::json::parse(*text));
  const AdminRequest r = admin::reference_value_register(*message);
  CHECK(nlohmann::json::parse(r.body) == nlohmann::json::parse(*text));
  CHECK(r.path == "/kbs/v0/reference-value");
}

TEST_CASE("an RVPS message with an unknown type or a bad sample payload is refused", "[kbs][admin-client]") {
  CHECK_FALSE(admin::reference_value_message_from_text(R"({"version":"0.1.0","type":"nope","payload":"e30="})"));
  CHECK_FALSE(admin::reference_value_message_from_text(R"({"version":"0.1.0","type":"sample","payload":"not base64!"})"));
  CHECK_FALSE(admin::reference_value_message_from_text("[1,2]"));
  CHECK_FALSE(admin::reference_value_message_from_text("{}"));
}

TEST_CASE("a SWID tag or a CoRIM file becomes the RVPS message of its type with the file's bytes as std base64", "[kbs][admin-client]") {
  auto rim = read_file(test::vectors_dir() / "evidence" / "rvps" / "trustee-swid-test-rim.b64");
  REQUIRE(rim);
  auto xml = base64_decode_any(*rim);
  REQUIRE(xml);
  for (const char* type : {"auto", "swid"}) {
    auto message = admin::reference_value_message_of(type, as_string(*xml));
    REQUIRE(message);
    CHECK((*message)["type"] == "swid");
    auto payload = base64_decode((*message)["payload"].get<std::string>());
    REQUIRE(payload);
    CHECK(*payload == *xml);
  }
  auto cbor = read_file(test::vectors_dir() / "evidence" / "rvps" / "trustee-unsigned-example-corim.cbor");
  REQUIRE(cbor);
  auto corim = admin::reference_value_message_of("corim", *cbor);
  REQUIRE(corim);
  CHECK(*corim == nlohmann::json{{"version", "0.1.0"}, {"type", "corim"}, {"payload", base64_encode(*cbor)}});
  // auto keeps the JSON forms; a type that does not fit the content is refused, naming the type.
  auto sample = admin::reference_value_message_of("auto", R"({"svn":["1"]})");
  REQUIRE(sample);
  CHECK((*sample)["type"] == "sample");
  auto not_xml = admin::reference_value_message_of("swid", R"({"svn":["1"]})");
  REQUIRE_FALSE(not_xml);
  CHECK(not_xml.error().message.find("swid") != std::string::npos);
  CHECK_FALSE(admin::reference_value_message_of("sample", as_string(*xml)));
  CHECK_FALSE(admin::reference_value_message_of("corim", ""));
  CHECK_FALSE(admin::reference_value_message_of("in-toto", "x"));
}

TEST_CASE("resource paths must be three Trustee path segments", "[kbs][admin-client]") {
  CHECK(check_resource_path("default/key/app-1.v2"));
  CHECK_FALSE(check_resource_path("default/key"));
  CHECK_FALSE(check_resource_path("a/b/c/d"));
  CHECK_FALSE(check_resource_path("a//c"));
  CHECK_FALSE(check_resource_path("a/.b/c"));
  CHECK_FALSE(check_resource_path("a/b/c?x=1"));
  CHECK_FALSE(check_resource_path("../b/c"));
}

TEST_CASE("coco-only calls go under /kbs/coco/v1 and Trustee calls under /kbs/v0", "[kbs][admin-client]") {
  CHECK(admin::resource_get("a/b/c", 3).path == "/kbs/coco/v1/resource/a/b/c?version=3");
  CHECK(admin::resource_get("a/b/c").coco_only);
  CHECK(admin::resource_list(true).path == "/kbs/coco/v1/resources?include_deleted=true");
  CHECK(admin::resource_history("a/b/c").path == "/kbs/coco/v1/resource/a/b/c/history");
  CHECK(admin::resource_rollback("a/b/c", 2).path == "/kbs/coco/v1/resource/a/b/c/rollback?version=2");
  CHECK(admin::resource_undelete("a/b/c").method == "POST");
  CHECK(admin::reference_value_delete("svn").path == "/kbs/coco/v1/reference-value/svn");
  CHECK(admin::reference_value_delete("svn").method == "DELETE");
  CHECK(admin::reference_value_list().path == "/kbs/coco/v1/reference-values");
  CHECK(admin::resource_policy_get("resource-policy").path == "/kbs/coco/v1/resource-policy/resource-policy");
  CHECK_FALSE(admin::resource_delete("a/b/c").coco_only);
  CHECK(admin::resource_delete("a/b/c").path == "/kbs/v0/resource/a/b/c");
  CHECK(admin::reference_value_get("svn").path == "/kbs/v0/reference-value/svn");
}

TEST_CASE("an admin token has alg and typ JWT in its header and role, iat, exp, iss, aud claims", "[kbs][admin-client]") {
  auto key = crypto::PrivateKey::generate_ec(crypto::Curve::p256);
  REQUIRE(key);
  AdminTokenOptions options;
  options.issuer = "ci";
  options.audience = "kbs";
  options.ttl_seconds = 120;
  options.now = [] { return std::int64_t{1'700'000'000}; };
  auto token = mint_admin_token(*key, options);
  REQUIRE(token);
  auto jwt = jose::jwt_decode_unverified(*token);
  REQUIRE(jwt);
  CHECK(jwt->header["alg"] == "ES256");
  CHECK(jwt->header["typ"] == "JWT");
  CHECK(jwt->claims["role"] == "admin");
  CHECK(jwt->claims["iss"] == "ci");
  CHECK(jwt->claims["aud"] == "kbs");
  CHECK(jwt->claims["iat"] == 1'700'000'000);
  CHECK(jwt->claims["exp"] == 1'700'000'120);
  jose::JwtVerifyOptions verify;
  verify.now = options.now;
  verify.issuer = "ci";
  verify.audience = "kbs";
  CHECK(jose::jwt_verify(*token, key->public_key(), verify));
}

TEST_CASE("an admin token without issuer or audience carries neither claim; an empty role is refused", "[kbs][admin-client]") {
  auto key = crypto::PrivateKey::generate_ed25519();
  REQUIRE(key);
  auto token = mint_admin_token(*key, AdminTokenOptions{});
  REQUIRE(token);
  auto jwt = jose::jwt_decode_unverified(*token);
  REQUIRE(jwt);
  CHECK(jwt->header["alg"] == "EdDSA");
  CHECK_FALSE(jwt->claims.contains("iss"));
  CHECK_FALSE(jwt->claims.contains("aud"));
  AdminTokenOptions no_role;
  no_role.role.clear();
  CHECK_FALSE(mint_admin_token(*key, no_role));
}

TEST_CASE("the curl line elides the token and never inlines a secret value", "[kbs][admin-client]") {
  test::TempDir dir;
  write_key(dir / "admin.key");
  AdminEndpoint e;
  e.url = "https://kbs.example:8080/";
  e.admin_key = (dir / "admin.key").string();
  e.cacert = "/etc/kbs ca.pem";
  AdminClient client(e);
  AdminRequest put = admin::resource_set("a/b/c", "TOP-SECRET");
  const std::string from_stdin = client.curl_command(put);
  CHECK(from_stdin.find("TOP-SECRET") == std::string::npos);
  CHECK(from_stdin.find("--data-binary @-") != std::string::npos);
  CHECK(from_stdin.find("\"Authorization: Bearer $TOKEN\"") != std::string::npos);
  CHECK(from_stdin.find("--cacert '/etc/kbs ca.pem'") != std::string::npos);
  CHECK(from_stdin.find("'Content-Type: application/octet-stream'") != std::string::npos);
  CHECK(from_stdin.ends_with(" https://kbs.example:8080/kbs/v0/resource/a/b/c"));
  put.body_file = "key.bin";
  CHECK(client.curl_command(put).find("--data-binary @key.bin") != std::string::npos);
  const std::string del = client.curl_command(admin::resource_delete("a/b/c"));
  CHECK(del.find("-X DELETE") != std::string::npos);
  const std::string policy = client.curl_command(admin::resource_policy_set("package policy\n"));
  CHECK(policy.find("--data-binary '{\"policy\":") != std::string::npos);
}

TEST_CASE("requests reach the server with the bearer token, content type and body of the spec", "[kbs][admin-client]") {
  FakeTrustee trustee;
  test::TempDir dir;
  auto key = write_key(dir / "admin.key");
  AdminEndpoint e;
  e.url = trustee.url();
  e.admin_key = (dir / "admin.key").string();
  AdminClient client(e);
  REQUIRE(client.send(admin::resource_set("default/key/one", std::string("\x00\x01value", 7))));
  REQUIRE(client.send(admin::resource_delete("default/key/one")));
  const auto seen = trustee.requests();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].path == "/kbs/v0/resource/default/key/one");
  CHECK(seen[0].content_type == "application/octet-stream");
  CHECK(seen[0].body == std::string("\x00\x01value", 7));
  REQUIRE(seen[0].authorization.starts_with("Bearer "));
  auto jwt = jose::jwt_verify(seen[0].authorization.substr(7), key.public_key());
  REQUIRE(jwt);
  CHECK(jwt->claims["role"] == "admin");
  CHECK(jwt->claims["exp"].get<std::int64_t>() - jwt->claims["iat"].get<std::int64_t>() == 300);
  CHECK(seen[1].method == "DELETE");
  CHECK(seen[1].body.empty());
}

TEST_CASE("a token file is sent as read, without its trailing newline", "[kbs][admin-client]") {
  FakeTrustee trustee;
  test::TempDir dir;
  REQUIRE(write_file_atomic(dir / "token", "abc.def.ghi\n", 0600));
  AdminEndpoint e;
  e.url = trustee.url();
  e.admin_token_file = (dir / "token").string();
  REQUIRE(AdminClient(e).send(admin::resource_policy_list()));
  REQUIRE(trustee.requests().size() == 1);
  CHECK(trustee.requests()[0].authorization == "Bearer abc.def.ghi");
}

TEST_CASE("a coco-only call answered with a bare 404 says Trustee's API lacks it", "[kbs][admin-client]") {
  FakeTrustee trustee;
  AdminEndpoint e;
  e.url = trustee.url();
  auto got = AdminClient(e).send(admin::resource_get("a/b/c"));
  REQUIRE_FALSE(got);
  CHECK(got.error().kind == Kind::unsupported);
  CHECK(got.error().message == "this server has no admin read (Trustee's API lacks it); coco-kbs serve has it");
  CHECK(exit_code_for(got.error().kind) == 1);
}

TEST_CASE("a 401 from the admin API is denied with a hint about the admin key", "[kbs][admin-client]") {
  FakeTrustee trustee(401);
  test::TempDir dir;
  write_key(dir / "admin.key");
  AdminEndpoint e;
  e.url = trustee.url();
  e.admin_key = (dir / "admin.key").string();
  auto got = AdminClient(e).send(admin::resource_delete("a/b/c"));
  REQUIRE_FALSE(got);
  CHECK(got.error().kind == Kind::denied);
  CHECK(got.error().message.find("Cannot verify token") != std::string::npos);
  CHECK(got.error().hint.find("is the admin key the one the server was started with?") != std::string::npos);
}

TEST_CASE("a refused connection is a network error whose hint says to check --url", "[kbs][admin-client]") {
  // Bind and close a port so nothing listens there.
  int port = 0;
  {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port = ntohs(addr.sin_port);
    ::close(fd);
  }
  AdminEndpoint e;
  e.url = "http://127.0.0.1:" + std::to_string(port);
  auto got = AdminClient(e).send(admin::resource_policy_list());
  REQUIRE_FALSE(got);
  CHECK(got.error().kind == Kind::network);
  CHECK(got.error().hint.find("--url") != std::string::npos);
}

TEST_CASE("status of a Trustee-like server: reachable, no coco extensions, admin accepted", "[kbs][admin-client]") {
  FakeTrustee trustee;
  test::TempDir dir;
  write_key(dir / "admin.key");
  AdminEndpoint e;
  e.url = trustee.url();
  e.admin_key = (dir / "admin.key").string();
  const ServerStatus s = AdminClient(e).status();
  CHECK(s.reachable);
  CHECK_FALSE(s.tls);
  CHECK_FALSE(s.coco_extensions);
  CHECK(s.admin == "accepted");
}

TEST_CASE("contexts round-trip through config.toml, keep other keys and are written 0600", "[kbs][admin-client]") {
  test::TempDir dir;
  const auto file = dir / "coco" / "config.toml";
  std::filesystem::create_directories(file.parent_path());
  REQUIRE(write_file_atomic(file, "output = \"json\"\n[kbs]\nurl = \"https://plain\"\n", 0644));
  KbsContexts contexts;
  contexts.current = "prod";
  contexts.contexts.push_back({"prod", "https://prod:8080", "/k/admin.key", "", "/k/ca.pem", false});
  contexts.contexts.push_back({"dev", "http://127.0.0.1:8080", "", "/k/token", "", true});
  REQUIRE(save_contexts(file, contexts));
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto text = read_file(file);
  REQUIRE(text);
  const toml::table kept = toml::parse(*text);
  CHECK(kept["output"].value<std::string>() == "json");
  CHECK(kept["kbs"]["url"].value<std::string>() == "https://plain");
  auto loaded = load_contexts(file);
  REQUIRE(loaded);
  CHECK(loaded->current == "prod");
  REQUIRE(loaded->contexts.size() == 2);
  CHECK(loaded->contexts[0].name == "dev");
  CHECK(loaded->contexts[0].admin_token_file == "/k/token");
  CHECK(loaded->contexts[0].insecure_skip_tls_verify);
  CHECK(loaded->contexts[1].cacert == "/k/ca.pem");
}

TEST_CASE("explicit connection values beat the context, which beats plain config keys", "[kbs][admin-client]") {
  KbsContexts contexts;
  contexts.current = "prod";
  contexts.contexts.push_back({"prod", "https://prod:8080", "/k/admin.key", "", "/k/ca.pem", false});
  contexts.contexts.push_back({"dev", "https://dev:8080", "", "/k/token", "", true});
  EndpointSources from_config;
  from_config.url = {"https://plain", false};
  auto e = resolve_endpoint(from_config, contexts);
  REQUIRE(e);
  CHECK(e->url == "https://prod:8080");
  CHECK(e->admin_key == "/k/admin.key");
  CHECK(e->cacert == "/k/ca.pem");

  EndpointSources flags;
  flags.url = {"https://flag", true};
  flags.admin_token_file = {"/flag/token", true};
  flags.context = "prod";
  e = resolve_endpoint(flags, contexts);
  REQUIRE(e);
  CHECK(e->url == "https://flag");
  CHECK(e->admin_token_file == "/flag/token");
  CHECK(e->admin_key.empty());  // the explicit credential replaces the context's as a whole

  EndpointSources dev;
  dev.context = "dev";
  e = resolve_endpoint(dev, contexts);
  REQUIRE(e);
  CHECK(e->insecure_skip_tls_verify);
  CHECK(e->admin_token_file == "/k/token");

  EndpointSources missing;
  missing.context = "nope";
  auto bad = resolve_endpoint(missing, contexts);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == Kind::not_found);
  CHECK(bad.error().hint.find("dev, prod") != std::string::npos);
}

TEST_CASE("a key uploaded to Trustee is confirmed by the status code alone", "[kbs][admin-client]") {
  FakeTrustee trustee;
  AdminEndpoint e;
  e.url = trustee.url();
  auto up = upload_key(AdminClient(e), "default/key/img", Secret::from_string("0123456789abcdef0123456789abcdef"));
  REQUIRE(up);
  CHECK(up->confirmed_by == "status code");
  const auto seen = trustee.requests();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].body == "0123456789abcdef0123456789abcdef");
  CHECK(seen[1].path == "/kbs/coco/v1/resource/default/key/img");
}

TEST_CASE("a refused key upload fails and is not confirmed", "[kbs][admin-client]") {
  FakeTrustee trustee(401);
  AdminEndpoint e;
  e.url = trustee.url();
  auto up = upload_key(AdminClient(e), "default/key/img", Secret::from_string("k"));
  REQUIRE_FALSE(up);
  CHECK(up.error().kind == Kind::denied);
  CHECK(up.error().message.starts_with("uploading the key to kbs:///default/key/img"));
  CHECK(trustee.requests().size() == 1);
}

TEST_CASE("a key uploaded to coco-kbs serve is confirmed by reading it back", "[kbs][admin-client]") {
  test::TempDir dir;
  ServerOptions options;
  options.config = default_kbs_config();
  options.config.admin.mode = AdminMode::insecure_allow_all;
  options.state_dir = dir / "state";
  options.sockets = std::vector<std::string>{"127.0.0.1:0"};
  auto server = Server::create(std::move(options));
  REQUIRE(server);
  REQUIRE((*server)->start());
  AdminEndpoint e;
  e.url = "https://127.0.0.1:" + std::to_string((*server)->addresses()[0].port);
  e.cacert = (*server)->tls_certificate().string();
  const AdminClient client(e);
  auto up = upload_key(client, "default/key/img", Secret::from_string("first-key"));
  REQUIRE(up);
  CHECK(up->confirmed_by == "admin read-back");
  auto again = upload_key(client, "default/key/img", Secret::from_string("second-key"));
  REQUIRE(again);
  auto back = client.send(admin::resource_get("default/key/img"));
  REQUIRE(back);
  CHECK(back->response.body == "second-key");
  const ServerStatus s = client.status();
  CHECK(s.coco_extensions);
  CHECK(s.tls_verified);
  CHECK(s.protocol_version == "0.4.0");
  CHECK_FALSE(s.fingerprint.empty());
  (*server)->stop();
}

} // namespace coco::kbs
