// Reading the ocicrypt vector OCI layout (/work/shared/vectors/ocicrypt/image) directly: index.json, the
// manifest of a tag, its layers and blobs. Enough for the tests; the real OCI code lives in common/oci.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/atomic_file.hpp"
#include "common/ocicrypt/key_wrapper.hpp"
#include "common/ocicrypt/layer_cipher.hpp"
#include "tests/unit/test_util.hpp"

namespace coco::test {

struct VectorLayer {
  std::string media_type;
  std::string digest;
  std::map<std::string, std::string> annotations;
};

inline std::filesystem::path ocicrypt_vectors() { return vectors_dir() / "ocicrypt"; }
inline std::filesystem::path ocicrypt_layout() { return ocicrypt_vectors() / "image"; }

inline std::filesystem::path blob_path(const std::filesystem::path& layout, const std::string& digest) {
  return layout / "blobs" / "sha256" / digest.substr(7);
}

inline std::vector<VectorLayer> vector_layers(const std::string& tag,
                                              const std::filesystem::path& layout = ocicrypt_layout()) {
  auto index = nlohmann::json::parse(read_file(layout / "index.json").value());
  for (const auto& m : index["manifests"]) {
    if (m["annotations"]["org.opencontainers.image.ref.name"] != tag) {
      continue;
    }
    auto manifest = nlohmann::json::parse(read_file(blob_path(layout, m["digest"])).value());
    std::vector<VectorLayer> out;
    for (const auto& l : manifest["layers"]) {
      VectorLayer layer{l["mediaType"], l["digest"], {}};
      if (l.contains("annotations")) {
        for (const auto& [k, v] : l["annotations"].items()) {
          layer.annotations[k] = v.get<std::string>();
        }
      }
      out.push_back(std::move(layer));
    }
    return out;
  }
  return {};
}

inline std::vector<std::string> expected_layer_digests() {
  std::ifstream in(ocicrypt_vectors() / "expected-layer-digests.txt");
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) {
      out.push_back(line);
    }
  }
  return out;
}

inline ocicrypt::ReadFn file_reader(std::ifstream& in) {
  return [&in](std::span<std::uint8_t> buf) -> Result<std::size_t> {
    in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(buf.size()));
    if (in.bad()) {
      return make_error(Kind::io, "read failed");
    }
    return static_cast<std::size_t>(in.gcount());
  };
}

// Decrypts one layer of the vector layout with the given wrappers into `plaintext`; returns the plaintext
// digest string.
inline Result<std::string> decrypt_vector_layer(const VectorLayer& layer, const ocicrypt::KeyWrappers& wrappers,
                                                const std::filesystem::path& layout = ocicrypt_layout(),
                                                Bytes* plaintext = nullptr) {
  COCO_TRY(ocicrypt::UnwrappedKeys keys, ocicrypt::unwrap_layer_keys(layer.annotations, wrappers));
  std::ifstream in(blob_path(layout, layer.digest), std::ios::binary);
  Bytes sink;
  auto write = [&sink](std::span<const std::uint8_t> d) -> Status {
    sink.insert(sink.end(), d.begin(), d.end());
    return ok();
  };
  COCO_TRY(ocicrypt::DecryptedBlob out,
           ocicrypt::decrypt_blob(file_reader(in), write, keys.private_options, keys.public_options));
  if (plaintext != nullptr) {
    *plaintext = std::move(sink);
  }
  return out.digest.to_string();
}

} // namespace coco::test
