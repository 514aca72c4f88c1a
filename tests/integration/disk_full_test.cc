// walletd as a real child process with its data directory and notification
// log on a small tmpfs that the test fills up:
//
//   - a recharge whose commit fails is answered UNAVAILABLE naming the full
//     disk, and so is every change after it; /healthz is 503 with the cause,
//     walletd_writable 0; reads go on; the notification log sink acknowledges
//     nothing past what is in its file, and leaves no line cut;
//   - once space is freed, writes resume by themselves; every recharge
//     acknowledged is in the ledger once, and every notification is in the
//     log exactly once;
//   - restarted on a full disk, walletd comes up read-only and unhealthy
//     instead of crash-looping, and recovers when space is freed.
//
// Mounting needs root (CAP_SYS_ADMIN), as CI has; elsewhere the tests skip.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"
#include "tests/testing/walletd_process.h"
#include "wallet/v1/admin.grpc.pb.h"
#include "wallet/v1/retailer.grpc.pb.h"

namespace wallet::testing {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kAmountPaise = 1'000;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Occurrences counts the lines of `text` that contain `what`.
int Occurrences(const std::string& text, absl::string_view what) {
  int n = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) n += absl::StrContains(line, what);
  return n;
}

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mount_point_ = dir_.path() + "/fs";
    ASSERT_EQ(mkdir(mount_point_.c_str(), 0700), 0) << strerror(errno);
    if (mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, "size=48m") != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs (" << strerror(errno)
                   << "); the disk-full tests need root (CAP_SYS_ADMIN)";
    }
    mounted_ = true;
    data_dir_ = mount_point_ + "/data";
    ASSERT_EQ(mkdir(data_dir_.c_str(), 0700), 0) << strerror(errno);
    WalletdOptions options;
    options.binary = WALLETD_PATH;
    // The reserve off: the test wants the real write error, not the early
    // refusal (which wallet_test checks).
    options.extra_args = {absl::StrCat("--data_dir=", data_dir_),
                          absl::StrCat("--admin_key_file=", data_dir_, "/admin.key"),
                          "--min_free_disk_mb=0"};
    auto walletd = WalletdProcess::Start(options);
    ASSERT_THAT(walletd, IsOk());
    walletd_ = *std::move(walletd);
    Connect();
    TopologyOptions topology;
    topology.meters = 4;
    auto created = CreateTestTopology(*admin_, walletd_->admin_key(), topology);
    ASSERT_THAT(created, IsOk());
    topology_ = *std::move(created);
  }

  void TearDown() override {
    if (walletd_ != nullptr && HasFailure()) walletd_->KeepTempDir();
    walletd_.reset();  // stops walletd before its disk goes away
    if (mounted_ && umount2(mount_point_.c_str(), MNT_DETACH) != 0) {
      ADD_FAILURE() << "cannot unmount " << mount_point_ << ": " << strerror(errno);
    }
  }

  void Connect() {
    auto channel = walletd_->NewChannel();
    admin_ = v1::AdminService::NewStub(channel);
    retailer_ = v1::RetailerService::NewStub(channel);
  }

  // Recharge sends one retailer recharge; the meter is chosen by the id.
  grpc::Status Recharge(const std::string& request_id) {
    v1::RetailerRechargeRequest request;
    request.set_request_id(request_id);
    request.set_meter_id(topology_.meter_ids[std::hash<std::string>()(request_id) %
                                             topology_.meter_ids.size()]);
    request.set_amount_paise(kAmountPaise);
    v1::RetailerRechargeResponse response;
    grpc::Status status = retailer_->Recharge(
        MakeContext(topology_.retailer_keys[0]).get(), request, &response);
    if (status.ok()) acknowledged_.insert(request_id);
    return status;
  }

  // Fill writes a file until the tmpfs has not a byte left.
  void Fill() {
    const std::string path = mount_point_ + "/filler";
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0) << strerror(errno);
    const std::string block(1 << 16, 'x');
    for (size_t size = block.size(); size > 0; size /= 2) {
      while (write(fd, block.data(), size) == static_cast<ssize_t>(size)) {
      }
    }
    close(fd);
  }
  void FreeSpace() { ASSERT_EQ(unlink((mount_point_ + "/filler").c_str()), 0) << strerror(errno); }

  HttpResponse Health() { return ExpectValue(walletd_->HttpGet("/healthz")); }
  double Metric(absl::string_view series) {
    auto metrics = walletd_->HttpGet("/metrics");
    EXPECT_THAT(metrics, IsOk());
    if (!metrics.ok()) return -1;
    for (absl::string_view line : absl::StrSplit(metrics->body, '\n')) {
      double value;
      if (absl::ConsumePrefix(&line, series) && absl::ConsumePrefix(&line, " ") &&
          absl::SimpleAtod(line, &value)) {
        return value;
      }
    }
    ADD_FAILURE() << series << " missing from /metrics";
    return -1;
  }

  // MeterTotal sums the meters' balances as walletd reads them.
  int64_t MeterTotal() {
    int64_t total = 0;
    for (const std::string& meter : topology_.meter_ids) {
      v1::GetMeterRequest request;
      request.set_meter_id(meter);
      v1::MeterView view;
      grpc::Status status =
          admin_->GetMeter(MakeContext(walletd_->admin_key()).get(), request, &view);
      EXPECT_THAT(status, IsOk()) << "reads go on";
      total += view.balance_paise();
    }
    return total;
  }

  void ExpectLedgerChecksOut() {
    v1::CheckLedgerResponse ledger;
    grpc::Status status = admin_->CheckLedger(MakeContext(walletd_->admin_key()).get(),
                                              v1::CheckLedgerRequest(), &ledger);
    ASSERT_THAT(status, IsOk());
    EXPECT_TRUE(ledger.ok()) << ledger.DebugString();
    EXPECT_EQ(MeterTotal(), static_cast<int64_t>(acknowledged_.size()) * kAmountPaise)
        << "every acknowledged recharge once, nothing else";
  }

  // ExpectLogWhole checks that the notification log has no cut line and
  // that walletd acknowledged no notification that is not in it.
  void ExpectLogWhole() {
    const std::string log = ReadFile(data_dir_ + "/notifications.log");
    if (!log.empty()) {
      EXPECT_EQ(log.back(), '\n') << "a cut line";
    }
    const std::vector<std::string> lines = absl::StrSplit(log, '\n', absl::SkipEmpty());
    const double acknowledged =
        Metric("walletd_outbox_acknowledged_total{stream=\"notifications\"}");
    ASSERT_LE(acknowledged, static_cast<double>(lines.size())) << "acknowledged past the file";
    if (acknowledged > 0) {
      const size_t last = static_cast<size_t>(acknowledged);
      EXPECT_TRUE(absl::StartsWith(lines[last - 1], absl::StrCat("nt-", last, " ")))
          << lines[last - 1];
    }
  }

  TempDir dir_;
  std::string mount_point_;
  std::string data_dir_;
  bool mounted_ = false;
  std::unique_ptr<WalletdProcess> walletd_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::RetailerService::Stub> retailer_;
  Topology topology_;
  std::set<std::string> acknowledged_;
};

