// RelayQueue and AckTracker: the gateway's deterministic core. No threads,
// no sockets, no clock of their own: the relay command path calls them under
// its mutex with the time, so that tests can drive them step by step.
//
// RelayQueue keeps at most one command per meter running and at most one
// waiting: a newer command for a meter replaces a waiting older one (the
// older is then finished without running), and a command that fails in a
// retryable way is tried again after an exponential back-off with jitter,
// unless a newer command for the meter has arrived meanwhile.
//
// AckTracker turns completions that arrive in any order into the contiguous
// stream position that may be acknowledged to walletd.
#ifndef METER_GATEWAY_GATEWAY_RELAY_QUEUE_H_
#define METER_GATEWAY_GATEWAY_RELAY_QUEUE_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "meter-gateway/gateway/retry_policy.h"
#include "wallet/v1/meter.pb.h"

namespace meter_gateway {

struct RelayJob {
  wallet::v1::RelayCommand command;
  int attempt = 1;  // 1 for the first try
};

class RelayQueue {
 public:
  // `policy` paces the attempts of each command (max_attempts 0: no limit);
  // `seed` seeds its jitter.
  explicit RelayQueue(RetryPolicy policy, uint64_t seed = 1);

  // Add takes a command from walletd's stream and returns the stream seqs
  // that are finished without running: an older waiting command it
  // supersedes, or the command itself when it is stale (a redelivery of a
  // command already seen for this meter, or older than one).
  std::vector<uint64_t> Add(const wallet::v1::RelayCommand& command, absl::Time now);

  // Take returns a job that is due at `now` and whose meter has nothing
  // running, and marks the meter running; nullopt if there is none.
  std::optional<RelayJob> Take(absl::Time now);

  // Retry puts a failed running job back for another attempt after the
  // back-off, and returns true; false when the job has had all its attempts
  // or a newer command for the meter is waiting, in which case the job is
  // finished and the caller reports its failure (or drops it, if superseded).
  bool Retry(const RelayJob& job, absl::Time now);

  // Done ends the meter's running job, so that a waiting command can run.
  void Done(const std::string& meter_id);

  // Superseded is true if a newer command than `job` waits for its meter.
  bool Superseded(const RelayJob& job) const;

  // Reserve marks an idle meter (nothing running or waiting) busy for other
  // work, a scheduled read, so that no relay session overlaps it; false if
  // the meter is not idle. End it with Done.
  bool Reserve(const std::string& meter_id);

  // Busy is true while a command for the meter is running or waiting.
  bool Busy(const std::string& meter_id) const;

  // NextDue is the earliest time a waiting job becomes due, if any can run.
  std::optional<absl::Time> NextDue() const;

  size_t waiting() const { return ready_.size(); }
  size_t running() const { return running_; }

  // BackoffFor is the delay before attempt `attempt + 1`.
  absl::Duration BackoffFor(int attempt) { return backoff_.Delay(attempt); }

 private:
  struct Slot {
    std::optional<RelayJob> waiting;
    absl::Time due;
    bool running = false;
    uint64_t latest_seq = 0;
    bool seen = false;
  };
  using ReadyKey = std::tuple<absl::Time, uint64_t, std::string>;

  void MakeReady(const std::string& meter_id, Slot& slot);

  Backoff backoff_;
  absl::flat_hash_map<std::string, Slot> meters_;
  std::set<ReadyKey> ready_;  // waiting jobs of meters with nothing running
  size_t running_ = 0;
};

class AckTracker {
 public:
  // Delivered records a seq read from the stream (in stream order); false
  // for a redelivery of one already seen, which needs no work.
  bool Delivered(uint64_t seq);
  // Completed records that a delivered seq needs no more work.
  void Completed(uint64_t seq);
  // Acked is the highest seq such that every delivered seq up to it is
  // completed.
  uint64_t Acked() const;
  size_t outstanding() const { return outstanding_.size(); }

 private:
  std::set<uint64_t> outstanding_;
  uint64_t highest_ = 0;
};

}  // namespace meter_gateway

#endif  // METER_GATEWAY_GATEWAY_RELAY_QUEUE_H_
