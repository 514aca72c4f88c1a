// RunOnThreads: the same work from many threads at once, for tests of what
// concurrent callers must not break (group commit, float limits, sessions).
#ifndef WALLET_TESTS_TESTING_RUN_ON_THREADS_H_
#define WALLET_TESTS_TESTING_RUN_ON_THREADS_H_

#include <functional>
#include <thread>
#include <vector>

namespace wallet::testing {

// RunOnThreads starts `threads` threads; thread t calls body(t, i) for i = 0
// .. each - 1 in order. Returns once every thread has finished. `body` runs
// on all the threads at once, so what it shares must be thread-safe (atomic
// counters, the code under test); gtest's EXPECT_* may be used in it.
inline void RunOnThreads(int threads, int each, const std::function<void(int, int)>& body) {
  std::vector<std::thread> running;
  running.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([&body, each, t] {
      for (int i = 0; i < each; ++i) body(t, i);
    });
  }
  for (std::thread& thread : running) thread.join();
}

}  // namespace wallet::testing

#endif  // WALLET_TESTS_TESTING_RUN_ON_THREADS_H_
