// Outbox stream tests of walletd as a real child process: notifications and
// relay commands are delivered at least once, in seq order, with stable ids,
// and a receiver that reconnects (after a clean restart or a SIGKILL) resumes
// exactly after the last acknowledgement that was durable.
//
// walletd runs with the example tariff book and policy (deploy/config) and
// with --notification_log=none, so that the test is the only receiver of the
// notification stream and the stored cursor moves only by its own acks. The
// notifications come from real operations: retailer recharges (receipts),
// readings that debit a wallet below the policy's alert levels (low-balance
// alerts) and implausible readings (quarantine reports). Relay commands come
// from admin holds. The policy's 30-day grace period means that no cutoff
// happens on the real clock; the cutoff walk itself is tested on a fake clock
// in tests/wallet/policy_test.cc.
//
// Streams deliver in seq order, so "everything up to here has arrived" and
// "nothing else came" are shown by a marker: an item made afterwards (a
// quarantine report or a hold's relay command) that must be the next one to
// arrive. No test sleeps to see that nothing happens.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wait.h"
#include "tests/testing/walletd_process.h"
#include "wallet/v1/admin.grpc.pb.h"
#include "wallet/v1/meter.grpc.pb.h"
#include "wallet/v1/retailer.grpc.pb.h"

namespace wallet::testing {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::google::protobuf::util::TimeUtil;
using ::testing::AnyOf;
using ::testing::IsEmpty;
using ::testing::Not;
using ::wallet::v1::AdminService;
using ::wallet::v1::IngestReadingsRequest;
using ::wallet::v1::IngestReadingsResponse;
using ::wallet::v1::MeterGatewayService;
using ::wallet::v1::MeterIngestService;
using ::wallet::v1::Notification;
using ::wallet::v1::NotificationService;
using ::wallet::v1::ReadingResult;
using ::wallet::v1::RelayCommand;
using ::wallet::v1::RelayOutcome;
using ::wallet::v1::RetailerService;
using ::wallet::v1::StreamAck;

constexpr int kMeters = 3;
constexpr int64_t kHourUs = int64_t{3600} * 1'000'000;
// Rs 500: after the debit reading below, the balance falls under 30 % of it.
constexpr int64_t kRechargePaise = 50'000;
// 5 kW sanctioned: at most 7.5 kWh per hour is plausible (150 %).
constexpr int32_t kSanctionedLoadW = 5000;

// OutboxReader is the receiving end of one outbox stream (notifications or
// relay commands): it sends the opening StreamAck, then collects every item
// on a thread of its own while the test acknowledges and waits.
template <typename Item>
class OutboxReader final {
 public:
  using Stream = grpc::ClientReaderWriter<StreamAck, Item>;
  using Opener = std::function<std::unique_ptr<Stream>(grpc::ClientContext*)>;

  // Opens the stream with `api_key` and asks to resume after
  // `resume_after_seq` (0: after the stored cursor). The call ends after
  // `timeout` at the latest, so that a stuck test fails instead of hanging.
  OutboxReader(const Opener& open, absl::string_view api_key, uint64_t resume_after_seq = 0,
               absl::Duration timeout = absl::Seconds(60)) {
    ConfigureContext(&context_, api_key, timeout);
    stream_ = open(&context_);
    StreamAck resume;
    resume.set_resume_after_seq(resume_after_seq);
    // A refused call fails this write; the reader then sees the status.
    stream_->Write(resume);
    reader_ = std::thread([this] { ReadAll(); });
  }

  ~OutboxReader() {
    if (!finished_) {
      context_.TryCancel();
      Finish().IgnoreError();
    }
  }

  // Ack acknowledges everything up to `seq`. False if the stream is gone.
  bool Ack(uint64_t seq) {
    StreamAck ack;
    ack.set_ack_seq(seq);
    return stream_->Write(ack);
  }

  // WaitUntil returns the items received so far once `done(items)` holds,
  // the stream has ended, or `timeout` has passed.
  std::vector<Item> WaitUntil(const std::function<bool(const std::vector<Item>&)>& done,
                              absl::Duration timeout = kGenerousDeadline) {
    struct Want {
      OutboxReader* self;
      const std::function<bool(const std::vector<Item>&)>* done;
    };
    Want want{this, &done};
    mu_.LockWhenWithTimeout(
        absl::Condition(
            +[](Want* w) { return w->self->ended_ || (*w->done)(w->self->items_); }, &want),
        timeout);
    std::vector<Item> items = items_;
    mu_.Unlock();
    return items;
  }

