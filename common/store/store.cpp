#include "common/store/store.hpp"

#include <chrono>

#include "common/base/log.hpp"
#include "common/store/database.hpp"

namespace coco::store {
namespace {

// Versioned schema: migration n (1-based) is k_migrations[n-1]; each is a list of single statements (SQLite
// prepares one statement at a time). Never edit a released migration: append a new one.
const std::vector<std::vector<std::string_view>> k_migrations = {
    {
        "CREATE TABLE resources (path TEXT PRIMARY KEY, latest_version {bigint} NOT NULL, "
        "deleted INTEGER NOT NULL DEFAULT 0, updated_at {bigint} NOT NULL)",
        "CREATE TABLE resource_versions (path TEXT NOT NULL, version {bigint} NOT NULL, value {blob} NOT NULL, "
        "kek_id TEXT NOT NULL, size {bigint} NOT NULL, created_at {bigint} NOT NULL, created_by TEXT NOT NULL, "
        "PRIMARY KEY (path, version))",
        "CREATE TABLE policies (kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, "
        "updated_at {bigint} NOT NULL, PRIMARY KEY (kind, id))",
        "CREATE TABLE reference_values (name TEXT PRIMARY KEY, value_json TEXT NOT NULL, "
        "updated_at {bigint} NOT NULL)",
        "CREATE TABLE sessions (id TEXT PRIMARY KEY, nonce TEXT NOT NULL, tee TEXT NOT NULL, "
        "created_at {bigint} NOT NULL, expires_at {bigint} NOT NULL, attested INTEGER NOT NULL DEFAULT 0, "
        "token TEXT, claims TEXT)",
        "CREATE INDEX sessions_expiry ON sessions (expires_at)",
        "CREATE TABLE audit (id {serial}, at {bigint} NOT NULL, request_id TEXT NOT NULL, actor TEXT NOT NULL, "
        "action TEXT NOT NULL, subject TEXT NOT NULL, outcome TEXT NOT NULL, attestation_id TEXT NOT NULL, "
        "detail TEXT NOT NULL)",
        "CREATE INDEX audit_request ON audit (request_id)",
        "CREATE INDEX audit_subject ON audit (subject)",
    },
};

std::string_view kind_key(PolicyKind kind) { return kind == PolicyKind::resource ? "resource" : "attestation"; }

std::string seal_aad(const std::string& path, std::int64_t version) {
  return "coco-kbs resource " + path + "#" + std::to_string(version);
}

Error not_found(const std::string& what) { return make_error(Kind::not_found, what + " not found"); }

} // namespace

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Store::Store(std::unique_ptr<Database> db, KeyEncryptionKey kek) : m_db(std::move(db)), m_kek(std::move(kek)) {}
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options) {
  std::unique_ptr<Database> db;
  if (options.database.starts_with("postgres://") || options.database.starts_with("postgresql://")) {
    COCO_TRY(db, open_postgres(options.database));
  } else {
    std::string path = options.database;
    if (path.starts_with("sqlite:")) {
      path = path.substr(7);
    }
    if (path.empty()) {
      return make_error(Kind::usage, "no database given", "pass a SQLite file path or a postgres:// URL");
    }
    COCO_TRY(db, open_sqlite(path));
  }
  COCO_TRY(auto kek, KeyEncryptionKey::load_or_create(options.kek_path));
  auto store = std::make_unique<Store>(std::move(db), std::move(kek));
  COCO_TRY_STATUS(store->migrate());
  return store;
}

std::string Store::engine() const { return m_db->engine(); }
int Store::schema_version() { return static_cast<int>(k_migrations.size()); }

