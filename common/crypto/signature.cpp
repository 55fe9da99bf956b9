#include "common/crypto/signature.hpp"

#include <openssl/rsa.h>

namespace coco::crypto {
namespace {

Status check_scheme(KeyType type, SignatureScheme scheme) {
  bool ok_pair = (type == KeyType::ec && scheme == SignatureScheme::ecdsa) ||
                 (type == KeyType::ed25519 && scheme == SignatureScheme::ed25519) ||
                 (type == KeyType::rsa && (scheme == SignatureScheme::rsa_pkcs1 || scheme == SignatureScheme::rsa_pss));
  if (!ok_pair) {
    return make_error(Kind::invalid, std::string("signature scheme does not match the ") +
                                         std::string(key_type_name(type)) + " key");
  }
  return ok();
}

Status set_padding(EVP_PKEY_CTX* pctx, SignatureScheme scheme, bool signing) {
  if (scheme == SignatureScheme::rsa_pss) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, signing ? RSA_PSS_SALTLEN_DIGEST : RSA_PSS_SALTLEN_AUTO) != 1) {
      return ossl::error(Kind::internal, "cannot set RSA-PSS parameters");
    }
  } else if (scheme == SignatureScheme::rsa_pkcs1) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
      return ossl::error(Kind::internal, "cannot set RSA PKCS#1 padding");
    }
  }
  return ok();
}

const char* md_name(SignatureScheme scheme, HashAlg hash) {
  return scheme == SignatureScheme::ed25519 ? nullptr : EVP_MD_get0_name(evp_md(hash));
}

} // namespace

Result<Bytes> sign(const PrivateKey& key, SignatureScheme scheme, HashAlg hash, std::span<const std::uint8_t> message) {
  COCO_TRY_STATUS(check_scheme(key.type(), scheme));
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestSignInit_ex(ctx.get(), &pctx, md_name(scheme, hash), nullptr, nullptr, key.get(), nullptr) != 1) {
    return ossl::error(Kind::internal, "signature initialisation failed");
  }
  COCO_TRY_STATUS(set_padding(pctx, scheme, true));
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()) != 1) {
    return ossl::error(Kind::internal, "signing failed");
  }
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1) {
    return ossl::error(Kind::internal, "signing failed");
  }
  sig.resize(len);
  return sig;
}

Status verify(const PublicKey& key, SignatureScheme scheme, HashAlg hash, std::span<const std::uint8_t> message,
              std::span<const std::uint8_t> signature) {
  COCO_TRY_STATUS(check_scheme(key.type(), scheme));
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), &pctx, md_name(scheme, hash), nullptr, nullptr, key.get(), nullptr) != 1) {
    return ossl::error(Kind::internal, "signature verification initialisation failed");
  }
  COCO_TRY_STATUS(set_padding(pctx, scheme, false));
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(), message.size()) != 1) {
    ossl::clear_errors();
    return make_error(Kind::integrity, "signature does not verify");
  }
  return ok();
}

Result<Bytes> sign_digest(const PrivateKey& key, SignatureScheme scheme, HashAlg hash, std::span<const std::uint8_t> digest) {
  COCO_TRY_STATUS(check_scheme(key.type(), scheme));
  if (scheme == SignatureScheme::ed25519) {
    return make_error(Kind::unsupported, "Ed25519 cannot sign a precomputed digest");
  }
  ossl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_signature_md(ctx.get(), evp_md(hash)) != 1) {
    return ossl::error(Kind::internal, "signature initialisation failed");
  }
  COCO_TRY_STATUS(set_padding(ctx.get(), scheme, true));
  std::size_t len = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &len, digest.data(), digest.size()) != 1) {
    return ossl::error(Kind::invalid, "signing failed");
  }
  Bytes sig(len);
  if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, digest.data(), digest.size()) != 1) {
    return ossl::error(Kind::invalid, "signing failed");
  }
  sig.resize(len);
  return sig;
}

Status verify_digest(const PublicKey& key, SignatureScheme scheme, HashAlg hash, std::span<const std::uint8_t> digest,
                     std::span<const std::uint8_t> signature) {
  COCO_TRY_STATUS(check_scheme(key.type(), scheme));
  if (scheme == SignatureScheme::ed25519) {
    return make_error(Kind::unsupported, "Ed25519 cannot verify a precomputed digest");
  }
  ossl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_signature_md(ctx.get(), evp_md(hash)) != 1) {
    return ossl::error(Kind::internal, "signature verification initialisation failed");
  }
  COCO_TRY_STATUS(set_padding(ctx.get(), scheme, false));
  if (EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), digest.data(), digest.size()) != 1) {
    ossl::clear_errors();
    return make_error(Kind::integrity, "signature does not verify");
  }
  return ok();
}

Result<Bytes> ecdsa_der_to_raw(std::span<const std::uint8_t> der, std::size_t coordinate_size) {
  const unsigned char* p = der.data();
  ossl::EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig || p != der.data() + der.size()) {
    ossl::clear_errors();
    return make_error(Kind::invalid, "malformed DER ECDSA signature");
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  Bytes out(2 * coordinate_size);
  if (BN_bn2binpad(r, out.data(), static_cast<int>(coordinate_size)) < 0 ||
      BN_bn2binpad(s, out.data() + coordinate_size, static_cast<int>(coordinate_size)) < 0) {
    ossl::clear_errors();
    return make_error(Kind::invalid, "ECDSA signature values too large for the curve");
  }
  return out;
}

Result<Bytes> ecdsa_raw_to_der(std::span<const std::uint8_t> raw) {
  if (raw.empty() || raw.size() % 2 != 0) {
    return make_error(Kind::invalid, "raw ECDSA signature must be r||s of equal halves");
  }
  std::size_t half = raw.size() / 2;
  ossl::EcdsaSig sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(raw.data(), static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + half, static_cast<int>(half), nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return ossl::error(Kind::internal, "cannot build an ECDSA signature");
  }
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) {
    return ossl::error(Kind::internal, "cannot encode an ECDSA signature");
  }
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

} // namespace coco::crypto
