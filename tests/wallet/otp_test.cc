// The OTP rules (wallet/otp.h) as tables of steps on one mobile's state,
// time driven by a fake clock: expiry, the lock on the fifth wrong answer
// and its end, the request rate, purposes, and hashed storage.
#include "wallet/otp.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"
#include "wallet/auth.h"

namespace wallet {
namespace {

using store::v1::OtpChallenge;
using store::v1::OtpStateRecord;
using ::testing::HasSubstr;
using ::testing::Not;
using ::wallet::testing::IsOk;
using ::wallet::testing::StatusIs;

constexpr absl::string_view kSalt = "0123456789abcdef";
constexpr absl::string_view kOtp = "428193";
constexpr absl::string_view kWrong = "000000";

// Step is one row of a table: after `wait`, send an OTP (`send`) or answer
// with `otp`, and expect `code`.
struct Step {
  absl::Duration wait;
  bool send;
  absl::string_view otp;
  absl::StatusCode code;
};

Step Send(absl::Duration wait, absl::StatusCode code = absl::StatusCode::kOk) {
  return {wait, true, "", code};
}
Step Answer(absl::Duration wait, absl::string_view otp, absl::StatusCode code) {
  return {wait, false, otp, code};
}

OtpChallenge SignInWanted() {
  OtpChallenge wanted;
  wanted.set_purpose(OtpChallenge::SIGN_IN);
  return wanted;
}

struct Case {
  std::string name;
  std::vector<Step> steps;
};

class OtpRulesTest : public ::testing::TestWithParam<Case> {};

TEST_P(OtpRulesTest, FollowsTheSteps) {
  const OtpOptions options;  // 5 minutes; 3 in 10 minutes; 5 wrong lock for 30 minutes
  testing::FakeClock clock(absl::FromUnixSeconds(1'767'225'600));
  OtpStateRecord state;
  int row = 0;
  for (const Step& step : GetParam().steps) {
    ++row;
    clock.Advance(step.wait);
    absl::Status status =
        step.send
            ? IssueOtp(state,
                       NewOtpChallenge(OtpChallenge::SIGN_IN, kSalt, kOtp, clock.Now(), options),
                       clock.Now(), options)
            : CheckOtp(state, SignInWanted(), step.otp, clock.Now(), options);
    EXPECT_EQ(status.code(), step.code) << "row " << row << ": " << status;
  }
}

constexpr auto kOk = absl::StatusCode::kOk;
constexpr auto kWrongCode = absl::StatusCode::kUnauthenticated;
constexpr auto kLocked = absl::StatusCode::kResourceExhausted;
const absl::Duration kNoWait = absl::ZeroDuration();

INSTANTIATE_TEST_SUITE_P(
    Table, OtpRulesTest,
    ::testing::Values(
        Case{"RightOtpSignsInOnce",
             {Send(kNoWait), Answer(absl::Minutes(1), kOtp, kOk),
              Answer(kNoWait, kOtp, kWrongCode)}},
        Case{"RightOtpAfterExpiryIsRefused",
             {Send(kNoWait), Answer(absl::Minutes(5), kOtp, kWrongCode)}},
        Case{"RightOtpJustBeforeExpiryIsTaken",
             {Send(kNoWait), Answer(absl::Minutes(5) - absl::Microseconds(1), kOtp, kOk)}},
        Case{"NoOtpSentIsAWrongAnswer", {Answer(kNoWait, kOtp, kWrongCode)}},
        Case{"FifthWrongLocksEvenTheRightOne",
             {Send(kNoWait), Answer(kNoWait, kWrong, kWrongCode),
              Answer(kNoWait, kWrong, kWrongCode), Answer(kNoWait, kWrong, kWrongCode),
              Answer(kNoWait, kWrong, kWrongCode), Answer(kNoWait, kWrong, kWrongCode),
              Answer(kNoWait, kOtp, kLocked), Send(absl::Minutes(29), kLocked)}},
        Case{"FourWrongThenRightSignsIn",
             {Send(kNoWait), Answer(kNoWait, kWrong, kWrongCode),
              Answer(kNoWait, kWrong, kWrongCode), Answer(kNoWait, kWrong, kWrongCode),
              Answer(kNoWait, kWrong, kWrongCode), Answer(kNoWait, kOtp, kOk)}},
        Case{"LockEndsAfterThirtyMinutesWithACleanCount",
             {Send(kNoWait), Answer(kNoWait, kWrong, kWrongCode),
              Answer(kNoWait, kWrong, kWrongCode), Answer(kNoWait, kWrong, kWrongCode),
              Answer(kNoWait, kWrong, kWrongCode), Answer(kNoWait, kWrong, kWrongCode),
              Answer(absl::Minutes(30), kOtp, kWrongCode), Send(kNoWait),
              Answer(kNoWait, kWrong, kWrongCode), Answer(kNoWait, kOtp, kOk)}},
        Case{"WrongAnswersOlderThanTheLockPeriodAreForgotten",
             {Send(kNoWait), Answer(kNoWait, kWrong, kWrongCode),
              Answer(kNoWait, kWrong, kWrongCode), Answer(kNoWait, kWrong, kWrongCode),
              Answer(kNoWait, kWrong, kWrongCode), Send(absl::Minutes(30)),
              Answer(kNoWait, kWrong, kWrongCode), Answer(kNoWait, kOtp, kOk)}},
        Case{
            "AFourthOtpWithinTenMinutesIsRefused",
            {Send(kNoWait), Send(absl::Minutes(1)), Send(absl::Minutes(1)),
             Send(absl::Minutes(1), kLocked),
             Send(absl::Minutes(7) - absl::Microseconds(1), kLocked), Send(absl::Microseconds(1))}},
        Case{"ANewOtpReplacesTheOld",
             {Send(kNoWait), Send(absl::Minutes(1)), Answer(kNoWait, kOtp, kOk)}},
        Case{"AMalformedOtpIsAWrongAnswer",
             {Send(kNoWait), Answer(kNoWait, "42819", kWrongCode),
              Answer(kNoWait, "4281930", kWrongCode), Answer(kNoWait, kOtp, kOk)}}),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(OtpRules, AnOtpSentForAnotherPurposeIsWrong) {
  const OtpOptions options;
  const absl::Time now = absl::FromUnixSeconds(1'767'225'600);
  OtpStateRecord state;
  OtpChallenge link = NewOtpChallenge(OtpChallenge::LINK, kSalt, kOtp, now, options);
  link.set_link_mobile("919876543210");
  link.set_consumer_id("C2");
  ASSERT_THAT(IssueOtp(state, link, now, options), IsOk());
  EXPECT_THAT(CheckOtp(state, SignInWanted(), kOtp, now, options),
              StatusIs(absl::StatusCode::kUnauthenticated));
  OtpChallenge other = link;
  other.set_consumer_id("C3");
  EXPECT_THAT(CheckOtp(state, other, kOtp, now, options),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(CheckOtp(state, link, kOtp, now, options), IsOk());
}

TEST(OtpRules, TheStateHoldsOnlyASaltedHash) {
  const OtpOptions options;
  const absl::Time now = absl::FromUnixSeconds(1'767'225'600);
  OtpStateRecord state;
  ASSERT_THAT(IssueOtp(state, NewOtpChallenge(OtpChallenge::SIGN_IN, kSalt, kOtp, now, options),
                       now, options),
              IsOk());
  const std::string bytes = state.SerializeAsString();
  EXPECT_THAT(bytes, Not(HasSubstr(std::string(kOtp))));
  EXPECT_EQ(state.challenge().otp_hash(), HmacSha256(kSalt, kOtp));
  EXPECT_EQ(state.challenge().expire_us(), absl::ToUnixMicros(now + absl::Minutes(5)));
  // Another salt, another hash: one table does not reverse every OTP.
  EXPECT_NE(
      NewOtpChallenge(OtpChallenge::SIGN_IN, "fedcba9876543210", kOtp, now, options).otp_hash(),
      state.challenge().otp_hash());
}

TEST(OtpRules, TheLockSaysUntilWhen) {
  OtpOptions options;
  options.max_wrong = 1;
  const absl::Time now = absl::FromUnixSeconds(1'767'225'600);
  OtpStateRecord state;
  EXPECT_THAT(CheckOtp(state, SignInWanted(), kWrong, now, options),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_EQ(OtpLockedUntil(state, now), now + absl::Minutes(30));
  EXPECT_THAT(CheckOtp(state, SignInWanted(), kOtp, now, options),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("2026-01-01T00:30:00Z")));
  EXPECT_EQ(OtpLockedUntil(state, now + absl::Minutes(30)), absl::InfinitePast());
}

TEST(OtpDigits, SixDigitsFromEightBytes) {
  EXPECT_EQ(OtpDigits(std::string(8, '\0')), "000000");
  EXPECT_EQ(OtpDigits(std::string("\0\0\0\0\0\x0f\x42\x3f", 8)), "999999");  // 999,999
  EXPECT_EQ(OtpDigits(std::string("\0\0\0\0\0\x0f\x42\x40", 8)), "000000");  // 10^6
  EXPECT_EQ(OtpDigits(std::string(8, '\xff')).size(), 6u);
  EXPECT_TRUE(WellFormedOtp("012345"));
  EXPECT_FALSE(WellFormedOtp("01234a"));
  EXPECT_FALSE(WellFormedOtp(""));
}

}  // namespace
}  // namespace wallet
