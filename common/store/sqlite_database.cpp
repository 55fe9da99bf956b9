// SQLite engine: one connection per process guarded by a mutex, WAL journal with synchronous=FULL so that a
// write acknowledged to the caller has reached the disk (WAL with NORMAL can lose the last commits on power
// loss). Other processes on the same file wait up to busy_timeout for the write lock.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/store/database.hpp"

namespace coco::store {
namespace {

class SqliteDatabase final : public Database {
public:
  explicit SqliteDatabase(sqlite3* db)
      : Database({"BEGIN IMMEDIATE", "INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB", "INTEGER"}), m_db(db) {}
  ~SqliteDatabase() override { sqlite3_close_v2(m_db); }
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  Result<std::vector<Row>> query(std::string_view sql, const std::vector<Value>& params) override {
    std::lock_guard lock(mutex());
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

  Status lock_for_migration() override { return ok(); }
  [[nodiscard]] std::string engine() const override { return "sqlite"; }

private:
  Error failure(std::string_view step) const {
    return make_error(Kind::io, "sqlite " + std::string(step) + ": " + sqlite3_errmsg(m_db));
  }
  sqlite3* m_db;
};

} // namespace

Result<std::unique_ptr<Database>> open_sqlite(const std::string& path) {
  // Create the file 0600 before SQLite does (it would use the umask): it holds wrapped secrets and audit.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return make_error(Kind::io, "cannot open database " + path, "check the state directory's permissions");
  }
  ::close(fd);
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return make_error(Kind::io, "cannot open database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 10000);
  auto database = std::make_unique<SqliteDatabase>(db);
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    if (auto r = database->exec(pragma); !r) {
      return std::move(r).error().context("database " + path);
    }
  }
  return std::unique_ptr<Database>(std::move(database));
}

} // namespace coco::store
