// The status matchers themselves: each matches what it should and refuses
// what it should not, for absl::Status, absl::StatusOr and grpc::Status, and
// a refusal says what was found.
#include "tests/testing/status_matchers.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"

namespace wallet::testing {
namespace {

using ::testing::DescribeMatcher;
using ::testing::ExplainMatchResult;
using ::testing::Gt;
using ::testing::HasSubstr;
using ::testing::Matcher;
using ::testing::Not;
using ::testing::PrintToString;
using ::testing::SizeIs;
using ::testing::StringMatchResultListener;

// Accepts is whether `matcher` accepts `value`.
template <typename T, typename M>
bool Accepts(const M& matcher, const T& value) {
  StringMatchResultListener listener;
  return ExplainMatchResult(matcher, value, &listener);
}

// Explain returns why `matcher` refuses (or accepts) `value`.
template <typename T, typename M>
std::string Explain(const M& matcher, const T& value) {
  StringMatchResultListener listener;
  ExplainMatchResult(matcher, value, &listener);
  return listener.str();
}

const absl::Status kNotFound = absl::NotFoundError("meter M1 not found");
const grpc::Status kGrpcDenied(grpc::StatusCode::PERMISSION_DENIED, "retailer key");

TEST(IsOkTest, MatchesOkStatuses) {
  EXPECT_TRUE(Accepts(IsOk(), absl::OkStatus()));
  EXPECT_TRUE(Accepts(IsOk(), absl::StatusOr<int>(7)));
  EXPECT_TRUE(Accepts(IsOk(), grpc::Status()));
}

TEST(IsOkTest, RefusesErrors) {
  EXPECT_FALSE(Accepts(IsOk(), kNotFound));
  EXPECT_FALSE(Accepts(IsOk(), absl::StatusOr<int>(kNotFound)));
  EXPECT_FALSE(Accepts(IsOk(), kGrpcDenied));
  EXPECT_THAT(kNotFound, Not(IsOk()));
  EXPECT_EQ(DescribeMatcher<absl::Status>(IsOk()), "is OK");
  EXPECT_EQ(DescribeMatcher<absl::Status>(IsOk(), /*negation=*/true), "is not OK");
}

TEST(IsOkAndHoldsTest, MatchesAValueThatMatches) {
  EXPECT_THAT(absl::StatusOr<int>(7), IsOkAndHolds(7));
  EXPECT_THAT(absl::StatusOr<std::string>("paise"), IsOkAndHolds(HasSubstr("ais")));
  EXPECT_TRUE(Accepts(IsOkAndHolds(Gt(5)), absl::StatusOr<int>(7)));
}

TEST(IsOkAndHoldsTest, RefusesAnErrorOrAnotherValueAndSaysWhy) {
  const Matcher<absl::StatusOr<int>> holds_seven = IsOkAndHolds(7);
  EXPECT_FALSE(holds_seven.Matches(absl::StatusOr<int>(8)));
  EXPECT_FALSE(holds_seven.Matches(absl::StatusOr<int>(kNotFound)));
  EXPECT_THAT(absl::StatusOr<int>(8), Not(IsOkAndHolds(7)));
  EXPECT_EQ(Explain(holds_seven, absl::StatusOr<int>(8)), "whose value does not match");
  EXPECT_EQ(Explain(IsOkAndHolds(SizeIs(3)), absl::StatusOr<std::vector<int>>({1, 2})),
            "whose value does not match, whose size 2 doesn't match");
  EXPECT_EQ(Explain(holds_seven, absl::StatusOr<int>(kNotFound)), "which is not OK");
  EXPECT_EQ(DescribeMatcher<absl::StatusOr<int>>(IsOkAndHolds(7)),
            "is OK and has a value that is equal to 7");
}

TEST(StatusIsTest, MatchesTheCodeOfEveryKindOfStatus) {
  EXPECT_THAT(kNotFound, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(absl::StatusOr<int>(kNotFound), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(kGrpcDenied, StatusIs(grpc::StatusCode::PERMISSION_DENIED));
  // The two enums share their numbers.
  EXPECT_THAT(kGrpcDenied, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(absl::StatusOr<int>(3), StatusIs(absl::StatusCode::kOk));
}

TEST(StatusIsTest, RefusesAnotherCodeAndSaysWhichItFound) {
  EXPECT_FALSE(Accepts(StatusIs(absl::StatusCode::kInvalidArgument), kNotFound));
  EXPECT_FALSE(Accepts(StatusIs(grpc::StatusCode::NOT_FOUND), kGrpcDenied));
  EXPECT_FALSE(Accepts(StatusIs(absl::StatusCode::kNotFound), absl::StatusOr<int>(1)));
  EXPECT_THAT(kNotFound, Not(StatusIs(absl::StatusCode::kInvalidArgument)));
  EXPECT_EQ(Explain(StatusIs(absl::StatusCode::kInvalidArgument), kNotFound),
            "whose code is NOT_FOUND");
  EXPECT_EQ(Explain(StatusIs(grpc::StatusCode::NOT_FOUND), kGrpcDenied),
            "whose code is PERMISSION_DENIED");
  EXPECT_EQ(DescribeMatcher<absl::Status>(StatusIs(absl::StatusCode::kInvalidArgument)),
            "has status INVALID_ARGUMENT and a message that is anything");
}

TEST(StatusIsTest, WithAMessageMatchesBoth) {
  EXPECT_THAT(kNotFound, StatusIs(absl::StatusCode::kNotFound, "meter M1 not found"));
  EXPECT_THAT(kNotFound, StatusIs(absl::StatusCode::kNotFound, HasSubstr("M1")));
  EXPECT_THAT(kGrpcDenied, StatusIs(grpc::StatusCode::PERMISSION_DENIED, HasSubstr("retailer")));
}

TEST(StatusIsTest, WithAMessageRefusesAnotherMessageAndShowsIt) {
  const auto wants_m2 = StatusIs(absl::StatusCode::kNotFound, HasSubstr("M2"));
  EXPECT_FALSE(Accepts(wants_m2, kNotFound));
  EXPECT_THAT(kNotFound, Not(wants_m2));
  EXPECT_EQ(Explain(wants_m2, kNotFound), "whose message does not match");
  EXPECT_THAT(kGrpcDenied, Not(StatusIs(grpc::StatusCode::PERMISSION_DENIED, "consumer key")));
  EXPECT_EQ(DescribeMatcher<absl::Status>(wants_m2),
            "has status NOT_FOUND and a message that has substring \"M2\"");
}

TEST(StatusPrintingTest, StatusOrAndGrpcStatusPrintAsCodeMessageAndValue) {
  EXPECT_EQ(PrintToString(absl::StatusOr<int>(7)), "OK holding 7");
  EXPECT_EQ(PrintToString(absl::StatusOr<int>(kNotFound)), "NOT_FOUND: meter M1 not found");
  EXPECT_EQ(PrintToString(kGrpcDenied), "PERMISSION_DENIED: retailer key");
  EXPECT_EQ(PrintToString(grpc::Status()), "OK");
}

}  // namespace
}  // namespace wallet::testing
