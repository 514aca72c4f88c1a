// The read scheduler with fake meter sessions, scripted meters, a fake
// reading sink and walletd connection, on a fake clock: first reads spread
// over the interval, readings stamped and handed on, relay changes observed
// unless a command is on its way, armed meters polled until pressed, busy
// meters put off, failed reads counted and rescheduled.
#include "meter-gateway/gateway/read_scheduler.h"

#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/meter-gateway/gateway_fakes.h"
#include "tests/testing/fake_clock.h"

namespace meter_gateway::testing {
namespace {

using ::testing::IsEmpty;
using ::testing::SizeIs;
using google::protobuf::util::TimeUtil;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);
const absl::Duration kInterval = absl::Minutes(15);
const absl::Duration kPoll = absl::Seconds(10);

MeterRead Read(int64_t wh, v1::RelayState relay) {
  MeterRead read;
  read.register_wh = wh;
  read.has_relay = true;
  read.relay = relay;
  return read;
}

v1::RelayOutcome Outcome(v1::RelayOutcome::Result result, v1::RelayState state) {
  v1::RelayOutcome outcome;
  outcome.set_result(result);
  outcome.set_state(state);
  return outcome;
}

class ReadSchedulerTest : public ::testing::Test {
 protected:
  ReadScheduler& Scheduler(std::vector<std::string> ids = {"M1"},
                           absl::Duration interval = kInterval) {
    meters_ = std::make_unique<FakeMeterLink>(ids);
    ReadSchedulerOptions options;
    options.read_interval = interval;
    options.armed_poll_interval = kPoll;
    scheduler_ = std::make_unique<ReadScheduler>(options, ids, &sessions_, meters_.get(), &sink_,
                                                 &wallet_, &clock_, &work_);
    return *scheduler_;
  }
  // ReadWhenDue moves the clock to the next read, runs it and returns its
  // meter.
  std::string ReadWhenDue() {
    std::optional<absl::Time> due = scheduler_->NextDue();
    EXPECT_TRUE(due.has_value());
    if (!due) return "";
    clock_.Set(std::max(*due, clock_.Now()));
    std::optional<std::string> meter = scheduler_->TakeDue();
    EXPECT_TRUE(meter.has_value());
    if (!meter) return "";
    scheduler_->Run(*meter);
    return *meter;
  }

