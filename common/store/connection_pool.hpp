// The engine side of Database (internal to common/store): one engine connection, the dialect of its SQL, and
// the pool that hands connections to statements and transactions.
//
// A statement borrows a connection for its duration; a transaction borrows one for all its statements, so they
// see each other's writes. Borrowing waits while all pool_size connections are in use; a connection is opened
// on demand and, before it is handed out, checked (Connection::revive) and re-established when the server
// dropped it, or replaced when it cannot be.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/store/database.hpp"

namespace coco::store {

// What differs between the engines' SQL besides the connection: names and type spellings.
struct Dialect {
  std::string_view engine;          // "sqlite", "postgres"
  std::string_view serial;          // {serial}
  std::string_view blob;            // {blob}
  std::string_view bigint;          // {bigint}
  std::string_view migration_lock;  // statement taking the migration lock; empty when none is needed
};

// One connection, used by one thread at a time (the pool's hand-off orders its uses).
class Connection {
public:
  virtual ~Connection() = default;
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  virtual Result<std::vector<Row>> run(std::string_view sql, const std::vector<Value>& params) = 0;
  // Open a write transaction; finish(true) commits it, finish(false) rolls it back. After finish returns the
  // transaction is over unless a commit failed (then finish(false) ends it).
  virtual Status begin() = 0;
  virtual Status finish(bool commit) = 0;
  // Called before the connection is handed out: true when it is usable (idle, outside a transaction),
  // re-establishing it when the server dropped it; false when it cannot be, and the pool opens a new one.
  virtual bool revive() = 0;
};

using Connect = std::function<Result<std::unique_ptr<Connection>>()>;

// A Database over a pool of at most `size` connections from `connect`; `first` (already open, so that open
// errors surface when the database is opened) is its first one.
std::unique_ptr<Database> make_pooled_database(const Dialect& dialect, std::size_t size, Connect connect,
                                               std::unique_ptr<Connection> first);

} // namespace coco::store