  // WaitFor returns the items received so far once there are `count` of them,
  // the stream has ended, or `timeout` has passed.
  std::vector<Item> WaitFor(size_t count, absl::Duration timeout = kGenerousDeadline) {
    return WaitUntil([count](const std::vector<Item>& items) { return items.size() >= count; },
                     timeout);
  }

  // Items returns the items received so far.
  std::vector<Item> Items() {
    absl::MutexLock lock(&mu_);
    return items_;
  }

  // Close half-closes the stream and returns the status it ends with.
  absl::Status Close() {
    stream_->WritesDone();
    return Finish();
  }

  // Finish waits until the server ends the stream and returns its status.
  absl::Status Finish() {
    if (reader_.joinable()) reader_.join();
    finished_ = true;
    return ToStatus(stream_->Finish(), "outbox stream");
  }

 private:
  void ReadAll() {
    Item item;
    while (stream_->Read(&item)) {
      absl::MutexLock lock(&mu_);
      items_.push_back(item);
    }
    absl::MutexLock lock(&mu_);
    ended_ = true;
  }

  grpc::ClientContext context_;
  std::unique_ptr<Stream> stream_;
  std::thread reader_;
  bool finished_ = false;
  absl::Mutex mu_;
  std::vector<Item> items_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
};

using NotificationReader = OutboxReader<Notification>;
using RelayReader = OutboxReader<RelayCommand>;

std::vector<uint64_t> SeqsOf(const std::vector<Notification>& items) {
  std::vector<uint64_t> seqs;
  for (const Notification& n : items) seqs.push_back(n.seq());
  return seqs;
}

std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> seqs;
  for (uint64_t seq = first; seq <= last; ++seq) seqs.push_back(seq);
  return seqs;
}

