// The config secret scan of coco-encrypt verify (verify.hpp); the image checks run end to end in
// tests/e2e/encrypt/verify.sh.
#include "common/ocicrypt/verify.hpp"

#include <catch2/catch.hpp>

using coco::ocicrypt::secret_looking_config_values;

TEST_CASE("config values named or shaped like secrets are found by name only", "[ocicrypt]") {
  const std::string config = R"({"architecture":"amd64","os":"linux","config":{
    "Env":["PATH=/usr/bin","DB_PASSWORD=hunter2","TOKENIZERS_PARALLELISM=false","API_KEY=",
           "NOTE=-----BEGIN RSA PRIVATE KEY-----abc","MIRROR=https://bob:pw123@example.com/repo","GITHUB_TOKEN=ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"],
    "Labels":{"org.opencontainers.image.source":"https://example.com","aws":"AKIAABCDEFGHIJKLMNOP","client_secret":"x7"}}})";
  auto found = secret_looking_config_values(config);
  CHECK(found == std::vector<std::string>{"Env DB_PASSWORD", "Env NOTE", "Env MIRROR", "Env GITHUB_TOKEN",
                                          "Label aws", "Label client_secret"});
  for (const auto& f : found) {
    CHECK(f.find("hunter2") == std::string::npos);
  }
}

TEST_CASE("a config without Env or Labels has no secret-looking values", "[ocicrypt]") {
  CHECK(secret_looking_config_values(R"({"architecture":"amd64","os":"linux"})").empty());
  CHECK(secret_looking_config_values("not json").empty());
}
