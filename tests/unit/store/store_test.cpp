#include "common/store/store.hpp"

#include <sys/stat.h>

#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "common/base/atomic_file.hpp"
#include "tests/unit/store/pg_server.hpp"
#include "tests/unit/test_util.hpp"

using namespace coco;
using namespace coco::store;

namespace {

struct Opened {
  std::unique_ptr<test::TempDir> dir = std::make_unique<test::TempDir>();
  std::unique_ptr<Store> store;
};

Opened open_engine(const std::string& engine) {
  Opened o;
  StoreOptions options;
  options.kek_path = o.dir->path() / "keys" / "kek";
  options.database = engine == "sqlite" ? (o.dir->path() / "kbs.db").string()
                                        : test::PostgresServer::instance().fresh_database();
  auto store = Store::open(options);
  if (!store) {
    FAIL("open " << engine << ": " << store.error().message);
  }
  o.store = std::move(*store);
  return o;
}

std::string text_of(const Resource& r) { return std::string(r.value.view()); }

} // namespace

TEST_CASE("a put creates a new version and a get returns the latest unless one is named", "[store]") {
  const std::string engine = GENERATE("sqlite", "postgres");
  auto o = open_engine(engine);
  auto& s = *o.store;
  CHECK(s.engine() == engine);
  REQUIRE(*s.put_resource("default/key/one", as_bytes("first"), "alice") == 1);
  REQUIRE(*s.put_resource("default/key/one", as_bytes("second"), "bob") == 2);
  auto latest = s.get_resource("default/key/one");
  REQUIRE(latest);
  CHECK(text_of(*latest) == "second");
  CHECK(latest->meta.version == 2);
  CHECK(latest->meta.created_by == "bob");
  auto first = s.get_resource("default/key/one", 1);
  REQUIRE(first);
  CHECK(text_of(*first) == "first");
  CHECK(s.get_resource("default/key/one", 3).error().kind == Kind::not_found);
  CHECK(s.get_resource("default/key/other").error().kind == Kind::not_found);
}

TEST_CASE("history lists every version with its size and author but no value", "[store]") {
  const std::string engine = GENERATE("sqlite", "postgres");
  auto o = open_engine(engine);
  auto& s = *o.store;
  REQUIRE(s.put_resource("a/b/c", as_bytes("12345"), "alice"));
  REQUIRE(s.put_resource("a/b/c", as_bytes("1"), "bob"));
  auto history = s.resource_history("a/b/c");
  REQUIRE(history);
  REQUIRE(history->size() == 2);
  CHECK((*history)[0].version == 1);
  CHECK((*history)[0].size == 5);
  CHECK((*history)[0].created_by == "alice");
  CHECK((*history)[1].version == 2);
  CHECK((*history)[1].size == 1);
  CHECK(s.resource_history("x/y/z").error().kind == Kind::not_found);
}

TEST_CASE("rollback re-puts an old value as a new version", "[store]") {
  const std::string engine = GENERATE("sqlite", "postgres");
  auto o = open_engine(engine);
  auto& s = *o.store;
  REQUIRE(s.put_resource("a/b/c", as_bytes("good"), "alice"));
  REQUIRE(s.put_resource("a/b/c", as_bytes("bad"), "alice"));
  auto v = s.rollback_resource("a/b/c", 1, "carol");
  REQUIRE(v);
  CHECK(*v == 3);
  auto latest = s.get_resource("a/b/c");
  REQUIRE(latest);
  CHECK(text_of(*latest) == "good");
  CHECK(latest->meta.created_by == "carol");
  CHECK(s.rollback_resource("a/b/c", 9, "carol").error().kind == Kind::not_found);
}

TEST_CASE("a soft-deleted resource reads as absent until undeleted, with its versions kept", "[store]") {
  const std::string engine = GENERATE("sqlite", "postgres");
  auto o = open_engine(engine);
  auto& s = *o.store;
  REQUIRE(s.put_resource("a/b/c", as_bytes("v1"), "alice"));
  REQUIRE(s.put_resource("a/b/d", as_bytes("other"), "alice"));
  REQUIRE(s.delete_resource("a/b/c"));
  CHECK(s.get_resource("a/b/c").error().kind == Kind::not_found);
  CHECK(s.get_resource("a/b/c", 1).error().kind == Kind::not_found);
  CHECK(s.delete_resource("a/b/c").error().kind == Kind::not_found);
  auto live = s.list_resources(false);
  REQUIRE(live);
  REQUIRE(live->size() == 1);
  CHECK((*live)[0].path == "a/b/d");
  auto all = s.list_resources(true);
  REQUIRE(all);
  CHECK(all->size() == 2);
  REQUIRE(s.undelete_resource("a/b/c"));
  auto back = s.get_resource("a/b/c");
  REQUIRE(back);
  CHECK(text_of(*back) == "v1");
  CHECK(s.undelete_resource("a/b/c").error().kind == Kind::not_found);
}