// QuarantineAfter matches item lists holding a quarantine report newer than
// `seq`: the marker that closes a round.
std::function<bool(const std::vector<Notification>&)> QuarantineAfter(uint64_t seq) {
  return [seq](const std::vector<Notification>& items) {
    return std::any_of(items.begin(), items.end(), [seq](const Notification& n) {
      return n.seq() > seq && n.kind() == Notification::QUARANTINED_READING;
    });
  };
}

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<WalletdProcess>> started =
        WalletdProcess::Start(ExampleConfigOptions(WALLETD_PATH, WALLET_SOURCE_DIR));
    ASSERT_THAT(started, IsOk());
    walletd_ = *std::move(started);
    Connect();

    TopologyOptions topology;
    topology.meters = kMeters;
    topology.retailers = 1;
    topology.tariff_id = "DOM-LT1";
    topology.sanctioned_load_w = kSanctionedLoadW;
    topology.consumer_keys = true;
    topology.meter_gateway_key = true;
    absl::StatusOr<Topology> created = CreateTestTopology(*admin_, walletd_->admin_key(), topology);
    ASSERT_THAT(created, IsOk());
    topology_ = *std::move(created);
  }

  void TearDown() override {
    if (HasFailure() && walletd_ != nullptr) ADD_FAILURE() << walletd_->KeepForInspection();
  }

  void Connect() {
    channel_ = walletd_->NewChannel();
    admin_ = AdminService::NewStub(channel_);
    retailer_ = RetailerService::NewStub(channel_);
    ingest_ = MeterIngestService::NewStub(channel_);
    gateway_ = MeterGatewayService::NewStub(channel_);
    notifications_ = NotificationService::NewStub(channel_);
  }

  void Disconnect() {
    admin_.reset();
    retailer_.reset();
    ingest_.reset();
    gateway_.reset();
    notifications_.reset();
    channel_.reset();
  }

  // Restart stops walletd, cleanly (SIGTERM) or by SIGKILL, starts it again
  // on the same data and reconnects. Keys survive; ports change.
  void Restart(bool kill) {
    // An idle channel would hold up a clean stop by up to its 5 s poll.
    Disconnect();
    if (kill) {
      ASSERT_THAT(walletd_->Kill(), IsOk());
    } else {
      absl::StatusOr<int> code = walletd_->Terminate();
      ASSERT_THAT(code, IsOk());
      ASSERT_EQ(*code, 0) << walletd_->LogTail();
    }
    absl::Status restarted = walletd_->Restart();
    ASSERT_THAT(restarted, IsOk());
    Connect();
  }

  const std::string& gateway_key() const { return topology_.meter_gateway_key; }

  NotificationReader::Opener NotificationOpener() {
    return [this](grpc::ClientContext* context) {
      return notifications_->StreamNotifications(context);
    };
  }

  RelayReader::Opener RelayOpener() {
    return [this](grpc::ClientContext* context) { return gateway_->StreamRelayCommands(context); };
  }

  void Recharge(int meter, int64_t amount, const std::string& request_id) {
    v1::RetailerRechargeRequest request;
    request.set_request_id(request_id);
    request.set_meter_id(topology_.meter_ids[meter]);
    request.set_amount_paise(amount);
    v1::RetailerRechargeResponse response;
    grpc::Status status =
        retailer_->Recharge(MakeContext(topology_.retailer_keys[0]).get(), request, &response);
    ASSERT_THAT(status, IsOk());
  }

  IngestReadingsResponse Ingest(const IngestReadingsRequest& request) {
    IngestReadingsResponse response;
    grpc::Status status =
        ingest_->IngestReadings(MakeContext(gateway_key()).get(), request, &response);
    EXPECT_THAT(status, IsOk());
    return response;
  }

  // GenerateFirstRound makes, for every meter: a recharge (a receipt), a base
  // reading, a reading that takes the balance below 30 % of the recharge
  // (one or more low-balance alerts) and then, in a batch of its own, an
  // implausible reading (a quarantine report). The last meter's report is
  // the round's newest item.
  void GenerateFirstRound() {
    for (int m = 0; m < kMeters; ++m) {
      ASSERT_NO_FATAL_FAILURE(Recharge(m, kRechargePaise, absl::StrCat("first-", m)));
    }
    const int64_t base_us = absl::ToUnixMicros(absl::Now()) - 20 * kHourUs;
    IngestReadingsRequest request;
    request.set_batch_id("first-round");
    for (int m = 0; m < kMeters; ++m) {
      auto add = [&](int64_t register_wh, int64_t time_us) {
        v1::Reading& reading = *request.add_readings();
        reading.set_meter_id(topology_.meter_ids[m]);
        reading.set_register_wh(register_wh);
        *reading.mutable_meter_time() = TimeUtil::MicrosecondsToTimestamp(time_us);
      };
      add(5'000'000, base_us);
      // 100 kWh in 16 h (at most 120 kWh plausible): about Rs 420 with duty.
      add(5'100'000, base_us + 16 * kHourUs);
      register_wh_[m] = 5'100'000;
      reading_us_[m] = base_us + 16 * kHourUs;
    }
    const IngestReadingsResponse response = Ingest(request);
    ASSERT_EQ(response.results_size(), 2 * kMeters);
    for (int m = 0; m < kMeters; ++m) {
      EXPECT_EQ(response.results(2 * m).outcome(), ReadingResult::RESET);
      EXPECT_EQ(response.results(2 * m + 1).outcome(), ReadingResult::DEBITED)
          << response.results(2 * m + 1).reason();
      EXPECT_LT(response.results(2 * m + 1).balance_paise(), kRechargePaise * 3 / 10);
    }
    for (int m = 0; m < kMeters; ++m) {
      ASSERT_NO_FATAL_FAILURE(Quarantine(m, absl::StrCat("first-quarantine-", m)));
    }
  }

  // Quarantine ingests, as batch `batch_id`, a reading of `meter` 100 kWh
  // above its last one a minute later (at most 125 Wh is plausible), which
  // makes exactly one notification: a quarantine report.
  void Quarantine(int meter, const std::string& batch_id) {
    register_wh_[meter] += 100'000;
    reading_us_[meter] += 60'000'000;
    IngestReadingsRequest request;
    request.set_batch_id(batch_id);
    v1::Reading& reading = *request.add_readings();
    reading.set_meter_id(topology_.meter_ids[meter]);
    reading.set_register_wh(register_wh_[meter]);
    *reading.mutable_meter_time() = TimeUtil::MicrosecondsToTimestamp(reading_us_[meter]);
    const IngestReadingsResponse response = Ingest(request);
    ASSERT_EQ(response.results_size(), 1);
    EXPECT_EQ(response.results(0).outcome(), ReadingResult::QUARANTINED)
        << response.results(0).reason();
  }

  // WaitForCursor waits until a fresh stream resumes right after `seq`, i.e.
  // until the acknowledgement of `seq` is durable. An item newer than `seq`
  // must exist: the fresh stream's first item shows where it resumed.
  template <typename Item>
  bool WaitForCursor(const typename OutboxReader<Item>::Opener& open, uint64_t seq) {
    return PollUntil([&] {
      OutboxReader<Item> probe(open, gateway_key());
      std::vector<Item> items = probe.WaitFor(1);
      const bool resumed = !items.empty() && items[0].seq() == seq + 1;
      return probe.Close().ok() && resumed;
    });
  }

  // ExpectAsGenerated checks each item against the first delivery of its
  // seq: a redelivery carries the same id and the same content.
  void ExpectAsGenerated(const std::vector<Notification>& items) {
    for (const Notification& n : items) {
      auto it = generated_.find(n.seq());
      if (it == generated_.end()) {
        ADD_FAILURE() << "seq " << n.seq()
                      << " was never delivered before: " << n.ShortDebugString();
        continue;
      }
      EXPECT_TRUE(MessageDifferencer::Equals(n, it->second))
          << "redelivered " << n.ShortDebugString() << "\nfirst delivered "
          << it->second.ShortDebugString();
    }
  }

  void Remember(const std::vector<Notification>& items) {
    for (const Notification& n : items) generated_.emplace(n.seq(), n);
  }

  std::unique_ptr<WalletdProcess> walletd_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<AdminService::Stub> admin_;
  std::unique_ptr<RetailerService::Stub> retailer_;
  std::unique_ptr<MeterIngestService::Stub> ingest_;
  std::unique_ptr<MeterGatewayService::Stub> gateway_;
  std::unique_ptr<NotificationService::Stub> notifications_;
  Topology topology_;
  // Every notification by seq, as first delivered.
  absl::flat_hash_map<uint64_t, Notification> generated_;
  // Each meter's newest reading, for the next one.
  int64_t register_wh_[kMeters] = {};
  int64_t reading_us_[kMeters] = {};
};

