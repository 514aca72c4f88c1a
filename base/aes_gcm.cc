#include "base/aes_gcm.h"

#include <openssl/evp.h>

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace base {
namespace {

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

absl::Status CheckSizes(absl::string_view key, absl::string_view iv, size_t tag_size) {
  if (key.size() != 16 && key.size() != 32) {
    return absl::InvalidArgumentError(
        absl::StrCat("AES-GCM: key of ", key.size(), " bytes (16 or 32 expected)"));
  }
  if (iv.size() != kAesGcmIvSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("AES-GCM: IV of ", iv.size(), " bytes (12 expected)"));
  }
  // SP 800-38D allows 128, 120, 112, 104, 96 bits, and 64 or 32 for some
  // applications; shorter tags are trivially forgeable.
  const bool allowed =
      (tag_size >= 12 && tag_size <= kAesGcmMaxTagSize) || tag_size == 8 || tag_size == 4;
  if (!allowed) {
    return absl::InvalidArgumentError(
        absl::StrCat("AES-GCM: tag size ", tag_size, " not allowed (4, 8 or 12-16 bytes)"));
  }
  return absl::OkStatus();
}

absl::Status OpenSslError(absl::string_view step) {
  return absl::InternalError(absl::StrCat("AES-GCM: OpenSSL failed at ", step));
}

// Start makes a context for `encrypt`ing or decrypting with `key` and `iv`
// (sizes already checked) and feeds it the additional data.
absl::StatusOr<CipherContext> Start(bool encrypt, absl::string_view key, absl::string_view iv,
                                    absl::string_view aad) {
  CipherContext context(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (context == nullptr) return OpenSslError("context");
  const EVP_CIPHER* cipher = key.size() == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
  if (EVP_CipherInit_ex(context.get(), cipher, nullptr, nullptr, nullptr, encrypt ? 1 : 0) != 1 ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()),
                          nullptr) != 1 ||
      EVP_CipherInit_ex(context.get(), nullptr, nullptr, Bytes(key), Bytes(iv), -1) != 1) {
    return OpenSslError("init");
  }
  int unused = 0;
  if (!aad.empty() && EVP_CipherUpdate(context.get(), nullptr, &unused, Bytes(aad),
                                       static_cast<int>(aad.size())) != 1) {
    return OpenSslError("additional data");
  }
  return context;
}

// Process runs `input` through the context (same length out, GCM is a
// stream mode) and finishes it.
absl::StatusOr<std::string> Process(EVP_CIPHER_CTX* context, absl::string_view input) {
  std::string output(input.size(), '\0');
  int written = 0;
  if (!input.empty() &&
      EVP_CipherUpdate(context, reinterpret_cast<unsigned char*>(output.data()), &written,
                       Bytes(input), static_cast<int>(input.size())) != 1) {
    return OpenSslError("update");
  }
  return output;
}

}  // namespace

absl::StatusOr<std::string> AesGcmEncrypt(absl::string_view key, absl::string_view iv,
                                          absl::string_view aad, absl::string_view plaintext,
                                          size_t tag_size) {
  if (absl::Status sizes = CheckSizes(key, iv, tag_size); !sizes.ok()) return sizes;
  absl::StatusOr<CipherContext> context = Start(/*encrypt=*/true, key, iv, aad);
  if (!context.ok()) return context.status();
  absl::StatusOr<std::string> sealed = Process(context->get(), plaintext);
  if (!sealed.ok()) return sealed.status();
  unsigned char tail[16];
  int written = 0;
  unsigned char tag[kAesGcmMaxTagSize];
  if (EVP_EncryptFinal_ex(context->get(), tail, &written) != 1 ||
      EVP_CIPHER_CTX_ctrl(context->get(), EVP_CTRL_GCM_GET_TAG, kAesGcmMaxTagSize, tag) != 1) {
    return OpenSslError("final");
  }
  sealed->append(reinterpret_cast<const char*>(tag), tag_size);
  return sealed;
}

absl::StatusOr<std::string> AesGcmDecrypt(absl::string_view key, absl::string_view iv,
                                          absl::string_view aad, absl::string_view sealed,
                                          size_t tag_size) {
  if (absl::Status sizes = CheckSizes(key, iv, tag_size); !sizes.ok()) return sizes;
  if (sealed.size() < tag_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("AES-GCM: ", sealed.size(), " bytes cannot hold a ", tag_size, "-byte tag"));
  }
  const absl::string_view ciphertext = sealed.substr(0, sealed.size() - tag_size);
  std::string tag(sealed.substr(sealed.size() - tag_size));
  absl::StatusOr<CipherContext> context = Start(/*encrypt=*/false, key, iv, aad);
  if (!context.ok()) return context.status();
  absl::StatusOr<std::string> plaintext = Process(context->get(), ciphertext);
  if (!plaintext.ok()) return plaintext.status();
  // OpenSSL compares a truncated tag (in constant time) over its length.
  if (EVP_CIPHER_CTX_ctrl(context->get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_size),
                          tag.data()) != 1) {
    return OpenSslError("tag");
  }
  unsigned char tail[16];
  int written = 0;
  if (EVP_DecryptFinal_ex(context->get(), tail, &written) != 1) {
    return absl::UnauthenticatedError("AES-GCM: authentication tag does not verify");
  }
  return plaintext;
}

absl::StatusOr<std::string> Gmac(absl::string_view key, absl::string_view iv, absl::string_view aad,
                                 size_t tag_size) {
  return AesGcmEncrypt(key, iv, aad, /*plaintext=*/"", tag_size);
}

}  // namespace base
