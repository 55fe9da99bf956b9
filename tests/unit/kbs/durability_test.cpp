// Durability: a server process killed with SIGKILL while concurrent writes are in flight loses none of the writes
// it acknowledged (SQLite with WAL + synchronous=FULL; PostgreSQL's committed transactions).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <catch2/catch.hpp>
#include <httplib.h>

#include "common/kbs/server.hpp"
#include "common/store/store.hpp"
#include "tests/unit/store/pg_server.hpp"
#include "tests/unit/test_util.hpp"

using namespace coco;
using namespace coco::kbs;


TEST_CASE("every write acknowledged before kill -9 is there after restart", "[kbs][durability]") {
  const std::string engine = GENERATE("sqlite", "postgres");
  test::TempDir dir;
  const std::string database = engine == "sqlite" ? (dir / "kbs.db").string() : test::PostgresServer::instance().fresh_database();
  // The child binds port 0 and reports the port it got through a pipe: no window in which another test can take
  // a port picked in advance.
  int port_pipe[2];
  REQUIRE(::pipe(port_pipe) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(port_pipe[0]);
    ServerOptions options;
    options.config.admin.mode = AdminMode::insecure_allow_all;
    options.config.http_server.worker_count = 16;
    options.state_dir = dir / "state";
    options.database = database;
    options.kek_path = dir / "kek";
    options.insecure_http = true;
    options.sockets = std::vector<std::string>{"127.0.0.1:0"};
    auto server = Server::create(std::move(options));
    if (!server || !(*server)->start() || (*server)->addresses().empty()) {
      ::_exit(3);
    }
    const int bound = (*server)->addresses().front().port;
    if (::write(port_pipe[1], &bound, sizeof bound) != static_cast<ssize_t>(sizeof bound)) {
      ::_exit(3);
    }
    ::close(port_pipe[1]);
    (*server)->wait();
    ::_exit(0);
  }
  ::close(port_pipe[1]);
  int port = 0;
  const bool got_port = ::read(port_pipe[0], &port, sizeof port) == static_cast<ssize_t>(sizeof port);
  ::close(port_pipe[0]);
  if (!got_port) {
    int status = 0;
    ::waitpid(child, &status, 0);
  }
  REQUIRE(got_port);
  bool up = false;
  for (int i = 0; i < 200 && !up; ++i) {
    httplib::Client probe("127.0.0.1", port);
    auto res = probe.Get("/healthz");
    up = res && res->status == 200;
    if (!up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  REQUIRE(up);

  constexpr int k_writes = 1000;
  constexpr int k_threads = 16;
  std::mutex mutex;
  std::set<int> acknowledged;
  std::atomic<int> next{0};
  std::atomic<bool> killed{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < k_threads; ++t) {
    writers.emplace_back([&] {
      httplib::Client client("127.0.0.1", port);
      client.set_connection_timeout(2);
      client.set_read_timeout(5);
      for (int i = next++; i < k_writes; i = next++) {
        auto res = client.Post("/kbs/v0/resource/default/durable/k" + std::to_string(i), "value-" + std::to_string(i),
                               "application/octet-stream");
        if (res && res->status == 200) {
          std::lock_guard lock(mutex);
          acknowledged.insert(i);
          if (acknowledged.size() == k_writes / 2 && !killed.exchange(true)) {
            ::kill(child, SIGKILL);
          }
        }
      }
    });
  }
  for (auto& w : writers) {
    w.join();
  }
  if (!killed.exchange(true)) {
    ::kill(child, SIGKILL);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(WIFSIGNALED(status));
  REQUIRE(acknowledged.size() >= k_writes / 2);
  INFO(acknowledged.size() << " writes acknowledged before the kill");

  auto store = store::Store::open({database, dir / "kek"});
  REQUIRE(store);
  int missing = 0;
  for (int i : acknowledged) {
    auto r = (*store)->get_resource("default/durable/k" + std::to_string(i));
    if (!r || r->value.view() != "value-" + std::to_string(i)) {
      ++missing;
    }
  }
  CHECK(missing == 0);
}
