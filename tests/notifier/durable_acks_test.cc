#include "notifier/durable_acks.h"

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/wait.h"

namespace notifier {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::wallet::testing::WaitUntil;

// Events records, in order, what DurableAcks did: "sync", "sync failed",
// "ack <seq>".
class Events {
 public:
  void Add(std::string event) {
    absl::MutexLock lock(&mu_);
    events_.push_back(std::move(event));
  }
  std::vector<std::string> Get() {
    absl::MutexLock lock(&mu_);
    return events_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> events_ ABSL_GUARDED_BY(mu_);
};

// RecordedSync is a sync that succeeds and records "sync" in `events`.
std::function<absl::Status()> RecordedSync(Events& events) {
  return [&events] {
    events.Add("sync");
    return absl::OkStatus();
  };
}

// RecordedAck is an acknowledgement that records "ack <seq>" in `events`
// and answers `taken`.
std::function<bool(uint64_t)> RecordedAck(Events& events, bool taken = true) {
  return [&events, taken](uint64_t seq) {
    events.Add(absl::StrCat("ack ", seq));
    return taken;
  };
}

TEST(DurableAcks, AcknowledgesWhatWasHandledOnlyAfterASync) {
  Events events;
  DurableAcks acks(RecordedSync(events), RecordedAck(events), absl::Milliseconds(1));
  acks.Handled(1);
  ASSERT_TRUE(WaitUntil([&] { return acks.acked() == 1; }, "seq 1 acknowledged"));
  acks.Handled(2);
  acks.Handled(3);
  ASSERT_TRUE(WaitUntil([&] { return acks.acked() == 3; }, "seq 3 acknowledged"));
  acks.Finish();
  const std::vector<std::string> seen = events.Get();
  // Every acknowledgement follows a sync of its own; seq 2 may be skipped
  // (covered by the acknowledgement of 3).
  ASSERT_GE(seen.size(), 4u);
  EXPECT_EQ(seen[0], "sync");
  EXPECT_EQ(seen[1], "ack 1");
  EXPECT_EQ(seen[seen.size() - 2], "sync");
  EXPECT_EQ(seen.back(), "ack 3");
  for (size_t i = 1; i < seen.size(); i += 2) EXPECT_EQ(seen[i - 1], "sync") << i;
}

TEST(DurableAcks, AFailedSyncAcknowledgesNothingUntilASyncSucceeds) {
  Events events;
  int syncs = 0;  // the DurableAcks thread's
  DurableAcks acks(
      [&]() -> absl::Status {
        if (++syncs <= 2) {
          events.Add("sync failed");
          return absl::UnavailableError("disk");
        }
        events.Add("sync");
        return absl::OkStatus();
      },
      RecordedAck(events), absl::Milliseconds(1));
  acks.Handled(7);
  ASSERT_TRUE(WaitUntil([&] { return acks.acked() == 7; }, "seq 7 acknowledged"));
  acks.Finish();
  EXPECT_THAT(events.Get(), ElementsAre("sync failed", "sync failed", "sync", "ack 7"));
}

TEST(DurableAcks, FinishAcknowledgesTheLastHandledSeq) {
  Events events;
  {
    DurableAcks acks(RecordedSync(events), RecordedAck(events), absl::Milliseconds(1));
    acks.Handled(5);
    acks.Finish();
    EXPECT_EQ(acks.acked(), 5u);
  }
  EXPECT_EQ(events.Get().back(), "ack 5");
}

TEST(DurableAcks, ABrokenStreamStopsTheAcknowledging) {
  Events events;
  DurableAcks acks(RecordedSync(events), RecordedAck(events, /*taken=*/false),
                   absl::Milliseconds(1));
  acks.Handled(1);
  ASSERT_TRUE(WaitUntil([&] { return !events.Get().empty(); }, "an acknowledgement tried"));
  acks.Handled(2);
  acks.Finish();
  EXPECT_EQ(acks.acked(), 0u);
  EXPECT_THAT(events.Get(), ElementsAre("sync", "ack 1"));
}

TEST(DurableAcks, NothingHandledNothingAcknowledged) {
  Events events;
  { DurableAcks acks(RecordedSync(events), RecordedAck(events), absl::Milliseconds(1)); }
  EXPECT_THAT(events.Get(), IsEmpty());
}

}  // namespace
}  // namespace notifier
