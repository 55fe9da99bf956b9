#include "common/ocicrypt/verify.hpp"

#include <openssl/cms.h>

#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include "common/jose/jwe.hpp"
#include "common/ocicrypt/annotations.hpp"
#include "common/ocicrypt/kbs_wrapper.hpp"
#include "common/ocicrypt/layer_cipher.hpp"
#include "common/ocicrypt/pgp_wrapper.hpp"

namespace coco::ocicrypt {
namespace {

// Names that say "secret": matched case-insensitively against the whole name.
const RE2& secret_name() {
  static const RE2 re("(?i).*(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|"
                      "CREDENTIAL|AUTH_?KEY|CLIENT_?SECRET|_PASS$|^PASS$).*");
  return re;
}

// Values that are secrets whatever their name.
const RE2& secret_value() {
  static const RE2 re("-----BEGIN [A-Z ]*PRIVATE KEY-----|"   // PEM private keys
                      "\\b(AKIA|ASIA)[0-9A-Z]{16}\\b|"          // AWS access key ids
                      "\\bgh[pousr]_[A-Za-z0-9]{36,}|"          // GitHub tokens
                      "\\bgithub_pat_[A-Za-z0-9_]{22,}|"
                      "\\bglpat-[A-Za-z0-9_-]{20,}|"            // GitLab
                      "\\bxox[abprs]-[A-Za-z0-9-]{10,}|"        // Slack
                      "\\bsk_live_[0-9A-Za-z]{16,}|"            // Stripe
                      "\\bAIza[0-9A-Za-z_-]{35}|"               // Google API keys
                      "\\beyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.|"  // JWTs
                      "[a-z][a-z0-9+.-]*://[^/\\s:@]+:[^/\\s@]+@");  // credentials in a URL
  return re;
}

// Values a secret-sounding name may hold without holding a secret (TOKENIZERS_PARALLELISM=false).
const RE2& harmless_value() {
  static const RE2 re("(?i)true|false|yes|no|on|off|none|null|[0-9]{1,6}|/[A-Za-z0-9_./-]*");
  return re;
}

bool looks_secret(std::string_view name, std::string_view value) {
  const re2::StringPiece v(value.data(), value.size());
  if (value.empty()) {
    return false;
  }
  if (RE2::PartialMatch(v, secret_value())) {
    return true;
  }
  return RE2::FullMatch(re2::StringPiece(name.data(), name.size()), secret_name()) && !RE2::FullMatch(v, harmless_value());
}

// What the CoCo guest's serde parse of the public options needs.
std::optional<std::string> pubopts_problem(const std::map<std::string, std::string>& annotations) {
  auto it = annotations.find(std::string(k_annotation_pubopts));
  if (it == annotations.end()) {
    return std::string("no ") + std::string(k_annotation_pubopts) + " annotation";
  }
  auto raw = base64_decode(it->second);
  if (!raw) {
    return std::string("pubopts is not base64");
  }
  nlohmann::json j = nlohmann::json::parse(as_string(*raw), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return std::string("pubopts is not a JSON object");
  }
  std::string missing;
  if (!j.contains("cipher") || !j["cipher"].is_string()) {
    missing += " cipher";
  }
  if (!j.contains("hmac") || !j["hmac"].is_string() || !base64_decode(j["hmac"].get<std::string>())) {
    missing += " hmac";
  }
  if (!j.contains("cipheroptions") || !j["cipheroptions"].is_object()) {
    missing += " cipheroptions";
  }
  if (!missing.empty()) {
    return "pubopts lacks" + missing;
  }
  if (j["cipher"] != std::string(k_cipher_aes_ctr_hmac)) {
    return "pubopts names cipher " + j["cipher"].get<std::string>() + ", not " + std::string(k_cipher_aes_ctr_hmac);
  }
  return std::nullopt;
}

bool pkcs7_parses(std::string_view blob) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  CMS_ContentInfo* cms = d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(blob.size()));
  if (cms == nullptr) {
    return false;
  }
  STACK_OF(CMS_RecipientInfo)* infos = CMS_get0_RecipientInfos(cms);
  const bool ok_infos = infos != nullptr && sk_CMS_RecipientInfo_num(infos) > 0;
  CMS_ContentInfo_free(cms);
  return ok_infos;
}

class Checker {
public:
  Checker(const VerifyOptions& options, Progress& progress, oci::ImageSource& source)
      : m_options(options), m_progress(progress), m_source(source) {}

