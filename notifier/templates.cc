#include "notifier/templates.h"

#include <cstdint>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace notifier {
namespace {

namespace v1 = ::wallet::v1;
using Json = nlohmann::json;

// The kinds that go to a consumer's phone; each needs an English template.
// Tamper alerts and quarantined readings go to the utility and carry no phone.
constexpr v1::Notification::Kind kConsumerKinds[] = {
    v1::Notification::LOW_BALANCE,      v1::Notification::NOTICE,
    v1::Notification::DISCONNECTED,     v1::Notification::RECONNECTED,
    v1::Notification::RECHARGE_RECEIPT, v1::Notification::DUES_RECEIPT,
};

constexpr absl::string_view kFields[] = {"meter_id", "consumer_id", "balance",
                                         "amount",   "arrears",     "notice_day",
                                         "date",     "otp",         "expire_time"};

// The consumer reads Indian time whatever the server's zone.
const absl::TimeZone kIndia = absl::FixedTimeZone(5 * 3600 + 30 * 60);

bool KnownField(absl::string_view name) {
  for (absl::string_view field : kFields) {
    if (field == name) return true;
  }
  return false;
}

std::string FieldValue(const v1::Notification& n, absl::string_view field) {
  if (field == "meter_id") return n.meter_id();
  if (field == "consumer_id") return n.consumer_id();
  if (field == "balance") return RupeesText(n.balance_paise());
  if (field == "amount") return RupeesText(n.amount_paise());
  if (field == "arrears") return RupeesText(n.arrears_recovered_paise());
  if (field == "notice_day") return absl::StrCat(n.notice_day());
  if (field == "otp") return n.otp();
  if (field == "expire_time") {
    return absl::FormatTime("%H:%M", absl::FromUnixSeconds(n.expire_time().seconds()), kIndia);
  }
  const absl::Time time = absl::FromUnixSeconds(n.create_time().seconds());
  return absl::FormatTime("%d-%m-%Y", time, kIndia);
}

absl::StatusOr<v1::Language> LanguageOf(const std::string& code) {
  if (code == "en") return v1::ENGLISH;
  if (code == "hi") return v1::HINDI;
  return absl::InvalidArgumentError(
      absl::StrCat("language \"", code, "\" is not one of \"en\", \"hi\""));
}

// TextOf is a string member that must be there and not be empty.
absl::StatusOr<std::string> TextOf(const Json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_string() || it->get<std::string>().empty()) {
    return absl::InvalidArgumentError(absl::StrCat("\"", name, "\" must be a non-empty string"));
  }
  return it->get<std::string>();
}

// Cut splits `text` at its placeholders; InvalidArgument for an unknown one
// or a '{' that is not closed.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Cut(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> parts;
  size_t from = 0;
  while (from < text.size()) {
    const size_t open = text.find('{', from);
    if (open == std::string::npos) {
      parts.emplace_back(text.substr(from), "");
      break;
    }
    const size_t close = text.find('}', open);
    if (close == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("'{' without '}' at byte ", open));
    }
    std::string field = text.substr(open + 1, close - open - 1);
    if (!KnownField(field)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown placeholder {", field, "}"));
    }
    parts.emplace_back(text.substr(from, open - from), std::move(field));
    from = close + 1;
  }
  return parts;
}

}  // namespace

std::string RupeesText(int64_t paise) {
  // Through unsigned, so that the most negative value has a magnitude too.
  const uint64_t magnitude =
      paise < 0 ? uint64_t{0} - static_cast<uint64_t>(paise) : static_cast<uint64_t>(paise);
  return absl::StrFormat("%s%d.%02d", paise < 0 ? "-" : "", magnitude / 100, magnitude % 100);
}

absl::StatusOr<TemplateBook> TemplateBook::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read template file ", path));
  std::stringstream contents;
  contents << in.rdbuf();
  absl::StatusOr<TemplateBook> book = Parse(contents.str());
  if (!book.ok()) {
    return absl::Status(book.status().code(),
                        absl::StrCat("template file ", path, ": ", book.status().message()));
  }
  return book;
}

absl::StatusOr<TemplateBook> TemplateBook::Parse(absl::string_view json) {
  const Json root = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return absl::InvalidArgumentError("not a JSON object");
  }
  TemplateBook book;
  absl::StatusOr<std::string> sender = TextOf(root, "sender_id");
  if (!sender.ok()) return sender.status();
  book.sender_id_ = *sender;
  absl::StatusOr<std::string> entity = TextOf(root, "principal_entity_id");
  if (!entity.ok()) return entity.status();
  book.principal_entity_id_ = *entity;
  const auto list = root.find("templates");
  if (list == root.end() || !list->is_array()) {
    return absl::InvalidArgumentError("\"templates\" must be a list");
  }
  for (size_t i = 0; i < list->size(); ++i) {
    absl::Status added = book.Add((*list)[i]);
    if (!added.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("templates[", i, "]: ", added.message()));
    }
  }
  for (v1::Notification::Kind kind : kConsumerKinds) {
    if (book.templates_.count({kind, v1::ENGLISH}) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("no English (\"en\") template for ", v1::Notification::Kind_Name(kind)));
    }
  }
  return book;
}

absl::Status TemplateBook::Add(const nlohmann::json& entry) {
  if (!entry.is_object()) return absl::InvalidArgumentError("not a JSON object");
  absl::StatusOr<std::string> kind_name = TextOf(entry, "kind");
  if (!kind_name.ok()) return kind_name.status();
  v1::Notification::Kind kind;
  if (!v1::Notification::Kind_Parse(*kind_name, &kind) ||
      kind == v1::Notification::KIND_UNSPECIFIED) {
    return absl::InvalidArgumentError(absl::StrCat("unknown kind \"", *kind_name, "\""));
  }
  absl::StatusOr<std::string> code = TextOf(entry, "language");
  if (!code.ok()) return code.status();
  absl::StatusOr<v1::Language> language = LanguageOf(*code);
  if (!language.ok()) return language.status();
  absl::StatusOr<std::string> text = TextOf(entry, "text");
  if (!text.ok()) return text.status();
  absl::StatusOr<std::string> dlt_id = TextOf(entry, "dlt_template_id");
  if (!dlt_id.ok()) return dlt_id.status();
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> parts = Cut(*text);
  if (!parts.ok()) return parts.status();
  const bool inserted =
      templates_.emplace(Key{kind, *language}, Template{*std::move(parts), *dlt_id}).second;
  if (!inserted) {
    return absl::InvalidArgumentError(
        absl::StrCat("a second template for ", *kind_name, " in \"", *code, "\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<Sms> TemplateBook::Render(const v1::Notification& notification) const {
  if (notification.phone().empty()) {
    return absl::FailedPreconditionError("no phone: the notification is for the utility");
  }
  const int kind = notification.kind();
  auto it = templates_.find({kind, notification.language()});
  if (it == templates_.end()) it = templates_.find({kind, v1::ENGLISH});
  if (it == templates_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no template for ", v1::Notification::Kind_Name(notification.kind())));
  }
  Sms sms;
  sms.notification_id = notification.notification_id();
  sms.to = notification.phone();
  sms.language = static_cast<v1::Language>(it->first.second);
  sms.dlt_template_id = it->second.dlt_template_id;
  for (const auto& [literal, field] : it->second.parts) {
    sms.text += literal;
    if (!field.empty()) sms.text += FieldValue(notification, field);
  }
  return sms;
}

}  // namespace notifier
