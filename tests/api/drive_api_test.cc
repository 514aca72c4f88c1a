// CollectionService's drive calls in process over a real socket: roles,
// approval by a second admin key, and WatchDrive streaming a drive's changes
// until it is done.
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "api/server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/local_server.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"
#include "tests/testing/wallet_harness.h"
#include "wallet/auth.h"
#include "wallet/v1/collection.grpc.pb.h"

namespace api {
namespace {

using ::testing::Contains;
using wallet::testing::WaitUntil;

constexpr char kCreatorKey[] = "wk_admin_key_for_tests_creator";
constexpr char kApproverKey[] = "wk_admin_key_for_tests_approver";

class DriveApiTest : public ::testing::Test {
 protected:
  DriveApiTest()
      : clock_(absl::FromCivil(absl::CivilSecond(2026, 11, 2, 10, 0, 0),
                               absl::FixedTimeZone(19800))) {}

  void SetUp() override {
    wallet::WalletOptions options = wallet::testing::TestWalletOptions(dir_.path());
    options.ledger.policy.mutable_defaults()->set_emergency_credit_paise(1'000'000);
    auto opened = wallet::Wallet::Open(options, &clock_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    wallet_ = *std::move(opened);
    ASSERT_TRUE(wallet_->EnsureApiKey(kCreatorKey, v1::ROLE_ADMIN, "control room").ok());
    ASSERT_TRUE(wallet_->EnsureApiKey(kApproverKey, v1::ROLE_ADMIN, "superintendent").ok());
    auto server = wallet::testing::StartLocalServer(wallet_.get());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = wallet::testing::LocalChannel(*server_);
    collection_ = v1::CollectionService::NewStub(channel_);
    for (int i = 0; i < 3; ++i) {
      auto registered = wallet::testing::Wait<v1::RegisterMeterResponse>([&](auto done) {
        wallet_->RegisterMeter(
            wallet::testing::MeterRequest(absl::StrCat("M", i), absl::StrCat("C", i), 500'000),
            done);
      });
      ASSERT_TRUE(registered.ok()) << registered.status();
    }
  }

  void TearDown() override {
    server_.reset();
    wallet_.reset();
  }

  void Prepare(grpc::ClientContext& ctx, const std::string& key) {
    if (!key.empty()) ctx.AddMetadata(kApiKeyHeader, key);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  }

  grpc::Status Create(const std::string& key, v1::Drive* drive) {
    v1::CreateDriveRequest req;
    req.set_request_id("create-1");
    req.set_name("M-series");
    req.set_reason("dues above Rs 5,000");
    for (int i = 0; i < 3; ++i) req.mutable_meter_ids()->add_meter_ids(absl::StrCat("M", i));
    req.set_rate_per_minute(600);
    req.mutable_restore_rule()->set_paid_share_bps(10'000);
    grpc::ClientContext ctx;
    Prepare(ctx, key);
    return collection_->CreateDrive(&ctx, req, drive);
  }

  grpc::Status Approve(const std::string& key, const std::string& drive_id, v1::Drive* drive) {
    v1::DriveActionRequest req;
    req.set_request_id(absl::StrCat("approve-", ++requests_));
    req.set_drive_id(drive_id);
    grpc::ClientContext ctx;
    Prepare(ctx, key);
    return collection_->ApproveDrive(&ctx, req, drive);
  }

  wallet::testing::FakeClock clock_;
  wallet::testing::TempDir dir_;
  std::unique_ptr<wallet::Wallet> wallet_;
  std::unique_ptr<WalletServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::CollectionService::Stub> collection_;
  int requests_ = 0;
};

TEST_F(DriveApiTest, OnlyAdminsTouchDrivesAndTheCreatorCannotApprove) {
  const std::string consumer_key = "wk_consumer_key_for_tests";
  ASSERT_TRUE(wallet_->EnsureApiKey(consumer_key, v1::ROLE_CONSUMER, "c").ok());
  v1::Drive drive;
  EXPECT_EQ(Create("", &drive).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Create(consumer_key, &drive).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Create(kCreatorKey, &drive).ok());
  EXPECT_EQ(drive.state(), v1::DRIVE_PREVIEW);
  EXPECT_EQ(drive.counts().to_disconnect(), 3);

  v1::Drive approved;
  const grpc::Status self = Approve(kCreatorKey, drive.drive_id(), &approved);
  EXPECT_EQ(self.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(self.error_message(), ::testing::HasSubstr("another admin key"));
  v1::GetDriveRequest get;
  get.set_drive_id(drive.drive_id());
  {
    grpc::ClientContext ctx;
    Prepare(ctx, kApproverKey);
    v1::Drive now;
    ASSERT_TRUE(collection_->GetDrive(&ctx, get, &now).ok());
    EXPECT_EQ(now.state(), v1::DRIVE_PREVIEW) << "the refusal changed nothing";
  }
  ASSERT_TRUE(Approve(kApproverKey, drive.drive_id(), &approved).ok());
  EXPECT_EQ(approved.state(), v1::DRIVE_RUNNING);
  EXPECT_EQ(approved.approved_by(), wallet::HashApiKey(kApproverKey).substr(0, 16));
  EXPECT_EQ(approved.created_by(), wallet::HashApiKey(kCreatorKey).substr(0, 16));
  EXPECT_NE(approved.created_by(), approved.approved_by());

  get.set_drive_id("drive-404");
  grpc::ClientContext ctx;
  Prepare(ctx, kApproverKey);
  v1::Drive missing;
  EXPECT_EQ(collection_->GetDrive(&ctx, get, &missing).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(DriveApiTest, WatchDriveStreamsEachChangeAndEndsWhenDone) {
  v1::Drive drive;
  ASSERT_TRUE(Create(kCreatorKey, &drive).ok());
  absl::Mutex mu;
  std::vector<v1::Drive> seen;
  grpc::Status ended;
  bool finished = false;
  grpc::ClientContext watch_ctx;
  Prepare(watch_ctx, kApproverKey);
  v1::GetDriveRequest watch;
  watch.set_drive_id(drive.drive_id());
  std::thread reader([&] {
    auto stream = collection_->WatchDrive(&watch_ctx, watch);
    v1::Drive d;
    while (stream->Read(&d)) {
      absl::MutexLock lock(&mu);
      seen.push_back(d);
    }
    grpc::Status status = stream->Finish();
    absl::MutexLock lock(&mu);
    ended = status;
    finished = true;
  });
  auto last_state = [&] {
    absl::MutexLock lock(&mu);
    return seen.empty() ? v1::DRIVE_STATE_UNSPECIFIED : seen.back().state();
  };
  auto last_counts = [&] {
    absl::MutexLock lock(&mu);
    return seen.empty() ? v1::DriveCounts() : seen.back().counts();
  };
  ASSERT_TRUE(WaitUntil([&] { return last_state() == v1::DRIVE_PREVIEW; }, "the drive as it is"));

  v1::Drive approved;
  ASSERT_TRUE(Approve(kApproverKey, drive.drive_id(), &approved).ok());
  ASSERT_TRUE(WaitUntil([&] { return last_state() == v1::DRIVE_RUNNING; }, "the approval"));

  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(wallet_->Tick().ok());
  ASSERT_TRUE(WaitUntil([&] { return last_counts().ordered() == 3; }, "three disconnects"));

  auto commands = wallet_->ReadOutbox(wallet::Stream::kRelay, 0, 100);
  ASSERT_TRUE(commands.ok());
  ASSERT_EQ(commands->size(), 3u);
  for (const auto& item : *commands) {
    v1::RelayOutcome outcome;
    outcome.set_command_id(item.relay().command_id());
    outcome.set_meter_id(item.relay().meter_id());
    outcome.set_result(v1::RelayOutcome::CONFIRMED);
    outcome.set_state(v1::RELAY_DISCONNECTED);
    auto reported = wallet::testing::Wait<v1::ReportRelayOutcomeResponse>(
        [&](auto done) { wallet_->ReportRelayOutcome(outcome, done); });
    ASSERT_TRUE(reported.ok()) << reported.status();
  }
  ASSERT_TRUE(WaitUntil([&] { return last_counts().cut() == 3; }, "three cuts"));
  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(wallet_->Tick().ok());
  ASSERT_TRUE(WaitUntil(
      [&] {
        absl::MutexLock lock(&mu);
        return finished;
      },
      "the stream's end"));
  reader.join();
  EXPECT_TRUE(ended.ok()) << ended.error_message();
  absl::MutexLock lock(&mu);
  EXPECT_EQ(seen.back().state(), v1::DRIVE_DONE);
  std::vector<v1::DriveState> states;
  for (const v1::Drive& d : seen) states.push_back(d.state());
  EXPECT_THAT(states, Contains(v1::DRIVE_RUNNING));
  // Each message differs from the one before: changes, not repeats.
  for (size_t i = 1; i < seen.size(); ++i) {
    EXPECT_NE(seen[i].SerializeAsString(), seen[i - 1].SerializeAsString()) << i;
  }
}

TEST_F(DriveApiTest, WatchingAnUnknownDriveOrWithoutAdminKeyFails) {
  v1::GetDriveRequest watch;
  watch.set_drive_id("drive-9");
  {
    grpc::ClientContext ctx;
    Prepare(ctx, kCreatorKey);
    auto stream = collection_->WatchDrive(&ctx, watch);
    v1::Drive d;
    EXPECT_FALSE(stream->Read(&d));
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext ctx;
    Prepare(ctx, "wk_unknown_key");
    auto stream = collection_->WatchDrive(&ctx, watch);
    v1::Drive d;
    EXPECT_FALSE(stream->Read(&d));
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
}

TEST_F(DriveApiTest, AWatcherThatLeavesIsLetGo) {
  v1::Drive drive;
  ASSERT_TRUE(Create(kCreatorKey, &drive).ok());
  v1::GetDriveRequest watch;
  watch.set_drive_id(drive.drive_id());
  grpc::ClientContext ctx;
  Prepare(ctx, kCreatorKey);
  auto stream = collection_->WatchDrive(&ctx, watch);
  v1::Drive d;
  ASSERT_TRUE(stream->Read(&d));
  ctx.TryCancel();
  while (stream->Read(&d)) {
  }
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  // The server goes on serving, and a change after the watcher left is fine.
  v1::Drive approved;
  ASSERT_TRUE(Approve(kApproverKey, drive.drive_id(), &approved).ok());
}

}  // namespace
}  // namespace api
