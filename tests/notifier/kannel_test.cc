#include "notifier/kannel.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace notifier {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using ::wallet::testing::IsOk;
using ::wallet::testing::StatusIs;

KannelOptions Options() {
  KannelOptions options;
  options.sendsms_url = "http://127.0.0.1:13013/cgi-bin/sendsms";
  options.username = "notifier";
  options.password = "p&ss word";
  options.dlr_url = "http://127.0.0.1:9470/dlr";
  return options;
}

Sms HindiSms() {
  Sms sms;
  sms.notification_id = "n/42";
  sms.to = "+919826000101";
  sms.text = "शेष ₹1.00";
  sms.dlt_template_id = "1107000000000000102";
  sms.language = wallet::v1::HINDI;
  return sms;
}

TEST(SendSmsUrl, HindiGoesAsUcs2WithTheDltIdsAndADeliveryReportUrl) {
  const std::string url = SendSmsUrl(Options(), "UJJPWR", "1101000000000000001", HindiSms());
  EXPECT_THAT(url, StartsWith("http://127.0.0.1:13013/cgi-bin/sendsms?username=notifier&"));
  EXPECT_THAT(url, HasSubstr("&password=p%26ss%20word&"));
  EXPECT_THAT(url, HasSubstr("&from=UJJPWR&to=%2B919826000101&"));
  // "शेष ₹1.00" in UTF-8, percent-encoded: Kannel converts it to UCS-2.
  EXPECT_THAT(url, HasSubstr("&text=%E0%A4%B6%E0%A5%87%E0%A4%B7%20%E2%82%B91.00&"));
  EXPECT_THAT(url, HasSubstr("&charset=UTF-8&coding=2&"));
  EXPECT_THAT(url, HasSubstr("&dlr-mask=19&"));
  // dlr-url=http://127.0.0.1:9470/dlr?id=n%2F42&type=%d, encoded once more.
  EXPECT_THAT(url, HasSubstr("&dlr-url=http%3A%2F%2F127.0.0.1%3A9470%2Fdlr%3Fid%3Dn%252F42%26type%"
                             "3D%25d&"));
  // meta-data=?smpp?PE_ID=...&TEMPLATE_ID=..., encoded.
  EXPECT_THAT(url, HasSubstr("&meta-data=%3Fsmpp%3FPE_ID%3D1101000000000000001%26TEMPLATE_ID%"
                             "3D1107000000000000102"));
}

TEST(SendSmsUrl, PlainEnglishStaysInTheDefaultAlphabet) {
  Sms sms = HindiSms();
  sms.text = "Meter M-7: balance Rs 1.00";
  const std::string url = SendSmsUrl(Options(), "UJJPWR", "PE", sms);
  EXPECT_THAT(url, Not(HasSubstr("coding=")));
  EXPECT_THAT(url, HasSubstr("&text=Meter%20M-7%3A%20balance%20Rs%201.00&"));
}

TEST(SendSmsUrl, ADlrUrlWithAQueryGetsMoreArguments) {
  KannelOptions options = Options();
  options.dlr_url = "http://notifier:9470/dlr?site=ujjain";
  EXPECT_THAT(SendSmsUrl(options, "UJJPWR", "PE", HindiSms()),
              HasSubstr("dlr%3Fsite%3Dujjain%26id%3Dn%252F42%26type%3D%25d"));
}

TEST(OutcomeOf, KannelsAnswers) {
  EXPECT_EQ(OutcomeOf(202), SendOutcome::kAccepted);
  EXPECT_EQ(OutcomeOf(200), SendOutcome::kAccepted);
  EXPECT_EQ(OutcomeOf(503), SendOutcome::kRetry);
  EXPECT_EQ(OutcomeOf(500), SendOutcome::kRetry);
  EXPECT_EQ(OutcomeOf(403), SendOutcome::kRetry);
  EXPECT_EQ(OutcomeOf(400), SendOutcome::kRefused);
  EXPECT_EQ(OutcomeOf(413), SendOutcome::kRefused);
}

TEST(ParseDlr, ReadsIdAndType) {
  absl::StatusOr<Dlr> dlr = ParseDlr({{"id", "n/42"}, {"type", "1"}});
  ASSERT_THAT(dlr.status(), IsOk());
  EXPECT_EQ(dlr->notification_id, "n/42");
  EXPECT_EQ(dlr->type, 1);
  EXPECT_TRUE(DlrIsFinal(1));
  EXPECT_TRUE(DlrIsDelivered(1));
  EXPECT_TRUE(DlrIsFinal(2));
  EXPECT_FALSE(DlrIsDelivered(2));
  EXPECT_TRUE(DlrIsFinal(16));
  EXPECT_FALSE(DlrIsFinal(8));
  EXPECT_FALSE(DlrIsFinal(4));
}

TEST(ParseDlr, RefusesWhatKannelNeverSends) {
  EXPECT_THAT(ParseDlr({{"type", "1"}}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("without id")));
  EXPECT_THAT(ParseDlr({{"id", ""}, {"type", "1"}}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseDlr({{"id", "n"}}).status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseDlr({{"id", "n"}, {"type", "3"}}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseDlr({{"id", "n"}, {"type", "%d"}}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace notifier
