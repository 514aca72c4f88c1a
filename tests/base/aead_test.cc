// AES-256-GCM sealing: a value opens only with its key and aad, unchanged;
// nonces differ between seals; key files in hex or raw.
#include "base/aead.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace base {
namespace {

using ::testing::Eq;
using ::testing::Ne;
using ::wallet::testing::IsOkAndHolds;
using ::wallet::testing::StatusIs;

const std::string kKey(kSealKeyBytes, '\x42');

TEST(SealTest, OpensWithTheSameKeyAndAad) {
  absl::StatusOr<std::string> sealed = Seal(kKey, "123456", "nt-7");
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_EQ(sealed->size(), 6 + kSealOverheadBytes);
  EXPECT_EQ(sealed->find("123456"), std::string::npos);
  EXPECT_THAT(Open(kKey, *sealed, "nt-7"), IsOkAndHolds(Eq("123456")));
}

TEST(SealTest, EmptyPlaintextRoundTrips) {
  absl::StatusOr<std::string> sealed = Seal(kKey, "", "a");
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_THAT(Open(kKey, *sealed, "a"), IsOkAndHolds(Eq("")));
}

TEST(SealTest, EverySealHasItsOwnNonce) {
  absl::StatusOr<std::string> a = Seal(kKey, "123456", "nt-7");
  absl::StatusOr<std::string> b = Seal(kKey, "123456", "nt-7");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_THAT(*a, Ne(*b));
}

TEST(SealTest, ATamperedByteDoesNotOpen) {
  absl::StatusOr<std::string> sealed = Seal(kKey, "123456", "nt-7");
  ASSERT_TRUE(sealed.ok());
  for (size_t i = 0; i < sealed->size(); ++i) {
    std::string tampered = *sealed;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    EXPECT_THAT(Open(kKey, tampered, "nt-7"), StatusIs(absl::StatusCode::kDataLoss))
        << "byte " << i;
  }
}

TEST(SealTest, AnotherAadOrKeyDoesNotOpen) {
  absl::StatusOr<std::string> sealed = Seal(kKey, "123456", "nt-7");
  ASSERT_TRUE(sealed.ok());
  EXPECT_THAT(Open(kKey, *sealed, "nt-8"), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(Open(std::string(kSealKeyBytes, '\x43'), *sealed, "nt-7"),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST(SealTest, ShortValuesAndBadKeysAreRefused) {
  EXPECT_THAT(Open(kKey, std::string(kSealOverheadBytes - 1, 'x'), "a"),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(Seal("short", "x", "a"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Open("short", std::string(40, 'x'), "a"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(SealKeyOfTest, ReadsHexOrRawBytes) {
  const std::string hex(64, 'a');
  EXPECT_THAT(SealKeyOf(hex + "\n"), IsOkAndHolds(Eq(std::string(32, '\xaa'))));
  EXPECT_THAT(SealKeyOf(kKey), IsOkAndHolds(Eq(kKey)));
  EXPECT_THAT(SealKeyOf("abc"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SealKeyOf(std::string(64, 'z')), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SealKeyOf(std::string(33, 'a')), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace base
