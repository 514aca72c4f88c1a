// GoogleTest matchers for statuses: absl::Status, absl::StatusOr<T> and
// grpc::Status alike (gRPC and Abseil share the canonical code numbering, so
// a code of either enum matches a status of either kind). GoogleTest 1.12 has
// no status matchers, and Debian 12's Abseil ships none; these follow the
// names of Abseil's later absl/status/status_matchers.h.
//
//   IsOk()                       the status is OK (a StatusOr holds a value)
//   IsOkAndHolds(m)              a StatusOr holds a value that matches m
//   StatusIs(code)               the status has this code (kOk included)
//   StatusIs(code, message)      ... and a message that matches `message`
//                                (a string for equality, or a matcher)
//
// and ExpectValue(status_or), for helpers that return a call's value.
//
// A failure prints the status as its code and message (a StatusOr with its
// value), and says which part did not match.
//
// Example:
//   EXPECT_THAT(ledger.Recharge(request), IsOk());
//   EXPECT_THAT(ParseAmount("12.50"), IsOkAndHolds(1250));
//   EXPECT_THAT(ParseAmount("-1"), StatusIs(absl::StatusCode::kInvalidArgument,
//                                           HasSubstr("negative")));
//   grpc::Status status = stub->GetMeter(&context, request, &meter);
//   EXPECT_THAT(status, StatusIs(grpc::StatusCode::NOT_FOUND));
//
// The status-like type is recognised by its members (`code()` and
// `message()`, `error_code()` and `error_message()`, or absl::StatusOr), so
// this header needs no gRPC header and suits tests that link no gRPC.
#ifndef WALLET_TESTS_TESTING_STATUS_MATCHERS_H_
#define WALLET_TESTS_TESTING_STATUS_MATCHERS_H_

#include <ostream>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"

namespace grpc {
class Status;
}  // namespace grpc

namespace wallet::testing {
namespace internal_status {

// The code (canonical number) and message of any status-like value.
struct StatusParts {
  int code = 0;
  std::string message;
};

template <typename T>
struct IsStatusOr : std::false_type {};
template <typename T>
struct IsStatusOr<absl::StatusOr<T>> : std::true_type {};

// grpc::Status spells its accessors error_code() and error_message().
template <typename T, typename = void>
struct HasErrorCode : std::false_type {};
template <typename T>
struct HasErrorCode<T, std::void_t<decltype(std::declval<const T&>().error_code())>>
    : std::true_type {};

// absl::Status spells them code() and message().
template <typename T, typename = void>
struct HasCode : std::false_type {};
template <typename T>
struct HasCode<T, std::void_t<decltype(std::declval<const T&>().code()),
                              decltype(std::declval<const T&>().message())>> : std::true_type {};

template <typename T>
StatusParts PartsOf(const T& status) {
  if constexpr (IsStatusOr<T>::value) {
    return PartsOf(status.status());
  } else if constexpr (HasErrorCode<T>::value) {
    return {static_cast<int>(status.error_code()), status.error_message()};
  } else {
    static_assert(HasCode<T>::value,
                  "the status matchers take absl::Status, absl::StatusOr<T> or grpc::Status");
    return {static_cast<int>(status.code()), std::string(status.message())};
  }
}

// CodeName is the canonical name of `code` ("NOT_FOUND"), the same in Abseil
// and gRPC.
inline std::string CodeName(int code) {
  const std::string name = absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  return name.empty() ? absl::StrCat("code ", code) : name;
}

inline std::string Describe(const StatusParts& parts) {
  if (parts.message.empty()) return CodeName(parts.code);
  return absl::StrCat(CodeName(parts.code), ": ", parts.message);
}

template <typename Code>
int CodeNumber(Code code) {
  static_assert(std::is_enum<Code>::value, "StatusIs takes absl::StatusCode or grpc::StatusCode");
  return static_cast<int>(code);
}

class IsOkMatcher {
 public:
  // The value printed beside a failure already shows its code and message.
  template <typename T>
  bool MatchAndExplain(const T& status, ::testing::MatchResultListener* /*listener*/) const {
    return PartsOf(status).code == 0;
  }
  void DescribeTo(std::ostream* os) const { *os << "is OK"; }
  void DescribeNegationTo(std::ostream* os) const { *os << "is not OK"; }
};

class StatusIsMatcher {
 public:
  StatusIsMatcher(int code, ::testing::Matcher<const std::string&> message)
      : code_(code), message_(std::move(message)) {}

  template <typename T>
  bool MatchAndExplain(const T& status, ::testing::MatchResultListener* listener) const {
    const StatusParts parts = PartsOf(status);
    if (parts.code != code_) {
      *listener << "whose code is " << CodeName(parts.code);
      return false;
    }
    ::testing::StringMatchResultListener message_listener;
    if (!message_.MatchAndExplain(parts.message, &message_listener)) {
      *listener << "whose message does not match";
      if (!message_listener.str().empty()) *listener << ", " << message_listener.str();
      return false;
    }
    return true;
  }
  void DescribeTo(std::ostream* os) const {
    *os << "has status " << CodeName(code_) << " and a message that ";
    message_.DescribeTo(os);
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "does not have status " << CodeName(code_) << " with a message that ";
    message_.DescribeTo(os);
  }

