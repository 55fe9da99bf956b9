// common/ocicrypt/image.hpp on real OCI layouts: encrypt an image for a kbs:/// recipient and decrypt it back
// with the KEK given as bytes or asked for by key id (what coco-attest does), and tampering.
#include "common/ocicrypt/image.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "common/base/atomic_file.hpp"
#include "common/crypto/random.hpp"
#include "common/oci/inspect.hpp"
#include "common/ocicrypt/annotations.hpp"
#include "tests/unit/test_util.hpp"

using namespace coco::ocicrypt;
namespace fs = std::filesystem;
using coco::oci::digest_of;

namespace {

std::string sample(std::size_t n, int seed) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s.push_back(static_cast<char>((i * 131 + static_cast<std::size_t>(seed) * 7 + i / 977) % 251));
  }
  return s;
}

void put_blob(const fs::path& layout, const std::string& data) {
  fs::create_directories(layout / "blobs" / "sha256");
  std::ofstream(layout / "blobs" / "sha256" / digest_of(data).hex, std::ios::binary) << data;
}

// A two-layer OCI image (uncompressed tar media type; the bytes need not be a tar) tagged v1.
std::vector<std::string> make_image(const fs::path& layout, std::size_t layer_size) {
  std::vector<std::string> layers{sample(layer_size, 1), sample(layer_size / 3 + 5, 2)};
  std::string diff_ids;
  std::string descs;
  for (const auto& l : layers) {
    put_blob(layout, l);
    diff_ids += (diff_ids.empty() ? "\"" : ",\"") + digest_of(l).str() + "\"";
    descs += std::string(descs.empty() ? "" : ",") + R"({"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":")" +
             digest_of(l).str() + R"(","size":)" + std::to_string(l.size()) + "}";
  }
  std::string config = R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[)" + diff_ids + "]}}";
  std::string manifest = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
                         digest_of(config).str() + R"(","size":)" + std::to_string(config.size()) + R"(},"layers":[)" + descs + "]}";
  put_blob(layout, config);
  put_blob(layout, manifest);
  REQUIRE(coco::write_file_atomic(layout / "index.json",
                                  R"({"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
                                      digest_of(manifest).str() + R"(","size":)" + std::to_string(manifest.size()) +
                                      R"(,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]})"));
  REQUIRE(coco::write_file_atomic(layout / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})"));
  std::vector<std::string> digests;
  for (const auto& l : layers) {
    digests.push_back(digest_of(l).str());
  }
  return digests;
}

coco::oci::ImageReference ref(const fs::path& layout) {
  return *coco::oci::parse_image_reference("oci:" + layout.string() + ":v1");
}

std::vector<coco::oci::LayerInfo> layers_of(const fs::path& layout) {
  coco::oci::InspectOptions o;
  o.fetch_config = false;
  auto r = coco::oci::inspect_image(ref(layout), o);
  REQUIRE(r);
  return r->layers;
}

EncryptImageOptions kbs_encryption(const coco::Secret& kek) {
  EncryptImageOptions o;
  o.recipients = {"kbs:///default/image-key/app"};
  o.wrappers.kbs_kek = kek;
  return o;
}

} // namespace

TEST_CASE("an image encrypted for a kbs recipient decrypts with the KEK given as bytes", "[ocicrypt]") {
  coco::test::TempDir dir;
  auto plain = make_image(dir / "src", 3 * 1024 * 1024 + 17);
  coco::Secret kek = coco::crypto::random_secret(32);
  auto enc = encrypt_image(ref(dir / "src"), ref(dir / "enc"), kbs_encryption(kek));
  REQUIRE(enc);
  CHECK(enc->layers == 2);
  for (const auto& l : layers_of(dir / "enc")) {
    CHECK(l.descriptor.media_type == "application/vnd.oci.image.layer.v1.tar+encrypted");
    CHECK(l.descriptor.annotations.count(std::string(k_annotation_pubopts)) == 1);
    CHECK(l.descriptor.annotations.count(keys_annotation("provider.attestation-agent")) == 1);
  }
  DecryptImageOptions d;
  d.kbs_keks.push_back(kek);
  auto dec = decrypt_image(ref(dir / "enc"), ref(dir / "dec"), d);
  REQUIRE(dec);
  CHECK(dec->layers == 2);
  auto out = layers_of(dir / "dec");
  REQUIRE(out.size() == 2);
  CHECK(out[0].descriptor.digest.str() == plain[0]);
  CHECK(out[1].descriptor.digest.str() == plain[1]);
  CHECK(out[0].descriptor.annotations.empty());
}

