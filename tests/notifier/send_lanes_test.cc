#include "notifier/send_lanes.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/wait.h"

namespace notifier {
namespace {

using ::testing::ElementsAre;
using ::wallet::testing::WaitUntil;
namespace v1 = ::wallet::v1;

v1::Notification Message(uint64_t seq, const std::string& phone) {
  v1::Notification n;
  n.set_seq(seq);
  n.set_phone(phone);
  n.set_notification_id(absl::StrCat("n-", seq));
  return n;
}

// PhonesOnLanes returns a phone for each of `lanes` lanes, as SendLanes
// hashes them.
std::vector<std::string> PhonesOnLanes(size_t lanes) {
  std::vector<std::string> phones(lanes);
  size_t found = 0;
  for (int i = 0; found < lanes; ++i) {
    const std::string phone = absl::StrCat("+91980000", i);
    std::string& slot = phones[std::hash<std::string>{}(phone) % lanes];
    if (slot.empty()) {
      slot = phone;
      ++found;
    }
  }
  return phones;
}

// Done records every seq reported acknowledgeable.
class Done {
 public:
  void Add(uint64_t seq) {
    absl::MutexLock lock(&mu_);
    seqs_.push_back(seq);
  }
  std::vector<uint64_t> Get() {
    absl::MutexLock lock(&mu_);
    return seqs_;
  }
  uint64_t Last() {
    absl::MutexLock lock(&mu_);
    return seqs_.empty() ? 0 : seqs_.back();
  }

 private:
  absl::Mutex mu_;
  std::vector<uint64_t> seqs_ ABSL_GUARDED_BY(mu_);
};

TEST(SendLanes, EachPhoneKeepsStreamOrderAndEverythingIsReportedDone) {
  absl::Mutex mu;
  std::map<std::string, std::vector<uint64_t>> handled;  // by phone, in handling order
  Done done;
  SendLanes lanes(
      4, 16,
      [&](const v1::Notification& n) {
        absl::MutexLock lock(&mu);
        handled[n.phone()].push_back(n.seq());
        return true;
      },
      [&](uint64_t seq) { done.Add(seq); });
  for (uint64_t seq = 1; seq <= 500; ++seq) {
    ASSERT_TRUE(lanes.Dispatch(Message(seq, absl::StrCat("+9198", seq % 7))));
  }
  ASSERT_TRUE(WaitUntil([&] { return done.Last() == 500; }, "seq 500 reported done"));
  lanes.Close();
  absl::MutexLock lock(&mu);
  ASSERT_EQ(handled.size(), 7u);
  for (const auto& [phone, seqs] : handled) {
    EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end())) << phone;
  }
  const std::vector<uint64_t> reported = done.Get();
  EXPECT_TRUE(std::is_sorted(reported.begin(), reported.end()));
  EXPECT_FALSE(lanes.OldestUnfinished().has_value());
}

TEST(SendLanes, NothingIsReportedDonePastAnUnfinishedNotification) {
  const std::vector<std::string> phones = PhonesOnLanes(2);
  absl::Notification release_first;
  std::atomic<bool> first_released{false};
  std::atomic<bool> reported_too_early{false};
  std::atomic<bool> second_handled{false};
  Done done;
  SendLanes lanes(
      2, 16,
      [&](const v1::Notification& n) {
        if (n.seq() == 1) {
          release_first.WaitForNotification();
          first_released = true;
        } else {
          second_handled = true;
        }
        return true;
      },
      [&](uint64_t seq) {
        if (!first_released) reported_too_early = true;
        done.Add(seq);
      });
  ASSERT_TRUE(lanes.Dispatch(Message(1, phones[0])));
  ASSERT_TRUE(lanes.Dispatch(Message(2, phones[1])));
  ASSERT_TRUE(WaitUntil([&] { return second_handled.load(); }, "seq 2 handled on its lane"));
  EXPECT_TRUE(lanes.OldestUnfinished().has_value());
  release_first.Notify();
  ASSERT_TRUE(WaitUntil([&] { return done.Last() == 2; }, "seq 2 reported done"));
  lanes.Close();
  EXPECT_FALSE(reported_too_early);
}

TEST(SendLanes, AHandleCutShortClosesTheLanesAndIsNotReportedDone) {
  Done done;
  SendLanes lanes(
      1, 16, [](const v1::Notification& n) { return n.seq() != 2; },
      [&](uint64_t seq) { done.Add(seq); });
  ASSERT_TRUE(lanes.Dispatch(Message(1, "+919800001")));
  ASSERT_TRUE(lanes.Dispatch(Message(2, "+919800001")));
  ASSERT_TRUE(WaitUntil([&] { return !lanes.Dispatch(Message(3, "+919800001")); },
                        "dispatch refused once the lanes close"));
  lanes.Close();
  EXPECT_THAT(done.Get(), ElementsAre(1));
}

TEST(SendLanes, CloseFinishesTheSendInHandAndDropsTheQueue) {
  absl::Notification in_hand;
  absl::Notification release;
  std::atomic<int> handled{0};
  Done done;
  SendLanes lanes(
      1, 16,
      [&](const v1::Notification& n) {
        if (n.seq() == 1) {
          in_hand.Notify();
          release.WaitForNotification();
        }
        ++handled;
        return true;
      },
      [&](uint64_t seq) { done.Add(seq); });
  ASSERT_TRUE(lanes.Dispatch(Message(1, "+919800001")));
  ASSERT_TRUE(lanes.Dispatch(Message(2, "+919800001")));
  ASSERT_TRUE(lanes.Dispatch(Message(3, "+919800001")));
  in_hand.WaitForNotification();
  std::thread closer([&] { lanes.Close(); });
  ASSERT_TRUE(WaitUntil([&] { return !lanes.Dispatch(Message(4, "+919800001")); },
                        "dispatch refused while closing"));
  release.Notify();
  closer.join();
  EXPECT_EQ(handled.load(), 1);
  EXPECT_THAT(done.Get(), ElementsAre(1));
}

}  // namespace
}  // namespace notifier
