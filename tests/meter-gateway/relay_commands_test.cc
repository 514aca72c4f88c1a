// The relay command path with a fake walletd connection, scripted meters and
// a fake clock: commands run, are reported and only then acknowledged;
// retryable failures wait their back-off; a newer command supersedes an
// older one; refusals and stops are told apart; reads share the meter.
#include "meter-gateway/gateway/relay_commands.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/meter-gateway/gateway_fakes.h"
#include "tests/testing/fake_clock.h"

namespace meter_gateway::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

class RelayCommandPathTest : public ::testing::Test {
 protected:
  RelayCommandPathTest() {
    options_.retry.initial_backoff = absl::Seconds(1);
    options_.retry.max_backoff = absl::Seconds(4);
    options_.retry.jitter = 0;
    options_.retry.max_attempts = 3;
  }

  RelayCommandPath& Path() {
    if (path_ == nullptr) {
      path_ = std::make_unique<RelayCommandPath>(
          options_, &wallet_, &meters_, &clock_, &work_,
          [this](const std::string& meter_id, const v1::RelayOutcome& outcome) {
            observed_.push_back(absl::StrCat(meter_id, " ", v1::RelayOutcome::Result_Name(
                                                                outcome.result())));
          });
    }
    return *path_;
  }
  // RunDue takes the job due now and runs it; false if none was due.
  bool RunDue() {
    std::optional<RelayJob> job = Path().TakeDue();
    if (!job) return false;
    Path().Run(*job);
    return true;
  }
  std::vector<std::string> Reported() {
    std::vector<std::string> out;
    for (const v1::RelayOutcome& o : wallet_.reports()) {
      out.push_back(absl::StrCat(o.command_id(), " ", v1::RelayOutcome::Result_Name(o.result())));
    }
    return out;
  }

  RelayCommandOptions options_;
  FakeWalletConnection wallet_;
  FakeMeterLink meters_{{"M1", "M2"}};
  ::wallet::testing::FakeClock clock_{kT0};
  WorkSignal work_;
  std::vector<std::string> observed_;
  std::unique_ptr<RelayCommandPath> path_;
};

TEST_F(RelayCommandPathTest, ACommandIsAcknowledgedOnlyOnceItsOutcomeIsReported) {
  const uint64_t generation = work_.generation();
  Path().OnCommand(Command(1, "M1", v1::DISCONNECT));
  EXPECT_GT(work_.generation(), generation);  // a worker is woken
  EXPECT_EQ(Path().Acked(), 0u);
  ASSERT_TRUE(RunDue());
  EXPECT_THAT(Reported(), ElementsAre("cmd-1 CONFIRMED"));
  EXPECT_EQ(Path().Acked(), 1u);
  EXPECT_EQ(Path().ResumeAfter(), 1u);
  EXPECT_THAT(observed_, ElementsAre("M1 CONFIRMED"));
  EXPECT_EQ(Path().stats().confirmed, 1u);
  Path().SendAck();
  EXPECT_THAT(wallet_.acknowledged(), ElementsAre(1u));
}

TEST_F(RelayCommandPathTest, ARetryableFailureWaitsItsBackoffOnTheClock) {
  meters_.ScriptAttempt("M1", v1::RelayOutcome::OFFLINE, v1::RELAY_OFFLINE, true);
  meters_.ScriptAttempt("M1", v1::RelayOutcome::OFFLINE, v1::RELAY_OFFLINE, true);
  Path().OnCommand(Command(1, "M1", v1::RECONNECT));
  ASSERT_TRUE(RunDue());
  EXPECT_THAT(Reported(), IsEmpty());
  EXPECT_FALSE(RunDue());  // not yet
  EXPECT_EQ(Path().NextDue(), kT0 + absl::Seconds(1));
  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(RunDue());
  EXPECT_EQ(Path().NextDue(), kT0 + absl::Seconds(3));
  clock_.Advance(absl::Seconds(2));
  ASSERT_TRUE(RunDue());  // the third attempt: the meter answers
  EXPECT_THAT(Reported(), ElementsAre("cmd-1 CONFIRMED"));
  EXPECT_EQ(Path().Acked(), 1u);
  EXPECT_EQ(Path().stats().retries, 2u);
  EXPECT_EQ(Path().stats().attempts, 3u);
}

TEST_F(RelayCommandPathTest, OutOfAttemptsTheLastFailureIsReported) {
  for (int i = 0; i < 3; ++i) {
    meters_.ScriptAttempt("M1", v1::RelayOutcome::OFFLINE, v1::RELAY_OFFLINE, true);
  }
  Path().OnCommand(Command(1, "M1", v1::DISCONNECT));
  for (int attempt = 1; attempt <= 3; ++attempt) {
    ASSERT_TRUE(RunDue()) << attempt;
    if (std::optional<absl::Time> due = Path().NextDue()) clock_.Set(*due);
  }
  EXPECT_THAT(Reported(), ElementsAre("cmd-1 OFFLINE"));
  EXPECT_EQ(Path().stats().offline, 1u);
  EXPECT_EQ(Path().Acked(), 1u);
}