TEST_CASE("resource values are sealed at rest under the key file, not stored in clear", "[store]") {
  test::TempDir dir;
  const std::string marker = "SECRET-MARKER-7f3a9c";
  {
    auto store = Store::open({(dir / "kbs.db").string(), dir / "kek"});
    REQUIRE(store);
    REQUIRE((*store)->put_resource("a/b/c", as_bytes(marker), "alice"));
  }
  struct stat st {};
  REQUIRE(::stat((dir / "kek").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  for (const auto& name : {"kbs.db", "kbs.db-wal"}) {
    if (std::filesystem::exists(dir / name)) {
      auto bytes = read_file(dir / name);
      REQUIRE(bytes);
      CHECK(bytes->find(marker) == std::string::npos);
    }
  }
  // Reopened with the same key the value reads back; with another key it is refused, not garbled.
  {
    auto store = Store::open({(dir / "kbs.db").string(), dir / "kek"});
    REQUIRE(store);
    auto r = (*store)->get_resource("a/b/c");
    REQUIRE(r);
    CHECK(r->value.view() == marker);
  }
  auto other = Store::open({(dir / "kbs.db").string(), dir / "other-kek"});
  REQUIRE(other);
  CHECK((*other)->get_resource("a/b/c").error().kind == Kind::integrity);
}

TEST_CASE("a key file readable by others is refused", "[store]") {
  test::TempDir dir;
  REQUIRE(write_file_atomic(dir / "kek", std::string(32, 'k'), 0644));
  auto kek = KeyEncryptionKey::load_or_create(dir / "kek");
  REQUIRE_FALSE(kek);
  CHECK(kek.error().kind == Kind::invalid);
}

TEST_CASE("a sealed value does not open under another path or version", "[store]") {
  auto kek = KeyEncryptionKey::from_bytes(Bytes(32, 7));
  REQUIRE(kek);
  auto sealed = kek->seal(as_bytes("value"), "p#1");
  REQUIRE(sealed);
  CHECK(kek->open(*sealed, "p#1"));
  CHECK(kek->open(*sealed, "p#2").error().kind == Kind::integrity);
  (*sealed)[5] ^= 1;
  CHECK(kek->open(*sealed, "p#1").error().kind == Kind::integrity);
}

TEST_CASE("policies are stored by kind and id and the default is installed without overwriting", "[store]") {
  const std::string engine = GENERATE("sqlite", "postgres");
  auto o = open_engine(engine);
  auto& s = *o.store;
  CHECK(*s.put_policy_if_absent(PolicyKind::resource, "resource-policy", "default"));
  CHECK_FALSE(*s.put_policy_if_absent(PolicyKind::resource, "resource-policy", "other"));
  CHECK(s.get_policy(PolicyKind::resource, "resource-policy")->text == "default");
  REQUIRE(s.put_policy(PolicyKind::resource, "resource-policy", "replaced"));
  CHECK(s.get_policy(PolicyKind::resource, "resource-policy")->text == "replaced");
  REQUIRE(s.put_policy(PolicyKind::attestation, "default_cpu", "as"));
  CHECK(*s.list_policy_ids(PolicyKind::resource) == std::vector<std::string>{"resource-policy"});
  CHECK(*s.list_policy_ids(PolicyKind::attestation) == std::vector<std::string>{"default_cpu"});
  CHECK(s.get_policy(PolicyKind::attestation, "resource-policy").error().kind == Kind::not_found);
  REQUIRE(s.delete_policy(PolicyKind::attestation, "default_cpu"));
  CHECK(s.list_policy_ids(PolicyKind::attestation)->empty());
}

TEST_CASE("registering a reference value replaces the values under its name", "[store]") {
  const std::string engine = GENERATE("sqlite", "postgres");
  auto o = open_engine(engine);
  auto& s = *o.store;
  REQUIRE(s.put_reference_value("svn", nlohmann::json::array({1})));
  REQUIRE(s.put_reference_value("svn", nlohmann::json::array({2, 3})));
  REQUIRE(s.put_reference_value("launch_digest", nlohmann::json::array({"abc"})));
  CHECK(s.get_reference_value("svn")->values == nlohmann::json::array({2, 3}));
  auto all = s.list_reference_values();
  REQUIRE(all);
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].name == "launch_digest");
  REQUIRE(s.delete_reference_value("svn"));
  CHECK(s.get_reference_value("svn").error().kind == Kind::not_found);
  CHECK(s.delete_reference_value("svn").error().kind == Kind::not_found);
}

