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

namespace {

std::string gpg_in(const PgpOptions& options) { return "gpg --homedir " + options.gnupg_home->string() + " --batch "; }

// Adds a second key pair (second@coco.invalid: primary and encryption subkey, no passphrase) to the home.
void add_second_key(const PgpOptions& options) {
  REQUIRE(sh(gpg_in(options) + "--passphrase '' --quick-gen-key second@coco.invalid default default never") == 0);
}

// gpg --decrypt of `message` in the given home: whether it succeeds, and the plaintext.
std::optional<std::string> gpg_decrypt(const PgpOptions& options, const Bytes& message) {
  coco::test::TempDir dir;
  REQUIRE(write_file_atomic(dir / "msg.gpg", as_string(message)));
  if (sh(gpg_in(options) + "--pinentry-mode loopback --passphrase '' --output " + (dir / "out").string() +
         " --decrypt " + (dir / "msg.gpg").string()) != 0) {
    return std::nullopt;
  }
  return read_file(dir / "out").value();
}

// A packet with the given tag, its body length written as `form` says: "old1", "old2", "old4" (old format,
// 1/2/4-octet length), "new1", "new2", "new5" (new format, 1/2/5-octet length).
Bytes packet(unsigned tag, const Bytes& body, const std::string& form) {
  Bytes out;
  const std::size_t n = body.size();
  if (form.rfind("old", 0) == 0) {
    const int type = form == "old1" ? 0 : form == "old2" ? 1 : 2;
    out.push_back(static_cast<std::uint8_t>(0x80 | (tag << 2) | static_cast<unsigned>(type)));
    const int octets = type == 0 ? 1 : type == 1 ? 2 : 4;
    for (int i = octets - 1; i >= 0; --i) {
      out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
    }
  } else {
    out.push_back(static_cast<std::uint8_t>(0xc0 | tag));
    if (form == "new1") {
      REQUIRE(n < 192);
      out.push_back(static_cast<std::uint8_t>(n));
    } else if (form == "new2") {
      REQUIRE((n >= 192 && n < 8384));
      out.push_back(static_cast<std::uint8_t>(((n - 192) >> 8) + 192));
      out.push_back(static_cast<std::uint8_t>((n - 192) & 0xff));
    } else {
      out.push_back(255);
      for (int i = 3; i >= 0; --i) {
        out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
      }
    }
  }
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// A version 3 PKESK body for key id `kid` (8 bytes of `fill`) with `extra` bytes of algorithm data.
Bytes pkesk_body(std::uint8_t fill, std::size_t extra) {
  Bytes body{3};
  body.insert(body.end(), 8, fill);
  body.push_back(1);  // RSA
  body.insert(body.end(), extra, 0x5a);
  return body;
}

// An encrypted data packet (tag 18) written with a partial body length (2 bytes, then a final part of 1):
// its framing is never followed, only kept.
Bytes seipd_streamed() { return Bytes{0xd2, 0xe1, 1, 0x11, 0x01, 0x77}; }

Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) {
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

} // namespace

TEST_CASE("removing one of two pgp recipients keeps the other's session key packet and gpg still decrypts",
          "[ocicrypt]") {
  GnupgHome home;
  add_second_key(home.options());
  PgpKeyWrapper w({"test@coco.invalid", "second@coco.invalid"}, true, home.options());
  Secret opts = Secret::from_string(R"({"symkey":"k","digest":"d","cipheroptions":{}})");
  Bytes message = w.wrap(opts).value();
  auto before = pgp_recipient_key_ids(message).value();
  REQUIRE(before.size() == 2);
  auto test_ids = pgp_key_ids("test@coco.invalid", home.options()).value();
  auto second_ids = pgp_key_ids("second@coco.invalid", home.options()).value();
  REQUIRE(second_ids.size() == 2);  // primary and encryption subkey

  // A home with only the second secret key: it opens the message before the removal, not after.
  GnupgHome second_home(false);
  {
    coco::test::TempDir dir;
    REQUIRE(sh(gpg_in(home.options()) + "--output " + (dir / "s.gpg").string() + " --export-secret-keys second@coco.invalid") == 0);
    REQUIRE(sh(gpg_in(second_home.options()) + "--import " + (dir / "s.gpg").string()) == 0);
  }
  CHECK(gpg_decrypt(second_home.options(), message) == std::string(opts.view()));

  auto out = pgp_remove_recipients(message, second_ids);
  REQUIRE(out);
  CHECK(out->removed == 1);
  CHECK(out->kept == 1);
  REQUIRE(out->message);
  auto after = pgp_recipient_key_ids(*out->message).value();
  REQUIRE(after.size() == 1);
  CHECK(std::find(test_ids.begin(), test_ids.end(), after[0]) != test_ids.end());
  // One contiguous run of bytes (the packet) was cut out; everything else, the encrypted data included, is
  // the same bytes.
  const Bytes& left = *out->message;
  REQUIRE(left.size() < message.size());
  std::size_t prefix = 0;
  while (prefix < left.size() && left[prefix] == message[prefix]) {
    ++prefix;
  }
  std::size_t suffix = 0;
  while (suffix < left.size() && left[left.size() - 1 - suffix] == message[message.size() - 1 - suffix]) {
    ++suffix;
  }
  CHECK(prefix + suffix >= left.size());

  CHECK(gpg_decrypt(home.options(), *out->message) == std::string(opts.view()));
  CHECK(w.unwrap(*out->message).value().view() == opts.view());
  CHECK_FALSE(gpg_decrypt(second_home.options(), *out->message));
}

TEST_CASE("pgp key ids are found by e-mail address or fingerprint, not by a partial address", "[ocicrypt]") {
  GnupgHome home;
  auto by_email = pgp_key_ids("test@coco.invalid", home.options());
  REQUIRE(by_email);
  REQUIRE_FALSE(by_email->empty());
  for (const auto& id : *by_email) {
    CHECK(id.size() == 16);
  }
  // The vector message's session key packet names one of them.
  auto layers = coco::test::vector_layers("pgp");
  auto blob = split_key_annotation(layers[0].annotations.at("org.opencontainers.image.enc.keys.pgp")).value();
  auto named = pgp_recipient_key_ids(as_bytes(blob[0])).value();
  REQUIRE(named.size() == 1);
  CHECK(std::find(by_email->begin(), by_email->end(), named[0]) != by_email->end());
  // The same key by the fingerprint of its primary key.
  auto by_fpr = pgp_key_ids(by_email->front(), home.options());
  REQUIRE(by_fpr);
  CHECK(*by_fpr == *by_email);
  auto partial = pgp_key_ids("est@coco.invalid", home.options());
  REQUIRE_FALSE(partial);
  CHECK(partial.error().kind == Kind::not_found);
}

TEST_CASE("pgp session key packets are removed in every length encoding, the data packet kept as is", "[ocicrypt]") {
  const Bytes data = seipd_streamed();
  for (const std::string form : {"old1", "old2", "old4", "new1", "new2", "new5"}) {
    const std::size_t extra = form == "new2" ? 300 : form == "old2" ? 400 : 20;
    const Bytes keep = packet(1, pkesk_body(0xaa, extra), form);
    const Bytes drop = packet(1, pkesk_body(0xbb, extra), form);
    Bytes skesk_body{4, 9, 3, 2};  // never parsed: padded to the same length form
    skesk_body.resize(extra + 10, 0x33);
    const Bytes skesk = packet(3, skesk_body, form);
    const Bytes message = cat({keep, drop, skesk, data});
    auto out = pgp_remove_recipients(message, std::vector<std::string>{"bbbbbbbbbbbbbbbb"});
    INFO(form);
    REQUIRE(out);
    CHECK(out->removed == 1);
    CHECK(out->kept == 2);  // the other PKESK and the SKESK
    REQUIRE(out->message);
    CHECK(*out->message == cat({keep, skesk, data}));
    // Nothing named: the message is unchanged.
    auto none = pgp_remove_recipients(message, std::vector<std::string>{"CCCCCCCCCCCCCCCC"});
    REQUIRE(none);
    CHECK(none->removed == 0);
    CHECK(*none->message == message);
  }
  // The only recipient removed: no message left.
  auto last = pgp_remove_recipients(cat({packet(1, pkesk_body(0xbb, 10), "old1"), data}),
                                    std::vector<std::string>{"BBBBBBBBBBBBBBBB"});
  REQUIRE(last);
  CHECK(last->removed == 1);
  CHECK_FALSE(last->message);
}

TEST_CASE("pgp wildcard recipients are never matched and are counted as hidden", "[ocicrypt]") {
  GnupgHome home;
  coco::test::TempDir dir;
  REQUIRE(write_file_atomic(dir / "opts", "options"));
  REQUIRE(sh(gpg_in(home.options()) + "--trust-model always --throw-keyids -r test@coco.invalid --output " +
             (dir / "msg.gpg").string() + " --encrypt " + (dir / "opts").string()) == 0);
  Bytes message = bytes_of(read_file(dir / "msg.gpg").value());
  REQUIRE(pgp_recipient_key_ids(message).value() == std::vector<std::string>{std::string(16, '0')});
  auto ids = pgp_key_ids("test@coco.invalid", home.options()).value();
  auto out = pgp_remove_recipients(message, ids);
  REQUIRE(out);
  CHECK(out->removed == 0);
  CHECK(out->kept == 1);
  CHECK(out->hidden == 1);
  CHECK(*out->message == message);
  // Not even when asked for the all-zero id.
  CHECK(pgp_remove_recipients(message, std::vector<std::string>{std::string(16, '0')})->removed == 0);
}

TEST_CASE("pgp framing that cannot be followed is an invalid-data error", "[ocicrypt]") {
  const Bytes data = seipd_streamed();
  const Bytes ok = packet(1, pkesk_body(0xaa, 10), "old1");
  const std::vector<std::string> ids{"AAAAAAAAAAAAAAAA"};
  auto invalid = [&](const Bytes& message, const std::string& says) {
    auto out = pgp_remove_recipients(message, ids);
    REQUIRE_FALSE(out);
    CHECK(out.error().kind == Kind::invalid);
    CHECK(out.error().message.find(says) != std::string::npos);
  };
  invalid(Bytes{}, "no encrypted data");
  invalid(bytes_of("-----BEGIN PGP MESSAGE-----"), "not an OpenPGP packet");
  invalid(Bytes(ok.begin(), ok.end() - 3), "longer than the message");
  invalid(Bytes{0xc1, 0xff, 0x00}, "truncated");
  invalid(ok, "no encrypted data");
  Bytes v6 = pkesk_body(0xaa, 10);
  v6[0] = 6;
  invalid(cat({packet(1, v6, "new1"), data}), "version 6");
  invalid(cat({Bytes{0x87}, pkesk_body(0xaa, 10), data}), "no definite length");     // old format, indeterminate
  invalid(cat({packet(11, Bytes{'b', 0, 0, 0, 0, 0}, "new1"), data}), "unexpected packet 11");
}
