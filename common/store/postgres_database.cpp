// PostgreSQL engine over libpq: a pool of connections (pool_size from the URL), each checked before it is handed
// out and re-established when the server dropped it (a restart, an administrator's pg_terminate_backend).
// Parameters go out as text, blobs as binary; results come back as text, bytea in the server's hex form
// (`\x...`), decoded here so both engines hand the store the same rows.
#include <poll.h>

#include <charconv>

#include <libpq-fe.h>

#include "common/base/log.hpp"
#include "common/store/connection_pool.hpp"

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

class PostgresConnection final : public Connection {
public:
  explicit PostgresConnection(PGconn* conn) : m_conn(conn) {}
  ~PostgresConnection() override { PQfinish(m_conn); }
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  Status begin() override { return status_of(run("BEGIN", {})); }
  Status finish(bool commit) override { return status_of(run(commit ? "COMMIT" : "ROLLBACK", {})); }

  bool revive() override {
    bool lost = PQstatus(m_conn) != CONNECTION_OK;
    if (lost) {
      log::info("postgres: connection lost; reconnecting");
    } else if (PQtransactionStatus(m_conn) == PQTRANS_IDLE) {
      // An idle connection has nothing to read unless the server spoke: its goodbye before closing the socket
      // (shutdown, pg_terminate_backend), or a notice (we LISTEN to nothing). The goodbye may arrive before the
      // end of the stream does, so a connection with anything to read is replaced, whatever it still looks
      // like: a rare, cheap reconnect against a failed statement. No round trip.
      pollfd pfd{PQsocket(m_conn), POLLIN, 0};
      if (::poll(&pfd, 1, 0) > 0) {
        log::info("postgres: the server spoke to an idle connection; reconnecting");
        lost = true;
      }
    }
    if (lost) {
      PQreset(m_conn);
      if (PQstatus(m_conn) != CONNECTION_OK) {
        log::warn("postgres: cannot reconnect: " + trimmed(PQerrorMessage(m_conn)));
        return false;
      }
    }
    if (PQtransactionStatus(m_conn) != PQTRANS_IDLE) {
      // A transaction left open (its ROLLBACK failed): end it, or give up on the connection.
      PGresult* res = PQexec(m_conn, "ROLLBACK");
      PQclear(res);
    }
    return PQstatus(m_conn) == CONNECTION_OK && PQtransactionStatus(m_conn) == PQTRANS_IDLE;
  }

  Result<std::vector<Row>> run(std::string_view sql, const std::vector<Value>& params) override {
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
      std::string msg = trimmed(PQresultErrorMessage(res));
      if (msg.empty()) {
        msg = trimmed(PQerrorMessage(m_conn));
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

private:
  static std::string trimmed(std::string msg) {
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) {
      msg.pop_back();
    }
    return msg;
  }
  static Status status_of(Result<std::vector<Row>> rows) {
    if (!rows) {
      return std::move(rows).error();
    }
    return ok();
  }
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

Result<std::unique_ptr<Connection>> connect_postgres(const std::string& url) {
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
  return std::unique_ptr<Connection>(std::make_unique<PostgresConnection>(conn));
}

// Takes `pool_size=N` out of the URI's query (libpq refuses parameters it does not know).
Result<std::size_t> take_pool_size(std::string& url) {
  const std::size_t question = url.find('?');
  if (question == std::string::npos) {
    return k_default_pool_size;
  }
  std::size_t pool_size = k_default_pool_size;
  std::string kept;
  std::string_view query = std::string_view(url).substr(question + 1);
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (param.starts_with("pool_size=")) {
      const std::string_view number = param.substr(10);
      std::size_t n = 0;
      const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
      if (ec != std::errc() || end != number.data() + number.size() || n < 1 || n > 1000) {
        return make_error(Kind::usage, "invalid pool_size in the database URL: " + std::string(number),
                          "pool_size is a number of connections from 1 to 1000");
      }
      pool_size = n;
      continue;
    }
    if (!param.empty()) {
      kept += kept.empty() ? "" : "&";
      kept += param;
    }
  }
  url.resize(question);
  if (!kept.empty()) {
    url += "?" + kept;
  }
  return pool_size;
}

} // namespace

Result<std::unique_ptr<Database>> open_postgres(const std::string& url) {
  std::string libpq_url = url;
  COCO_TRY(const std::size_t pool_size, take_pool_size(libpq_url));
  COCO_TRY(auto first, connect_postgres(libpq_url));
  // Replicas starting together must not both create the schema: a transaction-scoped advisory lock.
  const Dialect dialect{"postgres", "BIGSERIAL PRIMARY KEY", "BYTEA", "BIGINT",
                        "SELECT pg_advisory_xact_lock(7236105)"};
  return make_pooled_database(dialect, pool_size, [libpq_url] { return connect_postgres(libpq_url); },
                              std::move(first));
}

} // namespace coco::store
