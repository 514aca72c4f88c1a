// AES-GCM against the test cases of McGrew & Viega, "The Galois/Counter Mode
// of Operation (GCM)" (the NIST submission, test cases 1-4, 13, 14 and 16),
// truncated tags, GMAC, and every way the input can be refused.
#include "base/aes_gcm.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace base {
namespace {

using ::wallet::testing::IsOkAndHolds;
using ::wallet::testing::StatusIs;

std::string Unhex(absl::string_view hex) { return absl::HexStringToBytes(hex); }

struct GcmCase {
  const char* name;
  const char* key;
  const char* iv;
  const char* plaintext;
  const char* aad;
  const char* ciphertext;
  const char* tag;
};

constexpr char kKey3[] = "feffe9928665731c6d6a8f9467308308";
constexpr char kIv3[] = "cafebabefacedbaddecaf888";
constexpr char kPlain3[] =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
constexpr char kPlain4[] =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
constexpr char kAad4[] = "feedfacedeadbeeffeedfacedeadbeefabaddad2";

const GcmCase kCases[] = {
    {"1", "00000000000000000000000000000000", "000000000000000000000000", "", "", "",
     "58e2fccefa7e3061367f1d57a4e7455a"},
    {"2", "00000000000000000000000000000000", "000000000000000000000000",
     "00000000000000000000000000000000", "", "0388dace60b6a392f328c2b971b2fe78",
     "ab6e47d42cec13bdf53a67b21257bddf"},
    {"3", kKey3, kIv3, kPlain3, "",
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
     "4d5c2af327cd64a62cf35abd2ba6fab4"},
    {"4", kKey3, kIv3, kPlain4, kAad4,
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
     "5bc94fbc3221a5db94fae95ae7121a47"},
    {"13", "0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
    {"14", "0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "00000000000000000000000000000000", "",
     "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
    {"16", "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", kIv3, kPlain4, kAad4,
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
};

TEST(AesGcmTest, MatchesPublishedTestCases) {
  for (const GcmCase& c : kCases) {
    const std::string sealed = Unhex(c.ciphertext) + Unhex(c.tag);
    EXPECT_THAT(AesGcmEncrypt(Unhex(c.key), Unhex(c.iv), Unhex(c.aad), Unhex(c.plaintext), 16),
                IsOkAndHolds(sealed))
        << "test case " << c.name;
    EXPECT_THAT(AesGcmDecrypt(Unhex(c.key), Unhex(c.iv), Unhex(c.aad), sealed, 16),
                IsOkAndHolds(Unhex(c.plaintext)))
        << "test case " << c.name;
  }
}

TEST(AesGcmTest, TruncatedTagsArePrefixesOfTheFullTag) {
  const GcmCase& c = kCases[3];
  for (size_t tag_size : {4u, 8u, 12u, 13u, 14u, 15u}) {
    const std::string sealed = Unhex(c.ciphertext) + Unhex(c.tag).substr(0, tag_size);
    EXPECT_THAT(
        AesGcmEncrypt(Unhex(c.key), Unhex(c.iv), Unhex(c.aad), Unhex(c.plaintext), tag_size),
        IsOkAndHolds(sealed))
        << tag_size;
    EXPECT_THAT(AesGcmDecrypt(Unhex(c.key), Unhex(c.iv), Unhex(c.aad), sealed, tag_size),
                IsOkAndHolds(Unhex(c.plaintext)))
        << tag_size;
  }
}

TEST(AesGcmTest, GmacIsTheTagOverAdditionalDataAlone) {
  // Test case 1 has neither plaintext nor additional data; test case 4's
  // data as additional data only must give the tag of an empty plaintext.
  EXPECT_THAT(Gmac(Unhex(kCases[0].key), Unhex(kCases[0].iv), "", 16),
              IsOkAndHolds(Unhex(kCases[0].tag)));
  absl::StatusOr<std::string> sealed =
      AesGcmEncrypt(Unhex(kKey3), Unhex(kIv3), Unhex(kAad4), "", 12);
  ASSERT_TRUE(sealed.ok());
  EXPECT_THAT(Gmac(Unhex(kKey3), Unhex(kIv3), Unhex(kAad4), 12), IsOkAndHolds(*sealed));
  EXPECT_EQ(sealed->size(), 12u);
}

TEST(AesGcmTest, AnyChangeFailsTheTag) {
  const GcmCase& c = kCases[3];
  const std::string key = Unhex(c.key), iv = Unhex(c.iv), aad = Unhex(c.aad);
  const std::string sealed = Unhex(c.ciphertext) + Unhex(c.tag).substr(0, 12);
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string flipped = sealed;
    flipped[i] ^= 0x01;
    EXPECT_THAT(AesGcmDecrypt(key, iv, aad, flipped, 12),
                StatusIs(absl::StatusCode::kUnauthenticated))
        << "byte " << i;
  }
  std::string other_aad = aad;
  other_aad[0] ^= 0x80;
  EXPECT_THAT(AesGcmDecrypt(key, iv, other_aad, sealed, 12),
              StatusIs(absl::StatusCode::kUnauthenticated));
  std::string other_iv = iv;
  other_iv[11] ^= 0x01;
  EXPECT_THAT(AesGcmDecrypt(key, other_iv, aad, sealed, 12),
              StatusIs(absl::StatusCode::kUnauthenticated));
  // The same bytes read with a longer tag size split differently.
  EXPECT_THAT(AesGcmDecrypt(key, iv, aad, sealed, 16),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(AesGcmTest, BadSizesAreInvalidArgument) {
  const std::string key(16, 'k'), iv(12, 'i');
  for (size_t key_size : {0u, 15u, 17u, 24u, 31u, 33u}) {
    EXPECT_THAT(AesGcmEncrypt(std::string(key_size, 'k'), iv, "", "x", 12),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << key_size;
    EXPECT_THAT(AesGcmDecrypt(std::string(key_size, 'k'), iv, "", std::string(13, 'x'), 12),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << key_size;
  }
  for (size_t iv_size : {0u, 8u, 11u, 13u, 16u}) {
    EXPECT_THAT(AesGcmEncrypt(key, std::string(iv_size, 'i'), "", "x", 12),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << iv_size;
  }
  for (size_t tag_size : {0u, 1u, 3u, 5u, 7u, 9u, 11u, 17u}) {
    EXPECT_THAT(AesGcmEncrypt(key, iv, "", "x", tag_size),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << tag_size;
    EXPECT_THAT(Gmac(key, iv, "x", tag_size), StatusIs(absl::StatusCode::kInvalidArgument))
        << tag_size;
  }
  for (size_t length = 0; length < 12; ++length) {
    EXPECT_THAT(AesGcmDecrypt(key, iv, "", std::string(length, 'x'), 12),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << length;
  }
}

}  // namespace
}  // namespace base
