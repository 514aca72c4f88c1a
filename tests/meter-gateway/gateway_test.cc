// Unit tests of the gateway's deterministic core: the per-meter relay queue
// with back-off and supersession, stream acknowledgement, the meter
// directory, and how relay states are read.
#include <string>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "meter-gateway/gateway/directory.h"
#include "meter-gateway/gateway/meter_session.h"
#include "meter-gateway/gateway/relay_queue.h"
#include "tests/meter-gateway/gateway_fakes.h"
#include "tests/testing/status_matchers.h"

namespace meter_gateway {
namespace {

using ::wallet::testing::IsOk;
using ::wallet::testing::StatusIs;

namespace v1 = ::wallet::v1;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::Command;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

RetryPolicy NoJitter() {
  RetryPolicy p;
  p.initial_backoff = absl::Seconds(1);
  p.max_backoff = absl::Seconds(5);
  p.jitter = 0;
  p.max_attempts = 4;
  return p;
}

TEST(RelayQueueTest, OneJobPerMeterInArrivalOrder) {
  RelayQueue q(NoJitter());
  EXPECT_THAT(q.Add(Command(1, "A", v1::DISCONNECT), kT0), IsEmpty());
  EXPECT_THAT(q.Add(Command(2, "B", v1::DISCONNECT), kT0), IsEmpty());
  auto a = q.Take(kT0);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->command.meter_id(), "A");
  // A newer command for A waits until A's session ends; B runs meanwhile.
  EXPECT_THAT(q.Add(Command(3, "A", v1::RECONNECT), kT0), IsEmpty());
  auto b = q.Take(kT0);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->command.meter_id(), "B");
  EXPECT_FALSE(q.Take(kT0).has_value());
  EXPECT_TRUE(q.Superseded(*a));
  q.Done("A");
  auto a2 = q.Take(kT0);
  ASSERT_TRUE(a2.has_value());
  EXPECT_EQ(a2->command.seq(), 3u);
  EXPECT_EQ(q.running(), 2u);
}

TEST(RelayQueueTest, NewerCommandReplacesAWaitingOne) {
  RelayQueue q(NoJitter());
  q.Add(Command(1, "A", v1::DISCONNECT), kT0);
  EXPECT_THAT(q.Add(Command(2, "A", v1::RECONNECT), kT0), ElementsAre(1u));
  auto job = q.Take(kT0);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->command.action(), v1::RECONNECT);
  EXPECT_FALSE(q.Take(kT0).has_value());
}

TEST(RelayQueueTest, RedeliveriesAndOlderCommandsAreStale) {
  RelayQueue q(NoJitter());
  q.Add(Command(5, "A", v1::DISCONNECT), kT0);
  EXPECT_THAT(q.Add(Command(5, "A", v1::DISCONNECT), kT0), ElementsAre(5u));
  EXPECT_THAT(q.Add(Command(4, "A", v1::RECONNECT), kT0), ElementsAre(4u));
  ASSERT_TRUE(q.Take(kT0).has_value());
  EXPECT_FALSE(q.Take(kT0).has_value());
}

TEST(RelayQueueTest, RetriesBackOffExponentiallyUpToTheAttemptLimit) {
  RelayQueue q(NoJitter());
  q.Add(Command(1, "A", v1::RECONNECT), kT0);
  absl::Time now = kT0;
  std::vector<absl::Duration> waits;
  auto job = q.Take(now);
  while (q.Retry(*job, now)) {
    const absl::Time due = *q.NextDue();
    waits.push_back(due - now);
    EXPECT_FALSE(q.Take(due - absl::Milliseconds(1)).has_value());
    now = due;
    job = q.Take(now);
    ASSERT_TRUE(job.has_value());
  }
  EXPECT_THAT(waits, ElementsAre(absl::Seconds(1), absl::Seconds(2), absl::Seconds(4)));
  EXPECT_EQ(job->attempt, 4);
  EXPECT_EQ(q.running(), 0u);  // the last Retry ended it
}

TEST(RelayQueueTest, BackoffIsCappedAndJittered) {
  RetryPolicy p = NoJitter();
  p.jitter = 0.2;
  RelayQueue q(p, 42);
  for (int attempt = 1; attempt < 10; ++attempt) {
    const absl::Duration d = q.BackoffFor(attempt);
    const absl::Duration base = std::min(absl::Seconds(1 << (attempt - 1)), absl::Seconds(5));
    EXPECT_GE(d, base * 0.8) << attempt;
    EXPECT_LE(d, base * 1.2) << attempt;
  }
}

TEST(RelayQueueTest, NoRetryOnceANewerCommandWaits) {
  RelayQueue q(NoJitter());
  q.Add(Command(1, "A", v1::DISCONNECT), kT0);
  auto job = q.Take(kT0);
  q.Add(Command(2, "A", v1::RECONNECT), kT0);
  EXPECT_FALSE(q.Retry(*job, kT0));
  auto next = q.Take(kT0);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->command.seq(), 2u);
}

