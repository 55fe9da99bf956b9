#include "common/ocicrypt/image.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "common/base/atomic_file.hpp"
#include "common/base/log.hpp"
#include "common/crypto/random.hpp"
#include "common/oci/inspect.hpp"
#include "common/ocicrypt/annotations.hpp"
#include "common/ocicrypt/kbs_wrapper.hpp"
#include "common/ocicrypt/layer_cipher.hpp"

namespace coco::ocicrypt {
namespace {

using Annotations = std::map<std::string, std::string>;
using MaybeLayer = std::optional<oci::TransformedLayer>;

// A layer spooled to an unlinked temporary file in TMPDIR: the copy engine's transform must hand over the
// annotations before its stream is read, but the HMAC is known only after the whole layer was read.
class Spool {
public:
  static Result<Spool> create() {
    std::error_code ec;
    std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
    if (ec) {
      dir = "/tmp";
    }
    std::string templ = (dir / "coco-encrypt-layer-XXXXXX").string();
    const int fd = ::mkstemp(templ.data());
    if (fd < 0) {
      return make_error(Kind::io, "cannot create a temporary file in " + dir.string() + ": " + std::strerror(errno),
                        "set TMPDIR to a writable directory");
    }
    ::unlink(templ.c_str());
    return Spool(fd);
  }
  Spool(Spool&& other) noexcept : m_fd(other.m_fd) { other.m_fd = -1; }
  Spool& operator=(Spool&&) = delete;
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;
  ~Spool() {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }
  [[nodiscard]] WriteFn writer() const {
    const int fd = m_fd;
    return [fd](std::span<const std::uint8_t> data) -> Status {
      std::size_t done = 0;
      while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
          if (errno == EINTR) {
            continue;
          }
          return make_error(Kind::io, std::string("cannot write the spooled layer: ") + std::strerror(errno));
        }
        done += static_cast<std::size_t>(n);
      }
      return ok();
    };
  }
  Result<std::unique_ptr<oci::BlobReader>> reader() {
    if (::lseek(m_fd, 0, SEEK_SET) < 0) {
      return make_error(Kind::io, std::string("cannot rewind the spooled layer: ") + std::strerror(errno));
    }
    const int fd = m_fd;
    m_fd = -1;
    return std::unique_ptr<oci::BlobReader>(std::make_unique<FdReader>(fd));
  }

private:
  class FdReader final : public oci::BlobReader {
  public:
    explicit FdReader(int fd) : m_fd(fd) {}
    FdReader(const FdReader&) = delete;
    FdReader& operator=(const FdReader&) = delete;
    ~FdReader() override { ::close(m_fd); }
    Result<std::size_t> read(std::span<std::uint8_t> buf) override {
      for (;;) {
        const ssize_t n = ::read(m_fd, buf.data(), buf.size());
        if (n >= 0) {
          return static_cast<std::size_t>(n);
        }
        if (errno != EINTR) {
          return make_error(Kind::io, std::string("cannot read the spooled layer: ") + std::strerror(errno));
        }
      }
    }

