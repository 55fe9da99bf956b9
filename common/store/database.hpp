// Database: the two SQL engines behind the KBS store (SQLite embedded, PostgreSQL for replicas).
//
// The store's logic (schema, versions, sessions, audit) is written once in SQL that both engines accept
// (upserts with ON CONFLICT, RETURNING); this interface is the thin part that differs: connecting,
// binding parameters, reading rows and transactions. Statements use `?` placeholders; the PostgreSQL side
// rewrites them to `$n`. Schema text uses `{blob}`, `{bigint}` and `{serial}` for the type names that differ.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
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

class Database {
public:
  virtual ~Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Run one statement; rows of a SELECT or RETURNING come back. Blob columns are returned as raw bytes in
  // the string (both engines).
  virtual Result<std::vector<Row>> query(std::string_view sql, const std::vector<Value>& params) = 0;
  // Run `body` inside one write transaction, committed when it returns ok, rolled back otherwise. Calls from
  // other threads wait; the body must use the Database it is given, not start another transaction.
  Status transaction(const std::function<Status(Database&)>& body);
  // The dialect's spelling of the schema placeholders.
  [[nodiscard]] std::string schema_sql(std::string_view portable) const;
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
  // What differs between the engines' SQL: the statement that opens a write transaction and the type names.
  struct Dialect {
    std::string_view begin;
    std::string_view serial;
    std::string_view blob;
    std::string_view bigint;
  };
  explicit Database(Dialect dialect) : m_dialect(dialect) {}
  // One connection per process: every statement holds this (recursive: a transaction body runs statements).
  std::recursive_mutex& mutex() { return m_mutex; }
  [[nodiscard]] bool in_transaction() const { return m_depth > 0; }

private:
  Dialect m_dialect;
  std::recursive_mutex m_mutex;
  int m_depth = 0;
};

// SQLite file at `path` (created 0600), WAL journal, synchronous=FULL: a committed write is on disk.
Result<std::unique_ptr<Database>> open_sqlite(const std::string& path);
// PostgreSQL through libpq; `url` is a postgres:// or postgresql:// connection URI.
Result<std::unique_ptr<Database>> open_postgres(const std::string& url);

} // namespace coco::store