 private:
  int code_;
  ::testing::Matcher<const std::string&> message_;
};

// The matcher for one StatusOr type, built by IsOkAndHoldsMatcher.
template <typename StatusOrType>
class IsOkAndHoldsMatcherImpl : public ::testing::MatcherInterface<StatusOrType> {
 public:
  using Value = typename std::remove_cv_t<std::remove_reference_t<StatusOrType>>::value_type;

  template <typename InnerMatcher>
  explicit IsOkAndHoldsMatcherImpl(InnerMatcher&& inner)
      : inner_(::testing::SafeMatcherCast<const Value&>(std::forward<InnerMatcher>(inner))) {}

  bool MatchAndExplain(StatusOrType status_or,
                       ::testing::MatchResultListener* listener) const override {
    if (!status_or.ok()) {
      *listener << "which is not OK";
      return false;
    }
    ::testing::StringMatchResultListener inner_listener;
    const bool matches = inner_.MatchAndExplain(*status_or, &inner_listener);
    *listener << (matches ? "whose value matches" : "whose value does not match");
    if (!inner_listener.str().empty()) *listener << ", " << inner_listener.str();
    return matches;
  }
  void DescribeTo(std::ostream* os) const override {
    *os << "is OK and has a value that ";
    inner_.DescribeTo(os);
  }
  void DescribeNegationTo(std::ostream* os) const override {
    *os << "is not OK or has a value that ";
    inner_.DescribeNegationTo(os);
  }

 private:
  ::testing::Matcher<const Value&> inner_;
};

template <typename InnerMatcher>
class IsOkAndHoldsMatcher {
 public:
  explicit IsOkAndHoldsMatcher(InnerMatcher inner) : inner_(std::move(inner)) {}

  // Made for each StatusOr type it is used with, which fixes the value type
  // the inner matcher is cast to.
  template <typename StatusOrType>
  operator ::testing::Matcher<StatusOrType>() const {  // NOLINT: implicit by design
    return ::testing::Matcher<StatusOrType>(
        new IsOkAndHoldsMatcherImpl<const StatusOrType&>(inner_));
  }

 private:
  InnerMatcher inner_;
};

}  // namespace internal_status

// IsOk matches an OK absl::Status or grpc::Status, or an absl::StatusOr that
// holds a value.
inline ::testing::PolymorphicMatcher<internal_status::IsOkMatcher> IsOk() {
  return ::testing::MakePolymorphicMatcher(internal_status::IsOkMatcher());
}

// IsOkAndHolds matches an absl::StatusOr<T> that holds a value matching
// `inner` (a value for equality, or a matcher of T).
template <typename InnerMatcher>
internal_status::IsOkAndHoldsMatcher<std::decay_t<InnerMatcher>> IsOkAndHolds(
    InnerMatcher&& inner) {
  return internal_status::IsOkAndHoldsMatcher<std::decay_t<InnerMatcher>>(
      std::forward<InnerMatcher>(inner));
}

// StatusIs matches a status (or a StatusOr's status) whose code is `code`, an
// absl::StatusCode or a grpc::StatusCode, with any message.
template <typename Code>
::testing::PolymorphicMatcher<internal_status::StatusIsMatcher> StatusIs(Code code) {
  return ::testing::MakePolymorphicMatcher(internal_status::StatusIsMatcher(
      internal_status::CodeNumber(code), ::testing::A<const std::string&>()));
}

// StatusIs matches a status whose code is `code` and whose message matches
// `message`: a string (equality) or a matcher such as HasSubstr("...").
template <typename Code, typename MessageMatcher>
::testing::PolymorphicMatcher<internal_status::StatusIsMatcher> StatusIs(Code code,
                                                                         MessageMatcher&& message) {
  return ::testing::MakePolymorphicMatcher(internal_status::StatusIsMatcher(
      internal_status::CodeNumber(code),
      ::testing::MatcherCast<const std::string&>(std::forward<MessageMatcher>(message))));
}

// ExpectValue returns the value `result` holds. If it holds none, the test
// fails (non-fatally, with the status) and ExpectValue returns T(), so that
// a helper can hand its caller something to check further.
//
// Example:
//   v1::Drive Get(const std::string& id) { return ExpectValue(wallet.GetDrive(id)); }
template <typename T>
T ExpectValue(absl::StatusOr<T> result) {
  EXPECT_THAT(result, IsOk());
  return result.ok() ? *std::move(result) : T();
}

}  // namespace wallet::testing

// Printers, so that a failure shows a StatusOr or a grpc::Status as its code,
// message and value instead of its bytes. GoogleTest finds them by argument-
// dependent lookup, hence their namespaces.
namespace absl {
template <typename T>
void PrintTo(const StatusOr<T>& status_or, std::ostream* os) {
  if (status_or.ok()) {
    *os << "OK holding " << ::testing::PrintToString(*status_or);
  } else {
    *os << status_or.status();
  }
}
}  // namespace absl

namespace grpc {
// A template only so that its body is compiled where a grpc::Status is
// printed, hence complete; `Dummy` is never given. It is preferred to
// GoogleTest's own `template <typename T> PrintTo(const T&, ...)` as the more
// specialised.
template <typename Dummy = void>
void PrintTo(const Status& status, std::ostream* os) {
  using Complete = std::conditional_t<std::is_void<Dummy>::value, Status, Dummy>;
  const Complete& complete = status;
  *os << ::wallet::testing::internal_status::Describe(
      ::wallet::testing::internal_status::PartsOf(complete));
}
}  // namespace grpc

#endif  // WALLET_TESTS_TESTING_STATUS_MATCHERS_H_