  Status prepare() {
    if (!m_options.keys.empty() || !m_options.kbs_keks.empty()) {
      DecryptImageOptions d;
      d.keys = m_options.keys;
      d.kbs_keks = m_options.kbs_keks;
      d.wrappers = m_options.wrappers;
      COCO_TRY(m_wrappers, decryption_key_wrappers(d));
      m_decrypt = true;
    }
    return ok();
  }

  Status walk(const oci::RawManifest& raw, const std::string& platform) {
    if (raw.is_index()) {
      COCO_TRY(oci::ImageIndex index, oci::parse_image_index(raw.bytes, raw.media_type));
      for (const oci::Descriptor& entry : index.manifests) {
        COCO_TRY(oci::RawManifest child, m_source.get_manifest(entry.digest));
        if (child.digest() != entry.digest) {
          return make_error(Kind::integrity, "manifest " + entry.digest.str() + ": digest mismatch");
        }
        COCO_TRY_STATUS(walk(child, entry.platform ? entry.platform->str() : entry.digest.short_str()));
      }
      return ok();
    }
    COCO_TRY(oci::ImageManifest manifest, oci::parse_image_manifest(raw.bytes, raw.media_type));
    ++m_report.manifests;
    COCO_TRY_STATUS(check_config(manifest.config, platform));
    for (std::size_t i = 0; i < manifest.layers.size(); ++i) {
      COCO_TRY_STATUS(check_layer(manifest.layers[i], i, platform));
    }
    return ok();
  }

  VerifyReport report() { return std::move(m_report); }

private:
  void problem(std::string check, const std::string& platform, std::string subject, std::string message) {
    m_report.problems.push_back({std::move(check), platform, std::move(subject), std::move(message)});
  }

  Status check_config(const oci::Descriptor& config, const std::string& platform) {
    COCO_TRY(auto reader, m_source.get_blob(config));
    COCO_TRY(std::string text, oci::read_small_blob(*reader, oci::k_max_config_size, "config"));
    for (const std::string& name : secret_looking_config_values(text)) {
      problem("config-secret", platform, "config " + name,
              "looks like a secret, and the image config is never encrypted; pass it at run time instead");
    }
    return ok();
  }

  void check_keys(const oci::Descriptor& layer, const std::string& platform, const std::string& subject) {
    bool any = false;
    for (const auto& [key, value] : layer.annotations) {
      if (key.rfind(k_annotation_keys_prefix, 0) != 0) {
        continue;
      }
      any = true;
      const std::string scheme = key.substr(k_annotation_keys_prefix.size());
      auto blobs = split_key_annotation(value);
      if (!blobs) {
        problem("wrapped-key", platform, subject, scheme + ": " + blobs.error().message);
        continue;
      }
      for (const std::string& blob : *blobs) {
        std::optional<std::string> bad;
        if (scheme == "jwe") {
          if (auto r = jose::jwe_recipients(blob); !r || r->empty()) {
            bad = r ? "a JWE without recipients" : r.error().message;
          }
        } else if (scheme == "pgp") {
          if (auto r = pgp_recipient_key_ids(as_bytes(blob)); !r || r->empty()) {
            bad = r ? "an OpenPGP message without recipients" : r.error().message;
          }
        } else if (scheme == "pkcs7") {
          if (!pkcs7_parses(blob)) {
            bad = "not a CMS EnvelopedData with recipients";
          }
        } else if (scheme == "provider." + std::string(k_kbs_provider_name)) {
          auto packet = parse_kbs_packet(as_bytes(blob));
          if (!packet) {
            bad = packet.error().message;
          } else {
            const bool iv_ok = (packet->wrap_type == "A256GCM" && packet->iv.size() == 12) ||
                               (packet->wrap_type == "A256CTR" && packet->iv.size() == 16);
            if (!iv_ok) {
              bad = "KBS key packet: wrap_type " + packet->wrap_type + " with a " +
                    std::to_string(packet->iv.size()) + "-byte iv";
            }
            if (!kbs_resource_path(packet->kid)) {
              problem("guest-kid", platform, subject,
                      "the KBS key id \"" + packet->kid + "\" is not kbs:///REPO/TYPE/TAG: the CoCo guest cannot fetch it");
            }
          }
        } else if (blob.empty()) {
          bad = "empty";
        }
        if (bad) {
          problem("wrapped-key", platform, subject, scheme + ": " + *bad);
        }
      }
    }
    if (!any) {
      problem("wrapped-key", platform, subject, "encrypted, but no org.opencontainers.image.enc.keys.* annotation");
    }
  }

