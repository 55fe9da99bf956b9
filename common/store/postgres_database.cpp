// PostgreSQL engine over libpq: one connection per process guarded by a mutex (re-established when the
// server drops it). Parameters go out as text, blobs as binary; results come back as text, bytea in the
// server's hex form (`\x...`), decoded here so both engines hand the store the same rows.
#include <libpq-fe.h>

#include "common/base/log.hpp"
#include "common/store/database.hpp"

namespace coco::store {
namespace {

std::string to_dollar_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  for (char c : sql) {
    if (c == '?') {
      out += '$' + std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

class PostgresDatabase final : public Database {
public:
  explicit PostgresDatabase(PGconn* conn)
      : Database({"BEGIN", "BIGSERIAL PRIMARY KEY", "BYTEA", "BIGINT"}), m_conn(conn) {}
  ~PostgresDatabase() override { PQfinish(m_conn); }
  PostgresDatabase(const PostgresDatabase&) = delete;
  PostgresDatabase& operator=(const PostgresDatabase&) = delete;

  Result<std::vector<Row>> query(std::string_view sql, const std::vector<Value>& params) override {
    std::lock_guard lock(mutex());
    if (PQstatus(m_conn) != CONNECTION_OK && !in_transaction()) {
      PQreset(m_conn);
    }
    const std::string text = to_dollar_placeholders(sql);
    std::vector<std::string> storage(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    std::vector<int> lengths(params.size(), 0);
    std::vector<int> formats(params.size(), 0);
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (std::holds_alternative<std::nullptr_t>(params[i])) {
        continue;
      }
      if (const auto* n = std::get_if<std::int64_t>(&params[i])) {
        storage[i] = std::to_string(*n);
      } else if (const auto* s = std::get_if<std::string>(&params[i])) {
        storage[i] = *s;
      } else {
        const auto& b = std::get<Bytes>(params[i]);
        storage[i].assign(b.begin(), b.end());
        formats[i] = 1;
      }
      values[i] = storage[i].data();
      lengths[i] = static_cast<int>(storage[i].size());
    }
    PGresult* res = PQexecParams(m_conn, text.c_str(), static_cast<int>(params.size()), nullptr, values.data(),
                                 lengths.data(), formats.data(), 0);
    struct Clear {
      PGresult* r;
      ~Clear() { PQclear(r); }
    } clear{res};
    const ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      std::string msg = PQresultErrorMessage(res);
      while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) {
        msg.pop_back();
      }
      const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
      // 23505 unique_violation, 40001 serialization_failure, 40P01 deadlock: the caller may retry.
      const bool conflict = state && (std::string_view(state) == "23505" || std::string_view(state).starts_with("40"));
      return make_error(conflict ? Kind::conflict : Kind::io, "postgres: " + msg);
    }
    std::vector<Row> rows;
    const int nrows = PQntuples(res);
    const int ncols = PQnfields(res);
    rows.reserve(static_cast<std::size_t>(nrows));
    for (int r = 0; r < nrows; ++r) {
      Row row;
      for (int c = 0; c < ncols; ++c) {
        if (PQgetisnull(res, r, c)) {
          row.columns.emplace_back(std::nullopt);
          continue;
        }
        std::string v(PQgetvalue(res, r, c), static_cast<std::size_t>(PQgetlength(res, r, c)));
        if (PQftype(res, c) == k_bytea_oid && v.starts_with("\\x")) {
          auto raw = hex_decode(std::string_view(v).substr(2));
          if (!raw) {
            return make_error(Kind::io, "postgres: undecodable bytea column");
          }
          v.assign(raw->begin(), raw->end());
        }
        row.columns.emplace_back(std::move(v));
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

  // Replicas starting together must not both create the schema: a transaction-scoped advisory lock.
  Status lock_for_migration() override { return exec("SELECT pg_advisory_xact_lock(7236105)"); }
  [[nodiscard]] std::string engine() const override { return "postgres"; }

private:
  static constexpr Oid k_bytea_oid = 17;
  PGconn* m_conn;
};

// libpq prints notices (e.g. "relation already exists, skipping") to stderr by default; route them to the log.
void on_notice(void* /*arg*/, const char* message) {
  std::string m = message ? message : "";
  while (!m.empty() && m.back() == '\n') {
    m.pop_back();
  }
  log::debug("postgres: " + m);
}

} // namespace

Result<std::unique_ptr<Database>> open_postgres(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (conn == nullptr) {
    return make_error(Kind::network, "cannot connect to postgres: out of memory");
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) {
      msg.pop_back();
    }
    PQfinish(conn);
    // The URL may carry a password: name the server by its host only.
    return make_error(Kind::network, "cannot connect to postgres: " + msg, "check the --database URL and that the server is up");
  }
  PQsetNoticeProcessor(conn, on_notice, nullptr);
  return std::unique_ptr<Database>(std::make_unique<PostgresDatabase>(conn));
}

} // namespace coco::store
