#include "notifier/kannel.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace notifier {
namespace {

bool IsAscii(absl::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

bool Unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

}  // namespace

std::string UrlEncode(absl::string_view text) {
  std::string out;
  out.reserve(text.size() * 3);
  for (char c : text) {
    if (Unreserved(c)) {
      out.push_back(c);
    } else {
      absl::StrAppendFormat(&out, "%%%02X", static_cast<unsigned char>(c));
    }
  }
  return out;
}

std::string SendSmsUrl(const KannelOptions& options, absl::string_view sender_id,
                       absl::string_view principal_entity_id, const Sms& sms) {
  const absl::string_view joiner = options.dlr_url.find('?') == std::string::npos ? "?" : "&";
  const std::string dlr_url =
      absl::StrCat(options.dlr_url, joiner, "id=", UrlEncode(sms.notification_id), "&type=%d");
  // Kannel's meta-data syntax: ?group?key=value&key=value, values url-encoded.
  const std::string meta = absl::StrCat("?smpp?PE_ID=", UrlEncode(principal_entity_id),
                                        "&TEMPLATE_ID=", UrlEncode(sms.dlt_template_id));
  std::string url =
      absl::StrCat(options.sendsms_url, "?username=", UrlEncode(options.username),
                   "&password=", UrlEncode(options.password), "&from=", UrlEncode(sender_id),
                   "&to=", UrlEncode(sms.to), "&text=", UrlEncode(sms.text), "&charset=UTF-8");
  if (!IsAscii(sms.text)) absl::StrAppend(&url, "&coding=2");
  absl::StrAppend(&url, "&dlr-mask=", options.dlr_mask, "&dlr-url=", UrlEncode(dlr_url),
                  "&meta-data=", UrlEncode(meta));
  return url;
}

SendOutcome OutcomeOf(int http_status) {
  if (http_status >= 200 && http_status < 300) return SendOutcome::kAccepted;
  // Credentials are configuration: retrying (and alerting) beats dropping
  // every consumer's SMS until an operator notices.
  if (http_status >= 500 || http_status == 401 || http_status == 403) return SendOutcome::kRetry;
  if (http_status >= 400) return SendOutcome::kRefused;
  return SendOutcome::kRetry;  // 1xx, 3xx: not an answer sendsms gives
}

absl::StatusOr<Dlr> ParseDlr(const std::map<std::string, std::string>& params) {
  const auto id = params.find("id");
  if (id == params.end() || id->second.empty()) {
    return absl::InvalidArgumentError("delivery report without id");
  }
  const auto type = params.find("type");
  Dlr dlr;
  dlr.notification_id = id->second;
  if (type == params.end() || !absl::SimpleAtoi(type->second, &dlr.type) ||
      (dlr.type != 1 && dlr.type != 2 && dlr.type != 4 && dlr.type != 8 && dlr.type != 16)) {
    return absl::InvalidArgumentError("delivery report type must be one of 1, 2, 4, 8, 16");
  }
  return dlr;
}

bool DlrIsFinal(int type) { return type == 1 || type == 2 || type == 16; }

bool DlrIsDelivered(int type) { return type == 1; }

}  // namespace notifier