Status Store::migrate() {
  return m_db->transaction([](Database& db) -> Status {
    COCO_TRY_STATUS(db.lock_for_migration());
    COCO_TRY_STATUS(db.exec(db.schema_sql("CREATE TABLE IF NOT EXISTS schema_migrations "
                                          "(version INTEGER PRIMARY KEY, applied_at {bigint} NOT NULL)")));
    COCO_TRY(auto rows, db.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {}));
    const std::int64_t current = rows.empty() ? 0 : rows[0].integer(0);
    if (current > static_cast<std::int64_t>(k_migrations.size())) {
      return make_error(Kind::unsupported,
                        "database schema version " + std::to_string(current) + " is newer than this build's " +
                            std::to_string(k_migrations.size()),
                        "upgrade coco-kbs");
    }
    for (auto v = static_cast<std::size_t>(current); v < k_migrations.size(); ++v) {
      for (std::string_view statement : k_migrations[v]) {
        COCO_TRY_STATUS(db.exec(db.schema_sql(statement)));
      }
      COCO_TRY_STATUS(db.exec("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                              {static_cast<std::int64_t>(v + 1), now_ms()}));
      log::info("store: applied schema migration " + std::to_string(v + 1) + " (" + db.engine() + ")");
    }
    return ok();
  });
}

Result<int> Store::current_schema_version() {
  COCO_TRY(auto rows, m_db->query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {}));
  return static_cast<int>(rows.at(0).integer(0));
}

Status Store::ping() { return m_db->exec("SELECT 1"); }

Result<std::int64_t> Store::put_resource(const std::string& path, std::span<const std::uint8_t> value,
                                         const std::string& actor) {
  std::int64_t version = 0;
  COCO_TRY_STATUS(m_db->transaction([&](Database& db) -> Status {
    const std::int64_t now = now_ms();
    COCO_TRY(auto rows, db.query("INSERT INTO resources (path, latest_version, deleted, updated_at) VALUES (?, 1, 0, ?) "
                                 "ON CONFLICT (path) DO UPDATE SET latest_version = resources.latest_version + 1, "
                                 "deleted = 0, updated_at = excluded.updated_at RETURNING latest_version",
                                 {path, now}));
    if (rows.empty()) {
      return make_error(Kind::internal, "resource upsert returned no version");
    }
    version = rows[0].integer(0);
    COCO_TRY(Bytes sealed, m_kek.seal(value, seal_aad(path, version)));
    return db.exec("INSERT INTO resource_versions (path, version, value, kek_id, size, created_at, created_by) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)",
                   {path, version, std::move(sealed), m_kek.id(), static_cast<std::int64_t>(value.size()), now, actor});
  }));
  return version;
}

Result<Resource> Store::get_resource(const std::string& path, std::optional<std::int64_t> version) {
  COCO_TRY(auto head, m_db->query("SELECT latest_version, deleted FROM resources WHERE path = ?", {path}));
  if (head.empty() || head[0].integer(1) != 0) {
    return not_found("resource " + path);
  }
  const std::int64_t wanted = version.value_or(head[0].integer(0));
  COCO_TRY(auto rows, m_db->query("SELECT value, kek_id, size, created_at, created_by FROM resource_versions "
                                  "WHERE path = ? AND version = ?",
                                  {path, wanted}));
  if (rows.empty()) {
    return not_found("resource " + path + " version " + std::to_string(wanted));
  }
  const Row& row = rows[0];
  if (row.text(1) != m_kek.id()) {
    return make_error(Kind::integrity, "resource " + path + " is sealed under another key-encryption key (" + row.text(1) + ")",
                      "start the server with the key file it was written with");
  }
  const std::string sealed = row.text(0);
  auto value = m_kek.open(as_bytes(sealed), seal_aad(path, wanted));
  if (!value) {
    return std::move(value).error().context("resource " + path);
  }
  Resource r;
  r.meta = {path, wanted, row.integer(3), row.text(4), static_cast<std::size_t>(row.integer(2))};
  r.value = std::move(*value);
  return r;
}

Result<std::vector<ResourceVersion>> Store::resource_history(const std::string& path) {
  COCO_TRY(auto rows, m_db->query("SELECT version, created_at, created_by, size FROM resource_versions "
                                  "WHERE path = ? ORDER BY version",
                                  {path}));
  if (rows.empty()) {
    return not_found("resource " + path);
  }
  std::vector<ResourceVersion> out;
  for (const auto& row : rows) {
    out.push_back({path, row.integer(0), row.integer(1), row.text(2), static_cast<std::size_t>(row.integer(3))});
  }
  return out;
}

