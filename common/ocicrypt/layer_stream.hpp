// The layer cipher as a stream (one pass): a BlobReader that yields the encrypted (or decrypted) bytes of a
// source layer while the copy engine writes them to the destination, so an image is encrypted with no
// temporary file and in constant memory (a fixed pool of k_layer_chunk buffers).
//
// Three stages overlap: reading the source (and its digest check), the cipher with its HMAC, and the
// consumer's own work (the destination's digest and write). One background worker and the consumer share
// the first two: a consumer whose next chunk is not ready runs the next read or cipher task itself. On decryption the HMAC is checked
// when the source ends: a mismatch is returned by read() in place of the end of the stream, so a destination
// (which keeps a blob only after reading its end) never keeps unauthenticated plaintext.
#pragma once

#include <memory>
#include <optional>

#include "common/oci/blob_stream.hpp"
#include "common/ocicrypt/layer_cipher.hpp"

namespace coco::ocicrypt {

class LayerCipherStream final : public oci::BlobReader {
public:
  // Encrypts `source` (not owned; read by the stream's worker or inside read(), never by two threads at
  // once, until the stream is destroyed).
  static std::unique_ptr<LayerCipherStream> encrypting(oci::BlobReader& source, LayerEncryptor encryptor);
  // Decrypts `source`, failing at its end when the HMAC does not match.
  static std::unique_ptr<LayerCipherStream> decrypting(oci::BlobReader& source, LayerDecryptor decryptor);

  LayerCipherStream(const LayerCipherStream&) = delete;
  LayerCipherStream& operator=(const LayerCipherStream&) = delete;
  ~LayerCipherStream() override;  // stops and joins the threads

  Result<std::size_t> read(std::span<std::uint8_t> buf) override;

  // After read() returned 0: for an encrypting stream, the public options with the HMAC.
  [[nodiscard]] std::optional<PublicOptions> public_options() const;
  // Bytes that went through the cipher.
  [[nodiscard]] std::uint64_t size() const;

  struct State;

private:
  explicit LayerCipherStream(std::unique_ptr<State> state);
  std::unique_ptr<State> m_state;
};

} // namespace coco::ocicrypt