TEST_CASE("a session is found until it expires and records its attestation", "[store]") {
  const std::string engine = GENERATE("sqlite", "postgres");
  auto o = open_engine(engine);
  auto& s = *o.store;
  const std::int64_t t0 = 1'000'000;
  REQUIRE(s.put_session({"0123456789abcdef0123456789abcdef", "bm9uY2U=", "sample", t0, t0 + 300'000, false, "", ""}));
  auto got = s.get_session("0123456789abcdef0123456789abcdef", t0 + 1);
  REQUIRE(got);
  CHECK(got->nonce == "bm9uY2U=");
  CHECK(got->tee == "sample");
  CHECK_FALSE(got->attested);
  REQUIRE(s.set_session_attested("0123456789abcdef0123456789abcdef", "tok.en.sig", R"({"a":1})"));
  got = s.get_session("0123456789abcdef0123456789abcdef", t0 + 2);
  REQUIRE(got);
  CHECK(got->attested);
  CHECK(got->token == "tok.en.sig");
  CHECK(got->claims == R"({"a":1})");
  CHECK(s.get_session("0123456789abcdef0123456789abcdef", t0 + 300'000).error().kind == Kind::not_found);
  CHECK(s.set_session_attested("ffff", "t", "{}").error().kind == Kind::conflict);
  CHECK(*s.delete_expired_sessions(t0 + 300'000) == 1);
}

TEST_CASE("the audit log is queried by request id and subject, newest first", "[store]") {
  const std::string engine = GENERATE("sqlite", "postgres");
  auto o = open_engine(engine);
  auto& s = *o.store;
  AuditEntry e;
  e.request_id = "req-1";
  e.actor = "admin";
  e.action = "resource.put";
  e.subject = "a/b/c";
  e.outcome = "ok";
  REQUIRE(s.append_audit(e));
  e.request_id = "req-2";
  e.action = "resource.release";
  e.outcome = "denied";
  e.detail = {{"rule", "data.policy.allow"}, {"claims", {{"ear.status", "contraindicated"}}}};
  REQUIRE(s.append_audit(e));
  auto by_request = s.query_audit({std::string("req-2"), std::nullopt, 10});
  REQUIRE(by_request);
  REQUIRE(by_request->size() == 1);
  CHECK((*by_request)[0].outcome == "denied");
  CHECK((*by_request)[0].detail["rule"] == "data.policy.allow");
  auto by_subject = s.query_audit({std::nullopt, std::string("a/b/c"), 10});
  REQUIRE(by_subject);
  REQUIRE(by_subject->size() == 2);
  CHECK((*by_subject)[0].request_id == "req-2");
  CHECK((*by_subject)[0].at > 0);
}

TEST_CASE("concurrent puts to one resource get distinct consecutive versions", "[store]") {
  const std::string engine = GENERATE("sqlite", "postgres");
  auto o = open_engine(engine);
  auto& s = *o.store;
  std::vector<std::thread> threads;
  std::vector<std::int64_t> versions(16);
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] { versions[i] = s.put_resource("a/b/c", as_bytes(std::to_string(i)), "t").value_or(-1); });
  }
  for (auto& t : threads) {
    t.join();
  }
  std::set<std::int64_t> unique(versions.begin(), versions.end());
  CHECK(unique.size() == 16);
  CHECK(*unique.begin() == 1);
  CHECK(*unique.rbegin() == 16);
}

TEST_CASE("opening migrates a new database to the current schema version and reopening keeps it", "[store]") {
  const std::string engine = GENERATE("sqlite", "postgres");
  test::TempDir dir;
  StoreOptions options{engine == "sqlite" ? (dir / "kbs.db").string() : test::PostgresServer::instance().fresh_database(),
                       dir / "kek"};
  {
    auto store = Store::open(options);
    REQUIRE(store);
    CHECK(*(*store)->current_schema_version() == Store::schema_version());
    REQUIRE((*store)->put_resource("a/b/c", as_bytes("x"), "t"));
  }
  auto again = Store::open(options);
  REQUIRE(again);
  CHECK(*(*again)->current_schema_version() == Store::schema_version());
  CHECK((*again)->get_resource("a/b/c"));
}
