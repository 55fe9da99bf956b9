#include "common/ocicrypt/pgp_wrapper.hpp"

#include <gpgme.h>
#include <unistd.h>

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

Result<std::vector<std::string>> pgp_recipient_key_ids(std::span<const std::uint8_t> message) {
  std::vector<std::string> ids;
  std::size_t pos = 0;
  while (pos < message.size()) {
    std::uint8_t header = message[pos++];
    if ((header & 0x80) == 0) {
      return make_error(Kind::invalid, "pgp: not an OpenPGP message");
    }
    unsigned tag = 0;
    std::size_t len = 0;
    if (header & 0x40) {  // new format
      tag = header & 0x3f;
      if (pos >= message.size()) {
        return make_error(Kind::invalid, "pgp: truncated packet");
      }
      std::uint8_t l0 = message[pos++];
      if (l0 < 192) {
        len = l0;
      } else if (l0 < 224) {
        if (pos >= message.size()) {
          return make_error(Kind::invalid, "pgp: truncated packet");
        }
        len = ((static_cast<std::size_t>(l0) - 192) << 8) + message[pos++] + 192;
      } else if (l0 == 255) {
        if (pos + 4 > message.size()) {
          return make_error(Kind::invalid, "pgp: truncated packet");
        }
        len = (static_cast<std::size_t>(message[pos]) << 24) | (static_cast<std::size_t>(message[pos + 1]) << 16) |
              (static_cast<std::size_t>(message[pos + 2]) << 8) | message[pos + 3];
        pos += 4;
      } else {
        break;  // partial body length: the data packet; no more PKESKs follow
      }
    } else {  // old format
      tag = (header >> 2) & 0x0f;
      unsigned type = header & 0x03;
      if (type == 3) {
        break;
      }
      std::size_t n = type == 0 ? 1 : type == 1 ? 2 : 4;
      if (pos + n > message.size()) {
        return make_error(Kind::invalid, "pgp: truncated packet");
      }
      for (std::size_t i = 0; i < n; ++i) {
        len = (len << 8) | message[pos++];
      }
    }
    if (pos + len > message.size()) {
      return make_error(Kind::invalid, "pgp: truncated packet");
    }
    if (tag == 1 && len >= 9 && message[pos] == 3) {
      ids.push_back(hex_encode(message.subspan(pos + 1, 8)));
      for (auto& c : ids.back()) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
    }
    pos += len;
  }
  return ids;
}

} // namespace coco::ocicrypt
