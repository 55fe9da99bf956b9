// SQLite engine: a pool of connections to one file in WAL mode, synchronous=FULL on every connection so that a
// write acknowledged to the caller has reached the disk (WAL with NORMAL can lose the last commits on power
// loss). WAL lets readers run concurrently with each other and with the one writer SQLite allows. Writers of
// this process queue on an in-process mutex (taken by write transactions for their whole duration, from before
// BEGIN IMMEDIATE until COMMIT or ROLLBACK, and by an autocommit statement that writes for its step) instead of
// polling SQLite's lock; busy_timeout covers writers in other processes. A write transaction starts with BEGIN
// IMMEDIATE, so it never has to upgrade a read snapshot (the SQLITE_BUSY_SNAPSHOT case the busy handler cannot
// retry), and an autocommit write takes its write lock when the statement starts, which the busy handler retries.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include "common/store/connection_pool.hpp"

namespace coco::store {
namespace {

constexpr int k_busy_timeout_ms = 10000;

// This process's writers on one file, one at a time. Knows its holder, so that a thread that holds it and asks
// again (a transaction body writing through the pool instead of through its transaction) gets an error rather
// than deadlocking on itself.
class WriterQueue {
public:
  Status acquire() {
    if (m_holder.load() == std::this_thread::get_id()) {
      return make_error(Kind::internal, "a write transaction's body wrote outside its transaction");
    }
    m_mutex.lock();
    m_holder.store(std::this_thread::get_id());
    return ok();
  }
  void release() {
    m_holder.store(std::thread::id());
    m_mutex.unlock();
  }

private:
  std::mutex m_mutex;
  std::atomic<std::thread::id> m_holder{};
};

class SqliteConnection final : public Connection {
public:
  SqliteConnection(sqlite3* db, std::shared_ptr<WriterQueue> writers) : m_db(db), m_writers(std::move(writers)) {}
  ~SqliteConnection() override {
    if (m_writing) {
      m_writers->release();
    }
    sqlite3_close_v2(m_db);
  }
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  Status begin() override {
    COCO_TRY_STATUS(m_writers->acquire());
    m_writing = true;
    if (auto begun = run("BEGIN IMMEDIATE", {}); !begun) {
      stop_writing();
      return std::move(begun).error();
    }
    return ok();
  }

  Status finish(bool commit) override {
    auto done = run(commit ? "COMMIT" : "ROLLBACK", {});
    if (sqlite3_get_autocommit(m_db) != 0 || !commit) {
      // Over (or, for a failed ROLLBACK, left to revive(), which makes the pool close this connection).
      stop_writing();
    }
    if (!done) {
      return std::move(done).error();
    }
    return ok();
  }

  bool revive() override { return sqlite3_get_autocommit(m_db) != 0; }

  Result<std::vector<Row>> run(std::string_view sql, const std::vector<Value>& params) override {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK) {
      return failure("prepare");
    }
    struct Finalize {
      sqlite3_stmt* s;
      ~Finalize() { sqlite3_finalize(s); }
    } finalize{stmt};
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      int rc = SQLITE_OK;
      if (std::holds_alternative<std::nullptr_t>(params[i])) {
        rc = sqlite3_bind_null(stmt, index);
      } else if (const auto* n = std::get_if<std::int64_t>(&params[i])) {
        rc = sqlite3_bind_int64(stmt, index, *n);
      } else if (const auto* s = std::get_if<std::string>(&params[i])) {
        rc = sqlite3_bind_text(stmt, index, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
      } else {
        const auto& b = std::get<Bytes>(params[i]);
        rc = sqlite3_bind_blob(stmt, index, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
      }
      if (rc != SQLITE_OK) {
        return failure("bind");
      }
    }
    // An autocommit statement that writes waits for this process's other writers (a transaction holds the
    // writer lock already, from before its BEGIN IMMEDIATE).
    struct Writing {
      SqliteConnection* connection = nullptr;
      ~Writing() {
        if (connection != nullptr) {
          connection->stop_writing();
        }
      }
    } writing;
    if (!m_writing && sqlite3_get_autocommit(m_db) != 0 && sqlite3_stmt_readonly(stmt) == 0) {
      COCO_TRY_STATUS(m_writers->acquire());
      m_writing = true;
      writing.connection = this;
    }
    std::vector<Row> rows;
    for (;;) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) {
        break;
      }
      if (rc != SQLITE_ROW) {
        return failure("step");
      }
      Row row;
      const int n = sqlite3_column_count(stmt);
      for (int c = 0; c < n; ++c) {
        if (sqlite3_column_type(stmt, c) == SQLITE_NULL) {
          row.columns.emplace_back(std::nullopt);
          continue;
        }
        const void* data = sqlite3_column_blob(stmt, c);
        const int len = sqlite3_column_bytes(stmt, c);
        row.columns.emplace_back(std::string(static_cast<const char*>(data), static_cast<std::size_t>(len)));
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

private:
  void stop_writing() {
    if (m_writing) {
      m_writing = false;
      m_writers->release();
    }
  }
  Error failure(std::string_view step) const {
    return make_error(Kind::io, "sqlite " + std::string(step) + ": " + sqlite3_errmsg(m_db));
  }
  sqlite3* m_db;
  std::shared_ptr<WriterQueue> m_writers;  // shared by the pool's connections
  bool m_writing = false;                 // this connection holds m_writers (a transaction, or a write statement)
};

Result<std::unique_ptr<Connection>> connect_sqlite(const std::string& path,
                                                   const std::shared_ptr<WriterQueue>& writers) {
  sqlite3* db = nullptr;
  // NOMUTEX: a connection is used by one thread at a time (the pool hands it over under its mutex).
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return make_error(Kind::io, "cannot open database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, k_busy_timeout_ms);
  auto connection = std::make_unique<SqliteConnection>(db, writers);
  // journal_mode=WAL persists in the file (set again: harmless, and the first connection is the one that does
  // it); synchronous and foreign_keys are per connection. Run without the writer lock: a connection may be
  // opened by a thread that holds it.
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    if (sqlite3_exec(db, pragma, nullptr, nullptr, nullptr) != SQLITE_OK) {
      return make_error(Kind::io, "cannot set up database " + path + ": " + sqlite3_errmsg(db));
    }
  }
  return std::unique_ptr<Connection>(std::move(connection));
}

} // namespace

Result<std::unique_ptr<Database>> open_sqlite(const std::string& path, std::size_t pool_size) {
  // Create the file 0600 before SQLite does (it would use the umask): it holds wrapped secrets and audit.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return make_error(Kind::io, "cannot open database " + path, "check the state directory's permissions");
  }
  ::close(fd);
  auto writers = std::make_shared<WriterQueue>();
  COCO_TRY(auto first, connect_sqlite(path, writers));
  const Dialect dialect{"sqlite", "INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB", "INTEGER", ""};
  return make_pooled_database(dialect, pool_size, [path, writers] { return connect_sqlite(path, writers); },
                              std::move(first));
}

} // namespace coco::store
