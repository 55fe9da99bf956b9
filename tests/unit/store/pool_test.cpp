// The connection pool behind Database, on both engines: concurrent transactions, isolation between a
// transaction's connection and the others, readers alongside a writer, and (PostgreSQL) the pool's bound and
// reconnection after the server drops a connection.
#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "common/store/database.hpp"
#include "tests/unit/store/pg_server.hpp"
#include "tests/unit/test_util.hpp"

using namespace coco;
using namespace coco::store;

namespace {

struct OpenedDb {
  std::unique_ptr<test::TempDir> dir = std::make_unique<test::TempDir>();
  std::string url;  // postgres only
  std::unique_ptr<Database> db;
};

OpenedDb open_db(const std::string& engine, std::size_t pool_size) {
  OpenedDb o;
  Result<std::unique_ptr<Database>> db = make_error(Kind::internal, "unset");
  if (engine == "sqlite") {
    db = open_sqlite((o.dir->path() / "pool.db").string(), pool_size);
  } else {
    o.url = test::PostgresServer::instance().fresh_database();
    db = open_postgres(o.url + "?pool_size=" + std::to_string(pool_size));
  }
  if (!db) {
    FAIL("open " << engine << ": " << db.error().message);
  }
  o.db = std::move(*db);
  return o;
}

std::int64_t scalar(Database& db, std::string_view sql) {
  auto rows = db.query(sql, {});
  if (!rows || rows->empty()) {
    FAIL("query " << sql << ": " << (rows ? std::string("no rows") : rows.error().message));
  }
  return rows->at(0).integer(0);
}

} // namespace

