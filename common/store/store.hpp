// The KBS store: resources with versions, policies, reference values, protocol sessions and the audit log,
// in SQLite (embedded default) or PostgreSQL (shared by replicas), one schema for both.
//
// Resources: a put creates version n+1; reads return the latest version unless one is named; history lists
// versions (never values); rollback re-puts an old value as a new version; delete is soft (the resource reads
// as absent until undeleted, its versions kept). Values are sealed with the key-encryption key (kek.hpp)
// before they reach the database. Reference values follow Trustee's RVPS: registering a name replaces its
// values. The audit log records who did what to which subject, with the request and attestation ids, never
// a secret; the explanation of a refusal (the rule that failed and the claim values it read) is stored in the
// audit entry's detail and read back by request id.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/result.hpp"
#include "common/base/secret.hpp"
#include "common/store/kek.hpp"

namespace coco::store {

class Database;

struct ResourceVersion {
  std::string path;             // "repository/type/tag"
  std::int64_t version = 0;     // 1, 2, ...
  std::int64_t created_at = 0;  // unix milliseconds
  std::string created_by;       // actor (admin subject) that wrote it
  std::size_t size = 0;         // plaintext size in bytes
};

struct Resource {
  ResourceVersion meta;
  Secret value;
};

struct ResourceInfo {
  std::string path;
  std::int64_t latest_version = 0;
  std::int64_t updated_at = 0;
  bool deleted = false;
};

enum class PolicyKind { resource, attestation };

struct Policy {
  std::string id;
  std::string text;
  std::int64_t updated_at = 0;
};

struct ReferenceValue {
  std::string name;
  nlohmann::json values;  // as registered: an array of values
  std::int64_t updated_at = 0;
};

// One KBS protocol session (auth -> attest -> resource), shared by replicas through the store.
struct Session {
  std::string id;           // 32 lowercase hex (uuid v4 without dashes)
  std::string nonce;        // the challenge nonce
  std::string tee;          // as requested in auth
  std::int64_t created_at = 0;  // unix milliseconds
  std::int64_t expires_at = 0;  // unix milliseconds
  bool attested = false;
  std::string token;        // the attestation token issued (a JWT)
  std::string claims;       // its claims, JSON text
};

struct AuditEntry {
  std::int64_t id = 0;          // assigned by the store
  std::int64_t at = 0;          // unix milliseconds; 0 = now
  std::string request_id;
  std::string actor;            // admin subject, "attester:<session>" or "anonymous"
  std::string action;           // e.g. "resource.put", "resource.release", "admin.refused"
  std::string subject;          // e.g. a resource path or a policy id
  std::string outcome;          // "ok" or "denied" or "error"
  std::string attestation_id;   // session id or token id of the attestation behind the action
  nlohmann::json detail = nlohmann::json::object();  // why: rule, claim values read; never a secret
};

struct AuditQuery {
  std::optional<std::string> request_id;
  std::optional<std::string> subject;
  std::int64_t limit = 100;
};

struct StoreOptions {
  // "sqlite:" + path, a plain path (SQLite), or postgres://... / postgresql://...
  std::string database;
  std::filesystem::path kek_path;  // the key-encryption key file (created 0600 when absent)
};

class Store {
public:
  static Result<std::unique_ptr<Store>> open(const StoreOptions& options);
  Store(std::unique_ptr<Database> db, KeyEncryptionKey kek);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  [[nodiscard]] std::string engine() const;
  // The latest schema version this build knows; the database is migrated to it on open.
  static int schema_version();
  Result<int> current_schema_version();
  // A cheap round trip (readiness).
  Status ping();

  // Resources. Paths are validated by the caller (kbs/); here they are opaque keys.
  Result<std::int64_t> put_resource(const std::string& path, std::span<const std::uint8_t> value,
                                    const std::string& actor);
  // not_found when absent or deleted (a named version of a deleted resource is not_found too).
  Result<Resource> get_resource(const std::string& path, std::optional<std::int64_t> version = std::nullopt);
  Result<std::vector<ResourceVersion>> resource_history(const std::string& path);
  Result<std::vector<ResourceInfo>> list_resources(bool include_deleted = false);
  // Re-puts version `version`'s value as a new version; returns the new version number.
  Result<std::int64_t> rollback_resource(const std::string& path, std::int64_t version, const std::string& actor);
  Status delete_resource(const std::string& path);    // soft; not_found when absent or already deleted
  Status undelete_resource(const std::string& path);  // not_found when absent or not deleted

  // Policies (resource policy "resource-policy"; attestation policies by id such as "default_cpu").
  Status put_policy(PolicyKind kind, const std::string& id, const std::string& text);
  // Stores the policy only if no policy with that id exists; true when it was stored.
  Result<bool> put_policy_if_absent(PolicyKind kind, const std::string& id, const std::string& text);
  Result<Policy> get_policy(PolicyKind kind, const std::string& id);  // not_found when absent
  Result<std::vector<std::string>> list_policy_ids(PolicyKind kind);
  Status delete_policy(PolicyKind kind, const std::string& id);

  // Reference values (RVPS semantics: registering a name replaces its values).
  Status put_reference_value(const std::string& name, const nlohmann::json& values);
  Result<ReferenceValue> get_reference_value(const std::string& name);
  Result<std::vector<ReferenceValue>> list_reference_values();
  Status delete_reference_value(const std::string& name);

  // Sessions.
  Status put_session(const Session& session);
  // not_found when absent or expired (at `now_ms`).
  Result<Session> get_session(const std::string& id, std::int64_t now_ms);
  // Records the attestation result; conflict when the session is gone.
  Status set_session_attested(const std::string& id, const std::string& token, const std::string& claims);
  Result<std::int64_t> delete_expired_sessions(std::int64_t now_ms);

  // Audit log (append-only through this API).
  Result<std::int64_t> append_audit(const AuditEntry& entry);
  Result<std::vector<AuditEntry>> query_audit(const AuditQuery& query);

private:
  Status migrate();
  std::unique_ptr<Database> m_db;
  KeyEncryptionKey m_kek;
};

std::int64_t now_ms();

} // namespace coco::store
