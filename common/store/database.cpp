// The engine-independent part of Database: transactions and the schema placeholders, over each engine's Dialect.
#include "common/store/database.hpp"

#include <utility>

namespace coco::store {

Status Database::transaction(const std::function<Status(Database&)>& body) {
  std::lock_guard lock(m_mutex);
  COCO_TRY_STATUS(exec(m_dialect.begin));
  ++m_depth;
  Status result = body(*this);
  --m_depth;
  if (!result) {
    (void)exec("ROLLBACK");
    return result;
  }
  if (auto committed = exec("COMMIT"); !committed) {
    (void)exec("ROLLBACK");
    return committed;
  }
  return ok();
}

std::string Database::schema_sql(std::string_view portable) const {
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

std::int64_t Row::integer(std::size_t i) const {
  const auto& c = columns.at(i);
  if (!c || c->empty()) {
    return 0;
  }
  return std::stoll(*c);
}

} // namespace coco::store