TEST_CASE("concurrent transactions on the pool each run their statements together and commit or roll back whole",
          "[store]") {
  const std::string engine = GENERATE("sqlite", "postgres");
  auto o = open_db(engine, 8);
  Database& db = *o.db;
  REQUIRE(db.exec("CREATE TABLE counter (id INTEGER PRIMARY KEY, n " + db.schema_sql("{bigint}") + " NOT NULL)"));
  REQUIRE(db.exec("CREATE TABLE log (n " + db.schema_sql("{bigint}") + " PRIMARY KEY, thread INTEGER NOT NULL)"));
  REQUIRE(db.exec("INSERT INTO counter (id, n) VALUES (1, 0)"));

  constexpr int k_threads = 16;
  constexpr int k_per_thread = 20;  // every 5th is rolled back
  std::atomic<int> committed{0};
  std::atomic<int> unexpected{0};
  std::mutex errors_mutex;
  std::set<std::string> errors;
  std::vector<std::thread> threads;
  for (int t = 0; t < k_threads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < k_per_thread; ++i) {
        const bool roll_back = i % 5 == 4;
        auto result = db.transaction([&](Database& tx) -> Status {
          COCO_TRY(auto bumped, tx.query("UPDATE counter SET n = n + 1 WHERE id = 1 RETURNING n", {}));
          const std::int64_t n = bumped.at(0).integer(0);
          COCO_TRY_STATUS(tx.exec("INSERT INTO log (n, thread) VALUES (?, ?)", {n, static_cast<std::int64_t>(t)}));
          // The transaction's own writes are visible to its later statements.
          COCO_TRY(auto seen, tx.query("SELECT c.n, l.thread FROM counter c, log l WHERE c.id = 1 AND l.n = ?", {n}));
          if (seen.size() != 1 || seen[0].integer(0) != n || seen[0].integer(1) != t) {
            return make_error(Kind::integrity, "a transaction did not see its own writes");
          }
          if (roll_back) {
            return make_error(Kind::conflict, "rolled back on purpose");
          }
          return ok();
        });
        if (result) {
          ++committed;
        } else if (!roll_back || result.error().message != "rolled back on purpose") {
          ++unexpected;
          std::lock_guard lock(errors_mutex);
          errors.insert(result.error().message);
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  for (const auto& e : errors) {
    UNSCOPED_INFO(e);
  }
  CHECK(unexpected == 0);
  const int expected = k_threads * (k_per_thread - k_per_thread / 5);
  CHECK(committed == expected);
  // No lost update, no half-applied transaction: the counter and the log agree, numbers 1..expected.
  CHECK(scalar(db, "SELECT n FROM counter WHERE id = 1") == expected);
  CHECK(scalar(db, "SELECT COUNT(*) FROM log") == expected);
  CHECK(scalar(db, "SELECT COUNT(DISTINCT n) FROM log") == expected);
  CHECK(scalar(db, "SELECT MIN(n) FROM log") == 1);
  CHECK(scalar(db, "SELECT MAX(n) FROM log") == expected);
}

TEST_CASE("a transaction's writes are visible to its own statements and to other connections only after commit",
          "[store]") {
  const std::string engine = GENERATE("sqlite", "postgres");
  auto o = open_db(engine, 4);
  Database& db = *o.db;
  REQUIRE(db.exec("CREATE TABLE t (k TEXT PRIMARY KEY)"));
  std::int64_t inside = -1;
  std::int64_t outside = -1;
  auto done = db.transaction([&](Database& tx) -> Status {
    COCO_TRY_STATUS(tx.exec("INSERT INTO t (k) VALUES (?)", {std::string("a")}));
    inside = scalar(tx, "SELECT COUNT(*) FROM t");
    outside = scalar(db, "SELECT COUNT(*) FROM t");  // another connection of the pool
    auto nested = tx.transaction([](Database&) { return ok(); });
    if (nested || nested.error().kind != Kind::internal) {
      return make_error(Kind::internal, "a nested transaction was not refused");
    }
    return ok();
  });
  REQUIRE(done);
  CHECK(inside == 1);
  CHECK(outside == 0);
  CHECK(scalar(db, "SELECT COUNT(*) FROM t") == 1);
}

TEST_CASE("readers on other threads are not held up by an open write transaction", "[store]") {
  const std::string engine = GENERATE("sqlite", "postgres");
  auto o = open_db(engine, 4);
  Database& db = *o.db;
  REQUIRE(db.exec("CREATE TABLE t (k TEXT PRIMARY KEY)"));
  REQUIRE(db.exec("INSERT INTO t (k) VALUES ('before')"));
  std::atomic<bool> writing{false};
  std::atomic<bool> read_done{false};
  std::atomic<std::int64_t> read_count{-1};
  std::thread reader([&] {
    while (!writing) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    auto rows = db.query("SELECT COUNT(*) FROM t", {});
    read_count = rows ? rows->at(0).integer(0) : -2;
    read_done = true;
  });
  auto written = db.transaction([&](Database& tx) -> Status {
    COCO_TRY_STATUS(tx.exec("INSERT INTO t (k) VALUES ('during')"));
    writing = true;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!read_done && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return read_done ? ok() : make_error(Kind::failure, "the reader waited for the writer");
  });
  writing = true;  // release the reader when the transaction failed before setting it
  reader.join();
  CHECK(written);
  CHECK(read_count == 1);  // the committed row only
}

TEST_CASE("autocommit writes and transactions from many threads on two pools of one SQLite file never see busy",
          "[store]") {
  test::TempDir dir;
  const std::string path = (dir / "shared.db").string();
  auto first = open_sqlite(path, 4);
  REQUIRE(first);
  auto second = open_sqlite(path, 4);  // like a second process: its own writer queue, SQLite's lock between
  REQUIRE(second);
  REQUIRE((*first)->exec("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, who INTEGER NOT NULL)"));
  constexpr int k_threads = 8;
  constexpr int k_writes = 30;
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < k_threads; ++t) {
    threads.emplace_back([&, t] {
      Database& db = t % 2 == 0 ? **first : **second;
      for (int i = 0; i < k_writes; ++i) {
        Status s = i % 3 == 0 ? db.transaction([&](Database& tx) -> Status {
          COCO_TRY(auto rows, tx.query("SELECT COUNT(*) FROM t", {}));
          (void)rows;
          return tx.exec("INSERT INTO t (who) VALUES (?)", {static_cast<std::int64_t>(t)});
        })
                              : db.exec("INSERT INTO t (who) VALUES (?)", {static_cast<std::int64_t>(t)});
        if (!s) {
          ++failed;
        }
        if (i % 5 == 0 && !db.query("SELECT COUNT(*) FROM t", {})) {
          ++failed;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  CHECK(failed == 0);
  CHECK(scalar(**first, "SELECT COUNT(*) FROM t") == k_threads * k_writes);
  CHECK(scalar(**second, "SELECT COUNT(DISTINCT id) FROM t") == k_threads * k_writes);
}

TEST_CASE("the postgres pool opens at most pool_size connections however many threads ask", "[store]") {
  auto o = open_db("postgres", 2);
  Database& db = *o.db;
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      auto slept = db.transaction([](Database& tx) { return tx.exec("SELECT pg_sleep(0.2)"); });
      if (!slept) {
        ++failed;
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  CHECK(failed == 0);
  CHECK(scalar(db, "SELECT COUNT(*) FROM pg_stat_activity "
                   "WHERE datname = current_database() AND backend_type = 'client backend'") == 2);
}

TEST_CASE("a pool_size in the postgres URL is checked and taken out before libpq sees the URL", "[store]") {
  const std::string url = test::PostgresServer::instance().fresh_database();
  for (const char* bad : {"?pool_size=0", "?pool_size=x", "?pool_size=1001", "?pool_size="}) {
    auto db = open_postgres(url + bad);
    REQUIRE_FALSE(db);
    CHECK(db.error().kind == Kind::usage);
  }
  auto db = open_postgres(url + "?connect_timeout=5&pool_size=3&application_name=coco-test");
  REQUIRE(db);
  CHECK(scalar(**db, "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'coco-test'") == 1);
}

TEST_CASE("a pooled postgres connection the server dropped is re-established before it is handed out", "[store]") {
  auto o = open_db("postgres", 2);
  Database& db = *o.db;
  const std::int64_t pid = scalar(db, "SELECT pg_backend_pid()");
  {
    auto admin = open_postgres(o.url);
    REQUIRE(admin);
    REQUIRE(scalar(**admin, "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = " + std::to_string(pid)) == 1);
    REQUIRE((*admin)->exec("SELECT pg_terminate_backend(?::int)", {pid}));
    bool gone = false;
    for (int i = 0; i < 500 && !gone; ++i) {
      gone = scalar(**admin, "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = " + std::to_string(pid)) == 0;
      if (!gone) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    REQUIRE(gone);
  }
  // The next statement gets a working connection, not the dead one (whose first statement would fail).
  auto rows = db.query("SELECT pg_backend_pid()", {});
  REQUIRE(rows);
  CHECK(rows->at(0).integer(0) != pid);
  CHECK(db.transaction([](Database& tx) { return tx.exec("SELECT 1"); }));
}

TEST_CASE("every connection of the SQLite pool writes in WAL mode with synchronous=FULL", "[store]") {
  auto o = open_db("sqlite", 4);
  Database& db = *o.db;
  std::int64_t first_sync = -1;
  std::int64_t other_sync = -1;
  std::string other_journal;
  auto done = db.transaction([&](Database& tx) -> Status {
    first_sync = scalar(tx, "PRAGMA synchronous");
    // The transaction holds the pool's only open connection: this opens a second one.
    other_sync = scalar(db, "PRAGMA synchronous");
    return ok();
  });
  REQUIRE(done);
  auto mode = db.query("PRAGMA journal_mode", {});  // kept in the file: the same for every connection
  REQUIRE(mode);
  other_journal = mode->at(0).text(0);
  CHECK(first_sync == 2);  // FULL
  CHECK(other_sync == 2);
  CHECK(other_journal == "wal");
}

TEST_CASE("a SQLite transaction body that writes through the pool instead of its transaction gets an error",
          "[store]") {
  auto o = open_db("sqlite", 4);
  Database& db = *o.db;
  REQUIRE(db.exec("CREATE TABLE t (k TEXT PRIMARY KEY)"));
  Status outside = ok();
  auto done = db.transaction([&](Database& tx) -> Status {
    COCO_TRY_STATUS(tx.exec("INSERT INTO t (k) VALUES ('inside')"));
    outside = db.exec("INSERT INTO t (k) VALUES ('outside')");  // would wait for this very transaction
    return ok();
  });
  CHECK(done);
  REQUIRE_FALSE(outside);
  CHECK(outside.error().kind == Kind::internal);
  CHECK(scalar(db, "SELECT COUNT(*) FROM t") == 1);
}