TEST_F(DiskFullTest, WritesStopWithAClearStatusAndResumeByThemselvesWhenSpaceIsFreed) {
  for (int i = 0; i < 20; ++i) ASSERT_THAT(Recharge(absl::StrCat("ok-", i)), IsOk());
  ASSERT_NO_FATAL_FAILURE(Fill());

  // The first commit that needs a page the disk no longer has fails.
  std::vector<std::string> refused;
  for (int i = 0; i < 5'000 && refused.empty(); ++i) {
    const std::string id = absl::StrCat("full-", i);
    grpc::Status status = Recharge(id);
    if (status.ok()) continue;  // the write-ahead log's last page still had room
    EXPECT_THAT(status, StatusIs(grpc::StatusCode::UNAVAILABLE, HasSubstr("data disk is full")));
    EXPECT_THAT(status.error_message(), HasSubstr("resume by themselves"));
    refused.push_back(id);
  }
  ASSERT_FALSE(refused.empty()) << "no recharge failed on a full disk";
  for (int i = 0; i < 10; ++i) {
    const std::string id = absl::StrCat("later-", i);
    EXPECT_THAT(Recharge(id), StatusIs(grpc::StatusCode::UNAVAILABLE));
    refused.push_back(id);
  }
  const HttpResponse health = Health();
  EXPECT_EQ(health.status, 503);
  EXPECT_THAT(health.body, HasSubstr("a commit failed"));
  EXPECT_THAT(health.body, HasSubstr("No space left on device"));
  EXPECT_EQ(Metric("walletd_writable"), 0);
  EXPECT_GE(Metric("walletd_write_errors_total"), 1);
  EXPECT_EQ(MeterTotal(), static_cast<int64_t>(acknowledged_.size()) * kAmountPaise);
  ExpectLogWhole();
  EXPECT_EQ(Occurrences(ReadFile(walletd_->log_path()), "WRITES STOPPED"), 1) << "logged once";

  ASSERT_NO_FATAL_FAILURE(FreeSpace());
  ASSERT_TRUE(PollUntil([&] { return Health().status == 200; })) << Health().body;
  EXPECT_EQ(Metric("walletd_writable"), 1);
  for (const std::string& id : refused) EXPECT_THAT(Recharge(id), IsOk()) << id;
  for (int i = 0; i < 10; ++i) EXPECT_THAT(Recharge(absl::StrCat("after-", i)), IsOk());
  EXPECT_EQ(Occurrences(ReadFile(walletd_->log_path()), "WRITES RESUMED"), 1);
  ExpectLedgerChecksOut();

  // Every notification in the log exactly once, in order, none cut.
  ASSERT_TRUE(PollUntil([&] {
    return Metric("walletd_outbox_backlog{stream=\"notifications\"}") == 0;
  }));
  const std::string log = ReadFile(data_dir_ + "/notifications.log");
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back(), '\n');
  const std::vector<std::string> lines = absl::StrSplit(log, '\n', absl::SkipEmpty());
  ASSERT_EQ(static_cast<double>(lines.size()),
            Metric("walletd_outbox_committed_total{stream=\"notifications\"}"));
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_TRUE(absl::StartsWith(lines[i], absl::StrCat("nt-", i + 1, " "))) << lines[i];
  }
  EXPECT_GE(Occurrences(log, " RECHARGE_RECEIPT "), static_cast<int>(acknowledged_.size()));
}

