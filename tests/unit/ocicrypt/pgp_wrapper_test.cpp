#include "common/ocicrypt/pgp_wrapper.hpp"

#include <cstdlib>

#include <catch2/catch.hpp>

#include "common/ocicrypt/annotations.hpp"
#include "tests/unit/ocicrypt/vector_layout.hpp"

using namespace coco;
using namespace coco::ocicrypt;
using coco::test::ocicrypt_vectors;

namespace {

int sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

// A temporary GnuPG home with the vector secret key imported; its agent is stopped afterwards.
class GnupgHome {
public:
  explicit GnupgHome(bool import_secret = true) {
    std::filesystem::permissions(m_dir.path(), std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace);
    if (import_secret) {
      sh("gpg --homedir " + m_dir.path().string() + " --batch --import " +
         (ocicrypt_vectors() / "keys" / "pgp-secret.asc").string());
    }
  }
  GnupgHome(const GnupgHome&) = delete;
  GnupgHome& operator=(const GnupgHome&) = delete;
  ~GnupgHome() { sh("gpgconf --homedir " + m_dir.path().string() + " --kill gpg-agent"); }
  [[nodiscard]] PgpOptions options() const { return PgpOptions{m_dir.path(), std::nullopt}; }

private:
  coco::test::TempDir m_dir;
};

} // namespace

TEST_CASE("skopeo's pgp image decrypts with the imported secret key", "[ocicrypt]") {
  GnupgHome home;
  KeyWrappers wrappers;
  wrappers.push_back(std::make_unique<PgpKeyWrapper>(std::vector<std::string>{}, true, home.options()));
  auto layers = coco::test::vector_layers("pgp");
  auto expected = coco::test::expected_layer_digests();
  REQUIRE(layers.size() == expected.size());
  for (std::size_t i = 0; i < layers.size(); ++i) {
    auto digest = coco::test::decrypt_vector_layer(layers[i], wrappers);
    REQUIRE(digest);
    CHECK(*digest == expected[i]);
  }
  // Without the secret key the layer does not open.
  GnupgHome empty(false);
  KeyWrappers none;
  none.push_back(std::make_unique<PgpKeyWrapper>(std::vector<std::string>{}, true, empty.options()));
  auto out = coco::test::decrypt_vector_layer(layers[0], none);
  REQUIRE_FALSE(out);
  CHECK(out.error().kind == Kind::auth);
}

TEST_CASE("pgp wrapping to an e-mail recipient round-trips with one session key packet and no compression", "[ocicrypt]") {
  GnupgHome home;
  PgpKeyWrapper w({"test@coco.invalid"}, true, home.options());
  Secret opts = Secret::from_string(R"({"symkey":"k","digest":"d","cipheroptions":{}})");
  auto blob = w.wrap(opts);
  REQUIRE(blob);
  auto ids = pgp_recipient_key_ids(*blob);
  REQUIRE(ids);
  REQUIRE(ids->size() == 1);
  CHECK(ids->at(0).size() == 16);
  CHECK(w.unwrap(*blob).value().view() == opts.view());
  // The vector message names the same encryption subkey.
  auto layers = coco::test::vector_layers("pgp");
  auto vector_blob = split_key_annotation(layers[0].annotations.at("org.opencontainers.image.enc.keys.pgp")).value();
  CHECK(pgp_recipient_key_ids(as_bytes(vector_blob[0])).value() == *ids);
  // gpg sees no compressed packet inside.
  coco::test::TempDir dir;
  REQUIRE(write_file_atomic(dir / "msg.gpg", as_string(*blob)));
  std::string listing = (dir / "packets.txt").string();
  REQUIRE(std::system(("gpg --homedir " + home.options().gnupg_home->string() + " --batch --list-packets " +
                       (dir / "msg.gpg").string() + " > " + listing + " 2>/dev/null").c_str()) == 0);
  std::string packets = read_file(listing).value();
  CHECK(packets.find(":pubkey enc packet:") != std::string::npos);
  CHECK(packets.find("compressed packet") == std::string::npos);
}

TEST_CASE("pgp wrapping to an unknown recipient fails naming it", "[ocicrypt]") {
  GnupgHome home;
  PgpKeyWrapper w({"nobody@coco.invalid"}, false, home.options());
  auto blob = w.wrap(Secret::from_string("x"));
  REQUIRE_FALSE(blob);
  CHECK(blob.error().kind == Kind::not_found);
  CHECK(blob.error().message.find("nobody@coco.invalid") != std::string::npos);
}
