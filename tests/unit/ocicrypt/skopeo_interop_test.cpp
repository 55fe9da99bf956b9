// coco encrypts, skopeo 1.9.3 decrypts: the vector image's plain layers are encrypted here with each key
// wrapper into a fresh OCI layout, then `skopeo copy --decryption-key` must restore the original layer digests.
#include <cstdlib>

#include <catch2/catch.hpp>

#include "common/ocicrypt/annotations.hpp"
#include "common/ocicrypt/jwe_wrapper.hpp"
#include "common/ocicrypt/pgp_wrapper.hpp"
#include "common/ocicrypt/pkcs7_wrapper.hpp"
#include "tests/unit/ocicrypt/vector_layout.hpp"

using namespace coco;
using namespace coco::ocicrypt;
using coco::test::ocicrypt_layout;
using coco::test::ocicrypt_vectors;
namespace fs = std::filesystem;

namespace {

int sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

std::string write_blob(const fs::path& layout, std::string_view data) {
  std::string digest = crypto::Digest::of(as_bytes(data)).to_string();
  REQUIRE(write_file_atomic(coco::test::blob_path(layout, digest), data));
  return digest;
}

// Writes layout `dst` holding the plain vector image, every layer encrypted for `wrappers`, under tag "enc".
void encrypt_plain_image(const KeyWrappers& wrappers, const fs::path& dst) {
  fs::create_directories(dst / "blobs" / "sha256");
  REQUIRE(write_file_atomic(dst / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})"));
  auto index = nlohmann::ordered_json::parse(read_file(ocicrypt_layout() / "index.json").value());
  nlohmann::ordered_json manifest;
  for (const auto& m : index["manifests"]) {
    if (m["annotations"]["org.opencontainers.image.ref.name"] == "plain") {
      manifest = nlohmann::ordered_json::parse(read_file(coco::test::blob_path(ocicrypt_layout(), m["digest"])).value());
    }
  }
  REQUIRE(manifest.is_object());
  write_blob(dst, read_file(coco::test::blob_path(ocicrypt_layout(), manifest["config"]["digest"])).value());
  for (auto& layer : manifest["layers"]) {
    std::string plain = read_file(coco::test::blob_path(ocicrypt_layout(), layer["digest"])).value();
    std::size_t pos = 0;
    ReadFn read = [&](std::span<std::uint8_t> buf) -> Result<std::size_t> {
      std::size_t n = std::min(buf.size(), plain.size() - pos);
      std::copy_n(plain.begin() + static_cast<std::ptrdiff_t>(pos), n, buf.begin());
      pos += n;
      return n;
    };
    std::string ciphertext;
    WriteFn write = [&](std::span<const std::uint8_t> d) -> Status {
      ciphertext.append(as_string(d));
      return ok();
    };
    auto blob = encrypt_blob(read, write, layer["digest"].get<std::string>());
    REQUIRE(blob);
    auto annotations = wrap_layer_keys(blob->private_options, blob->public_options, wrappers);
    REQUIRE(annotations);
    layer["mediaType"] = encrypted_media_type(layer["mediaType"].get<std::string>()).value();
    layer["digest"] = write_blob(dst, ciphertext);
    layer["size"] = ciphertext.size();
    layer["annotations"] = *annotations;
  }
  std::string manifest_text = manifest.dump();
  std::string manifest_digest = write_blob(dst, manifest_text);
  nlohmann::ordered_json out_index = {
      {"schemaVersion", 2},
      {"manifests", nlohmann::ordered_json::array({{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                                                    {"digest", manifest_digest},
                                                    {"size", manifest_text.size()},
                                                    {"annotations", {{"org.opencontainers.image.ref.name", "enc"}}}}})}};
  REQUIRE(write_file_atomic(dst / "index.json", out_index.dump()));
}

void check_skopeo_decrypts(const fs::path& src, const std::string& key_args) {
  coco::test::TempDir out;
  int rc = sh("skopeo copy " + key_args + " oci:" + src.string() + ":enc oci:" + (out / "dec").string() + ":dec");
  REQUIRE(rc == 0);
  auto layers = coco::test::vector_layers("dec", out / "dec");
  auto expected = coco::test::expected_layer_digests();
  REQUIRE(layers.size() == expected.size());
  for (std::size_t i = 0; i < layers.size(); ++i) {
    CHECK(layers[i].digest == expected[i]);
    CHECK(layers[i].media_type == "application/vnd.oci.image.layer.v1.tar+gzip");
  }
}

} // namespace