TEST_F(OutboxTest, NotificationsResumeAfterTheLastDurableAckAcrossRestarts) {
  ASSERT_NO_FATAL_FAILURE(GenerateFirstRound());
  const std::string& last_meter = topology_.meter_ids[kMeters - 1];

  // A first receiver that acknowledges nothing sees the whole history, which
  // ends with the last meter's quarantine report.
  NotificationReader first(NotificationOpener(), gateway_key());
  const std::vector<Notification> history =
      first.WaitUntil([&](const std::vector<Notification>& items) {
        return !items.empty() && items.back().kind() == Notification::QUARANTINED_READING &&
               items.back().meter_id() == last_meter;
      });
  ASSERT_THAT(first.Close(), IsOk());
  ASSERT_GE(history.size(), 3u * kMeters);
  EXPECT_EQ(SeqsOf(history), Range(1, history.size())) << "in order, no gaps";
  absl::flat_hash_set<std::string> ids;
  absl::flat_hash_map<int, int> kinds;
  for (const Notification& n : history) {
    EXPECT_TRUE(ids.insert(n.notification_id()).second) << "duplicate id " << n.notification_id();
    ++kinds[n.kind()];
    EXPECT_THAT(topology_.meter_ids, ::testing::Contains(n.meter_id()));
    // Quarantine reports go to the utility; the rest to the consumer's phone.
    EXPECT_EQ(n.phone().empty(), n.kind() == Notification::QUARANTINED_READING)
        << n.ShortDebugString();
    EXPECT_FALSE(n.text().empty());
    EXPECT_GT(TimeUtil::TimestampToMicroseconds(n.create_time()), 0);
  }
  EXPECT_EQ(kinds[Notification::RECHARGE_RECEIPT], kMeters);
  EXPECT_EQ(kinds[Notification::QUARANTINED_READING], kMeters);
  EXPECT_GE(kinds[Notification::LOW_BALANCE], kMeters);
  EXPECT_EQ(kinds.size(), 3u) << "only receipts, low-balance alerts and quarantine reports";
  Remember(history);
  const uint64_t last_of_history = history.back().seq();

  // Nothing was acknowledged: a second receiver gets the same items, with
  // the same ids, and acknowledges the first three.
  NotificationReader second(NotificationOpener(), gateway_key());
  std::vector<Notification> items = second.WaitFor(history.size());
  ASSERT_EQ(items.size(), history.size());
  ExpectAsGenerated(items);
  const uint64_t first_ack = history[2].seq();
  ASSERT_TRUE(second.Ack(first_ack));
  EXPECT_THAT(second.Close(), IsOk());
  ASSERT_TRUE(WaitForCursor<Notification>(NotificationOpener(), first_ack));

  // Clean restart: delivery resumes exactly after the acknowledged seq.
  ASSERT_NO_FATAL_FAILURE(Restart(/*kill=*/false));
  NotificationReader third(NotificationOpener(), gateway_key());
  items = third.WaitFor(history.size() - 3);
  EXPECT_EQ(SeqsOf(items), Range(first_ack + 1, last_of_history));
  ExpectAsGenerated(items);

  // New notifications reach the open stream without a reconnect. A recharge
  // starts a new alert cycle, so a days-left alert may follow its receipt
  // (in the same commit); a quarantine report made afterwards closes the
  // round.
  for (int m = 0; m < kMeters; ++m) {
    ASSERT_NO_FATAL_FAILURE(Recharge(m, kRechargePaise, absl::StrCat("second-", m)));
  }
  ASSERT_NO_FATAL_FAILURE(Quarantine(0, "second-round-marker"));
  items = third.WaitUntil(QuarantineAfter(last_of_history));
  ASSERT_GE(items.size(), history.size() - 3 + kMeters + 1);
  const uint64_t last = items.back().seq();
  ASSERT_EQ(SeqsOf(items), Range(first_ack + 1, last));
  EXPECT_EQ(items.back().kind(), Notification::QUARANTINED_READING);
  EXPECT_EQ(items.back().meter_id(), topology_.meter_ids[0]);
  std::vector<Notification> live(items.begin() + (history.size() - 3), items.end() - 1);
  int receipts = 0;
  for (const Notification& n : live) {
    receipts += n.kind() == Notification::RECHARGE_RECEIPT;
    EXPECT_THAT(n.kind(),
                ::testing::AnyOf(Notification::RECHARGE_RECEIPT, Notification::LOW_BALANCE))
        << n.ShortDebugString();
  }
  live.push_back(items.back());
  for (const Notification& n : live) {
    EXPECT_TRUE(ids.insert(n.notification_id()).second) << "reused id " << n.notification_id();
  }
  EXPECT_EQ(receipts, kMeters);
  Remember(live);

  // Acknowledge the first new one, wait until that is durable, then crash
  // with the stream still open.
  const uint64_t second_ack = last_of_history + 1;
  ASSERT_TRUE(third.Ack(second_ack));
  ASSERT_TRUE(WaitForCursor<Notification>(NotificationOpener(), second_ack));
  ASSERT_NO_FATAL_FAILURE(Restart(/*kill=*/true));
  EXPECT_THAT(third.Finish(), Not(IsOk())) << "the stream dies with the server";

  NotificationReader fourth(NotificationOpener(), gateway_key());
  items = fourth.WaitFor(last - second_ack);
  EXPECT_EQ(SeqsOf(items), Range(second_ack + 1, last));
  ExpectAsGenerated(items);
  // Nothing after the last item: a marker made now is the very next one.
  ASSERT_NO_FATAL_FAILURE(Quarantine(0, "after-crash-marker"));
  items = fourth.WaitUntil(QuarantineAfter(last));
  ASSERT_EQ(SeqsOf(items), Range(second_ack + 1, last + 1)) << "nothing after the last item";
  Remember({items.back()});
  uint64_t newest = last + 1;

  // Acknowledge everything and crash at once: the ack may not be durable,
  // so the items after the previous durable ack may come again, but only
  // those, and unchanged. A marker made after the restart ends what comes.
  ASSERT_TRUE(fourth.Ack(newest));
  ASSERT_THAT(walletd_->Kill(), IsOk());
  EXPECT_THAT(fourth.Finish(), Not(IsOk()));
  ASSERT_NO_FATAL_FAILURE(Restart(/*kill=*/true));
  NotificationReader fifth(NotificationOpener(), gateway_key());
  ASSERT_NO_FATAL_FAILURE(Quarantine(0, "after-second-crash-marker"));
  items = fifth.WaitUntil(QuarantineAfter(newest));
  ASSERT_FALSE(items.empty());
  EXPECT_EQ(items.back().seq(), newest + 1) << "the marker follows the last item";
  Remember({items.back()});
  items.pop_back();
  if (!items.empty()) {
    EXPECT_EQ(SeqsOf(items), Range(items.front().seq(), newest));
    EXPECT_GT(items.front().seq(), second_ack);
    ExpectAsGenerated(items);
  }
  ++newest;

  // Everything ever generated was delivered; after de-duplication by id each
  // notification is there once, always under the same seq.
  EXPECT_EQ(generated_.size(), newest);
  absl::flat_hash_map<std::string, uint64_t> seq_by_id;
  for (const auto& [seq, n] : generated_) {
    EXPECT_TRUE(seq_by_id.emplace(n.notification_id(), seq).second) << n.notification_id();
  }
  EXPECT_EQ(seq_by_id.size(), newest);

  // With everything acknowledged, a new receiver has nothing old to do: it
  // starts with the next item made.
  ASSERT_TRUE(fifth.Ack(newest));
  EXPECT_THAT(fifth.Close(), IsOk());
  ASSERT_NO_FATAL_FAILURE(Quarantine(0, "final-marker"));
  EXPECT_TRUE(WaitForCursor<Notification>(NotificationOpener(), newest));
}

