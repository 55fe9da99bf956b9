// The connection pool behind Database: statements and transactions borrow engine connections from it.
//
// Locking: m_mutex guards only the idle list and the count of open connections; a borrowed connection is owned
// by the borrowing thread alone (moved out of the list under the mutex, moved back under it), so statements
// never hold the pool's mutex. Engines add their own rules (SQLite's single writer) inside Connection.
#include "common/store/connection_pool.hpp"

#include <condition_variable>
#include <mutex>
#include <utility>

#include "common/base/log.hpp"

namespace coco::store {
namespace {

// The dialect-dependent part of the interface, shared by the pool and the transaction view.
class DialectDatabase : public Database {
public:
  explicit DialectDatabase(const Dialect& dialect) : m_dialect(dialect) {}

  [[nodiscard]] std::string schema_sql(std::string_view portable) const override {
    std::string out(portable);
    const std::pair<std::string_view, std::string_view> names[] = {
        {"{serial}", m_dialect.serial}, {"{blob}", m_dialect.blob}, {"{bigint}", m_dialect.bigint}};
    for (const auto& [from, to] : names) {
      for (std::size_t pos = out.find(from); pos != std::string::npos; pos = out.find(from, pos + to.size())) {
        out.replace(pos, from.size(), to);
      }
    }
    return out;
  }
  Status lock_for_migration() override {
    return m_dialect.migration_lock.empty() ? ok() : exec(m_dialect.migration_lock);
  }
  [[nodiscard]] std::string engine() const override { return std::string(m_dialect.engine); }

protected:
  const Dialect& dialect() const { return m_dialect; }

private:
  Dialect m_dialect;
};

// A transaction's view: every statement on the one connection the transaction holds.
class TransactionView final : public DialectDatabase {
public:
  TransactionView(const Dialect& dialect, Connection& connection)
      : DialectDatabase(dialect), m_connection(connection) {}
  Result<std::vector<Row>> query(std::string_view sql, const std::vector<Value>& params) override {
    return m_connection.run(sql, params);
  }
  Status transaction(const std::function<Status(Database&)>& /*body*/) override {
    return make_error(Kind::internal, "a transaction cannot start another transaction");
  }

private:
  Connection& m_connection;
};

class Pool {
public:
  Pool(std::size_t size, Connect connect, std::unique_ptr<Connection> first)
      : m_size(size == 0 ? 1 : size), m_connect(std::move(connect)) {
    if (first) {
      m_idle.push_back(std::move(first));
      m_open = 1;
    }
  }

  // A borrowed connection, given back to the pool when the lease ends.
  class Lease {
  public:
    Lease(Pool& pool, std::unique_ptr<Connection> connection) : m_pool(&pool), m_connection(std::move(connection)) {}
    Lease(Lease&& other) noexcept
        : m_pool(std::exchange(other.m_pool, nullptr)), m_connection(std::move(other.m_connection)) {}
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (m_pool != nullptr && m_connection) {
        m_pool->give_back(std::move(m_connection));
      }
    }
    Connection& operator*() const { return *m_connection; }
    Connection* operator->() const { return m_connection.get(); }

  private:
    Pool* m_pool;
    std::unique_ptr<Connection> m_connection;
  };

  Result<Lease> borrow() {
    std::unique_ptr<Connection> connection;
    {
      std::unique_lock lock(m_mutex);
      m_available.wait(lock, [&] { return !m_idle.empty() || m_open < m_size; });
      if (!m_idle.empty()) {
        connection = std::move(m_idle.back());
        m_idle.pop_back();
      } else {
        ++m_open;  // a slot reserved for the connection opened below, outside the lock
      }
    }
    if (connection && !connection->revive()) {
      log::warn("store: a pooled database connection is unusable; opening a new one");
      connection.reset();  // its slot is reused below
    }
    if (!connection) {
      auto opened = m_connect();
      if (!opened) {
        {
          std::lock_guard lock(m_mutex);
          --m_open;
        }
        m_available.notify_one();
        return std::move(opened).error();
      }
      connection = std::move(*opened);
    }
    return Lease(*this, std::move(connection));
  }

private:
  void give_back(std::unique_ptr<Connection> connection) {
    {
      std::lock_guard lock(m_mutex);
      m_idle.push_back(std::move(connection));
    }
    m_available.notify_one();
  }

  const std::size_t m_size;
  const Connect m_connect;
  std::mutex m_mutex;
  std::condition_variable m_available;
  std::vector<std::unique_ptr<Connection>> m_idle;  // most recently used last (handed out first)
  std::size_t m_open = 0;                            // idle + borrowed + being opened
};

class PooledDatabase final : public DialectDatabase {
public:
  PooledDatabase(const Dialect& dialect, std::size_t size, Connect connect, std::unique_ptr<Connection> first)
      : DialectDatabase(dialect), m_pool(size, std::move(connect), std::move(first)) {}

  Result<std::vector<Row>> query(std::string_view sql, const std::vector<Value>& params) override {
    COCO_TRY(auto lease, m_pool.borrow());
    return lease->run(sql, params);
  }

  Status transaction(const std::function<Status(Database&)>& body) override {
    COCO_TRY(auto lease, m_pool.borrow());
    COCO_TRY_STATUS(lease->begin());
    // Ends the transaction on every path out, including an exception from the body (a bug).
    struct Open {
      Connection& connection;
      bool over = false;
      ~Open() {
        if (!over) {
          (void)connection.finish(false);
        }
      }
    } open{*lease};
    TransactionView view(dialect(), *lease);
    Status result = body(view);
    if (!result) {
      return result;  // rolled back by `open`
    }
    if (auto committed = lease->finish(true); !committed) {
      return committed;  // rolled back by `open`
    }
    open.over = true;
    return ok();
  }

private:
  Pool m_pool;
};

} // namespace

std::unique_ptr<Database> make_pooled_database(const Dialect& dialect, std::size_t size, Connect connect,
                                               std::unique_ptr<Connection> first) {
  return std::make_unique<PooledDatabase>(dialect, size, std::move(connect), std::move(first));
}

} // namespace coco::store