  Status check_layer(const oci::Descriptor& layer, std::size_t index, const std::string& platform) {
    ++m_report.layers;
    const std::string subject = "layer " + std::to_string(index) + " (" + layer.digest.str() + ")";
    if (!is_encrypted_media_type(layer.media_type)) {
      for (const std::string& allowed : m_options.allowed_plain_layers) {
        if (allowed == layer.digest.str()) {
          return ok();
        }
      }
      problem("plain-layer", platform, subject, "not encrypted (" + layer.media_type + ")");
      return ok();
    }
    ++m_report.layers_encrypted;
    if (layer.media_type.find("zstd") != std::string::npos) {
      problem("guest-zstd", platform, subject,
              "zstd layers are not decrypted by the CoCo guest; re-encrypt with --compress gzip");
    } else if (layer.media_type != "application/vnd.oci.image.layer.v1.tar+encrypted" &&
               layer.media_type != "application/vnd.oci.image.layer.v1.tar+gzip+encrypted" &&
               layer.media_type != "application/vnd.oci.image.layer.nondistributable.v1.tar+encrypted" &&
               layer.media_type != "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip+encrypted") {
      problem("guest-media-type", platform, subject,
              "the CoCo guest does not decrypt layers of type " + layer.media_type);
    }
    if (auto p = pubopts_problem(layer.annotations)) {
      problem("guest-pubopts", platform, subject, *p);
    }
    check_keys(layer, platform, subject);
    if (m_decrypt) {
      Status s = decrypt_layer(layer);
      if (!s) {
        problem("decrypt", platform, subject, s.error().message);
      } else {
        ++m_report.layers_decrypted;
      }
    }
    return ok();
  }

  Status decrypt_layer(const oci::Descriptor& layer) {
    COCO_TRY(UnwrappedKeys keys, unwrap_layer_keys(layer.annotations, m_wrappers));
    if (m_options.unwrap_only) {
      return ok();
    }
    COCO_TRY(auto reader, m_source.get_blob(layer));
    const std::string id = layer.digest.str() + "+verify";
    m_progress.begin(id, "verify " + layer.digest.short_str(), static_cast<std::uint64_t>(layer.size));
    auto read = [&reader](std::span<std::uint8_t> buf) { return reader->read(buf); };
    auto discard = [](std::span<const std::uint8_t>) -> Status { return ok(); };
    auto done = decrypt_blob(read, discard, keys.private_options, keys.public_options, m_progress, id);
    m_progress.end(id, done ? "done" : "failed");
    if (!done) {
      return done.error();
    }
    return ok();
  }

  const VerifyOptions& m_options;
  Progress& m_progress;
  oci::ImageSource& m_source;
  KeyWrappers m_wrappers;
  bool m_decrypt = false;
  VerifyReport m_report;
};

} // namespace

std::vector<std::string> secret_looking_config_values(std::string_view config_json) {
  std::vector<std::string> out;
  nlohmann::json j = nlohmann::json::parse(config_json, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("config") || !j["config"].is_object()) {
    return out;
  }
  const nlohmann::json& c = j["config"];
  if (auto env = c.find("Env"); env != c.end() && env->is_array()) {
    for (const auto& e : *env) {
      if (!e.is_string()) {
        continue;
      }
      const std::string entry = e.get<std::string>();
      const auto eq = entry.find('=');
      const std::string name = entry.substr(0, eq);
      const std::string value = eq == std::string::npos ? std::string() : entry.substr(eq + 1);
      if (looks_secret(name, value)) {
        out.push_back("Env " + name);
      }
    }
  }
  if (auto labels = c.find("Labels"); labels != c.end() && labels->is_object()) {
    for (const auto& [name, value] : labels->items()) {
      if (value.is_string() && looks_secret(name, value.get<std::string>())) {
        out.push_back("Label " + name);
      }
    }
  }
  return out;
}

Result<VerifyReport> verify_image(const oci::ImageReference& ref, const VerifyOptions& options, Progress& progress) {
  COCO_TRY(auto source, oci::open_source(ref, options.transport));
  Checker checker(options, progress, *source);
  COCO_TRY_STATUS(checker.prepare());
  COCO_TRY(oci::RawManifest top, source->get_manifest(std::nullopt));
  COCO_TRY_STATUS(checker.walk(top, ""));
  return checker.report();
}

} // namespace coco::ocicrypt
