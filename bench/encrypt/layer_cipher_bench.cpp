// Layer cipher throughput (AES_256_CTR_HMAC_SHA256) against the hardware bound `openssl speed` measures in the
// same run: AES-256-CTR, HMAC-SHA256 and SHA-256 rates on this machine. Prints rates and ratios; asserts nothing.
//
//   coco_bench_layer_cipher [MiB]   (default 1024)
//
// The bound for one pass over a layer on one core is 1 / (1/ctr + 1/hmac) for the cipher alone, and adds
// 1/sha256 for the digest of the output that every copy computes.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/crypto/cipher.hpp"
#include "common/crypto/hash.hpp"
#include "common/crypto/hmac.hpp"
#include "common/crypto/random.hpp"
#include "common/ocicrypt/layer_cipher.hpp"

using namespace coco;

namespace {

// `openssl speed` counts user CPU time, not wall time (so a busy machine does not skew it); so do we, with the
// process CPU clock. Everything measured here is single-threaded.
struct Clock {
  using time_point = double;
  static double now() {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  }
};

double seconds_since(double t0) { return Clock::now() - t0; }

// encrypt_blob/decrypt_blob run the digest on a second thread; for them the wall clock is what counts (noisy
// on a busy machine, so the CPU time is printed beside it).
double wall_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Bytes per second `openssl speed -mr` reports for 16 KiB blocks, 0 when it cannot be run.
double openssl_speed(const std::string& args) {
  std::string cmd = "openssl speed -mr -seconds 2 -bytes 16384 " + args + " 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) {
    return 0;
  }
  double rate = 0;
  char line[512];
  while (std::fgets(line, sizeof(line), p) != nullptr) {
    std::string s(line);
    if (s.rfind("+F:", 0) == 0) {
      rate = std::strtod(s.substr(s.rfind(':') + 1).c_str(), nullptr);
    }
  }
  ::pclose(p);
  return rate;
}

double gbps(double bytes_per_second) { return bytes_per_second / 1e9; }

void report(const char* what, double rate, double bound, const char* bound_name) {
  std::printf("%-44s %7.2f GB/s", what, gbps(rate));
  if (bound > 0) {
    std::printf("   %5.1f%% of %s (%.2f GB/s)", 100.0 * rate / bound, bound_name, gbps(bound));
  }
  std::printf("\n");
}

} // namespace

int main(int argc, char** argv) {
  std::size_t mib = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1024;
  const std::uint64_t total = static_cast<std::uint64_t>(mib) << 20;
  const std::size_t chunk = ocicrypt::k_layer_chunk;
  std::vector<std::uint8_t> buffer = crypto::random_bytes(chunk);

  std::printf("layer cipher benchmark: %zu MiB in %zu KiB chunks\n\n", mib, chunk >> 10);
  double ctr_speed = openssl_speed("-evp aes-256-ctr");
  double hmac_speed = openssl_speed("-hmac sha256");
  double sha_speed = openssl_speed("-evp sha256");
  std::printf("openssl speed (16 KiB blocks): aes-256-ctr %.2f GB/s, hmac(sha256) %.2f GB/s, sha256 %.2f GB/s\n\n",
              gbps(ctr_speed), gbps(hmac_speed), gbps(sha_speed));
  double cipher_bound = (ctr_speed > 0 && hmac_speed > 0) ? 1.0 / (1.0 / ctr_speed + 1.0 / hmac_speed) : 0;
  double copy_bound = (cipher_bound > 0 && sha_speed > 0) ? 1.0 / (1.0 / cipher_bound + 1.0 / sha_speed) : 0;
  // Two cores: ctr+hmac on one, sha256 of the output on the other.
  double two_core_bound = std::min(cipher_bound, sha_speed);

  Secret key = crypto::random_secret(32);
  Bytes nonce = crypto::random_bytes(16);

  {  // AES-256-CTR alone
    auto ctr = crypto::AesCtr::create(key.bytes(), nonce).value();
    auto t0 = Clock::now();
    for (std::uint64_t done = 0; done < total; done += chunk) {
      ctr.update_in_place(buffer);
    }
    report("AesCtr (AES-256-CTR)", static_cast<double>(total) / seconds_since(t0), ctr_speed, "openssl aes-256-ctr");
  }
  {  // HMAC-SHA256 alone
    crypto::Hmac mac(key.bytes());
    auto t0 = Clock::now();
    for (std::uint64_t done = 0; done < total; done += chunk) {
      mac.update(buffer);
    }
    (void)mac.finish();
    report("Hmac (HMAC-SHA256)", static_cast<double>(total) / seconds_since(t0), hmac_speed, "openssl hmac");
  }
  {  // the layer cipher: CTR + HMAC in one pass
    auto enc = ocicrypt::LayerEncryptor::create("sha256:bench").value();
    auto t0 = Clock::now();
    for (std::uint64_t done = 0; done < total; done += chunk) {
      enc.update(buffer);
    }
    (void)enc.finish();
    report("LayerEncryptor (CTR + HMAC)", static_cast<double>(total) / seconds_since(t0), cipher_bound,
           "1-core bound ctr+hmac");
  }
  // A whole blob from a source to a sink: CTR + HMAC + SHA-256 of the output.
  std::uint64_t produced = 0;
  ocicrypt::ReadFn source = [&](std::span<std::uint8_t> out) -> Result<std::size_t> {
    if (produced >= total) {
      return std::size_t{0};
    }
    std::size_t n = std::min<std::uint64_t>(out.size(), total - produced);
    std::copy_n(buffer.begin(), n, out.begin());
    produced += n;
    return n;
  };
  ocicrypt::WriteFn sink = [](std::span<const std::uint8_t>) -> Status { return ok(); };
  ocicrypt::EncryptedBlob blob;
  {
    auto t0 = Clock::now();
    double w0 = wall_now();
    blob = ocicrypt::encrypt_blob(source, sink, "sha256:bench").value();
    double cpu = seconds_since(t0);
    double wall = wall_now() - w0;
    report("encrypt_blob wall (CTR + HMAC + digest)", static_cast<double>(total) / wall, two_core_bound,
           "2-core bound");
    report("encrypt_blob per CPU second", static_cast<double>(total) / cpu, copy_bound, "1-core bound ctr+hmac+sha256");
  }
  {
    // Decrypting the same synthetic stream fails the HMAC at the end; the rate is what matters here.
    produced = 0;
    ocicrypt::PrivateOptions priv = blob.private_options;
    priv.digest.clear();
    auto t0 = Clock::now();
    double w0 = wall_now();
    auto out = ocicrypt::decrypt_blob(source, sink, priv, blob.public_options);
    double cpu = seconds_since(t0);
    double wall = wall_now() - w0;
    report("decrypt_blob wall (HMAC + CTR + digest)", static_cast<double>(total) / wall, two_core_bound,
           "2-core bound");
    report("decrypt_blob per CPU second", static_cast<double>(total) / cpu, copy_bound, "1-core bound ctr+hmac+sha256");
    std::printf("  (HMAC %s, as expected for a synthetic stream)\n", out ? "matched" : "mismatch");
  }
  std::printf("\n2-core bound (ctr+hmac on one core, sha256 on the other): %.2f GB/s\n", gbps(two_core_bound));
  return 0;
}
