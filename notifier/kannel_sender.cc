// MakeKannelSender (sms_sender.h): sendsms over base::HttpClient.
#include "absl/strings/str_cat.h"
#include "base/http_client.h"
#include "glog/logging.h"
#include "notifier/sms_sender.h"

namespace notifier {
namespace {

class KannelSender final : public SmsSender {
 public:
  KannelSender(const KannelOptions& options, std::string sender_id, std::string principal_entity_id,
               absl::Duration timeout)
      : options_(options),
        sender_id_(std::move(sender_id)),
        principal_entity_id_(std::move(principal_entity_id)),
        timeout_(timeout) {}

  absl::StatusOr<SendOutcome> Send(const Sms& sms) override {
    base::HttpCall call;
    call.url = SendSmsUrl(options_, sender_id_, principal_entity_id_, sms);
    call.timeout = timeout_;
    absl::StatusOr<base::HttpReply> reply = client_.Send(call);
    if (!reply.ok()) {
      // The client's message names the URL, whose query holds the password:
      // say it again with the address alone.
      return absl::Status(reply.status().code(),
                          absl::StrCat("no answer from Kannel at ", options_.sendsms_url));
    }
    const SendOutcome outcome = OutcomeOf(reply->status);
    if (outcome != SendOutcome::kAccepted) {
      // Kannel's body says why ("Authorization failed for sendsms"); the URL,
      // which holds the password, is not logged.
      LOG(WARNING) << "Kannel answered " << reply->status << " for " << sms.notification_id << ": "
                   << reply->body;
    }
    return outcome;
  }

 private:
  const KannelOptions options_;
  const std::string sender_id_;
  const std::string principal_entity_id_;
  const absl::Duration timeout_;
  base::HttpClient client_;
};

}  // namespace

std::unique_ptr<SmsSender> MakeKannelSender(const KannelOptions& options, std::string sender_id,
                                            std::string principal_entity_id,
                                            absl::Duration timeout) {
  return std::make_unique<KannelSender>(options, std::move(sender_id),
                                        std::move(principal_entity_id), timeout);
}

}  // namespace notifier