TEST_F(OutboxTest, AcksBeyondWhatWasSentAndWrongKeysAreRefused) {
  ASSERT_NO_FATAL_FAILURE(Recharge(0, kRechargePaise, "only"));

  {
    NotificationReader reader(NotificationOpener(), gateway_key(), 0, kGenerousDeadline);
    std::vector<Notification> items = reader.WaitFor(1);
    ASSERT_EQ(items.size(), 1u);
    ASSERT_TRUE(reader.Ack(items[0].seq() + 1000));
    EXPECT_THAT(reader.Finish(), StatusIs(absl::StatusCode::kInvalidArgument));
  }
  {
    // The refused ack moved nothing: the item is still there. The admin key
    // may take notifications too, until a notifier role exists.
    NotificationReader reader(NotificationOpener(), walletd_->admin_key());
    EXPECT_EQ(reader.WaitFor(1).size(), 1u);
    EXPECT_THAT(reader.Close(), IsOk());
  }
  {
    // No relay command exists yet: acknowledging seq 1 is refused (which
    // shows there is none), and nothing came.
    RelayReader reader(RelayOpener(), gateway_key(), 0, kGenerousDeadline);
    ASSERT_TRUE(reader.Ack(1));
    EXPECT_THAT(reader.Finish(), StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(reader.Items(), IsEmpty());
  }

  struct Case {
    std::string name;
    std::string key;
    absl::StatusCode notifications;
    absl::StatusCode relay;
  };
  const std::vector<Case> cases = {
      {"retailer", topology_.retailer_keys[0], absl::StatusCode::kPermissionDenied,
       absl::StatusCode::kPermissionDenied},
      {"consumer", topology_.consumer_keys[0], absl::StatusCode::kPermissionDenied,
       absl::StatusCode::kPermissionDenied},
      {"admin", walletd_->admin_key(), absl::StatusCode::kOk, absl::StatusCode::kPermissionDenied},
      {"unknown", "wk_not-a-key-anyone-was-given", absl::StatusCode::kUnauthenticated,
       absl::StatusCode::kUnauthenticated},
      {"empty", "", absl::StatusCode::kUnauthenticated, absl::StatusCode::kUnauthenticated},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    if (c.notifications != absl::StatusCode::kOk) {
      NotificationReader reader(NotificationOpener(), c.key, 0, kGenerousDeadline);
      EXPECT_THAT(reader.Finish(), StatusIs(c.notifications));
    }
    RelayReader relay(RelayOpener(), c.key, 0, kGenerousDeadline);
    EXPECT_THAT(relay.Finish(), StatusIs(c.relay));
  }

  // The unary meter-side calls check roles the same way.
  RelayOutcome outcome;
  outcome.set_command_id("rc-1");
  outcome.set_meter_id(topology_.meter_ids[0]);
  outcome.set_result(RelayOutcome::CONFIRMED);
  v1::ReportRelayOutcomeResponse report;
  EXPECT_THAT(
      gateway_->ReportRelayOutcome(MakeContext(topology_.retailer_keys[0]).get(), outcome, &report),
      StatusIs(grpc::StatusCode::PERMISSION_DENIED));
  IngestReadingsRequest readings;
  readings.set_batch_id("refused");
  IngestReadingsResponse ingested;
  EXPECT_THAT(
      ingest_->IngestReadings(MakeContext(topology_.consumer_keys[0]).get(), readings, &ingested),
      StatusIs(grpc::StatusCode::PERMISSION_DENIED));
}

// A receiver that closes its side right after an acknowledgement: the
// stream's reactor is done before the wallet answers the ack (after a
// commit), and the answer must not touch it. Before the fix walletd aborted
// ("Mutex corrupt", a use after free) in about half of the runs of this
// test: the check is probabilistic, hence the many rounds.
TEST_F(OutboxTest, AckAnsweredAfterTheStreamEndedIsHarmless) {
  ASSERT_NO_FATAL_FAILURE(Recharge(0, kRechargePaise, "only"));
  for (int round = 0; round < 500; ++round) {
    SCOPED_TRACE(round);
    grpc::ClientContext context;
    ConfigureContext(&context, gateway_key(), kGenerousDeadline);
    std::unique_ptr<grpc::ClientReaderWriter<StreamAck, Notification>> stream =
        notifications_->StreamNotifications(&context);
    StreamAck resume;
    stream->Write(resume);
    StreamAck ack;
    ack.set_ack_seq(1000);  // never generated: refused, after a commit
    stream->Write(ack);
    stream->WritesDone();
    Notification item;
    while (stream->Read(&item)) {
    }
    const grpc::Status status = stream->Finish();
    EXPECT_THAT(status, AnyOf(IsOk(), StatusIs(grpc::StatusCode::INVALID_ARGUMENT)));
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE) break;  // walletd died
  }
  v1::CheckLedgerResponse ledger;
  grpc::Status status = admin_->CheckLedger(MakeContext(walletd_->admin_key()).get(),
                                            v1::CheckLedgerRequest(), &ledger);
  ASSERT_THAT(status, IsOk());
  EXPECT_TRUE(ledger.ok());
}

