// Kannel's HTTP interface as the notifier uses it: the smsbox `sendsms` URL
// of one SMS, what Kannel's answer means, and the delivery report Kannel
// calls back with.
//
// sendsms: GET <sendsms_url>?username=..&password=..&from=<sender id>&to=..
//   &text=<UTF-8>&charset=UTF-8[&coding=2]&dlr-mask=..&dlr-url=..&meta-data=..
//   - coding=2 (UCS-2) whenever the text is not plain ASCII, e.g. Hindi in
//     Devanagari: Kannel converts the UTF-8 text and the SMSC gets UCS-2;
//   - meta-data carries the DLT ids as SMPP TLVs,
//     "?smpp?PE_ID=<principal entity id>&TEMPLATE_ID=<template id>", which
//     the SMPP connection sends when kannel.conf declares them (smpp-tlv);
//   - dlr-url is `dlr_url` with "id=<notification id>&type=%d" appended;
//     Kannel fills in %d with the report type.
// Kannel answers 202 ("0: Accepted for delivery", "3: Queued for later
// delivery") when it took the message, 503 while bearerbox or the SMSC
// cannot take it, 403 for bad credentials, 4xx for a message it refuses.
//
// Threads: plain functions on values; any thread.
//
// Example:
//   std::string url = notifier::SendSmsUrl(options, book.sender_id(),
//                                          book.principal_entity_id(), sms);
//   absl::StatusOr<notifier::Dlr> dlr = notifier::ParseDlr(request.params);
#ifndef NOTIFIER_KANNEL_H_
#define NOTIFIER_KANNEL_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "notifier/templates.h"

namespace notifier {

struct KannelOptions {
  // smsbox's sendsms address. Default: http://127.0.0.1:13013/cgi-bin/sendsms.
  std::string sendsms_url = "http://127.0.0.1:13013/cgi-bin/sendsms";
  // A sendsms-user of smsbox. Default: none (set them).
  std::string username;
  std::string password;
  // Where Kannel reports delivery: the notifier's own GET /dlr, as smsbox
  // reaches it. Default: none (set it).
  std::string dlr_url;
  // The reports asked for: 1 delivered, 2 undelivered, 16 refused by the
  // SMSC. Default: 19 (all three).
  int dlr_mask = 19;
};

// SendSmsUrl is the sendsms URL that sends `sms` (see above).
std::string SendSmsUrl(const KannelOptions& options, absl::string_view sender_id,
                       absl::string_view principal_entity_id, const Sms& sms);

// UrlEncode percent-encodes every byte but A-Z a-z 0-9 - _ . ~ (RFC 3986).
std::string UrlEncode(absl::string_view text);

// What a sendsms answer means for the message.
enum class SendOutcome {
  kAccepted,  // 2xx: Kannel has it
  kRetry,     // 5xx, 401, 403: Kannel, the SMSC or our credentials; try again later
  kRefused,   // another 4xx: this message will never be taken
};

// OutcomeOf classifies an HTTP status of sendsms.
SendOutcome OutcomeOf(int http_status);

// Dlr is one delivery report.
struct Dlr {
  std::string notification_id;
  int type = 0;  // Kannel's: 1 delivered, 2 undelivered, 4 queued, 8 at SMSC, 16 refused
};

// ParseDlr reads the query arguments of a report call (`id`, `type`).
// InvalidArgument if either is missing, or type is not one of 1 2 4 8 16.
absl::StatusOr<Dlr> ParseDlr(const std::map<std::string, std::string>& params);

// DlrIsFinal: type 1 (delivered), 2 or 16 (failed) settle the message;
// 4 and 8 are progress on the way.
bool DlrIsFinal(int type);
bool DlrIsDelivered(int type);

}  // namespace notifier

#endif  // NOTIFIER_KANNEL_H_