TEST_F(RelayCommandPathTest, ANewerCommandSupersedesTheOneRunning) {
  Path().OnCommand(Command(1, "M1", v1::DISCONNECT));
  std::optional<RelayJob> running = Path().TakeDue();
  ASSERT_TRUE(running.has_value());
  Path().OnCommand(Command(2, "M1", v1::RECONNECT));
  EXPECT_FALSE(Path().TakeDue().has_value());  // one session per meter
  Path().Run(*running);
  EXPECT_THAT(Reported(), IsEmpty());  // superseded: not reported, yet done
  EXPECT_EQ(Path().Acked(), 1u);
  ASSERT_TRUE(RunDue());
  EXPECT_THAT(Reported(), ElementsAre("cmd-2 CONFIRMED"));
  EXPECT_EQ(Path().Acked(), 2u);
  EXPECT_EQ(Path().stats().commands_superseded, 1u);
}

TEST_F(RelayCommandPathTest, ARedeliveryNeitherRunsTwiceNorIsAcknowledgedEarly) {
  Path().OnCommand(Command(1, "M1", v1::DISCONNECT));
  std::optional<RelayJob> running = Path().TakeDue();
  ASSERT_TRUE(running.has_value());
  Path().OnCommand(Command(1, "M1", v1::DISCONNECT));  // the stream reopened
  EXPECT_EQ(Path().Acked(), 0u);
  EXPECT_FALSE(Path().TakeDue().has_value());
  Path().Run(*running);
  EXPECT_EQ(Path().Acked(), 1u);
  EXPECT_EQ(meters_.executed().size(), 1u);
}

TEST_F(RelayCommandPathTest, AnUnknownMeterFailsWithoutASession) {
  Path().OnCommand(Command(1, "M9", v1::DISCONNECT));
  ASSERT_TRUE(RunDue());
  ASSERT_EQ(wallet_.reports().size(), 1u);
  EXPECT_EQ(wallet_.reports()[0].result(), v1::RelayOutcome::FAILED);
  EXPECT_EQ(wallet_.reports()[0].reason(), "meter not in the gateway's meter directory");
  EXPECT_THAT(meters_.executed(), IsEmpty());
  EXPECT_EQ(Path().stats().attempts, 0u);
  EXPECT_EQ(Path().Acked(), 1u);
}

TEST_F(RelayCommandPathTest, ARefusalIsFinalButAnUndeliveredReportIsNot) {
  wallet_.answers().Script({absl::NotFoundError("walletd knows no meter M1"),
                  absl::UnavailableError("stopped before walletd answered")});
  Path().OnCommand(Command(1, "M1", v1::DISCONNECT));
  Path().OnCommand(Command(2, "M2", v1::DISCONNECT));
  ASSERT_TRUE(RunDue());
  ASSERT_TRUE(RunDue());
  EXPECT_EQ(wallet_.reports().size(), 2u);
  EXPECT_EQ(Path().Acked(), 1u);  // seq 2 waits for walletd to redeliver it
}

TEST_F(RelayCommandPathTest, StoppingLeavesARetryableFailureToTheNextGateway) {
  meters_.ScriptAttempt("M1", v1::RelayOutcome::OFFLINE, v1::RELAY_OFFLINE, true);
  Path().OnCommand(Command(1, "M1", v1::DISCONNECT));
  Path().OnCommand(Command(2, "M2", v1::DISCONNECT));
  std::optional<RelayJob> running = Path().TakeDue();
  ASSERT_TRUE(running.has_value());
  Path().BeginStop();
  EXPECT_FALSE(Path().TakeDue().has_value());  // M2's command does not start
  Path().Run(*running);
  EXPECT_THAT(Reported(), IsEmpty());
  EXPECT_EQ(Path().Acked(), 0u);
  EXPECT_TRUE(Path().TryReserve(running->command.meter_id()));  // the meter is free
}

TEST_F(RelayCommandPathTest, ReadsAndCommandsShareEachMeter) {
  ASSERT_TRUE(Path().TryReserve("M1"));  // a read runs
  EXPECT_FALSE(Path().TryReserve("M1"));
  Path().OnCommand(Command(1, "M1", v1::DISCONNECT));
  EXPECT_FALSE(Path().TakeDue().has_value());
  EXPECT_TRUE(Path().Release("M1"));  // the command waits: it will report the relay
  ASSERT_TRUE(RunDue());
  EXPECT_TRUE(Path().TryReserve("M1"));
  EXPECT_FALSE(Path().Release("M1"));  // nothing pending now
}

TEST_F(RelayCommandPathTest, AnArmedMeterIsToldToTheObserver) {
  meters_.ScriptAttempt("M2", v1::RelayOutcome::ARMED, v1::RELAY_ARMED, false);
  Path().OnCommand(Command(7, "M2", v1::RECONNECT));
  ASSERT_TRUE(RunDue());
  EXPECT_THAT(observed_, ElementsAre("M2 ARMED"));
  EXPECT_EQ(Path().stats().armed, 1u);
}

TEST_F(RelayCommandPathTest, StopAcknowledgesWhatWasReportedAndClosesTheStream) {
  Path().Start();
  Path().OnCommand(Command(1, "M1", v1::DISCONNECT));
  ASSERT_TRUE(RunDue());
  Path().BeginStop();
  Path().Stop();  // returns: the stream thread saw the stream closed
  ASSERT_FALSE(wallet_.acknowledged().empty());
  EXPECT_EQ(wallet_.acknowledged().back(), 1u);
}

}  // namespace
}  // namespace meter_gateway::testing
