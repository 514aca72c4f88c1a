// The connection to walletd over a fake stub: one retry policy for every
// call (retryable codes tried again with the same request and a deadline
// each, others returned at once, attempts counted), retries stopped on
// demand, and the relay stream resumed, acknowledged and reopened.
#include "meter-gateway/gateway/wallet_connection.h"

#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/meter-gateway/gateway_fakes.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wait.h"

namespace meter_gateway::testing {
namespace {

using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::Not;
using ::wallet::testing::IsOk;
using ::wallet::testing::StatusIs;
using wallet::testing::WaitUntil;

WalletConnectionOptions Fast(int max_attempts = 0) {
  WalletConnectionOptions options;
  options.retry.initial_backoff = absl::Milliseconds(1);
  options.retry.max_backoff = absl::Milliseconds(5);
  options.retry.max_attempts = max_attempts;
  options.call_timeout = absl::Seconds(7);
  return options;
}

v1::IngestReadingsRequest Batch(const std::string& id) {
  v1::IngestReadingsRequest request;
  request.set_batch_id(id);
  request.add_readings()->set_meter_id("M1");
  return request;
}

class WalletConnectionTest : public ::testing::Test {
 protected:
  void Connect(const WalletConnectionOptions& options) {
    auto stub = std::make_unique<FakeWalletStub>();
    stub_ = stub.get();
    connection_ = MakeWalletConnection(std::move(stub), options);
    connection_->RegisterMetrics(&metrics_);
  }
  bool Rendered(const std::string& line) {
    return metrics_.Render().find(line + "\n") != std::string::npos;
  }

