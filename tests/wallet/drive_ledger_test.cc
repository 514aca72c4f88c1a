// Collection drives in the wallet, on a real RocksDB with a fake clock:
// preview and approval, the runner's rate and calendar, relay outcomes,
// pause/resume/cancel, a reopened store mid-drive, and the restore rule on
// payments toward dues.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/ledger_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wallet_harness.h"
#include "tests/wallet/november_2026.h"
#include "wallet/accounts.h"
#include "wallet/drive_store.h"
#include "wallet/ledger.h"
#include "wallet/wire.h"

namespace wallet {
namespace {

using ::testing::ElementsAre;
using testing::ExpectValue;
using ::testing::HasSubstr;
using testing::Nov;
using ::testing::Pair;
using testing::Wait;
using testing::WalletHarness;

const Principal kCreator(v1::ROLE_ADMIN, "", "c0ffee0000000001", "control room");
const Principal kApprover(v1::ROLE_ADMIN, "", "c0ffee0000000002", "superintending engineer");

// No cut 18:00-08:00, on Sundays or on Saturday 7 November; Rs 10,000 of
// emergency credit, so that a wallet at zero is not cut by the prepaid
// policy on its own; half of every recharge recovers arrears.
LedgerOptions DriveLedgerOptions() {
  LedgerOptions options = testing::TestLedgerOptions();
  *options.policy.mutable_calendar() = testing::FriendlyHours();
  v1::CategoryPolicy& defaults = *options.policy.mutable_defaults();
  defaults.set_emergency_credit_paise(1'000'000);
  defaults.set_arrears_share_bps(5'000);
  return options;
}

// Meter id "D000", "D001", ...; meter i owes Rs 1,000 * (i + 1) when
// registered owing.
std::string MeterId(int i) { return absl::StrFormat("D%03d", i); }

absl::Time At(int day, int hour, int minute, int second) {
  return Nov(day, hour, minute) + absl::Seconds(second);
}

class DriveLedgerTest : public ::testing::Test {
 protected:
  DriveLedgerTest() : h_(DriveLedgerOptions()) {}

  void Register(int meters, v1::Category category = v1::COMMERCIAL, bool owing = true) {
    for (int i = registered_; i < registered_ + meters; ++i) {
      v1::RegisterMeterRequest req =
          testing::MeterRequest(MeterId(i), absl::StrCat("C", i), owing ? 100'000 * (i + 1) : 0);
      req.mutable_meter()->set_category(category);
      ASSERT_TRUE(h_.Register(req).ok()) << MeterId(i);
    }
    registered_ += meters;
  }

  std::vector<std::string> Ids(int from, int to) {
    std::vector<std::string> ids;
    for (int i = from; i < to; ++i) ids.push_back(MeterId(i));
    return ids;
  }

  v1::CreateDriveRequest Request(const std::vector<std::string>& ids, int32_t rate = 60,
                                 int32_t share_bps = 10'000, int64_t fee = 0) {
    v1::CreateDriveRequest req;
    req.set_request_id(absl::StrCat("drive-req-", ++requests_));
    req.set_name("Bilaspur commercial, Nov");
    req.set_reason("dues above Rs 20,000");
    for (const std::string& id : ids) req.mutable_meter_ids()->add_meter_ids(id);
    req.set_rate_per_minute(rate);
    req.mutable_restore_rule()->set_paid_share_bps(share_bps);
    req.mutable_restore_rule()->set_reconnection_fee_paise(fee);
    return req;
  }

  absl::StatusOr<v1::Drive> Create(const v1::CreateDriveRequest& req,
                                   const Principal& who = kCreator) {
    return Wait<v1::Drive>([&](auto done) { h_.wallet().CreateDrive(who, req, done); });
  }

  enum class Act { kApprove, kPause, kResume, kCancel };
  absl::StatusOr<v1::Drive> Action(Act act, const std::string& drive_id,
                                   const Principal& who = kApprover) {
    v1::DriveActionRequest req;
    req.set_request_id(absl::StrCat("act-", ++requests_));
    req.set_drive_id(drive_id);
    req.set_reason("control room");
    return Wait<v1::Drive>([&](auto done) {
      switch (act) {
        case Act::kApprove:
          return h_.wallet().ApproveDrive(who, req, done);
        case Act::kPause:
          return h_.wallet().PauseDrive(who, req, done);
        case Act::kResume:
          return h_.wallet().ResumeDrive(who, req, done);
        case Act::kCancel:
          return h_.wallet().CancelDrive(who, req, done);
      }
    });
  }

  // A running drive over `ids`, approved at the clock's time.
  std::string Start(const std::vector<std::string>& ids, int32_t rate = 60,
                    int32_t share_bps = 10'000, int64_t fee = 0) {
    absl::StatusOr<v1::Drive> drive = Create(Request(ids, rate, share_bps, fee));
    EXPECT_TRUE(drive.ok()) << drive.status();
    if (!drive.ok()) return "";
    EXPECT_TRUE(Action(Act::kApprove, drive->drive_id()).ok());
    return drive->drive_id();
  }

  void Hold(int meter, v1::Hold hold, const std::string& reason) {
    v1::SetHoldRequest req;
    req.set_request_id(absl::StrCat("hold-", ++requests_));
    req.set_meter_id(MeterId(meter));
    req.set_hold(hold);
    req.set_reason(reason);
    ASSERT_TRUE(Wait<v1::SetHoldResponse>([&](auto d) { h_.wallet().SetHold(req, d); }).ok());
  }

  void TickAt(absl::Time t) {
    h_.clock().Set(t);
    ASSERT_TRUE(h_.wallet().Tick().ok());
  }

  v1::Drive Get(const std::string& drive_id) { return ExpectValue(h_.wallet().GetDrive(drive_id)); }

  // The relay commands committed after `after`, oldest first.
  std::vector<store::v1::RelayCommandRecord> Commands(uint64_t after = 0) {
    std::vector<store::v1::RelayCommandRecord> commands;
    auto items = h_.wallet().ReadOutbox(Stream::kRelay, after, 1'000'000);
    EXPECT_TRUE(items.ok()) << items.status();
    if (items.ok()) {
      for (const store::v1::OutboxItem& item : *items) commands.push_back(item.relay());
    }
    return commands;
  }

  std::vector<std::string> Disconnected() {
    std::vector<std::string> meters;
    for (const auto& c : Commands()) {
      if (c.action() == v1::DISCONNECT) meters.push_back(c.meter_id());
    }
    return meters;
  }

  absl::Status Report(const store::v1::RelayCommandRecord& command, v1::RelayOutcome::Result result,
                      const std::string& reason = "",
                      v1::RelayOutcome::Failure failure = v1::RelayOutcome::FAILURE_UNSPECIFIED) {
    v1::RelayOutcome outcome = testing::OutcomeOf(command, result, failure);
    outcome.set_reason(reason);
    if (result == v1::RelayOutcome::CONFIRMED) {
      outcome.set_state(command.action() == v1::DISCONNECT ? v1::RELAY_DISCONNECTED
                                                           : v1::RELAY_CONNECTED);
    }
    return h_.ReportOutcome(outcome).status();
  }

  std::map<std::string, v1::DriveMeter> Meters(
      const std::string& drive_id, v1::DriveClass filter = v1::DRIVE_CLASS_UNSPECIFIED) {
    std::map<std::string, v1::DriveMeter> meters;
    v1::ListDriveMetersRequest req;
    req.set_drive_id(drive_id);
    req.set_drive_class(filter);
    req.set_page_size(3);
    do {
      absl::StatusOr<v1::ListDriveMetersResponse> page = h_.wallet().ListDriveMeters(req);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (const v1::DriveMeter& m : page->meters()) meters[m.meter_id()] = m;
      req.set_page_token(page->next_page_token());
    } while (!req.page_token().empty());
    return meters;
  }

  WalletHarness h_;
  int registered_ = 0;
  int requests_ = 0;
};

TEST_F(DriveLedgerTest, ThePreviewSplitsTheMetersAndNothingIsOrdered) {
  Register(3);
  Register(1, v1::COMMERCIAL, /*owing=*/false);  // D003 owes nothing
  Register(3);
  Register(1, v1::GOVERNMENT);  // D007
  // D001 is held for medical equipment, D002 held disconnected, D004 is
  // CT-operated.
  Hold(1, v1::HOLD_NEVER_DISCONNECT, "oxygen concentrator");
  Hold(2, v1::HOLD_KEEP_DISCONNECTED, "theft case");
  h_.EditStore([&](Store&, Batch& batch) {
    // What a meter survey would have left: D004 CT-operated, its address.
    store::v1::MeterRecord meter = RecordOf(testing::MeterRequest(MeterId(4), "C4").meter());
    meter.set_category(v1::COMMERCIAL);
    meter.set_ct_operated(true);
    meter.set_address("12 Link Road, Bilaspur");
    batch.Put(Table::kMeters, MeterId(4), meter.SerializeAsString());
  });
  const uint64_t commands_before = Commands().size();
  std::vector<std::string> ids = Ids(0, 8);
  ids.push_back("NOSUCH");
  const v1::CreateDriveRequest first = Request(ids);
  absl::StatusOr<v1::Drive> drive = Create(first);
  ASSERT_TRUE(drive.ok()) << drive.status();
  EXPECT_EQ(drive->state(), v1::DRIVE_PREVIEW);
  EXPECT_EQ(drive->created_by(), kCreator.key_id);
  const v1::DriveCounts& c = drive->counts();
  EXPECT_EQ(c.meters(), 9);
  EXPECT_EQ(c.to_disconnect(), 3);  // D000, D005, D006
  EXPECT_EQ(c.protected_hold(), 1);
  EXPECT_EQ(c.already_disconnected(), 1);
  EXPECT_EQ(c.nothing_due(), 1);
  EXPECT_EQ(c.no_relay(), 1);
  EXPECT_EQ(c.protected_government(), 1);
  EXPECT_EQ(c.unknown(), 1);
  EXPECT_EQ(drive->dues_at_start_paise(), 100'000 + 600'000 + 700'000);

  std::map<std::string, v1::DriveMeter> listed = Meters(drive->drive_id());
  ASSERT_EQ(listed.size(), 9u);
  EXPECT_EQ(listed["D004"].drive_class(), v1::NO_RELAY);
  EXPECT_EQ(listed["D004"].address(), "12 Link Road, Bilaspur");
  EXPECT_EQ(listed["D004"].consumer_name(), "Consumer C4");
  EXPECT_EQ(listed["NOSUCH"].drive_class(), v1::UNKNOWN_METER);
  EXPECT_EQ(listed["D000"].outcome(), v1::NOT_ORDERED);
  EXPECT_EQ(listed["D006"].dues_at_start_paise(), 700'000);
  std::map<std::string, v1::DriveMeter> lineman = Meters(drive->drive_id(), v1::NO_RELAY);
  EXPECT_THAT(lineman, ElementsAre(Pair("D004", ::testing::_)));

  // A preview orders nothing, whatever the time.
  TickAt(Nov(2, 10, 30));
  EXPECT_EQ(Commands().size(), commands_before);
  EXPECT_EQ(Get(drive->drive_id()).state(), v1::DRIVE_PREVIEW);

  // The same request again answers the same drive; another payload under
  // its id is refused.
  v1::CreateDriveRequest again = first;
  absl::StatusOr<v1::Drive> replay = Create(again);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(replay->drive_id(), drive->drive_id());
  again.set_rate_per_minute(61);
  EXPECT_EQ(Create(again).status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(DriveLedgerTest, BadDrivesAreRefusedAndChangeNothing) {
  Register(3);
  struct Case {
    const char* name;
    v1::CreateDriveRequest req;
    absl::StatusCode code;
  };
  std::vector<Case> cases;
  auto with = [&](const char* name, absl::StatusCode code, auto edit) {
    v1::CreateDriveRequest req = Request(Ids(0, 3));
    edit(req);
    cases.push_back({name, req, code});
  };
  with("no meters", absl::StatusCode::kInvalidArgument, [](auto& r) { r.clear_meter_ids(); });
  with("an empty list", absl::StatusCode::kInvalidArgument,
       [](auto& r) { r.mutable_meter_ids()->clear_meter_ids(); });
  with("a meter twice", absl::StatusCode::kInvalidArgument,
       [](auto& r) { r.mutable_meter_ids()->add_meter_ids("D001"); });
  with("a malformed id", absl::StatusCode::kInvalidArgument,
       [](auto& r) { r.mutable_meter_ids()->add_meter_ids("no spaces"); });
  with("no rate", absl::StatusCode::kInvalidArgument, [](auto& r) { r.set_rate_per_minute(0); });
  with("no share", absl::StatusCode::kInvalidArgument,
       [](auto& r) { r.mutable_restore_rule()->set_paid_share_bps(0); });
  with("more than all", absl::StatusCode::kInvalidArgument,
       [](auto& r) { r.mutable_restore_rule()->set_paid_share_bps(10'001); });
  with("a negative fee", absl::StatusCode::kInvalidArgument,
       [](auto& r) { r.mutable_restore_rule()->set_reconnection_fee_paise(-1); });
  with("no name", absl::StatusCode::kInvalidArgument, [](auto& r) { r.clear_name(); });
  with("no reason", absl::StatusCode::kInvalidArgument, [](auto& r) { r.clear_reason(); });
  with("a selection of nothing", absl::StatusCode::kFailedPrecondition,
       [](auto& r) { r.mutable_selection()->set_circle("Raipur"); });
  with("a selection by unpaid bills no meter has", absl::StatusCode::kFailedPrecondition,
       [](auto& r) { r.mutable_selection()->set_min_unpaid_bills(2); });
  with("negative unpaid bills", absl::StatusCode::kInvalidArgument,
       [](auto& r) { r.mutable_selection()->set_min_unpaid_bills(-1); });
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(Create(c.req).status().code(), c.code);
  }
  absl::StatusOr<v1::ListDrivesResponse> drives = h_.wallet().ListDrives({});
  ASSERT_TRUE(drives.ok());
  EXPECT_EQ(drives->drives_size(), 0);
  EXPECT_EQ(Commands().size(), 0u);
}

TEST_F(DriveLedgerTest, ASelectionListsMetersByDuesMostFirst) {
  Register(4);
  Register(2, v1::DOMESTIC);
  v1::CreateDriveRequest req = Request({});
  req.clear_meter_ids();
  v1::Selection& s = *req.mutable_selection();
  s.set_circle("Bilaspur");
  s.add_categories(v1::COMMERCIAL);
  s.set_min_dues_paise(200'000);
  absl::StatusOr<v1::Drive> drive = Create(req);
  ASSERT_TRUE(drive.ok()) << drive.status();
  EXPECT_EQ(drive->counts().meters(), 3);
  v1::ListDriveMetersRequest list;
  list.set_drive_id(drive->drive_id());
  absl::StatusOr<v1::ListDriveMetersResponse> meters = h_.wallet().ListDriveMeters(list);
  ASSERT_TRUE(meters.ok());
  std::vector<std::string> order;
  for (const v1::DriveMeter& m : meters->meters()) order.push_back(m.meter_id());
  EXPECT_THAT(order, ElementsAre("D003", "D002", "D001"));
}

TEST_F(DriveLedgerTest, ApprovalNeedsASecondAdminKey) {
  Register(2);
  absl::StatusOr<v1::Drive> drive = Create(Request(Ids(0, 2)));
  ASSERT_TRUE(drive.ok());
  const std::string id = drive->drive_id();
  absl::StatusOr<v1::Drive> self = Action(Act::kApprove, id, kCreator);
  EXPECT_EQ(self.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(self.status().message(), HasSubstr("another admin key"));
  EXPECT_EQ(Get(id).state(), v1::DRIVE_PREVIEW);
  EXPECT_EQ(Get(id).actions_size(), 1) << "the refusal recorded nothing";
  TickAt(Nov(2, 10, 1));
  EXPECT_TRUE(Disconnected().empty());

  absl::StatusOr<v1::Drive> approved = Action(Act::kApprove, id);
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(approved->state(), v1::DRIVE_RUNNING);
  EXPECT_EQ(approved->approved_by(), kApprover.key_id);
  EXPECT_EQ(approved->actions(1).action(), "approved");
  EXPECT_EQ(approved->actions(1).admin_key_label(), "superintending engineer");
  EXPECT_EQ(Action(Act::kApprove, id).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Action(Act::kApprove, "drive-99").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Action(Act::kApprove, "D001").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(DriveLedgerTest, RunsAtItsRateAndOnlyInAllowedHours) {
  Register(40);
  // 60 a minute: a burst of three, then one a second.
  h_.clock().Set(At(2, 17, 59, 55));
  const std::string id = Start(Ids(0, 40));
  for (int s = 55; s <= 59; ++s) TickAt(At(2, 17, 59, s));
  EXPECT_EQ(Disconnected().size(), 7u) << "3 at once, then 1 a second for 4 seconds";
  EXPECT_EQ(Get(id).waiting_for(), "rate");

  // 18:00 to 08:00: nothing, and the drive says why.
  for (absl::Time t : {Nov(2, 18, 0), Nov(2, 23, 0), At(3, 7, 59, 59)}) TickAt(t);
  EXPECT_EQ(Disconnected().size(), 7u);
  EXPECT_EQ(Get(id).waiting_for(), "no-cutoff window until 2026-11-03 08:00 IST");

  // 08:00: the bucket holds three, however long the night was.
  TickAt(Nov(3, 8, 0));
  EXPECT_EQ(Disconnected().size(), 10u);
  // A tick a second for ten seconds: ten more.
  for (int s = 1; s <= 10; ++s) TickAt(At(3, 8, 0, s));
  EXPECT_EQ(Disconnected().size(), 20u);

  // Saturday the 7th (a holiday) and Sunday the 8th: nothing.
  for (absl::Time t : {Nov(7, 10, 0), Nov(7, 12, 0), Nov(8, 9, 0), Nov(8, 17, 0)}) TickAt(t);
  EXPECT_EQ(Disconnected().size(), 20u);
  EXPECT_EQ(Get(id).waiting_for(), "Sunday until 2026-11-09 08:00 IST");
  TickAt(Nov(9, 8, 0));
  EXPECT_EQ(Disconnected().size(), 23u);

  // Every command is a disconnect of the drive, in the drive's order.
  const std::vector<std::string> cut = Disconnected();
  EXPECT_EQ(cut, Ids(0, 23));
  for (const auto& c : Commands()) {
    EXPECT_EQ(c.reason(), absl::StrCat("collection drive ", id, ": dues unpaid"));
  }
  EXPECT_EQ(Get(id).counts().ordered(), 23);
}

TEST_F(DriveLedgerTest, OutcomesAreCountedAndTheDriveEndsOnceAllAreAnswered) {
  Register(4);
  const std::string id = Start(Ids(0, 4), /*rate=*/600);
  TickAt(Nov(2, 10, 1));
  std::vector<store::v1::RelayCommandRecord> commands = Commands();
  ASSERT_EQ(commands.size(), 4u);
  EXPECT_EQ(Get(id).waiting_for(), "answers");
  ASSERT_TRUE(Report(commands[0], v1::RelayOutcome::CONFIRMED).ok());
  ASSERT_TRUE(Report(commands[1], v1::RelayOutcome::FAILED,
                     "no relay on this meter: no disconnect control object")
                  .ok());
  ASSERT_TRUE(Report(commands[2], v1::RelayOutcome::OFFLINE, "offline: connection refused").ok());
  v1::Drive drive = Get(id);
  EXPECT_EQ(drive.state(), v1::DRIVE_RUNNING) << "one meter has not answered";
  EXPECT_EQ(drive.counts().cut(), 1);
  EXPECT_EQ(drive.counts().failed(), 1);
  EXPECT_EQ(drive.counts().offline(), 1);
  EXPECT_THAT(drive.counts().failed_by_reason(), ElementsAre(Pair("no relay on this meter", 1)));
  ASSERT_TRUE(Report(commands[3], v1::RelayOutcome::CONFIRMED).ok());
  TickAt(Nov(2, 10, 2));
  drive = Get(id);
  EXPECT_EQ(drive.state(), v1::DRIVE_DONE);
  EXPECT_EQ(drive.counts().cut(), 2);
  EXPECT_TRUE(drive.has_end_time());

  std::map<std::string, v1::DriveMeter> meters = Meters(id);
  EXPECT_EQ(meters["D000"].outcome(), v1::CUT);
  EXPECT_TRUE(meters["D000"].has_cut_time());
  EXPECT_EQ(meters["D001"].outcome(), v1::FAILED);
  EXPECT_EQ(meters["D001"].failure(), "no relay on this meter: no disconnect control object");
  EXPECT_EQ(meters["D002"].outcome(), v1::OFFLINE);

  // The cut meters' owners hear why, not "recharge": their dues.
  auto notes = h_.wallet().ReadOutbox(Stream::kNotification, 0, 1000);
  ASSERT_TRUE(notes.ok());
  int cut_notes = 0;
  for (const auto& item : *notes) {
    if (item.notification().kind() != v1::Notification::DISCONNECTED) continue;
    ++cut_notes;
    EXPECT_THAT(item.notification().text(), HasSubstr("unpaid dues"));
  }
  EXPECT_EQ(cut_notes, 2);

  // The offline meter is retried by the policy 15 minutes later, and its
  // confirmed cut still counts after the drive is done.
  TickAt(Nov(2, 10, 20));
  std::vector<store::v1::RelayCommandRecord> retries = Commands(commands.back().seq());
  ASSERT_EQ(retries.size(), 2u) << "the failed and the offline meter";
  for (const auto& retry : retries) {
    if (retry.meter_id() == "D002") {
      ASSERT_TRUE(Report(retry, v1::RelayOutcome::CONFIRMED).ok());
    }
  }
  drive = Get(id);
  EXPECT_EQ(drive.counts().cut(), 3);
  EXPECT_EQ(drive.counts().offline(), 0);
}

TEST_F(DriveLedgerTest, ACutFailingForWantOfARelayIsNotRetriedAndLaterPreviewsKnowIt) {
  // D001 has no disconnect control, though its record does not say so;
  // D002 does not answer in time.
  Register(3);
  const std::string id = Start(Ids(0, 3), /*rate=*/600);
  TickAt(Nov(2, 10, 1));
  std::vector<store::v1::RelayCommandRecord> commands = Commands();
  ASSERT_EQ(commands.size(), 3u);
  ASSERT_TRUE(Report(commands[0], v1::RelayOutcome::CONFIRMED).ok());
  ASSERT_TRUE(Report(commands[1], v1::RelayOutcome::FAILED,
                     "no disconnect control: CT-operated meter", v1::RelayOutcome::NO_RELAY)
                  .ok());
  ASSERT_TRUE(Report(commands[2], v1::RelayOutcome::FAILED, "timeout: no answer in 10 s",
                     v1::RelayOutcome::NO_ANSWER)
                  .ok());
  v1::Drive drive = Get(id);
  EXPECT_EQ(drive.counts().failed(), 2);
  EXPECT_THAT(drive.counts().failed_by_reason(),
              ::testing::UnorderedElementsAre(Pair("no relay", 1), Pair("no answer", 1)));
  std::map<std::string, v1::DriveMeter> meters = Meters(id);
  EXPECT_EQ(meters["D001"].failure(), "no relay: no disconnect control: CT-operated meter");
  EXPECT_EQ(meters["D002"].failure(), "no answer: timeout: no answer in 10 s");

  // The policy orders the unanswered cut again after 15 minutes, the one
  // the meter cannot make never: the drive takes it back.
  TickAt(Nov(2, 10, 20));
  const std::vector<store::v1::RelayCommandRecord> retries = Commands(commands.back().seq());
  ASSERT_EQ(retries.size(), 1u);
  EXPECT_EQ(retries[0].meter_id(), "D002");
  absl::StatusOr<v1::MeterPolicyState> state = h_.wallet().GetMeterState("D001");
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->pending_action(), v1::RELAY_ACTION_UNSPECIFIED);
  EXPECT_NE(state->last_action(), v1::DISCONNECT);
  EXPECT_FALSE(state->has_relay_retry_time());
  TickAt(Nov(3, 10, 0));
  EXPECT_EQ(Commands(retries.back().seq()).size(), 0u);

  // The next drive's preview puts D001 on the lineman's list.
  absl::StatusOr<v1::Drive> later = Create(Request(Ids(0, 3)));
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(later->counts().no_relay(), 1);
  EXPECT_EQ(later->counts().already_disconnected(), 2) << "D000 cut, D002 being cut";
  EXPECT_EQ(Meters(later->drive_id())["D001"].drive_class(), v1::NO_RELAY);
}

TEST_F(DriveLedgerTest, PausedDrivesOrderNothingAndStatesChangeOnlyAsAllowed) {
  Register(10);
  const std::string id = Start(Ids(0, 10), /*rate=*/60);
  TickAt(At(2, 10, 0, 1));
  EXPECT_EQ(Disconnected().size(), 3u);
  ASSERT_TRUE(Action(Act::kPause, id).ok());
  const v1::Drive paused = Get(id);
  EXPECT_EQ(paused.state(), v1::DRIVE_PAUSED);
  // Pausing twice, resuming a running drive: refused, nothing changed.
  absl::StatusOr<v1::Drive> again = Action(Act::kPause, id);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(again.status().message(), HasSubstr("paused"));
  EXPECT_EQ(Get(id).SerializeAsString(), paused.SerializeAsString());
  for (int s = 2; s < 30; ++s) TickAt(At(2, 10, 0, s));
  EXPECT_EQ(Disconnected().size(), 3u) << "paused";

  ASSERT_TRUE(Action(Act::kResume, id).ok());
  EXPECT_EQ(Action(Act::kResume, id).status().code(), absl::StatusCode::kFailedPrecondition);
  TickAt(At(2, 10, 0, 30));
  EXPECT_EQ(Disconnected().size(), 6u) << "resumed where it stopped, at its rate";
  EXPECT_EQ(Disconnected(), Ids(0, 6));

  const v1::Drive before = Get(id);
  ASSERT_TRUE(Action(Act::kCancel, id).ok());
  const v1::Drive cancelled = Get(id);
  EXPECT_EQ(cancelled.state(), v1::DRIVE_CANCELLED);
  EXPECT_EQ(cancelled.counts().SerializeAsString(), before.counts().SerializeAsString());
  for (Act act : {Act::kPause, Act::kResume, Act::kCancel, Act::kApprove}) {
    EXPECT_EQ(Action(act, id).status().code(), absl::StatusCode::kFailedPrecondition);
  }
  EXPECT_EQ(Get(id).SerializeAsString(), cancelled.SerializeAsString());
  TickAt(Nov(2, 10, 5));
  EXPECT_EQ(Disconnected().size(), 6u) << "cancelled";
  EXPECT_THAT(Get(id).actions(),
              ::testing::SizeIs(5));  // created, approved, paused, resumed, cancelled
}

TEST_F(DriveLedgerTest, AReopenedStoreResumesWithNoMeterOrderedTwiceOrSkipped) {
  Register(30);
  // A meter gets a medical hold before its turn: it is passed, also by the
  // reopened drive.
  const std::string id = Start(Ids(0, 30), /*rate=*/120);
  int second = 0;
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 2; ++i) TickAt(At(2, 10, 0, ++second));
    h_.Reopen();  // what a crash after the last commit leaves
  }
  Hold(27, v1::HOLD_NEVER_DISCONNECT, "dialysis at home");
  for (int s = 0; s < 60; ++s) {
    TickAt(At(2, 10, 1, s));
    if (s % 7 == 0) h_.Reopen();
  }
  const std::vector<std::string> cut = Disconnected();
  std::vector<std::string> expected = Ids(0, 30);
  expected.erase(expected.begin() + 27);
  EXPECT_EQ(cut, expected) << "each once, in order, the held meter left out";
  const v1::Drive drive = Get(id);
  EXPECT_EQ(drive.counts().ordered(), 29);
  EXPECT_EQ(drive.counts().skipped(), 1);
  EXPECT_EQ(Meters(id)["D027"].outcome(), v1::SKIPPED_HOLD);
}

TEST_F(DriveLedgerTest, ARechargesArrearsShareMeetsTheRuleAndRestoresSupply) {
  // D000 owes Rs 1,000 of legacy arrears, D001 Rs 2,000; half of every
  // recharge recovers arrears. Both are cut by a drive that restores once
  // all dues are paid, with a Rs 350 reconnection fee.
  Register(2);
  const std::string id = Start(Ids(0, 2), 600, 10'000, 35'000);
  TickAt(At(2, 10, 0, 1));
  for (const auto& c : Commands()) ASSERT_TRUE(Report(c, v1::RelayOutcome::CONFIRMED).ok());
  const uint64_t after_cut = Commands().back().seq();

  // D001 recharges Rs 1,000: Rs 500 to arrears, Rs 1,500 still owed. Its
  // wallet has money but the drive's rule is not met: it stays cut.
  ASSERT_TRUE(h_.CreateRetailer("R1", 0).ok());
  ASSERT_TRUE(h_.TopUp("t1", "R1", 10'000'000).ok());
  ASSERT_TRUE(h_.Recharge("R1", "r-1", MeterId(1), 100'000).ok());
  EXPECT_TRUE(Commands(after_cut).empty()) << "no restore";
  EXPECT_EQ(Meters(id)["D001"].paid_paise(), 50'000);
  EXPECT_EQ(Meters(id)["D001"].outcome(), v1::CUT);

  // D000 recharges Rs 2,000: Rs 1,000 to arrears pays them off. The
  // reconnect goes out at once, with the fee added to its dues.
  h_.clock().Set(Nov(2, 21, 0));  // at night: restores come at any hour
  ASSERT_TRUE(h_.Recharge("R1", "r-2", MeterId(0), 200'000).ok());
  std::vector<store::v1::RelayCommandRecord> restores = Commands(after_cut);
  ASSERT_EQ(restores.size(), 1u);
  EXPECT_EQ(restores[0].meter_id(), "D000");
  EXPECT_EQ(restores[0].action(), v1::RECONNECT);
  EXPECT_EQ(h_.wallet().GetMeter("D000")->arrears_paise(), 35'000) << "the fee, owed";
  v1::DriveMeter d000 = Meters(id)["D000"];
  EXPECT_EQ(d000.outcome(), v1::RESTORE_ORDERED);
  EXPECT_TRUE(d000.has_pay_time());

  h_.clock().Set(At(2, 21, 0, 3));
  ASSERT_TRUE(Report(restores[0], v1::RelayOutcome::CONFIRMED).ok());
  d000 = Meters(id)["D000"];
  EXPECT_EQ(d000.outcome(), v1::RESTORED);
  EXPECT_TRUE(d000.has_restore_time());
  const v1::Drive drive = Get(id);
  EXPECT_EQ(drive.counts().cut(), 2);
  EXPECT_EQ(drive.counts().paid(), 2);
  EXPECT_EQ(drive.counts().collected_paise(), 150'000);
  EXPECT_EQ(drive.counts().restored(), 1);
  EXPECT_NEAR(drive.restore_p50_s(), 3.0, 0.15);
  EXPECT_NEAR(drive.restore_p99_s(), 3.0, 0.15);

  // The consumer was told, and the meter is no longer the drive's: a later
  // cut for non-payment is the prepaid policy's own.
  auto state = h_.wallet().GetMeterState("D000");
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->relay(), v1::RELAY_CONNECTED);
  auto notes = h_.wallet().ReadOutbox(Stream::kNotification, 0, 1000);
  ASSERT_TRUE(notes.ok());
  bool told = false;
  for (const auto& item : *notes) {
    const auto& n = item.notification();
    if (n.meter_id() == "D000" && n.kind() == v1::Notification::RECONNECTED &&
        n.text().find("Reconnection fee Rs 350.00") != std::string::npos) {
      told = true;
    }
  }
  EXPECT_TRUE(told);
  h_.ExpectLedgerBalanced();
}

// The restore rule as the dues payments will call it (Ledger::OnDuesPaid),
// on a ledger driven directly: dues billed and paid with test-only postings.
class DriveRestoreRuleTest : public ::testing::Test {
 protected:
  DriveRestoreRuleTest() : h_(DriveLedgerOptions()) {
    h_.Apply(Nov(2, 9), [](Ledger& ledger, Txn& txn) {
      for (int i = 0; i < 3; ++i) {
        v1::RegisterMeterRequest req = testing::MeterRequest(MeterId(i), absl::StrCat("C", i));
        EXPECT_TRUE(ledger.RegisterMeter(txn, req).ok());
        // Rs 20,000 principal and Rs 1,000 surcharge billed.
        EXPECT_TRUE(ledger
                        .PostForTesting(txn, v1::DUES_BILLED, ArrearsAccount(MeterId(i)),
                                        std::string(kBilledDues), 2'000'000)
                        .ok());
        EXPECT_TRUE(ledger
                        .PostForTesting(txn, v1::SURCHARGE_BILLED, SurchargeAccount(MeterId(i)),
                                        std::string(kBilledDues), 100'000)
                        .ok());
      }
      return true;
    });
  }

  // Pays `amount` toward principal at the counter and applies the rule as
  // the payment's hook will: returns whether a reconnect was ordered.
  bool Pay(absl::Time at, int i, int64_t amount) {
    return h_.Apply(at, [&](Ledger& ledger, Txn& txn) {
      EXPECT_TRUE(ledger
                      .PostForTesting(txn, v1::DUES_PAYMENT, std::string(kCounterCash),
                                      ArrearsAccount(MeterId(i)), amount)
                      .ok());
      const int64_t left = DuesOwed(ledger.Balance(ArrearsAccount(MeterId(i))),
                                    ledger.Balance(SurchargeAccount(MeterId(i))));
      return ledger.ApplyDriveRestoreRule(txn, *ledger.MeterForTesting(MeterId(i)), amount, left);
    });
  }

  v1::Drive Drive() { return ExpectValue(ReadDrive(h_.store(), "drive-1")); }

  testing::LedgerHarness h_;
};

TEST_F(DriveRestoreRuleTest, OnlyAPaymentMeetingTheShareRestores) {
  // Half the dues restore; a Rs 100 fee.
  v1::CreateDriveRequest req;
  req.set_request_id("d1");
  req.set_name("half");
  req.set_reason("dues");
  for (int i = 0; i < 3; ++i) req.mutable_meter_ids()->add_meter_ids(MeterId(i));
  req.set_rate_per_minute(600);
  req.mutable_restore_rule()->set_paid_share_bps(5'000);
  req.mutable_restore_rule()->set_reconnection_fee_paise(10'000);
  v1::DriveActionRequest approve;
  approve.set_request_id("a1");
  approve.set_drive_id("drive-1");
  h_.Apply(Nov(2, 10), [&](Ledger& ledger, Txn& txn) {
    EXPECT_TRUE(ledger.CreateDrive(txn, kCreator, req).ok());
    EXPECT_TRUE(ledger.ApproveDrive(txn, kApprover, approve).ok());
    return true;
  });
  // D002 pays in full before its turn: not cut.
  EXPECT_FALSE(Pay(At(2, 10, 0, 30), 2, 2'100'000));
  h_.Apply(Nov(2, 10, 1), [](Ledger& ledger, Txn& txn) {
    ledger.Tick(txn);
    return true;
  });
  EXPECT_EQ(Drive().counts().ordered(), 2);
  EXPECT_EQ(Drive().counts().paid_before_cut(), 1);
  const store::v1::MeterState cut = h_.ledger().MeterForTesting(MeterId(0))->state;
  EXPECT_EQ(cut.drive_id(), "drive-1");
  EXPECT_EQ(cut.drive_dues_at_cut_paise(), 2'100'000);

  // D000 pays Rs 10,000 of Rs 21,000: not half. D001 pays Rs 10,500: half.
  EXPECT_FALSE(Pay(Nov(2, 11), 0, 1'000'000));
  EXPECT_TRUE(Pay(Nov(2, 11), 1, 1'050'000));
  EXPECT_EQ(h_.ledger().MeterForTesting(MeterId(0))->state.last_action(), v1::DISCONNECT);
  EXPECT_EQ(h_.ledger().MeterForTesting(MeterId(1))->state.last_action(), v1::RECONNECT);
  // The disconnect was not confirmed yet: no fee for a cut that may not
  // have happened.
  EXPECT_EQ(h_.ledger().Balance(ArrearsAccount(MeterId(1))), -950'000);
  // D000 pays another Rs 500: now half is paid.
  EXPECT_TRUE(Pay(Nov(2, 12), 0, 50'000));
  const v1::Drive drive = Drive();
  EXPECT_EQ(drive.counts().paid(), 3);
  EXPECT_EQ(drive.counts().collected_paise(), 2'100'000 + 1'000'000 + 1'050'000 + 50'000);
  // Paying again once restored orders nothing more.
  EXPECT_FALSE(Pay(Nov(2, 13), 1, 100));
  h_.Reopen();
  EXPECT_EQ(Drive().counts().collected_paise(), drive.counts().collected_paise() + 100);
}

}  // namespace
}  // namespace wallet
