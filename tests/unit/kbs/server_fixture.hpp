// A KBS server on an ephemeral 127.0.0.1 port for in-process tests, and an HTTPS client that verifies the
// server's self-signed certificate (no verification shortcut).
#pragma once

#include <catch2/catch.hpp>
#include <httplib.h>

#include <memory>
#include <string>
#include <vector>

#include "common/kbs/server.hpp"

namespace coco::test {

// Creates and starts the server described by `options` (its sockets are set to one ephemeral loopback port).
inline std::unique_ptr<kbs::Server> start_kbs_server(kbs::ServerOptions options) {
  options.sockets = std::vector<std::string>{"127.0.0.1:0"};
  auto created = kbs::Server::create(std::move(options));
  if (!created) {
    FAIL("server create: " << created.error().message);
  }
  auto server = std::move(*created);
  REQUIRE(server->start());
  REQUIRE(server->addresses().size() == 1);
  return server;
}

inline std::unique_ptr<httplib::SSLClient> https_client_of(kbs::Server& server) {
  auto client = std::make_unique<httplib::SSLClient>("127.0.0.1", server.addresses()[0].port);
  client->set_ca_cert_path(server.tls_certificate().string());
  client->enable_server_certificate_verification(true);
  return client;
}

} // namespace coco::test
