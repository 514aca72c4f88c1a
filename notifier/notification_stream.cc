#include "notifier/notification_stream.h"

namespace notifier {

NotificationStream::NotificationStream(const std::shared_ptr<grpc::Channel>& channel,
                                       const std::string& api_key)
    : stub_(wallet::v1::NotificationService::NewStub(channel)) {
  context_.AddMetadata("x-api-key", api_key);
  stream_ = stub_->StreamNotifications(&context_);
  // resume_after_seq 0: after the position walletd stored from our acks.
  stream_->Write(wallet::v1::StreamAck());
}

bool NotificationStream::Read(wallet::v1::Notification* notification) {
  return stream_->Read(notification);
}

bool NotificationStream::Ack(uint64_t seq) {
  wallet::v1::StreamAck ack;
  ack.set_ack_seq(seq);
  return stream_->Write(ack);
}

absl::Status NotificationStream::Finish() {
  const grpc::Status status = stream_->Finish();
  // gRPC and Abseil share the canonical codes.
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace notifier
