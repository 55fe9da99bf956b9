// Database: the two SQL engines behind the KBS store (SQLite embedded, PostgreSQL for replicas).
//
// The store's logic (schema, versions, sessions, audit) is written once in SQL that both engines accept
// (upserts with ON CONFLICT, RETURNING); this interface is the thin part that differs: connecting,
// binding parameters, reading rows and transactions. Statements use `?` placeholders; the PostgreSQL side
// rewrites them to `$n`. Schema text uses `{blob}`, `{bigint}` and `{serial}` for the type names that differ.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/base/encoding.hpp"
#include "common/base/result.hpp"

namespace coco::store {

// A parameter or a column value: NULL, integer, text or bytes.
using Value = std::variant<std::nullptr_t, std::int64_t, std::string, Bytes>;

// A result row; columns come back as text (integers as decimal) or bytes for blob columns, NULL as nullopt.
struct Row {
  std::vector<std::optional<std::string>> columns;
  [[nodiscard]] std::string text(std::size_t i) const { return columns.at(i).value_or(""); }
  [[nodiscard]] std::int64_t integer(std::size_t i) const;
  [[nodiscard]] bool is_null(std::size_t i) const { return !columns.at(i).has_value(); }
};

// The connections each engine keeps (pool_size of them at most, opened on demand) unless told otherwise.
inline constexpr std::size_t k_default_pool_size = 8;

// A pool of connections to one database: statements from different threads run concurrently, each on a
// connection borrowed for its duration; a transaction keeps one connection for all its statements.
class Database {
public:
  virtual ~Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Run one statement (autocommit); rows of a SELECT or RETURNING come back. Blob columns are returned as raw
  // bytes in the string (both engines). Safe to call from any number of threads.
  virtual Result<std::vector<Row>> query(std::string_view sql, const std::vector<Value>& params) = 0;
  // Run `body` inside one write transaction on one connection, committed when it returns ok, rolled back
  // otherwise. The body must run its statements on the Database it is given (that connection) and must not
  // start another transaction. Write transactions of one process on SQLite run one at a time (SQLite has
  // one writer); on PostgreSQL they run concurrently under READ COMMITTED.
  virtual Status transaction(const std::function<Status(Database&)>& body) = 0;
  // The dialect's spelling of the schema placeholders.
  [[nodiscard]] virtual std::string schema_sql(std::string_view portable) const = 0;
  // Serialise schema migrations between processes sharing one database (a lock held until the transaction
  // that calls it ends). SQLite's write transaction already excludes other writers.
  virtual Status lock_for_migration() = 0;
  [[nodiscard]] virtual std::string engine() const = 0;

  Status exec(std::string_view sql, const std::vector<Value>& params = {}) {
    auto rows = query(sql, params);
    if (!rows) {
      return std::move(rows).error();
    }
    return ok();
  }

protected:
  Database() = default;
};

// SQLite file at `path` (created 0600), WAL journal, synchronous=FULL: a committed write is on disk. Up to
// `pool_size` connections: readers run concurrently, writers one at a time (busy_timeout covers other processes).
Result<std::unique_ptr<Database>> open_sqlite(const std::string& path, std::size_t pool_size = k_default_pool_size);
// PostgreSQL through libpq; `url` is a postgres:// or postgresql:// connection URI. Its query parameter
// `pool_size=N` (1..1000, taken out before libpq sees the URI) bounds the connections, k_default_pool_size
// when absent.
Result<std::unique_ptr<Database>> open_postgres(const std::string& url);

} // namespace coco::store
