// The engine-independent part of Database's rows (the pool and transactions are in connection_pool.cpp).
#include "common/store/database.hpp"

namespace coco::store {

std::int64_t Row::integer(std::size_t i) const {
  const auto& c = columns.at(i);
  if (!c || c->empty()) {
    return 0;
  }
  return std::stoll(*c);
}

} // namespace coco::store
