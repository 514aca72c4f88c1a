// TemplateBook: the SMS texts the notifier sends, one per notification kind
// and language, each with the id it is registered under on the DLT platform
// (India's telecom regulator refuses commercial SMS that match no registered
// template), and the sender's DLT principal entity id and header. All of it
// is configuration, read from one JSON file at start:
//
//   {
//     "sender_id": "UJJPWR",                       // the header, 6 letters
//     "principal_entity_id": "1101234567890123456",
//     "templates": [
//       {"kind": "LOW_BALANCE", "language": "hi", "dlt_template_id": "1107...",
//        "text": "मीटर {meter_id}: शेष राशि ₹{balance} कम है।"}
//     ]
//   }
//
// `kind` is a wallet.v1.Notification.Kind name; `language` is "en" or "hi".
// Placeholders in `text`: {meter_id} {consumer_id} {balance} {amount}
// {arrears} (rupees with two decimals, e.g. 1234.50) {notice_day} {date}
// (the event's day in IST, DD-MM-YYYY) {otp} {expire_time} (an OTP and the
// time it stops being accepted, HH:MM IST). Every kind sent to consumers needs
// an English template; a Hindi consumer gets the English text when the kind
// has no Hindi one.
//
// Threads: immutable once loaded; Render may be called from any thread.
//
// Example:
//   absl::StatusOr<notifier::TemplateBook> book = notifier::TemplateBook::Load(path);
//   if (!book.ok()) return daemon.Fail(book.status());   // a config error
//   absl::StatusOr<notifier::Sms> sms = book->Render(notification);
#ifndef NOTIFIER_TEMPLATES_H_
#define NOTIFIER_TEMPLATES_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json_fwd.hpp"
#include "wallet/v1/meter.pb.h"

namespace notifier {

// Sms is one rendered message, ready for the SMS gateway.
struct Sms {
  std::string notification_id;
  std::string to;    // the consumer's phone
  std::string text;  // UTF-8
  std::string dlt_template_id;
  wallet::v1::Language language = wallet::v1::ENGLISH;
};

class TemplateBook {
 public:
  // Load reads and checks the JSON file at `path`. InvalidArgument, naming
  // the template, for: bad JSON, an unknown kind, language or placeholder, a
  // '{' without '}', an empty text, DLT template id, sender id or principal
  // entity id, two templates for one kind and language, or a consumer kind
  // without an English template. NotFound if the file cannot be read.
  static absl::StatusOr<TemplateBook> Load(const std::string& path);
  // Parse is Load on the file's contents.
  static absl::StatusOr<TemplateBook> Parse(absl::string_view json);

  // Render is the SMS for `notification`, in its language (English when
  // unset or when the kind has no template in it). FailedPrecondition if the
  // notification has no phone (it is for the utility, not a consumer) or
  // its kind has no template.
  absl::StatusOr<Sms> Render(const wallet::v1::Notification& notification) const;

  const std::string& sender_id() const { return sender_id_; }
  const std::string& principal_entity_id() const { return principal_entity_id_; }

 private:
  // A template's text cut at its placeholders: literal text, then a field
  // name (empty after the last literal), repeated.
  struct Template {
    std::vector<std::pair<std::string, std::string>> parts;
    std::string dlt_template_id;
  };
  using Key = std::pair<int, int>;  // kind, language

  // Add checks and adds one entry of "templates".
  absl::Status Add(const nlohmann::json& entry);

  std::string sender_id_;
  std::string principal_entity_id_;
  std::map<Key, Template> templates_;
};

// RupeesText is `paise` as rupees with two decimals: 123450 -> "1234.50",
// -5 -> "-0.05".
std::string RupeesText(int64_t paise);

}  // namespace notifier

#endif  // NOTIFIER_TEMPLATES_H_
