#include "common/ocicrypt/inspect.hpp"

#include "common/base/encoding.hpp"
#include "common/jose/jwe.hpp"
#include "common/ocicrypt/annotations.hpp"
#include "common/ocicrypt/kbs_wrapper.hpp"
#include "common/ocicrypt/pgp_wrapper.hpp"

namespace coco::ocicrypt {

Result<std::vector<SchemeRecipients>> describe_layer_keys(const std::map<std::string, std::string>& annotations) {
  std::vector<SchemeRecipients> out;
  for (const auto& [key, value] : annotations) {
    if (key.rfind(k_annotation_keys_prefix, 0) != 0) {
      continue;
    }
    SchemeRecipients s{key.substr(k_annotation_keys_prefix.size()), {}};
    COCO_TRY(std::vector<std::string> blobs, split_key_annotation(value));
    for (const auto& blob : blobs) {
      if (s.scheme == "jwe") {
        COCO_TRY(std::vector<jose::JweRecipientInfo> infos, jose::jwe_recipients(blob));
        for (const auto& i : infos) {
          std::string line = i.alg;
          if (!i.epk_curve.empty()) {
            line += " " + i.epk_curve;
          }
          if (!i.kid.empty()) {
            line += " kid " + i.kid;
          }
          s.recipients.push_back(line);
        }
      } else if (s.scheme == "pgp") {
        COCO_TRY(std::vector<std::string> ids, pgp_recipient_key_ids(as_bytes(blob)));
        for (const auto& id : ids) {
          s.recipients.push_back("pgp key " + id);
        }
      } else if (s.scheme == "provider." + std::string(k_kbs_provider_name)) {
        auto packet = parse_kbs_packet(as_bytes(blob));
        s.recipients.push_back(packet ? packet->kid + " (" + packet->wrap_type + ")" : "unreadable KBS packet");
      } else {
        s.recipients.push_back(std::to_string(blob.size()) + "-byte wrapped key");
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

} // namespace coco::ocicrypt
