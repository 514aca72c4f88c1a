// SmsSender: hands one SMS to the SMS gateway. The notifier's loop
// (notifier.h) decides about retries; a sender makes one attempt.
//
// MakeKannelSender sends through Kannel's smsbox (kannel.h) over HTTP.
//
// Threads: Send may be called from any thread.
//
// Example:
//   std::unique_ptr<notifier::SmsSender> kannel =
//       notifier::MakeKannelSender(options, book.sender_id(), book.principal_entity_id());
//   absl::StatusOr<notifier::SendOutcome> outcome = kannel->Send(sms);
#ifndef NOTIFIER_SMS_SENDER_H_
#define NOTIFIER_SMS_SENDER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "notifier/kannel.h"
#include "notifier/templates.h"

namespace notifier {

class SmsSender {
 public:
  virtual ~SmsSender() = default;
  // Send makes one attempt. What the gateway's answer means for the message,
  // or, when no answer came, Unavailable or DeadlineExceeded (retry later).
  virtual absl::StatusOr<SendOutcome> Send(const Sms& sms) = 0;
};

// MakeKannelSender sends with GET SendSmsUrl(...), each attempt within
// `timeout`. The password is in the URL's query: it is never logged.
std::unique_ptr<SmsSender> MakeKannelSender(const KannelOptions& options, std::string sender_id,
                                            std::string principal_entity_id,
                                            absl::Duration timeout);

}  // namespace notifier

#endif  // NOTIFIER_SMS_SENDER_H_
