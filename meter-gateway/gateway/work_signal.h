// WorkSignal: how the gateway's parts tell its workers that work may be
// ready (a command arrived, a meter was released, a read was scheduled)
// without sharing a lock with them. A worker reads generation() before it
// looks for work and waits with that generation, so that a Notify that came
// in between is not lost.
//
// Threads: every method is thread-safe.
//
// Example (a worker):
//   while (true) {
//     const uint64_t seen = signal.generation();
//     if (signal.closed()) return;
//     if (TakeAndRunSomething()) continue;
//     signal.Wait(seen, absl::Now() + absl::Seconds(1));
//   }
#ifndef METER_GATEWAY_GATEWAY_WORK_SIGNAL_H_
#define METER_GATEWAY_GATEWAY_WORK_SIGNAL_H_

#include <cstdint>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace meter_gateway {

class WorkSignal {
 public:
  // generation counts the notifications so far.
  uint64_t generation() const {
    absl::MutexLock lock(&mu_);
    return generation_;
  }
  // Notify wakes one waiting worker.
  void Notify() {
    absl::MutexLock lock(&mu_);
    ++generation_;
    cv_.Signal();
  }
  // Close wakes every worker for good: closed() is true and Wait returns at
  // once from then on.
  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    cv_.SignalAll();
  }
  bool closed() const {
    absl::MutexLock lock(&mu_);
    return closed_;
  }
  // Wait blocks until a Notify after `generation` was read, Close, or
  // `deadline` (on the real clock).
  void Wait(uint64_t generation, absl::Time deadline) {
    absl::MutexLock lock(&mu_);
    while (!closed_ && generation_ == generation && absl::Now() < deadline) {
      cv_.WaitWithDeadline(&mu_, deadline);
    }
  }

 private:
  mutable absl::Mutex mu_;
  absl::CondVar cv_;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace meter_gateway

#endif  // METER_GATEWAY_GATEWAY_WORK_SIGNAL_H_
