// NotificationStream: one open NotificationService.StreamNotifications call
// to walletd, as the notifier reads it: opened with a resume message that
// asks for everything after walletd's stored cursor, then read in order and
// acknowledged by seq (walletd stores the acknowledged position, so that a
// reopened stream starts after it).
//
// Threads: Read and Ack run on the notifier's loop thread; Cancel may be
// called from any thread at any time.
//
// Example:
//   notifier::NotificationStream stream(channel, api_key);
//   wallet::v1::Notification n;
//   while (stream.Read(&n)) { Handle(n); stream.Ack(n.seq()); }
//   absl::Status why = stream.Finish();
#ifndef NOTIFIER_NOTIFICATION_STREAM_H_
#define NOTIFIER_NOTIFICATION_STREAM_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"
#include "wallet/v1/meter.grpc.pb.h"

namespace notifier {

class NotificationStream {
 public:
  // Opens the stream on `channel` with `api_key` (role METER_GATEWAY or
  // ADMIN) and sends the resume message. A stream that cannot be opened
  // fails its first Read.
  NotificationStream(const std::shared_ptr<grpc::Channel>& channel, const std::string& api_key);

  // WaitUntilAccepted blocks until walletd has taken the stream (its initial
  // metadata, sent once it read the resume message) or the stream ended.
  void WaitUntilAccepted() { stream_->WaitForInitialMetadata(); }
  // Read blocks for the next notification; false once the stream ended.
  bool Read(wallet::v1::Notification* notification);
  // Ack acknowledges everything up to `seq`; false once the stream is broken.
  bool Ack(uint64_t seq);
  // Cancel ends the stream: Read returns false from then on.
  void Cancel() { context_.TryCancel(); }
  // Finish is how the stream ended; call once, after Read returned false.
  absl::Status Finish();

 private:
  grpc::ClientContext context_;
  std::unique_ptr<wallet::v1::NotificationService::Stub> stub_;
  std::unique_ptr<grpc::ClientReaderWriter<wallet::v1::StreamAck, wallet::v1::Notification>>
      stream_;
};

}  // namespace notifier

#endif  // NOTIFIER_NOTIFICATION_STREAM_H_