TEST_F(DiskFullTest, RestartOnAFullDiskComesUpReadOnlyAndRecovers) {
  for (int i = 0; i < 20; ++i) ASSERT_THAT(Recharge(absl::StrCat("ok-", i)), IsOk());
  ASSERT_NO_FATAL_FAILURE(Fill());
  // A crash leaves the write-ahead log to replay, which needs room to flush.
  ASSERT_THAT(walletd_->Kill(), IsOk());
  ASSERT_THAT(walletd_->Restart(), IsOk()) << "walletd must start on a full disk";
  Connect();
  const HttpResponse health = Health();
  EXPECT_EQ(health.status, 503);
  EXPECT_THAT(health.body, HasSubstr("opened read-only"));
  EXPECT_EQ(Metric("walletd_writable"), 0);
  EXPECT_EQ(MeterTotal(), 20 * kAmountPaise);
  const grpc::Status refused = Recharge("while-full");
  EXPECT_THAT(refused, StatusIs(grpc::StatusCode::UNAVAILABLE, HasSubstr("data disk is full")));

  ASSERT_NO_FATAL_FAILURE(FreeSpace());
  ASSERT_TRUE(PollUntil([&] { return Health().status == 200; })) << Health().body;
  EXPECT_THAT(Recharge("while-full"), IsOk());
  ExpectLedgerChecksOut();
}

}  // namespace
}  // namespace wallet::testing