Result<std::vector<ResourceInfo>> Store::list_resources(bool include_deleted) {
  COCO_TRY(auto rows, m_db->query(include_deleted
                                      ? "SELECT path, latest_version, updated_at, deleted FROM resources ORDER BY path"
                                      : "SELECT path, latest_version, updated_at, deleted FROM resources "
                                        "WHERE deleted = 0 ORDER BY path",
                                  {}));
  std::vector<ResourceInfo> out;
  for (const auto& row : rows) {
    out.push_back({row.text(0), row.integer(1), row.integer(2), row.integer(3) != 0});
  }
  return out;
}

Result<std::int64_t> Store::rollback_resource(const std::string& path, std::int64_t version, const std::string& actor) {
  COCO_TRY(auto old, get_resource(path, version));
  return put_resource(path, old.value.bytes(), actor);
}

Status Store::delete_resource(const std::string& path) {
  COCO_TRY(auto rows, m_db->query("UPDATE resources SET deleted = 1, updated_at = ? WHERE path = ? AND deleted = 0 "
                                  "RETURNING path",
                                  {now_ms(), path}));
  if (rows.empty()) {
    return not_found("resource " + path);
  }
  return ok();
}

Status Store::undelete_resource(const std::string& path) {
  COCO_TRY(auto rows, m_db->query("UPDATE resources SET deleted = 0, updated_at = ? WHERE path = ? AND deleted = 1 "
                                  "RETURNING path",
                                  {now_ms(), path}));
  if (rows.empty()) {
    return not_found("deleted resource " + path);
  }
  return ok();
}

Status Store::put_policy(PolicyKind kind, const std::string& id, const std::string& text) {
  return m_db->exec("INSERT INTO policies (kind, id, body, updated_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
                    {std::string(kind_key(kind)), id, text, now_ms()});
}

Result<bool> Store::put_policy_if_absent(PolicyKind kind, const std::string& id, const std::string& text) {
  COCO_TRY(auto rows, m_db->query("INSERT INTO policies (kind, id, body, updated_at) VALUES (?, ?, ?, ?) "
                                  "ON CONFLICT (kind, id) DO NOTHING RETURNING id",
                                  {std::string(kind_key(kind)), id, text, now_ms()}));
  return !rows.empty();
}

Result<Policy> Store::get_policy(PolicyKind kind, const std::string& id) {
  COCO_TRY(auto rows, m_db->query("SELECT body, updated_at FROM policies WHERE kind = ? AND id = ?",
                                  {std::string(kind_key(kind)), id}));
  if (rows.empty()) {
    return not_found(std::string(kind_key(kind)) + " policy " + id);
  }
  return Policy{id, rows[0].text(0), rows[0].integer(1)};
}

Result<std::vector<std::string>> Store::list_policy_ids(PolicyKind kind) {
  COCO_TRY(auto rows, m_db->query("SELECT id FROM policies WHERE kind = ? ORDER BY id", {std::string(kind_key(kind))}));
  std::vector<std::string> out;
  for (const auto& row : rows) {
    out.push_back(row.text(0));
  }
  return out;
}

Status Store::delete_policy(PolicyKind kind, const std::string& id) {
  COCO_TRY(auto rows, m_db->query("DELETE FROM policies WHERE kind = ? AND id = ? RETURNING id",
                                  {std::string(kind_key(kind)), id}));
  if (rows.empty()) {
    return not_found(std::string(kind_key(kind)) + " policy " + id);
  }
  return ok();
}

Status Store::put_reference_value(const std::string& name, const nlohmann::json& values) {
  return m_db->exec("INSERT INTO reference_values (name, value_json, updated_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at",
                    {name, values.dump(), now_ms()});
}

namespace {
Result<ReferenceValue> reference_value_from(const Row& row) {
  auto values = nlohmann::json::parse(row.text(1), nullptr, false);
  if (values.is_discarded()) {
    return make_error(Kind::integrity, "stored reference value " + row.text(0) + " is not JSON");
  }
  return ReferenceValue{row.text(0), std::move(values), row.integer(2)};
}
} // namespace

Result<ReferenceValue> Store::get_reference_value(const std::string& name) {
  COCO_TRY(auto rows, m_db->query("SELECT name, value_json, updated_at FROM reference_values WHERE name = ?", {name}));
  if (rows.empty()) {
    return not_found("reference value " + name);
  }
  return reference_value_from(rows[0]);
}