  private:
    int m_fd;
  };
  explicit Spool(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

ReadFn read_from(oci::BlobReader& source) {
  return [&source](std::span<std::uint8_t> buffer) { return source.read(buffer); };
}

bool is_encryption_annotation(const std::string& key) {
  return key.rfind(k_annotation_keys_prefix, 0) == 0 || key == k_annotation_pubopts;
}

bool is_zstd(std::string_view media_type) { return media_type.find("zstd") != std::string_view::npos; }

// The one tail of both directions: run `cipher` over the layer, then hand the result to the copy engine with
// its new media type and annotations (those the cipher returns are added to `annotations`).
using LayerCipherFn = std::function<Result<Annotations>(const ReadFn& read, const WriteFn& write)>;
Result<MaybeLayer> transformed_layer(oci::BlobReader& source, std::string media_type, Annotations annotations,
                                     const LayerCipherFn& cipher) {
  COCO_TRY(Spool spool, Spool::create());
  COCO_TRY(Annotations added, cipher(read_from(source), spool.writer()));
  for (auto& [k, v] : added) {
    annotations[k] = std::move(v);
  }
  COCO_TRY(auto reader, spool.reader());
  return MaybeLayer(oci::TransformedLayer{std::move(reader), std::move(media_type), std::move(annotations)});
}

oci::CopyOptions copy_options(const ImageScope& scope, Progress& progress) {
  oci::CopyOptions options;
  options.platform = scope.platform;
  options.all = scope.all;
  options.src_options = scope.src_options;
  options.dst_options = scope.dst_options;
  options.progress = &progress;
  return options;
}

// Digests of the layers chosen by --layer in the manifest the copy will select.
Result<std::optional<std::set<std::string>>> selected_layers(const oci::ImageReference& src,
                                                             const EncryptImageOptions& options) {
  if (options.layers.empty()) {
    return std::optional<std::set<std::string>>();
  }
  if (options.scope.all) {
    return make_error(Kind::usage, "--layer cannot be combined with --all",
                      "platforms may have different layers; encrypt them one --platform at a time");
  }
  oci::InspectOptions inspect_options;
  inspect_options.platform = options.scope.platform;
  inspect_options.transport = options.scope.src_options;
  inspect_options.fetch_config = false;
  COCO_TRY(oci::InspectResult image, oci::inspect_image(src, inspect_options));
  const auto count = static_cast<int>(image.layers.size());
  std::set<std::string> selected;
  for (int n : options.layers) {
    const int i = n < 0 ? count + n : n;
    if (i < 0 || i >= count) {
      return make_error(Kind::usage,
                        "--layer " + std::to_string(n) + " is out of range: the image has " + std::to_string(count) +
                            " layers",
                        "layers are numbered 0.." + std::to_string(count - 1) + ", or -1 for the last");
    }
    selected.insert(image.layers[static_cast<std::size_t>(i)].descriptor.digest.str());
  }
  return std::optional<std::set<std::string>>(std::move(selected));
}

// Unwraps kbs packets with a KEK asked for by key id.
class KbsResolvingWrapper final : public KeyWrapper {
public:
  explicit KbsResolvingWrapper(std::function<Result<Secret>(std::string_view kid)> resolve)
      : m_resolve(std::move(resolve)) {}
  [[nodiscard]] std::string scheme() const override { return "provider." + std::string(k_kbs_provider_name); }
  [[nodiscard]] bool can_wrap() const override { return false; }
  [[nodiscard]] bool can_unwrap() const override { return true; }
  Result<Bytes> wrap(const Secret& /*private_options*/) override {
    return make_error(Kind::internal, "a KEK resolver cannot wrap keys");
  }
  Result<Secret> unwrap(std::span<const std::uint8_t> blob) override {
    COCO_TRY(KbsPacket packet, parse_kbs_packet(blob));
    auto it = m_keks.find(packet.kid);
    if (it == m_keks.end()) {
      auto kek = m_resolve(packet.kid);
      if (!kek) {
        return std::move(kek).error().context(packet.kid);
      }
      it = m_keks.emplace(packet.kid, std::move(kek).value()).first;
    }
    KbsKeyWrapper inner("", it->second);
    return inner.unwrap(blob);
  }

private:
  std::function<Result<Secret>(std::string_view kid)> m_resolve;
  std::map<std::string, Secret> m_keks;
};

} // namespace

Result<KeyWrappers> decryption_key_wrappers(const DecryptImageOptions& options) {
  KeyWrappers wrappers;
  if (!options.keys.empty() || (options.kbs_keks.empty() && !options.kbs_kek_for)) {
    COCO_TRY(wrappers, decryption_wrappers(options.keys, options.wrappers));
  }
  for (const Secret& kek : options.kbs_keks) {
    if (kek.size() != 32) {
      return make_error(Kind::invalid, "a KBS key-encryption key must be 32 bytes (has " + std::to_string(kek.size()) + ")");
    }
    wrappers.push_back(std::make_unique<KbsKeyWrapper>("", kek));
  }
  if (options.kbs_kek_for) {
    wrappers.push_back(std::make_unique<KbsResolvingWrapper>(options.kbs_kek_for));
  }
  return wrappers;
}

bool is_kbs_recipient(std::string_view recipient) { return recipient.rfind("kbs://", 0) == 0; }

Result<std::optional<KbsKek>> prepare_kbs_kek(std::span<const std::string> recipients,
                                              const std::filesystem::path& kek_out) {
  const std::string* kid = nullptr;
  for (const std::string& r : recipients) {
    if (is_kbs_recipient(r)) {
      kid = &r;
      break;
    }
  }
  if (kid == nullptr) {
    if (!kek_out.empty()) {
      return make_error(Kind::usage, "--kek-out is only used with a kbs:/// recipient");
    }
    return std::optional<KbsKek>();
  }
  if (kek_out.empty()) {
    return make_error(Kind::usage, "a kbs:/// recipient needs --kek-out FILE",
                      "the key-encryption key is written there, for the KBS to serve as the resource");
  }
  KbsKek out;
  out.kid = *kid;
  COCO_TRY(out.resource_path, kbs_resource_path(*kid));
  std::error_code ec;
  if (std::filesystem::exists(kek_out, ec)) {
    COCO_TRY(out.kek, load_kek_file(kek_out));
    return std::optional<KbsKek>(std::move(out));
  }
  out.kek = crypto::random_secret(32);
  const auto bytes = out.kek.bytes();
  COCO_TRY_STATUS(
      write_file_atomic(kek_out, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), 0600));
  log::info("wrote a new key-encryption key to " + kek_out.string());
  out.generated = true;
  return std::optional<KbsKek>(std::move(out));
}