TEST_F(OutboxTest, RelayCommandsFromHoldsResumeAcrossRestartsAndOutcomesUpdateTheMeter) {
  const std::string& meter = topology_.meter_ids[0];
  const std::string& other = topology_.meter_ids[1];
  // Enough credit that lifting the hold restores supply even with the
  // policy's reconnection fee.
  ASSERT_NO_FATAL_FAILURE(Recharge(0, 2 * kRechargePaise, "relay-0"));
  ASSERT_NO_FATAL_FAILURE(Recharge(1, 2 * kRechargePaise, "relay-1"));

  auto set_hold = [&](const std::string& meter_id, v1::Hold hold, const std::string& request_id) {
    v1::SetHoldRequest request;
    request.set_request_id(request_id);
    request.set_meter_id(meter_id);
    request.set_hold(hold);
    request.set_reason("theft case under investigation");
    v1::SetHoldResponse response;
    grpc::Status status =
        admin_->SetHold(MakeContext(walletd_->admin_key()).get(), request, &response);
    EXPECT_THAT(status, IsOk());
    return response.state();
  };
  auto report = [&](const RelayCommand& command, RelayOutcome::Result result,
                    v1::RelayState state) {
    RelayOutcome outcome;
    outcome.set_command_id(command.command_id());
    outcome.set_meter_id(command.meter_id());
    outcome.set_result(result);
    outcome.set_state(state);
    v1::ReportRelayOutcomeResponse response;
    grpc::Status status =
        gateway_->ReportRelayOutcome(MakeContext(gateway_key()).get(), outcome, &response);
    EXPECT_THAT(status, IsOk());
    return response.state();
  };
  auto meter_state = [&](const std::string& meter_id) {
    v1::GetMeterRequest request;
    request.set_meter_id(meter_id);
    v1::MeterPolicyState state;
    grpc::Status status =
        admin_->GetMeterState(MakeContext(walletd_->admin_key()).get(), request, &state);
    EXPECT_THAT(status, IsOk());
    return state;
  };

  // A keep-disconnected hold orders a disconnect at once.
  const v1::MeterPolicyState held = set_hold(meter, v1::HOLD_KEEP_DISCONNECTED, "hold-1");
  EXPECT_EQ(held.pending_action(), v1::DISCONNECT);
  ASSERT_FALSE(held.pending_command_id().empty());

  RelayCommand disconnect;
  {
    RelayReader reader(RelayOpener(), gateway_key());
    std::vector<RelayCommand> commands = reader.WaitFor(1);
    ASSERT_EQ(commands.size(), 1u);
    disconnect = commands[0];
    EXPECT_EQ(disconnect.seq(), 1u);
    EXPECT_EQ(disconnect.command_id(), held.pending_command_id());
    EXPECT_EQ(disconnect.meter_id(), meter);
    EXPECT_EQ(disconnect.action(), v1::DISCONNECT);
    EXPECT_THAT(disconnect.reason(), ::testing::HasSubstr("hold"));
    EXPECT_TRUE(disconnect.supersedes_command_id().empty());
    EXPECT_GT(TimeUtil::TimestampToMicroseconds(disconnect.issue_time()), 0);
    EXPECT_THAT(reader.Close(), IsOk());  // not acknowledged
  }

  // Unacknowledged: after a clean restart the same command comes again.
  // (Nothing else can come first: the next command made would be seq 2.)
  ASSERT_NO_FATAL_FAILURE(Restart(/*kill=*/false));
  {
    RelayReader reader(RelayOpener(), gateway_key());
    std::vector<RelayCommand> commands = reader.WaitFor(1);
    ASSERT_EQ(commands.size(), 1u);
    EXPECT_TRUE(MessageDifferencer::Equals(commands[0], disconnect))
        << commands[0].ShortDebugString();
    ASSERT_TRUE(reader.Ack(disconnect.seq()));
    EXPECT_THAT(reader.Close(), IsOk());
  }
  // A marker: a hold on a third meter makes command 2, where a stream
  // resumes once the acknowledgement of command 1 is durable.
  const std::string& marker_meter = topology_.meter_ids[2];
  set_hold(marker_meter, v1::HOLD_KEEP_DISCONNECTED, "hold-marker");
  ASSERT_TRUE(WaitForCursor<RelayCommand>(RelayOpener(), disconnect.seq()));

  // Acknowledged and durable: never again, not even after a crash. A new
  // receiver starts at the marker.
  ASSERT_NO_FATAL_FAILURE(Restart(/*kill=*/true));
  RelayReader reader(RelayOpener(), gateway_key());
  std::vector<RelayCommand> commands = reader.WaitFor(1);
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_EQ(commands[0].seq(), 2u);
  EXPECT_EQ(commands[0].meter_id(), marker_meter);
  EXPECT_EQ(commands[0].action(), v1::DISCONNECT);

  // The gateway executed it.
  EXPECT_EQ(report(disconnect, RelayOutcome::CONFIRMED, v1::RELAY_DISCONNECTED),
            v1::RELAY_DISCONNECTED);
  v1::MeterPolicyState state = meter_state(meter);
  EXPECT_EQ(state.relay(), v1::RELAY_DISCONNECTED);
  EXPECT_EQ(state.pending_action(), v1::RELAY_ACTION_UNSPECIFIED);
  EXPECT_EQ(state.last_action(), v1::DISCONNECT);
  EXPECT_EQ(state.hold(), v1::HOLD_KEEP_DISCONNECTED);
  {
    // The consumer is told.
    NotificationReader notifications(NotificationOpener(), gateway_key());
    auto told = [&](const std::vector<Notification>& items) {
      return std::any_of(items.begin(), items.end(), [&](const Notification& n) {
        return n.kind() == Notification::DISCONNECTED && n.meter_id() == meter;
      });
    };
    EXPECT_TRUE(told(notifications.WaitUntil(told))) << "no DISCONNECTED notification";
    EXPECT_THAT(notifications.Close(), IsOk());
  }

  // Lifting the hold orders a reconnect, which reaches the open stream.
  set_hold(meter, v1::HOLD_NONE, "hold-2");
  commands = reader.WaitFor(2);
  ASSERT_EQ(commands.size(), 2u);
  const RelayCommand reconnect = commands[1];
  EXPECT_EQ(reconnect.seq(), 3u);
  EXPECT_EQ(reconnect.meter_id(), meter);
  EXPECT_EQ(reconnect.action(), v1::RECONNECT);
  EXPECT_NE(reconnect.command_id(), disconnect.command_id());
  EXPECT_EQ(report(reconnect, RelayOutcome::CONFIRMED, v1::RELAY_CONNECTED), v1::RELAY_CONNECTED);
  state = meter_state(meter);
  EXPECT_EQ(state.relay(), v1::RELAY_CONNECTED);
  EXPECT_EQ(state.pending_action(), v1::RELAY_ACTION_UNSPECIFIED);

  // A hold lifted before its disconnect was executed: the reconnect
  // supersedes the pending disconnect.
  set_hold(other, v1::HOLD_KEEP_DISCONNECTED, "hold-3");
  set_hold(other, v1::HOLD_NONE, "hold-4");
  commands = reader.WaitFor(4);
  ASSERT_EQ(commands.size(), 4u);
  EXPECT_EQ(commands[2].seq(), 4u);
  EXPECT_EQ(commands[2].meter_id(), other);
  EXPECT_EQ(commands[2].action(), v1::DISCONNECT);
  EXPECT_EQ(commands[3].seq(), 5u);
  EXPECT_EQ(commands[3].meter_id(), other);
  EXPECT_EQ(commands[3].action(), v1::RECONNECT);
  EXPECT_EQ(commands[3].supersedes_command_id(), commands[2].command_id());
  EXPECT_EQ(meter_state(other).pending_command_id(), commands[3].command_id());

  // Outcomes for unknown meters or without a result are refused.
  RelayOutcome bad;
  bad.set_command_id(reconnect.command_id());
  bad.set_meter_id("NO-SUCH-METER");
  bad.set_result(RelayOutcome::CONFIRMED);
  v1::ReportRelayOutcomeResponse response;
  EXPECT_THAT(gateway_->ReportRelayOutcome(MakeContext(gateway_key()).get(), bad, &response),
              StatusIs(grpc::StatusCode::NOT_FOUND));
  bad.set_meter_id(meter);
  bad.set_result(RelayOutcome::RESULT_UNSPECIFIED);
  EXPECT_THAT(gateway_->ReportRelayOutcome(MakeContext(gateway_key()).get(), bad, &response),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT));

  ASSERT_TRUE(reader.Ack(5));
  EXPECT_THAT(reader.Close(), IsOk());
}

}  // namespace
}  // namespace wallet::testing