TEST_CASE("decrypt_image asks a KEK callback once per key id", "[ocicrypt]") {
  coco::test::TempDir dir;
  auto plain = make_image(dir / "src", 200000);
  coco::Secret kek = coco::crypto::random_secret(32);
  REQUIRE(encrypt_image(ref(dir / "src"), ref(dir / "enc"), kbs_encryption(kek)));
  DecryptImageOptions d;
  std::vector<std::string> asked;
  d.kbs_kek_for = [&](std::string_view kid) -> coco::Result<coco::Secret> {
    asked.emplace_back(kid);
    return kek;
  };
  REQUIRE(decrypt_image(ref(dir / "enc"), ref(dir / "dec"), d));
  CHECK(asked == std::vector<std::string>{"kbs:///default/image-key/app"});
  CHECK(layers_of(dir / "dec")[1].descriptor.digest.str() == plain[1]);
}

TEST_CASE("decrypt_image with the wrong KEK fails and writes nothing", "[ocicrypt]") {
  coco::test::TempDir dir;
  make_image(dir / "src", 1000);
  REQUIRE(encrypt_image(ref(dir / "src"), ref(dir / "enc"), kbs_encryption(coco::crypto::random_secret(32))));
  DecryptImageOptions d;
  d.kbs_keks.push_back(coco::crypto::random_secret(32));
  auto dec = decrypt_image(ref(dir / "enc"), ref(dir / "dec"), d);
  REQUIRE_FALSE(dec);
  CHECK(dec.error().message.find("layer 1") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "dec"));
}

TEST_CASE("a flipped ciphertext byte fails decryption with an HMAC error naming the layer", "[ocicrypt]") {
  coco::test::TempDir dir;
  make_image(dir / "src", 2 * 1024 * 1024 + 3);
  coco::Secret kek = coco::crypto::random_secret(32);
  REQUIRE(encrypt_image(ref(dir / "src"), ref(dir / "enc"), kbs_encryption(kek)));
  auto layer = layers_of(dir / "enc")[0].descriptor;
  fs::path blob = dir / "enc" / "blobs" / "sha256" / layer.digest.hex;
  std::string bytes = *coco::read_file(blob);
  bytes[bytes.size() / 2] ^= 0x01;
  // Keep the blob's digest consistent so only the HMAC can catch it: rewrite the manifest with the new digest.
  fs::remove(blob);
  put_blob(dir / "enc", bytes);
  std::string index = *coco::read_file(dir / "enc" / "index.json");
  auto idx = nlohmann::json::parse(index);
  std::string mdigest = idx["manifests"][0]["digest"];
  std::string manifest = *coco::read_file(dir / "enc" / "blobs" / "sha256" / mdigest.substr(7));
  auto pos = manifest.find(layer.digest.str());
  REQUIRE(pos != std::string::npos);
  manifest.replace(pos, layer.digest.str().size(), digest_of(bytes).str());
  put_blob(dir / "enc", manifest);
  idx["manifests"][0]["digest"] = digest_of(manifest).str();
  idx["manifests"][0]["size"] = manifest.size();
  REQUIRE(coco::write_file_atomic(dir / "enc" / "index.json", idx.dump()));

  DecryptImageOptions d;
  d.kbs_keks.push_back(kek);
  auto dec = decrypt_image(ref(dir / "enc"), ref(dir / "dec"), d);
  REQUIRE_FALSE(dec);
  CHECK(dec.error().kind == coco::Kind::integrity);
  CHECK(dec.error().message.find("HMAC") != std::string::npos);
  CHECK(dec.error().message.find("layer 1") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "dec"));
}

