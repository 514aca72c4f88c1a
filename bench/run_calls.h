// RunCalls: `count` calls from `concurrency` threads at once, each thread
// taking the next index as soon as its call returns (a closed loop), timed
// from the first call to the last answer. For channel_bench's measured
// phases and its set-up and checks.
//
// Example:
//   CallsResult r = RunCalls(orders.size(), 64, [&](int i) { return Post(orders[i]); });
//   std::printf("%d ok in %.2f s = %.0f/s\n", r.ok, r.seconds, r.per_s());
#ifndef BENCH_RUN_CALLS_H_
#define BENCH_RUN_CALLS_H_

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace wallet::bench {

struct CallsResult {
  int ok = 0;
  int failed = 0;
  double seconds = 0;
  // The first error, for the report; OK if none failed.
  absl::Status first_error;
  // Successful calls per second over the whole run.
  double per_s() const { return seconds > 0 ? ok / seconds : 0; }
};

// RunCalls calls call(i) once for every i in [0, count) from `concurrency`
// threads and counts the OK answers. `call` must be thread-safe.
inline CallsResult RunCalls(int count, int concurrency,
                            const std::function<absl::Status(int)>& call) {
  std::atomic<int> next{0};
  std::atomic<int> ok{0};
  absl::Mutex mu;
  CallsResult result;
  const absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&] {
      for (int i; (i = next.fetch_add(1)) < count;) {
        absl::Status status = call(i);
        if (status.ok()) {
          ok.fetch_add(1);
          continue;
        }
        absl::MutexLock lock(&mu);
        if (result.failed++ == 0) result.first_error = std::move(status);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  result.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  result.ok = ok.load();
  return result;
}

}  // namespace wallet::bench

#endif  // BENCH_RUN_CALLS_H_