TEST(RelayQueueTest, ReserveKeepsReadsAndCommandsApart) {
  RelayQueue q(NoJitter());
  ASSERT_TRUE(q.Reserve("A"));  // a scheduled read runs
  EXPECT_FALSE(q.Reserve("A"));
  q.Add(Command(1, "A", v1::DISCONNECT), kT0);
  EXPECT_FALSE(q.Take(kT0).has_value());
  EXPECT_TRUE(q.Busy("A"));
  q.Done("A");  // the read ends: the command runs
  ASSERT_TRUE(q.Take(kT0).has_value());
  EXPECT_FALSE(q.Reserve("A"));
  q.Done("A");
  EXPECT_FALSE(q.Busy("A"));
  EXPECT_TRUE(q.Reserve("A"));
}

TEST(AckTrackerTest, AcknowledgesOnlyAContiguousPrefix) {
  AckTracker acks;
  EXPECT_EQ(acks.Acked(), 0u);
  for (uint64_t seq : {1, 2, 3, 4}) acks.Delivered(seq);
  acks.Completed(2);
  acks.Completed(4);
  EXPECT_EQ(acks.Acked(), 0u);
  acks.Completed(1);
  EXPECT_EQ(acks.Acked(), 2u);
  acks.Delivered(2);  // a redelivery after a reconnect changes nothing
  EXPECT_EQ(acks.Acked(), 2u);
  acks.Completed(3);
  EXPECT_EQ(acks.Acked(), 4u);
  EXPECT_EQ(acks.outstanding(), 0u);
}

TEST(AckTrackerTest, RedeliveryOfARunningCommandIsNotAcknowledged) {
  // The gateway takes a command only when Delivered says it is new: a
  // redelivery after a reconnect must not count as done while the first
  // delivery is still running.
  AckTracker acks;
  RelayQueue q(NoJitter());
  ASSERT_TRUE(acks.Delivered(1));
  q.Add(Command(1, "A", v1::DISCONNECT), kT0);
  auto running = q.Take(kT0);
  ASSERT_TRUE(running.has_value());
  EXPECT_FALSE(acks.Delivered(1));  // the stream reopened and sent it again
  EXPECT_EQ(acks.Acked(), 0u);
  q.Done("A");
  acks.Completed(1);
  EXPECT_EQ(acks.Acked(), 1u);
}

TEST(DirectoryTest, ParsesRowsAndRejectsBadLines) {
  auto d = ParseMeterDirectory(
      "# meter_id,host,port,server_wport,client_wport,password\n"
      "SIM000001,127.16.1.1,4059,1,32,12345678\n"
      "\n"
      "CT000001,10.0.0.7,4059,1,16,\n");
  ASSERT_THAT(d, IsOk());
  ASSERT_EQ(d->size(), 2u);
  const dlms::MeterEndpoint& m = d->at("SIM000001");
  EXPECT_EQ(m.host, "127.16.1.1");
  EXPECT_EQ(m.port, 4059);
  EXPECT_EQ(m.server_wport, 1);
  EXPECT_EQ(m.client_wport, 32);
  EXPECT_EQ(m.password, "12345678");
  EXPECT_TRUE(d->at("CT000001").password.empty());

  for (const char* bad : {"A,h,4059,1,32\n", "A,h,70000,1,32,p\n", "A,h,0,1,32,p\n",
                          ",h,4059,1,32,p\n", "A,h,4059,x,32,p\n",
                          "A,h,4059,1,32,p\nA,h,4059,1,32,p\n"}) {
    auto r = ParseMeterDirectory(bad);
    EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
  EXPECT_THAT(LoadMeterDirectory("/nonexistent/meters.csv"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(MeterSessionTest, RelayStateFollowsTheSupply) {
  EXPECT_EQ(RelayStateOf(1, true), v1::RELAY_CONNECTED);
  EXPECT_EQ(RelayStateOf(0, false), v1::RELAY_DISCONNECTED);
  EXPECT_EQ(RelayStateOf(2, false), v1::RELAY_ARMED);
  // Supply on although the relay was commanded open: forced reconnection.
  EXPECT_EQ(RelayStateOf(0, true), v1::RELAY_CONNECTED);
}

TEST(MeterSessionTest, UnreachableMeterIsOfflineAndRetryable) {
  dlms::MeterEndpoint nowhere;
  nowhere.host = "127.0.0.1";
  nowhere.port = 1;  // nothing listens on port 1
  dlms::ClientOptions options;
  options.connect_timeout = absl::Milliseconds(500);
  RelayAttempt attempt =
      ExecuteRelayCommand(nowhere, Command(1, "A", v1::DISCONNECT), options);
  EXPECT_EQ(attempt.outcome.result(), v1::RelayOutcome::OFFLINE);
  EXPECT_EQ(attempt.outcome.state(), v1::RELAY_OFFLINE);
  EXPECT_EQ(attempt.outcome.command_id(), "cmd-1");
  EXPECT_TRUE(attempt.retryable);
}

}  // namespace
}  // namespace meter_gateway