TEST_CASE("prepare_kbs_kek generates a 0600 KEK once and reuses it", "[ocicrypt]") {
  coco::test::TempDir dir;
  std::vector<std::string> recipients{"jwe:x.pem", "kbs:///default/key/app"};
  auto first = prepare_kbs_kek(recipients, dir / "app.kek");
  REQUIRE(first);
  REQUIRE(*first);
  CHECK((*first)->generated);
  CHECK((*first)->resource_path == "default/key/app");
  CHECK((fs::status(dir / "app.kek").permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
  auto second = prepare_kbs_kek(recipients, dir / "app.kek");
  REQUIRE(second);
  REQUIRE(*second);
  CHECK_FALSE((*second)->generated);
  CHECK((*second)->kek.bytes().size() == 32);
  CHECK(std::equal((*first)->kek.bytes().begin(), (*first)->kek.bytes().end(), (*second)->kek.bytes().begin()));
  auto none = prepare_kbs_kek(std::vector<std::string>{"jwe:x.pem"}, {});
  REQUIRE(none);
  CHECK_FALSE(*none);
  CHECK_FALSE(prepare_kbs_kek(recipients, {}));
}

TEST_CASE("rewrap_image removes one pkcs7 recipient by certificate and keeps the layer blobs", "[ocicrypt]") {
  coco::test::TempDir dir;
  auto plain = make_image(dir / "src", 70000);
  for (const std::string n : {"one", "two"}) {
    REQUIRE(std::system(("openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=" + n + " -days 1 -keyout " +
                         (dir / (n + ".key")).string() + " -out " + (dir / (n + ".crt")).string() + " >/dev/null 2>&1")
                            .c_str()) == 0);
  }
  auto pkcs7 = [&](const std::string& n) { return "pkcs7:" + (dir / (n + ".crt")).string(); };
  auto pkcs7_key = [&](const std::string& n) {
    return "pkcs7:" + (dir / (n + ".key")).string() + "," + (dir / (n + ".crt")).string();
  };
  EncryptImageOptions e;
  e.recipients = {pkcs7("one"), pkcs7("two")};
  REQUIRE(encrypt_image(ref(dir / "src"), ref(dir / "enc"), e));

  RewrapImageOptions r;
  r.remove = {pkcs7("one")};
  auto out = rewrap_image(ref(dir / "enc"), ref(dir / "two"), r);
  REQUIRE(out);
  CHECK(out->layers == 2);
  auto before = layers_of(dir / "enc");
  auto after = layers_of(dir / "two");
  REQUIRE(after.size() == 2);
  for (std::size_t i = 0; i < after.size(); ++i) {
    CHECK(after[i].descriptor.digest == before[i].descriptor.digest);
    const auto& a = after[i].descriptor.annotations;
    REQUIRE(a.count(keys_annotation("pkcs7")) == 1);
    CHECK(a.at(keys_annotation("pkcs7")) != before[i].descriptor.annotations.at(keys_annotation("pkcs7")));
  }
  DecryptImageOptions two;
  two.keys = {pkcs7_key("two")};
  REQUIRE(decrypt_image(ref(dir / "two"), ref(dir / "dec"), two));
  CHECK(layers_of(dir / "dec")[0].descriptor.digest.str() == plain[0]);
  DecryptImageOptions one;
  one.keys = {pkcs7_key("one")};
  REQUIRE(decrypt_image(ref(dir / "enc"), ref(dir / "dec-one-before"), one));
  auto gone = decrypt_image(ref(dir / "two"), ref(dir / "dec-one"), one);
  REQUIRE_FALSE(gone);
  CHECK_FALSE(fs::exists(dir / "dec-one"));

  // Removing the last one would leave the layers with no recipient; a jwe public key cannot be picked out.
  RewrapImageOptions last;
  last.remove = {pkcs7("two")};
  auto none = rewrap_image(ref(dir / "two"), ref(dir / "none"), last);
  REQUIRE_FALSE(none);
  CHECK(none.error().kind == coco::Kind::usage);
  CHECK_FALSE(fs::exists(dir / "none"));
  RewrapImageOptions jwe;
  jwe.remove = {"jwe:" + (dir / "one.crt").string()};
  auto refused = rewrap_image(ref(dir / "two"), ref(dir / "jwe"), jwe);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == coco::Kind::usage);
  CHECK(refused.error().hint.find("-r jwe") != std::string::npos);
}