Result<ImageResult> encrypt_image(const oci::ImageReference& src, const oci::ImageReference& dst,
                                  const EncryptImageOptions& options, Progress& progress) {
  oci::CopyOptions copy = copy_options(options.scope, progress);
  COCO_TRY(std::optional<std::set<std::string>> selected, selected_layers(src, options));
  bool kbs = false;
  for (const std::string& r : options.recipients) {
    kbs = kbs || is_kbs_recipient(r);
  }
  COCO_TRY(KeyWrappers wrappers, encryption_wrappers(options.recipients, options.wrappers));
  int count = 0;
  copy.layer_transform = [&](const oci::Descriptor& layer, oci::BlobReader& source) -> Result<MaybeLayer> {
    if (is_encrypted_media_type(layer.media_type)) {
      return MaybeLayer();
    }
    if (selected && selected->count(layer.digest.str()) == 0) {
      return MaybeLayer();
    }
    if (kbs && is_zstd(layer.media_type)) {
      return make_error(Kind::unsupported, "a zstd layer cannot be encrypted for a kbs:/// recipient",
                        "the CoCo guest decrypts gzip and uncompressed layers only; rebuild the image with gzip "
                        "layers, or leave this layer out with --layer");
    }
    COCO_TRY(std::string media_type, encrypted_media_type(layer.media_type));
    ++count;
    return transformed_layer(source, std::move(media_type), layer.annotations,
                             [&](const ReadFn& read, const WriteFn& write) -> Result<Annotations> {
                               COCO_TRY(EncryptedBlob blob, encrypt_blob(read, write, layer.digest.str()));
                               return wrap_layer_keys(blob.private_options, blob.public_options, wrappers);
                             });
  };
  COCO_TRY(oci::CopyResult result, oci::copy_image(src, dst, copy));
  return ImageResult{result.manifest_digest, result.media_type, count};
}

Result<ImageResult> decrypt_image(const oci::ImageReference& src, const oci::ImageReference& dst,
                                  const DecryptImageOptions& options, Progress& progress) {
  oci::CopyOptions copy = copy_options(options.scope, progress);
  COCO_TRY(KeyWrappers wrappers, decryption_key_wrappers(options));
  int count = 0;
  copy.layer_transform = [&](const oci::Descriptor& layer, oci::BlobReader& source) -> Result<MaybeLayer> {
    if (!is_encrypted_media_type(layer.media_type)) {
      return MaybeLayer();
    }
    COCO_TRY(std::string media_type, decrypted_media_type(layer.media_type));
    COCO_TRY(UnwrappedKeys keys, unwrap_layer_keys(layer.annotations, wrappers));
    Annotations annotations;
    for (const auto& [k, v] : layer.annotations) {
      if (!is_encryption_annotation(k)) {
        annotations[k] = v;
      }
    }
    ++count;
    return transformed_layer(source, std::move(media_type), std::move(annotations),
                             [&](const ReadFn& read, const WriteFn& write) -> Result<Annotations> {
                               COCO_TRY(DecryptedBlob plain,
                                        decrypt_blob(read, write, keys.private_options, keys.public_options));
                               (void)plain;
                               return Annotations{};
                             });
  };
  COCO_TRY(oci::CopyResult result, oci::copy_image(src, dst, copy));
  return ImageResult{result.manifest_digest, result.media_type, count};
}

} // namespace coco::ocicrypt