  base::Metrics metrics_;
  FakeWalletStub* stub_ = nullptr;
  std::unique_ptr<WalletConnection> connection_;
};

TEST_F(WalletConnectionTest, RetryableErrorsAreTriedAgainWithTheSameBatchUntilAccepted) {
  Connect(Fast());
  stub_->answers().Script({absl::UnavailableError("walletd restarting"),
                 absl::DeadlineExceededError("slow"), absl::ResourceExhaustedError("busy"),
                 absl::AbortedError("conflict")});
  absl::StatusOr<v1::IngestReadingsResponse> response =
      connection_->IngestReadings(Batch("gw-1-1"));
  ASSERT_THAT(response, IsOk());
  const std::vector<v1::IngestReadingsRequest> sent = stub_->batches();
  ASSERT_EQ(sent.size(), 5u);
  for (const v1::IngestReadingsRequest& request : sent) EXPECT_EQ(request.batch_id(), "gw-1-1");
  EXPECT_THAT(stub_->timeouts(), Each(absl::Seconds(7)));  // every attempt its own deadline
  EXPECT_TRUE(Rendered("gateway_ingest_errors_total 4"));
}

TEST_F(WalletConnectionTest, ARefusalForGoodIsReturnedAtOnce) {
  Connect(Fast());
  for (absl::Status refusal :
       {absl::InvalidArgumentError("bad"), absl::PermissionDeniedError("role"),
        absl::NotFoundError("meter"), absl::UnauthenticatedError("key"),
        absl::FailedPreconditionError("state")}) {
    const size_t before = stub_->reports().size();
    stub_->answers().Script({refusal});
    v1::RelayOutcome outcome;
    outcome.set_meter_id("M1");
    EXPECT_EQ(connection_->ReportRelayOutcome(outcome), refusal);
    EXPECT_EQ(stub_->reports().size(), before + 1) << refusal;
  }
}

TEST_F(WalletConnectionTest, OnlyTransientCodesAreRetryable) {
  for (absl::StatusCode code :
       {absl::StatusCode::kUnavailable, absl::StatusCode::kDeadlineExceeded,
        absl::StatusCode::kResourceExhausted, absl::StatusCode::kAborted}) {
    EXPECT_TRUE(IsRetryable(code)) << code;
  }
  for (absl::StatusCode code :
       {absl::StatusCode::kOk, absl::StatusCode::kCancelled, absl::StatusCode::kUnknown,
        absl::StatusCode::kInvalidArgument, absl::StatusCode::kNotFound,
        absl::StatusCode::kAlreadyExists, absl::StatusCode::kPermissionDenied,
        absl::StatusCode::kFailedPrecondition, absl::StatusCode::kOutOfRange,
        absl::StatusCode::kUnimplemented, absl::StatusCode::kInternal,
        absl::StatusCode::kDataLoss, absl::StatusCode::kUnauthenticated}) {
    EXPECT_FALSE(IsRetryable(code)) << code;
  }
}

TEST_F(WalletConnectionTest, AttemptsStopAtThePolicysLimit) {
  Connect(Fast(/*max_attempts=*/3));
  stub_->answers().AlwaysFail(absl::UnavailableError("down"));
  v1::RelayOutcome outcome;
  EXPECT_THAT(connection_->ReportRelayOutcome(outcome), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(stub_->reports().size(), 3u);
}

TEST_F(WalletConnectionTest, StopRetryingEndsAWaitAndLeavesOneAttemptPerCall) {
  WalletConnectionOptions options = Fast();
  options.retry.initial_backoff = absl::Hours(1);
  options.retry.max_backoff = absl::Hours(1);
  Connect(options);
  stub_->answers().AlwaysFail(absl::UnavailableError("down"));
  absl::Status waiting_call;
  std::thread call([&] { waiting_call = connection_->ReportRelayOutcome(v1::RelayOutcome()); });
  ASSERT_TRUE(WaitUntil([&] { return stub_->reports().size() == 1; }, "the first attempt"));
  connection_->StopRetrying();
  call.join();  // an hour's back-off ended at once
  EXPECT_THAT(waiting_call, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(connection_->IngestReadings(Batch("gw-1-2")), Not(IsOk()));
  EXPECT_EQ(stub_->batches().size(), 1u);
}

// Listener records the commands and answers the resume position the test
// sets.
class Listener final : public RelayStreamListener {
 public:
  uint64_t ResumeAfter() override { return resume_after.load(); }
  void OnCommand(const v1::RelayCommand& command) override {
    absl::MutexLock lock(&mu);
    seqs.push_back(command.seq());
  }
  size_t count() {
    absl::MutexLock lock(&mu);
    return seqs.size();
  }
  std::atomic<uint64_t> resume_after{0};
  absl::Mutex mu;
  std::vector<uint64_t> seqs ABSL_GUARDED_BY(mu);
};

TEST_F(WalletConnectionTest, RelayStreamResumesAcknowledgesAndReopens) {
  Connect(Fast());
  Listener listener;
  listener.resume_after = 4;
  std::thread stream_thread([&] { connection_->RunRelayStream(&listener); });
  ASSERT_TRUE(WaitUntil([&] { return stub_->streams_opened() == 1; }, "the stream"));
  std::shared_ptr<FakeRelayStream> first = stub_->stream(0);
  first->Push(Command(5, "M1", v1::DISCONNECT));
  first->Push(Command(6, "M2", v1::RECONNECT));
  ASSERT_TRUE(WaitUntil([&] { return listener.count() == 2; }, "two commands"));
  EXPECT_TRUE(connection_->connected());
  connection_->Acknowledge(4);  // not beyond the resume position: nothing written
  connection_->Acknowledge(6);
  ASSERT_EQ(first->written().size(), 2u);
  EXPECT_EQ(first->written()[0].resume_after_seq(), 4u);
  EXPECT_EQ(first->written()[1].ack_seq(), 6u);

  // walletd goes away: the stream is reopened after back-off, resuming
  // where the listener says.
  listener.resume_after = 6;
  first->End(absl::UnavailableError("walletd restarting"));
  ASSERT_TRUE(WaitUntil([&] { return stub_->streams_opened() == 2; }, "the stream reopened"));
  std::shared_ptr<FakeRelayStream> second = stub_->stream(1);
  ASSERT_TRUE(WaitUntil([&] { return !second->written().empty(); }, "the resume message"));
  EXPECT_EQ(second->written()[0].resume_after_seq(), 6u);
  EXPECT_TRUE(Rendered("gateway_stream_reconnects_total 1"));

  connection_->CloseRelayStream();
  stream_thread.join();
  EXPECT_FALSE(connection_->connected());
  EXPECT_TRUE(Rendered("gateway_stream_connected 0"));
  connection_->Acknowledge(9);  // no stream open: nothing written anywhere
  EXPECT_EQ(second->written().size(), 1u);
  absl::MutexLock lock(&listener.mu);
  EXPECT_THAT(listener.seqs, ElementsAre(5u, 6u));
}

}  // namespace
}  // namespace meter_gateway::testing