TEST_CASE("skopeo decrypts layers coco encrypted for RSA and EC JWE recipients", "[ocicrypt]") {
  coco::test::TempDir dir;
  KeyWrappers wrappers;
  wrappers.push_back(std::make_unique<JweKeyWrapper>(
      std::vector<jose::JweRecipient>{load_jwe_recipient_file(ocicrypt_vectors() / "keys" / "rsa.pub").value(),
                                      load_jwe_recipient_file(ocicrypt_vectors() / "keys" / "ec.pub").value()},
      std::vector<crypto::PrivateKey>{}));
  encrypt_plain_image(wrappers, dir / "img");
  check_skopeo_decrypts(dir / "img", "--decryption-key " + (ocicrypt_vectors() / "keys" / "rsa.pem").string());
  check_skopeo_decrypts(dir / "img", "--decryption-key " + (ocicrypt_vectors() / "keys" / "ec.pem").string());
  // And a key that is not a recipient fails in skopeo too.
  coco::test::TempDir out;
  auto other = crypto::PrivateKey::generate_rsa(2048).value();
  REQUIRE(other.write_pem_file(out / "other.pem"));
  CHECK(sh("skopeo copy --decryption-key " + (out / "other.pem").string() + " oci:" + (dir / "img").string() +
           ":enc oci:" + (out / "dec").string() + ":dec") != 0);
}

TEST_CASE("skopeo decrypts layers coco encrypted for a pkcs7 recipient", "[ocicrypt]") {
  coco::test::TempDir dir;
  KeyWrappers wrappers;
  wrappers.push_back(std::make_unique<Pkcs7KeyWrapper>(
      std::vector<Pkcs7Certificate>{load_pkcs7_certificate_file(ocicrypt_vectors() / "keys" / "pkcs7.crt").value()},
      std::vector<Pkcs7DecryptKey>{}));
  encrypt_plain_image(wrappers, dir / "img");
  check_skopeo_decrypts(dir / "img", "--decryption-key " + (ocicrypt_vectors() / "keys" / "pkcs7.key").string() +
                                         " --decryption-key " + (ocicrypt_vectors() / "keys" / "pkcs7.crt").string());
}

TEST_CASE("skopeo decrypts layers coco encrypted for a pgp recipient", "[ocicrypt]") {
  coco::test::TempDir dir;
  fs::path home = dir / "gnupg";
  fs::create_directories(home);
  fs::permissions(home, fs::perms::owner_all, fs::perm_options::replace);
  REQUIRE(sh("gpg --homedir " + home.string() + " --batch --import " + (ocicrypt_vectors() / "keys" / "pgp-secret.asc").string()) == 0);
  REQUIRE(std::system(("gpg --homedir " + home.string() + " --batch --export-secret-keys > " + (dir / "sec.gpg").string() +
                       " 2>/dev/null").c_str()) == 0);
  KeyWrappers wrappers;
  wrappers.push_back(std::make_unique<PgpKeyWrapper>(std::vector<std::string>{"test@coco.invalid"}, false,
                                                     PgpOptions{home, std::nullopt}));
  encrypt_plain_image(wrappers, dir / "img");
  sh("gpgconf --homedir " + home.string() + " --kill gpg-agent");
  check_skopeo_decrypts(dir / "img", "--decryption-key " + (dir / "sec.gpg").string());
}