Result<std::vector<ReferenceValue>> Store::list_reference_values() {
  COCO_TRY(auto rows, m_db->query("SELECT name, value_json, updated_at FROM reference_values ORDER BY name", {}));
  std::vector<ReferenceValue> out;
  for (const auto& row : rows) {
    COCO_TRY(auto rv, reference_value_from(row));
    out.push_back(std::move(rv));
  }
  return out;
}

Status Store::delete_reference_value(const std::string& name) {
  COCO_TRY(auto rows, m_db->query("DELETE FROM reference_values WHERE name = ? RETURNING name", {name}));
  if (rows.empty()) {
    return not_found("reference value " + name);
  }
  return ok();
}

Status Store::put_session(const Session& s) {
  return m_db->exec("INSERT INTO sessions (id, nonce, tee, created_at, expires_at, attested, token, claims) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    {s.id, s.nonce, s.tee, s.created_at, s.expires_at, static_cast<std::int64_t>(s.attested ? 1 : 0),
                     s.token.empty() ? Value(nullptr) : Value(s.token), s.claims.empty() ? Value(nullptr) : Value(s.claims)});
}

Result<Session> Store::get_session(const std::string& id, std::int64_t now) {
  COCO_TRY(auto rows, m_db->query("SELECT nonce, tee, created_at, expires_at, attested, token, claims FROM sessions "
                                  "WHERE id = ? AND expires_at > ?",
                                  {id, now}));
  if (rows.empty()) {
    return not_found("session");
  }
  const Row& r = rows[0];
  return Session{id, r.text(0), r.text(1), r.integer(2), r.integer(3), r.integer(4) != 0, r.text(5), r.text(6)};
}

Status Store::set_session_attested(const std::string& id, const std::string& token, const std::string& claims) {
  COCO_TRY(auto rows, m_db->query("UPDATE sessions SET attested = 1, token = ?, claims = ? WHERE id = ? RETURNING id",
                                  {token, claims, id}));
  if (rows.empty()) {
    return make_error(Kind::conflict, "session is gone");
  }
  return ok();
}

Result<std::int64_t> Store::delete_expired_sessions(std::int64_t now) {
  COCO_TRY(auto rows, m_db->query("DELETE FROM sessions WHERE expires_at <= ? RETURNING id", {now}));
  return static_cast<std::int64_t>(rows.size());
}

Result<std::int64_t> Store::append_audit(const AuditEntry& e) {
  COCO_TRY(auto rows, m_db->query("INSERT INTO audit (at, request_id, actor, action, subject, outcome, attestation_id, "
                                  "detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                                  {e.at != 0 ? e.at : now_ms(), e.request_id, e.actor, e.action, e.subject, e.outcome,
                                   e.attestation_id, e.detail.dump()}));
  return rows.at(0).integer(0);
}

Result<std::vector<AuditEntry>> Store::query_audit(const AuditQuery& q) {
  std::string sql = "SELECT id, at, request_id, actor, action, subject, outcome, attestation_id, detail FROM audit";
  std::vector<Value> params;
  std::string where;
  if (q.request_id) {
    where += " request_id = ?";
    params.emplace_back(*q.request_id);
  }
  if (q.subject) {
    where += where.empty() ? " subject = ?" : " AND subject = ?";
    params.emplace_back(*q.subject);
  }
  if (!where.empty()) {
    sql += " WHERE" + where;
  }
  sql += " ORDER BY id DESC LIMIT ?";
  params.emplace_back(q.limit > 0 ? q.limit : 100);
  COCO_TRY(auto rows, m_db->query(sql, params));
  std::vector<AuditEntry> out;
  for (const auto& r : rows) {
    AuditEntry e;
    e.id = r.integer(0);
    e.at = r.integer(1);
    e.request_id = r.text(2);
    e.actor = r.text(3);
    e.action = r.text(4);
    e.subject = r.text(5);
    e.outcome = r.text(6);
    e.attestation_id = r.text(7);
    e.detail = nlohmann::json::parse(r.text(8), nullptr, false);
    if (e.detail.is_discarded()) {
      e.detail = nlohmann::json::object();
    }
    out.push_back(std::move(e));
  }
  return out;
}

} // namespace coco::store