  FakeMeterSessions sessions_;
  FakeReadingSink sink_;
  FakeWalletConnection wallet_;
  ::wallet::testing::FakeClock clock_{kT0};
  WorkSignal work_;
  std::unique_ptr<FakeMeterLink> meters_;
  std::unique_ptr<ReadScheduler> scheduler_;
};

TEST_F(ReadSchedulerTest, FirstReadsAreSpreadOverOneInterval) {
  std::vector<std::string> ids;
  for (int i = 0; i < 100; ++i) ids.push_back(absl::StrCat("M", i));
  ReadScheduler& reads = Scheduler(ids);
  std::set<absl::Time> times;
  std::set<std::string> taken;
  while (std::optional<absl::Time> due = reads.NextDue()) {
    EXPECT_GE(*due, kT0);
    EXPECT_LT(*due, kT0 + kInterval);
    times.insert(*due);
    clock_.Set(*due);
    std::optional<std::string> meter = reads.TakeDue();
    ASSERT_TRUE(meter.has_value());
    EXPECT_TRUE(sessions_.reserved(*meter));  // no relay session may overlap it
    taken.insert(*meter);
  }
  EXPECT_EQ(taken.size(), 100u);
  EXPECT_GT(times.size(), 50u);  // not all at once
}

TEST_F(ReadSchedulerTest, AReadingIsStampedHandedOnAndTheNextReadScheduled) {
  Scheduler();
  meters_->SetRead("M1", Read(12'345, v1::RELAY_CONNECTED));
  ASSERT_EQ(ReadWhenDue(), "M1");
  const absl::Time read_at = clock_.Now();
  ASSERT_THAT(sink_.readings(), SizeIs(1));
  EXPECT_EQ(sink_.readings()[0].meter_id(), "M1");
  EXPECT_EQ(sink_.readings()[0].register_wh(), 12'345);
  EXPECT_EQ(sink_.readings()[0].meter_time(),
            TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(read_at)));
  EXPECT_FALSE(sessions_.reserved("M1"));
  EXPECT_EQ(scheduler_->NextDue(), read_at + kInterval);
  EXPECT_EQ(scheduler_->stats().reads_ok, 1u);
}

TEST_F(ReadSchedulerTest, ARelayChangeNobodyCommandedIsReportedOnce) {
  Scheduler();
  scheduler_->OnRelayOutcome("M1", Outcome(v1::RelayOutcome::CONFIRMED, v1::RELAY_DISCONNECTED));
  meters_->SetRead("M1", Read(10, v1::RELAY_CONNECTED));  // forced closed after the cut
  ReadWhenDue();
  ASSERT_THAT(wallet_.reports(), SizeIs(1));
  const v1::RelayOutcome observation = wallet_.reports()[0];
  EXPECT_EQ(observation.meter_id(), "M1");
  EXPECT_EQ(observation.state(), v1::RELAY_CONNECTED);
  EXPECT_EQ(observation.result(), v1::RelayOutcome::CONFIRMED);
  EXPECT_TRUE(observation.command_id().empty());
  EXPECT_EQ(observation.observe_time(),
            TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now())));
  ReadWhenDue();  // the same state again: nothing new
  EXPECT_THAT(wallet_.reports(), SizeIs(1));
  EXPECT_EQ(scheduler_->stats().observations, 1u);
}

TEST_F(ReadSchedulerTest, ACommandOnItsWayReportsTheRelayItself) {
  Scheduler();
  scheduler_->OnRelayOutcome("M1", Outcome(v1::RelayOutcome::CONFIRMED, v1::RELAY_DISCONNECTED));
  sessions_.SetCommandPending("M1");
  meters_->SetRead("M1", Read(10, v1::RELAY_CONNECTED));
  ReadWhenDue();
  EXPECT_THAT(wallet_.reports(), IsEmpty());
  EXPECT_THAT(sink_.readings(), SizeIs(1));  // the reading still goes
}

TEST_F(ReadSchedulerTest, AnArmedMeterIsPolledUntilTheButtonIsPressed) {
  Scheduler();
  scheduler_->OnRelayOutcome("M1", Outcome(v1::RelayOutcome::ARMED, v1::RELAY_ARMED));
  EXPECT_EQ(scheduler_->NextDue(), kT0 + kPoll);  // before the scheduled read
  meters_->SetRead("M1", Read(10, v1::RELAY_ARMED));
  ReadWhenDue();
  EXPECT_EQ(scheduler_->NextDue(), clock_.Now() + kPoll);  // still armed
  EXPECT_THAT(wallet_.reports(), IsEmpty());
  meters_->SetRead("M1", Read(11, v1::RELAY_CONNECTED));  // pressed
  ReadWhenDue();
  ASSERT_THAT(wallet_.reports(), SizeIs(1));
  EXPECT_EQ(wallet_.reports()[0].state(), v1::RELAY_CONNECTED);
  EXPECT_EQ(scheduler_->NextDue(), clock_.Now() + kInterval);  // back to the schedule
}

TEST_F(ReadSchedulerTest, ArmedMetersArePolledWithScheduledReadsOff) {
  Scheduler({"M1"}, absl::ZeroDuration());
  EXPECT_FALSE(scheduler_->NextDue().has_value());
  scheduler_->OnRelayOutcome("M1", Outcome(v1::RelayOutcome::ARMED, v1::RELAY_ARMED));
  EXPECT_EQ(scheduler_->NextDue(), kT0 + kPoll);
  meters_->SetRead("M1", Read(11, v1::RELAY_CONNECTED));
  ReadWhenDue();
  EXPECT_FALSE(scheduler_->NextDue().has_value());  // pressed: no more reads
}

TEST_F(ReadSchedulerTest, AMeterACommandHoldsIsPutOffBySecond) {
  Scheduler();
  sessions_.SetBusy("M1", true);
  const absl::Time due = *scheduler_->NextDue();
  clock_.Set(due);
  EXPECT_FALSE(scheduler_->TakeDue().has_value());
  EXPECT_EQ(scheduler_->NextDue(), due + absl::Seconds(1));
  sessions_.SetBusy("M1", false);
  EXPECT_EQ(ReadWhenDue(), "M1");
}

TEST_F(ReadSchedulerTest, AFailedReadIsCountedAndTheMeterReadNextInterval) {
  Scheduler();
  meters_->SetRead("M1", absl::UnavailableError("offline"));
  ReadWhenDue();
  EXPECT_THAT(sink_.readings(), IsEmpty());
  EXPECT_EQ(scheduler_->stats().reads_failed, 1u);
  EXPECT_EQ(scheduler_->NextDue(), clock_.Now() + kInterval);
}

TEST_F(ReadSchedulerTest, NoReadStartsAfterStop) {
  Scheduler();
  clock_.Set(kT0 + kInterval);
  scheduler_->Stop();
  EXPECT_FALSE(scheduler_->TakeDue().has_value());
}

}  // namespace
}  // namespace meter_gateway::testing
