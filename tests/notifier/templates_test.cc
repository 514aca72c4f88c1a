#include "notifier/templates.h"

#include <string>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace notifier {
namespace {

namespace v1 = ::wallet::v1;
using ::testing::HasSubstr;
using ::wallet::testing::IsOk;
using ::wallet::testing::StatusIs;

// A book with an English template for every consumer kind, plus `extra`
// entries (JSON objects, comma first).
std::string Book(const std::string& extra = "") {
  std::string templates;
  for (const char* kind : {"LOW_BALANCE", "NOTICE", "DISCONNECTED", "RECONNECTED",
                           "RECHARGE_RECEIPT", "DUES_RECEIPT"}) {
    if (!templates.empty()) templates += ",";
    templates += std::string(R"({"kind": ")") + kind +
                 R"(", "language": "en", "dlt_template_id": "EN-)" + kind +
                 R"(", "text": "Meter {meter_id}: balance Rs {balance}"})";
  }
  return R"({"sender_id": "UJJPWR", "principal_entity_id": "PE1", "templates": [)" + templates +
         extra + "]}";
}

v1::Notification LowBalance(v1::Language language) {
  v1::Notification n;
  n.set_notification_id("n-1");
  n.set_kind(v1::Notification::LOW_BALANCE);
  n.set_meter_id("M-7");
  n.set_phone("+919826000101");
  n.set_balance_paise(12'345);
  n.set_language(language);
  return n;
}

TEST(TemplateBook, RendersHindiInDevanagariWithItsOwnTemplateId) {
  absl::StatusOr<TemplateBook> book = TemplateBook::Parse(Book(
      R"(,{"kind": "LOW_BALANCE", "language": "hi", "dlt_template_id": "HI-LOW",
           "text": "मीटर {meter_id}: शेष राशि ₹{balance} कम है।"})"));
  ASSERT_THAT(book.status(), IsOk());
  EXPECT_EQ(book->sender_id(), "UJJPWR");
  EXPECT_EQ(book->principal_entity_id(), "PE1");

  absl::StatusOr<Sms> hindi = book->Render(LowBalance(v1::HINDI));
  ASSERT_THAT(hindi.status(), IsOk());
  EXPECT_EQ(hindi->text, "मीटर M-7: शेष राशि ₹123.45 कम है।");
  EXPECT_EQ(hindi->dlt_template_id, "HI-LOW");
  EXPECT_EQ(hindi->language, v1::HINDI);
  EXPECT_EQ(hindi->to, "+919826000101");
  EXPECT_EQ(hindi->notification_id, "n-1");

  absl::StatusOr<Sms> english = book->Render(LowBalance(v1::ENGLISH));
  ASSERT_THAT(english.status(), IsOk());
  EXPECT_EQ(english->text, "Meter M-7: balance Rs 123.45");
  EXPECT_EQ(english->dlt_template_id, "EN-LOW_BALANCE");
}

TEST(TemplateBook, FallsBackToEnglishWhereAKindHasNoHindiTemplate) {
  absl::StatusOr<TemplateBook> book = TemplateBook::Parse(Book());
  ASSERT_THAT(book.status(), IsOk());
  absl::StatusOr<Sms> sms = book->Render(LowBalance(v1::HINDI));
  ASSERT_THAT(sms.status(), IsOk());
  EXPECT_EQ(sms->language, v1::ENGLISH);
  EXPECT_EQ(sms->dlt_template_id, "EN-LOW_BALANCE");
  // Unset language is English too.
  EXPECT_EQ(book->Render(LowBalance(v1::LANGUAGE_UNSPECIFIED))->language, v1::ENGLISH);
}

TEST(TemplateBook, EveryPlaceholderIsFilled) {
  absl::StatusOr<TemplateBook> book = TemplateBook::Parse(absl::StrReplaceAll(
      Book(),
      {{R"("kind": "NOTICE", "language": "en", "dlt_template_id": "EN-NOTICE", "text": "Meter {meter_id}: balance Rs {balance}")",
        R"("kind": "NOTICE", "language": "en", "dlt_template_id": "EN-NOTICE", "text": "{consumer_id} {meter_id} {balance} {amount} {arrears} {notice_day} {date}")"}}));
  ASSERT_THAT(book.status(), IsOk());
  v1::Notification n = LowBalance(v1::ENGLISH);
  n.set_kind(v1::Notification::NOTICE);
  n.set_consumer_id("C-9");
  n.set_balance_paise(-5);
  n.set_amount_paise(50'000);
  n.set_arrears_recovered_paise(1'000);
  n.set_notice_day(2);
  n.mutable_create_time()->set_seconds(1'764'956'000);  // 2025-12-05 17:33:20 UTC = 23:03 IST
  EXPECT_EQ(book->Render(n)->text, "C-9 M-7 -0.05 500.00 10.00 2 05-12-2025");
}

TEST(TemplateBook, NotificationsWithoutPhoneAreNotRendered) {
  absl::StatusOr<TemplateBook> book = TemplateBook::Parse(Book());
  ASSERT_THAT(book.status(), IsOk());
  v1::Notification tamper = LowBalance(v1::ENGLISH);
  tamper.set_kind(v1::Notification::TAMPER_ALERT);
  tamper.clear_phone();
  EXPECT_THAT(book->Render(tamper).status(), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(TemplateBook, ConfigurationErrorsAreCaughtAtLoad) {
  const auto problem = [](const std::string& json) {
    absl::Status status = TemplateBook::Parse(json).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << json;
    return std::string(status.message());
  };
  const std::string hindi_prefix =
      R"(,{"kind": "LOW_BALANCE", "language": "hi", "dlt_template_id": "HI", "text": )";
  EXPECT_THAT(problem(Book(hindi_prefix + R"("शेष {balanse}"})")),
              HasSubstr("unknown placeholder {balanse}"));
  EXPECT_THAT(problem(Book(hindi_prefix + R"("शेष {balance"})")), HasSubstr("'{' without '}'"));
  EXPECT_THAT(problem(Book(hindi_prefix + R"(""})")), HasSubstr("\"text\" must be"));
  EXPECT_THAT(problem(Book(R"(,{"kind": "LOW_BALANCE", "language": "hi", "text": "x"})")),
              HasSubstr("\"dlt_template_id\" must be"));
  EXPECT_THAT(
      problem(Book(
          R"(,{"kind": "LOW_BALANCE", "language": "ta", "dlt_template_id": "T", "text": "x"})")),
      HasSubstr("language \"ta\""));
  EXPECT_THAT(
      problem(Book(
          R"(,{"kind": "LOW_CREDIT", "language": "en", "dlt_template_id": "T", "text": "x"})")),
      HasSubstr("unknown kind \"LOW_CREDIT\""));
  EXPECT_THAT(
      problem(Book(
          R"(,{"kind": "LOW_BALANCE", "language": "en", "dlt_template_id": "T", "text": "x"})")),
      HasSubstr("a second template for LOW_BALANCE"));
  EXPECT_THAT(problem(absl::StrReplaceAll(
                  Book(), {{R"("kind": "DUES_RECEIPT")", R"("kind": "TAMPER_ALERT")"}})),
              HasSubstr("no English (\"en\") template for DUES_RECEIPT"));
  EXPECT_THAT(
      problem(absl::StrReplaceAll(Book(), {{R"("sender_id": "UJJPWR")", R"("sender_id": "")"}})),
      HasSubstr("\"sender_id\""));
  EXPECT_THAT(problem("{not json"), HasSubstr("not a JSON object"));
  // The error names the entry.
  EXPECT_THAT(problem(Book(hindi_prefix + R"("{x}"})")), HasSubstr("templates[6]"));
}

TEST(TemplateBook, TheShippedExampleLoadsWithEnglishAndHindiForEveryKind) {
  absl::StatusOr<TemplateBook> book =
      TemplateBook::Load(std::string(WALLET_SOURCE_DIR) + "/deploy/config/sms_templates.json");
  ASSERT_THAT(book.status(), IsOk());
  for (v1::Notification::Kind kind :
       {v1::Notification::LOW_BALANCE, v1::Notification::NOTICE, v1::Notification::DISCONNECTED,
        v1::Notification::RECONNECTED, v1::Notification::RECHARGE_RECEIPT,
        v1::Notification::DUES_RECEIPT}) {
    v1::Notification n = LowBalance(v1::HINDI);
    n.set_kind(kind);
    absl::StatusOr<Sms> sms = book->Render(n);
    ASSERT_THAT(sms.status(), IsOk());
    EXPECT_EQ(sms->language, v1::HINDI) << v1::Notification::Kind_Name(kind);
    EXPECT_THAT(sms->text, HasSubstr("मीटर M-7"));
  }
  EXPECT_THAT(TemplateBook::Load("/nonexistent/templates.json").status(),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(TemplateBook, TheShippedOtpTemplatesShowTheOtpAndItsExpiryInIndianTime) {
  absl::StatusOr<TemplateBook> book =
      TemplateBook::Load(std::string(WALLET_SOURCE_DIR) + "/deploy/config/sms_templates.json");
  ASSERT_THAT(book.status(), IsOk());
  v1::Notification n;
  n.set_notification_id("nt-9");
  n.set_kind(v1::Notification::OTP);
  n.set_phone("+919876543210");
  n.set_otp("042917");
  n.mutable_expire_time()->set_seconds(1'767'225'600);  // 2026-01-01 00:00 UTC: 05:30 IST
  absl::StatusOr<Sms> sms = book->Render(n);            // an unknown mobile: English
  ASSERT_THAT(sms.status(), IsOk());
  EXPECT_EQ(sms->language, v1::ENGLISH);
  EXPECT_EQ(sms->dlt_template_id, "1107000000000000701");
  EXPECT_THAT(sms->text, HasSubstr("042917 is your OTP"));
  EXPECT_THAT(sms->text, HasSubstr("valid till 05:30"));
  n.set_language(v1::HINDI);
  sms = book->Render(n);
  ASSERT_THAT(sms.status(), IsOk());
  EXPECT_EQ(sms->dlt_template_id, "1107000000000000702");
  EXPECT_THAT(sms->text, HasSubstr("042917 UJJPWR बिजली ऐप"));
}

TEST(RupeesText, TwoDecimalsAndSign) {
  EXPECT_EQ(RupeesText(0), "0.00");
  EXPECT_EQ(RupeesText(123'450), "1234.50");
  EXPECT_EQ(RupeesText(-5), "-0.05");
  EXPECT_EQ(RupeesText(INT64_MIN), "-92233720368547758.08");
}

}  // namespace
}  // namespace notifier
