#include "common/cli/version.hpp"

#include <archive.h>
#include <curl/curl.h>
#include <gpgme.h>
#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <sodium.h>
#include <sqlite3.h>
#include <zstd.h>

#include <CLI/Version.hpp>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

namespace coco::cli {

std::vector<LibraryVersion> linked_library_versions() {
  std::vector<LibraryVersion> out;
  out.push_back({"OpenSSL", OpenSSL_version(OPENSSL_VERSION_STRING)});
  out.push_back({"libcurl", curl_version_info(CURLVERSION_NOW)->version});
  out.push_back({"CLI11", CLI11_VERSION});
  out.push_back({"nlohmann-json", std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                                      std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
                                      std::to_string(NLOHMANN_JSON_VERSION_PATCH)});
  out.push_back({"SQLite", sqlite3_libversion()});
  // archive_version_string() is "libarchive 3.6.2".
  std::string archive = archive_version_string();
  if (archive.starts_with("libarchive ")) {
    archive = archive.substr(11);
  }
  out.push_back({"libarchive", archive});
  out.push_back({"zstd", ZSTD_versionString()});
  out.push_back({"toml++", std::to_string(TOML_LIB_MAJOR) + "." + std::to_string(TOML_LIB_MINOR) + "." +
                               std::to_string(TOML_LIB_PATCH)});
  const char* gpgme = gpgme_check_version(nullptr);
  out.push_back({"gpgme", gpgme != nullptr ? gpgme : "unknown"});
  // PQlibVersion(): major * 10000 + minor for PostgreSQL 10 and later.
  const int pq = PQlibVersion();
  out.push_back({"libpq", std::to_string(pq / 10000) + "." + std::to_string(pq % 10000)});
  out.push_back({"libsodium", sodium_version_string()});
  return out;
}

} // namespace coco::cli
