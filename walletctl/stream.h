// Reading one of walletd's outbox streams (relay commands, notifications):
// resume after the stored cursor, hand each item to a function that prints
// it, acknowledge it once printed (if asked), and stop when the stream goes
// quiet, after a number of items, or when the server ends it.
//
// Example:
//   grpc::ClientContext context;
//   connection.Prepare(context, /*deadline=*/false);
//   auto stream = stub.StreamNotifications(&context);
//   absl::Status status = ReadOutbox(context, *stream, options, timeout,
//       [&](const Notification& item) { return Print(item); });
//
// Thread safety: ReadOutbox reads the stream on a thread of its own and calls
// `handle` on the calling thread.
#ifndef WALLETCTL_STREAM_H_
#define WALLETCTL_STREAM_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/sync_stream.h"
#include "wallet/v1/meter.pb.h"
#include "walletctl/connection.h"

namespace walletctl {

struct StreamOptions {
  // Keep the stream open and wait for more items until interrupted; else
  // stop once no item comes within `idle`.
  bool follow = false;
  // Acknowledge each item once handled, so that it is not delivered again.
  bool ack = false;
  // Stop after this many items; 0: no limit.
  int64_t max = 0;
  // How long a stream without `follow` waits for another item before it
  // counts as drained. Default: 1 second.
  absl::Duration idle = absl::Seconds(1);
};

// Inbox hands a stream's items from the thread that reads them to the thread
// that prints and acknowledges them, which can then stop waiting when the
// stream goes quiet. It holds a bounded number of items, so that a long
// backlog is not read into memory faster than it is printed.
template <typename Item>
class Inbox {
 public:
  enum class Next { kItem, kIdle, kClosed };

  // Push waits for room and adds `item`; after Discard it drops it.
  void Push(Item item) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &Inbox::HasRoom));
    if (!discarding_) items_.push_back(std::move(item));
  }

  // Close marks the end of the stream: nothing more will be pushed.
  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }

  // Discard drops every item held or pushed from now on.
  void Discard() {
    absl::MutexLock lock(&mu_);
    discarding_ = true;
    items_.clear();
  }

  // Take waits up to `timeout` for an item and moves it to `*item`. Items
  // pushed before Close are all taken before it reports kClosed.
  Next Take(absl::Duration timeout, Item* item) {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(this, &Inbox::Ready), timeout);
    if (!items_.empty()) {
      *item = std::move(items_.front());
      items_.pop_front();
      return Next::kItem;
    }
    return closed_ ? Next::kClosed : Next::kIdle;
  }

  // AwaitClosed waits up to `timeout` for Close; false if it did not come.
  bool AwaitClosed(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&closed_), timeout);
  }

 private:
  static constexpr size_t kCapacity = 256;

  bool HasRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return discarding_ || items_.size() < kCapacity;
  }
  bool Ready() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return closed_ || !items_.empty(); }

  absl::Mutex mu_;
  std::deque<Item> items_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool discarding_ ABSL_GUARDED_BY(mu_) = false;
};

// ReadOutbox drives an opened outbox `stream` of `context` as the header
// comment says, calling `handle` (absl::Status(const Item&)) for each item
// in order. Items received but not acknowledged are delivered again to the
// next receiver. Returns `handle`'s first failure, the stream's failure with
// its gRPC code, or OK. When the server does not end the call within
// `finish_timeout` after walletctl closes its side, the call is cancelled.
template <typename Item, typename Handle>
absl::Status ReadOutbox(grpc::ClientContext& context,
                        grpc::ClientReaderWriter<wallet::v1::StreamAck, Item>& stream,
                        const StreamOptions& options, absl::Duration finish_timeout,
                        Handle handle) {
  Inbox<Item> inbox;
  // gRPC allows one thread reading while another writes acknowledgements.
  std::thread reader([&stream, &inbox] {
    Item item;
    while (stream.Read(&item)) inbox.Push(std::move(item));
    inbox.Close();
  });
  // An empty first message resumes after the stored cursor.
  bool open = stream.Write(wallet::v1::StreamAck());
  absl::Status handled;
  for (int64_t count = 0; open && (options.max == 0 || count < options.max); ++count) {
    Item item;
    const absl::Duration wait = options.follow ? absl::InfiniteDuration() : options.idle;
    if (inbox.Take(wait, &item) != Inbox<Item>::Next::kItem) {
      break;  // drained, or the server ended the stream
    }
    handled = handle(item);
    if (!handled.ok()) break;
    if (options.ack) {
      wallet::v1::StreamAck ack;
      ack.set_ack_seq(item.seq());
      open = stream.Write(ack);
    }
  }
  // Closing our side makes the server finish the call once its current
  // write is done; what it sends meanwhile is dropped unacknowledged.
  inbox.Discard();
  stream.WritesDone();
  bool cancelled = false;
  if (!inbox.AwaitClosed(finish_timeout)) {
    context.TryCancel();
    cancelled = true;
  }
  reader.join();
  const grpc::Status finished = stream.Finish();
  if (!handled.ok()) return handled;
  if (!finished.ok() && !cancelled) return FromGrpc(finished);
  return absl::OkStatus();
}

}  // namespace walletctl

#endif  // WALLETCTL_STREAM_H_
