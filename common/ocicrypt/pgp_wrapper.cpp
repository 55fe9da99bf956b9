#include "common/ocicrypt/pgp_wrapper.hpp"

#include <gpgme.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>

namespace coco::ocicrypt {
namespace {

struct CtxDeleter {
  void operator()(gpgme_ctx_t c) const { gpgme_release(c); }
};
struct DataDeleter {
  void operator()(gpgme_data_t d) const { gpgme_data_release(d); }
};
struct KeyDeleter {
  void operator()(gpgme_key_t k) const { gpgme_key_unref(k); }
};
using Ctx = std::unique_ptr<std::remove_pointer_t<gpgme_ctx_t>, CtxDeleter>;
using Data = std::unique_ptr<std::remove_pointer_t<gpgme_data_t>, DataDeleter>;
using Key = std::unique_ptr<std::remove_pointer_t<gpgme_key_t>, KeyDeleter>;

std::string gpg_error(gpgme_error_t err) { return gpgme_strerror(err); }

gpgme_error_t passphrase_cb(void* hook, const char* /*uid_hint*/, const char* /*info*/, int prev_was_bad, int fd) {
  const auto* options = static_cast<const PgpOptions*>(hook);
  if (!options->passphrase || prev_was_bad) {
    return gpgme_error(GPG_ERR_CANCELED);
  }
  auto view = options->passphrase->view();
  std::size_t done = 0;
  while (done < view.size()) {
    ssize_t n = ::write(fd, view.data() + done, view.size() - done);
    if (n <= 0) {
      return gpgme_error(GPG_ERR_CANCELED);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::write(fd, "\n", 1) != 1) {
    return gpgme_error(GPG_ERR_CANCELED);
  }
  return 0;
}

Result<Ctx> make_context(const PgpOptions& options) {
  static std::once_flag init;
  std::call_once(init, [] { gpgme_check_version(nullptr); });
  gpgme_ctx_t raw = nullptr;
  if (gpgme_error_t err = gpgme_new(&raw); err != 0) {
    return make_error(Kind::internal, "gpgme: " + gpg_error(err));
  }
  Ctx ctx(raw);
  if (gpgme_error_t err = gpgme_set_protocol(ctx.get(), GPGME_PROTOCOL_OpenPGP); err != 0) {
    return make_error(Kind::unsupported, "gpgme: OpenPGP engine unavailable: " + gpg_error(err));
  }
  if (options.gnupg_home) {
    std::string home = options.gnupg_home->string();
    if (gpgme_error_t err = gpgme_ctx_set_engine_info(ctx.get(), GPGME_PROTOCOL_OpenPGP, nullptr, home.c_str()); err != 0) {
      return make_error(Kind::failure, "gpgme: cannot use GnuPG home " + home + ": " + gpg_error(err));
    }
  }
  gpgme_set_armor(ctx.get(), 0);
  gpgme_set_pinentry_mode(ctx.get(), GPGME_PINENTRY_MODE_LOOPBACK);
  gpgme_set_passphrase_cb(ctx.get(), passphrase_cb, const_cast<PgpOptions*>(&options));
  return ctx;
}

Bytes take(gpgme_data_t data) {
  std::size_t len = 0;
  char* buf = gpgme_data_release_and_get_mem(data, &len);
  Bytes out(buf, buf + len);
  if (buf != nullptr) {
    secure_zero(buf, len);
    gpgme_free(buf);
  }
  return out;
}

// An encryption-capable key for `id` (fingerprint or e-mail address).
Result<Key> find_key(gpgme_ctx_t ctx, const std::string& id) {
  if (gpgme_error_t err = gpgme_op_keylist_start(ctx, id.c_str(), 0); err != 0) {
    return make_error(Kind::failure, "gpg: cannot list keys for '" + id + "': " + gpg_error(err));
  }
  Key found;
  while (true) {
    gpgme_key_t k = nullptr;
    if (gpgme_op_keylist_next(ctx, &k) != 0) {
      break;
    }
    Key key(k);
    if (!found && key->can_encrypt && !key->revoked && !key->expired && !key->disabled) {
      found = std::move(key);
    }
  }
  gpgme_op_keylist_end(ctx);
  if (!found) {
    return make_error(Kind::not_found, "gpg: no usable encryption key for '" + id + "' in the keyring",
                      "import the recipient's public key (gpg --import) or check GNUPGHOME");
  }
  return found;
}

} // namespace

Result<Bytes> PgpKeyWrapper::wrap(const Secret& private_options) {
  COCO_TRY(Ctx ctx, make_context(m_options));
  std::vector<Key> keys;
  for (const auto& r : m_recipients) {
    COCO_TRY(Key k, find_key(ctx.get(), r));
    keys.push_back(std::move(k));
  }
  std::vector<gpgme_key_t> raw;
  for (auto& k : keys) {
    raw.push_back(k.get());
  }
  raw.push_back(nullptr);
  gpgme_data_t in_raw = nullptr;
  gpgme_data_t out_raw = nullptr;
  if (gpgme_data_new_from_mem(&in_raw, reinterpret_cast<const char*>(private_options.bytes().data()),
                              private_options.size(), 0) != 0 ||
      gpgme_data_new(&out_raw) != 0) {
    gpgme_data_release(in_raw);
    return make_error(Kind::internal, "gpgme: out of memory");
  }
  Data in(in_raw);
  auto flags = static_cast<gpgme_encrypt_flags_t>(GPGME_ENCRYPT_ALWAYS_TRUST | GPGME_ENCRYPT_NO_COMPRESS);
  gpgme_error_t err = gpgme_op_encrypt(ctx.get(), raw.data(), flags, in.get(), out_raw);
  if (err != 0) {
    gpgme_data_release(out_raw);
    return make_error(Kind::failure, "gpg: encryption failed: " + gpg_error(err));
  }
  return take(out_raw);
}

Result<Secret> PgpKeyWrapper::unwrap(std::span<const std::uint8_t> blob) {
  COCO_TRY(Ctx ctx, make_context(m_options));
  gpgme_data_t in_raw = nullptr;
  gpgme_data_t out_raw = nullptr;
  if (gpgme_data_new_from_mem(&in_raw, reinterpret_cast<const char*>(blob.data()), blob.size(), 0) != 0 ||
      gpgme_data_new(&out_raw) != 0) {
    gpgme_data_release(in_raw);
    return make_error(Kind::internal, "gpgme: out of memory");
  }
  Data in(in_raw);
  gpgme_error_t err = gpgme_op_decrypt(ctx.get(), in.get(), out_raw);
  if (err != 0) {
    gpgme_data_release(out_raw);
    if (gpgme_err_code(err) == GPG_ERR_NO_SECKEY) {
      return make_error(Kind::auth, "pgp: no secret key in the keyring for this layer's recipients");
    }
    if (gpgme_err_code(err) == GPG_ERR_CANCELED || gpgme_err_code(err) == GPG_ERR_BAD_PASSPHRASE) {
      return make_error(Kind::auth, "pgp: the secret key needs a passphrase: " + gpg_error(err));
    }
    return make_error(Kind::integrity, "pgp: decryption failed: " + gpg_error(err));
  }
  return Secret(take(out_raw));
}

namespace {

// One packet header (RFC 4880 §4.2). `streamed`: the body length is not known from the header (new-format
// partial body length, old-format indeterminate length); only data packets may be written so.
struct PacketHeader {
  unsigned tag = 0;
  std::size_t header_size = 0;
  std::size_t body_size = 0;
  bool streamed = false;
};

Error bad_framing(const std::string& what) { return make_error(Kind::invalid, "pgp: " + what); }

Result<PacketHeader> read_packet_header(std::span<const std::uint8_t> message, std::size_t pos) {
  const std::size_t start = pos;
  auto need = [&](std::size_t n) { return message.size() - pos >= n; };
  if (!need(1)) {
    return bad_framing("truncated packet header");
  }
  const std::uint8_t header = message[pos++];
  if ((header & 0x80) == 0) {
    return bad_framing("not an OpenPGP packet at byte " + std::to_string(start) + " (armored, or not OpenPGP)");
  }
  PacketHeader out;
  if (header & 0x40) {  // new format
    out.tag = header & 0x3f;
    if (!need(1)) {
      return bad_framing("truncated packet header");
    }
    const std::uint8_t l0 = message[pos++];
    if (l0 < 192) {
      out.body_size = l0;
    } else if (l0 < 224) {
      if (!need(1)) {
        return bad_framing("truncated packet header");
      }
      out.body_size = ((static_cast<std::size_t>(l0) - 192) << 8) + message[pos++] + 192;
    } else if (l0 == 255) {
      if (!need(4)) {
        return bad_framing("truncated packet header");
      }
      for (int i = 0; i < 4; ++i) {
        out.body_size = (out.body_size << 8) | message[pos++];
      }
    } else {
      out.streamed = true;  // partial body length
    }
  } else {  // old format
    out.tag = (header >> 2) & 0x0f;
    const unsigned type = header & 0x03;
    if (type == 3) {
      out.streamed = true;  // indeterminate length
    } else {
      const std::size_t n = type == 0 ? 1 : type == 1 ? 2 : 4;
      if (!need(n)) {
        return bad_framing("truncated packet header");
      }
      for (std::size_t i = 0; i < n; ++i) {
        out.body_size = (out.body_size << 8) | message[pos++];
      }
    }
  }
  out.header_size = pos - start;
  if (!out.streamed && message.size() - pos < out.body_size) {
    return bad_framing("packet at byte " + std::to_string(start) + " is longer than the message");
  }
  return out;
}

std::string upper_hex(std::span<const std::uint8_t> bytes) {
  std::string out = hex_encode(bytes);
  for (auto& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

constexpr unsigned k_tag_pkesk = 1;
constexpr unsigned k_tag_skesk = 3;
constexpr unsigned k_tag_marker = 10;
bool is_encrypted_data(unsigned tag) { return tag == 9 || tag == 18 || tag == 20; }  // SED, SEIPD, AEAD

bool same_id(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
  });
}

} // namespace

Result<std::vector<std::string>> pgp_recipient_key_ids(std::span<const std::uint8_t> message) {
  std::vector<std::string> ids;
  std::size_t pos = 0;
  while (pos < message.size()) {
    COCO_TRY(PacketHeader h, read_packet_header(message, pos));
    if (h.streamed) {
      break;  // the data packet; no more session key packets follow
    }
    const auto body = message.subspan(pos + h.header_size, h.body_size);
    if (h.tag == k_tag_pkesk && body.size() >= 9 && body[0] == 3) {
      ids.push_back(upper_hex(body.subspan(1, 8)));
    }
    pos += h.header_size + h.body_size;
  }
  return ids;
}

Result<std::vector<std::string>> pgp_key_ids(const std::string& id, const PgpOptions& options) {
  COCO_TRY(Ctx ctx, make_context(options));
  if (gpgme_error_t err = gpgme_op_keylist_start(ctx.get(), id.c_str(), 0); err != 0) {
    return make_error(Kind::failure, "gpg: cannot list keys for '" + id + "': " + gpg_error(err));
  }
  // gpg matches an e-mail address as a substring of the user ids; only the exact address counts here.
  const bool by_email = id.find('@') != std::string::npos && id.find('<') == std::string::npos;
  std::vector<std::string> ids;
  while (true) {
    gpgme_key_t k = nullptr;
    if (gpgme_op_keylist_next(ctx.get(), &k) != 0) {
      break;
    }
    Key key(k);
    bool matches = !by_email;
    for (gpgme_user_id_t uid = key->uids; uid != nullptr && !matches; uid = uid->next) {
      matches = uid->email != nullptr && same_id(uid->email, id);
    }
    for (gpgme_subkey_t sub = key->subkeys; sub != nullptr && matches; sub = sub->next) {
      if (sub->keyid != nullptr) {
        ids.emplace_back(sub->keyid);
      }
    }
  }
  gpgme_op_keylist_end(ctx.get());
  if (ids.empty()) {
    return make_error(Kind::not_found, "gpg: no key for '" + id + "' in the keyring",
                      "import the recipient's public key (gpg --import) or check GNUPGHOME");
  }
  return ids;
}

Result<PgpRemoval> pgp_remove_recipients(std::span<const std::uint8_t> message, std::span<const std::string> key_ids) {
  static const std::string k_wildcard(16, '0');
  PgpRemoval out;
  Bytes kept;
  std::size_t pos = 0;
  bool data = false;
  while (pos < message.size()) {
    COCO_TRY(PacketHeader h, read_packet_header(message, pos));
    if (is_encrypted_data(h.tag)) {
      kept.insert(kept.end(), message.begin() + static_cast<std::ptrdiff_t>(pos), message.end());
      data = true;
      break;
    }
    if (h.streamed) {
      return bad_framing("packet " + std::to_string(h.tag) + " at byte " + std::to_string(pos) +
                         " has no definite length (only the encrypted data may)");
    }
    const auto whole = message.subspan(pos, h.header_size + h.body_size);
    const auto body = whole.subspan(h.header_size);
    if (h.tag == k_tag_pkesk) {
      if (body.empty() || body[0] != 3) {
        return bad_framing("session key packet version " + std::to_string(body.empty() ? 0 : body[0]) +
                           " is not supported (only 3)");
      }
      if (body.size() < 10) {
        return bad_framing("truncated session key packet");
      }
      const std::string kid = upper_hex(body.subspan(1, 8));
      const bool hidden = kid == k_wildcard;
      bool match = false;
      for (const std::string& want : key_ids) {
        match = match || (!hidden && same_id(kid, want));
      }
      if (match) {
        ++out.removed;
      } else {
        ++out.kept;
        out.hidden += hidden ? 1 : 0;
        kept.insert(kept.end(), whole.begin(), whole.end());
      }
    } else if (h.tag == k_tag_skesk || h.tag == k_tag_marker) {
      out.kept += h.tag == k_tag_skesk ? 1 : 0;
      kept.insert(kept.end(), whole.begin(), whole.end());
    } else {
      return bad_framing("unexpected packet " + std::to_string(h.tag) + " before the encrypted data");
    }
    pos += whole.size();
  }
  if (!data) {
    return bad_framing("no encrypted data packet");
  }
  if (out.removed == 0) {
    out.message = Bytes(message.begin(), message.end());
  } else if (out.kept > 0) {
    out.message = std::move(kept);
  }
  return out;
}

} // namespace coco::ocicrypt
