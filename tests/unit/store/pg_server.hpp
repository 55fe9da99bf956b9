// A real PostgreSQL server for the store tests, started once per test process through
// tests/e2e/lib/postgres.sh in a temp dir on loopback and stopped when the process exits.
// COCO_TEST_POSTGRES_URL points the tests at an existing server instead.
#pragma once

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include <unistd.h>

#include "common/store/database.hpp"
#include "tests/unit/test_util.hpp"

namespace coco::test {

class PostgresServer {
public:
  static PostgresServer& instance() {
    static PostgresServer server;
    return server;
  }
  // A fresh, empty database on the server; returns its URL.
  std::string fresh_database() {
    static std::atomic<int> counter{0};
    const std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    auto admin = store::open_postgres(m_url);
    if (!admin) {
      throw std::runtime_error("cannot reach test postgres: " + admin.error().message);
    }
    auto created = (*admin)->exec("CREATE DATABASE " + name);
    if (!created) {
      throw std::runtime_error("cannot create test database: " + created.error().message);
    }
    return m_url.substr(0, m_url.rfind('/') + 1) + name;
  }
  ~PostgresServer() {
    if (m_started) {
      const std::string cmd = script() + " stop " + m_dir_pg.string();
      (void)std::system(cmd.c_str());
    }
  }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

private:
  static std::string script() { return (source_dir() / "tests/e2e/lib/postgres.sh").string(); }
  PostgresServer() {
    if (const char* env = std::getenv("COCO_TEST_POSTGRES_URL")) {
      m_url = env;
      return;
    }
    m_dir = std::make_unique<TempDir>();
    const std::string cmd = script() + " start " + (m_dir->path() / "pg").string();
    FILE* pipe = ::popen(cmd.c_str(), "r");
    if (pipe == nullptr) {
      throw std::runtime_error("cannot run postgres.sh");
    }
    char buf[512];
    std::string out;
    while (std::fgets(buf, sizeof buf, pipe) != nullptr) {
      out += buf;
    }
    const int rc = ::pclose(pipe);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) {
      out.pop_back();
    }
    if (rc != 0 || !out.starts_with("postgres://")) {
      throw std::runtime_error("postgres.sh start failed: " + out);
    }
    m_url = out;
    m_started = true;
    m_dir_pg = m_dir->path() / "pg";
  }
  std::unique_ptr<TempDir> m_dir;
  std::filesystem::path m_dir_pg;
  std::string m_url;
  bool m_started = false;
};

} // namespace coco::test
