// WorkerPool: a few threads for work that blocks (calls to the payment
// gateway), so that neither gRPC's threads nor the wallet's writer wait on
// the network.
//
// Threads: Submit may be called from any thread. The destructor runs what
// was submitted before it, then joins the threads.
//
// Example:
//   WorkerPool pool(4);
//   pool.Submit([&] { client.CreateOrder(...); });
#ifndef API_WORKER_POOL_H_
#define API_WORKER_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace api {

class WorkerPool final {
 public:
  // WorkerPool starts `threads` threads (at least one).
  explicit WorkerPool(int threads);
  ~WorkerPool();

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Submit queues `work` to run on one of the threads.
  void Submit(std::function<void()> work);

 private:
  void Run();

  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace api

#endif  // API_WORKER_POOL_H_
