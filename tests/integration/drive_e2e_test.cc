// A collection drive end to end, as real processes over real sockets:
// walletd (on a settable clock), meter-gatewayd and meter-sim hosting 1,000
// meters, 40 of them CT-operated (no disconnect control object), half of
// those known as such to the registry. Every meter owes dues. The commercial
// connections of one division owing more than Rs 20,000 (government offices
// among them) are selected into a drive; its preview sets the held, the
// government and the known CT meters apart. The creator's key may not
// approve it, a second admin key does. It waits out the no-cutoff window,
// then orders at its rate; the simulator opens exactly the relays of the
// meters to disconnect, the CT meters nobody knew about fail once with
// NO_RELAY and are not tried again, and a later preview knows them. walletd
// is SIGKILLed in the middle of the drive and resumes it with every meter
// ordered exactly once. Some owners pay all their dues, some a part: only
// the first are restored. The drive's figures equal the journal.
//
// Every wait is for a condition with a generous deadline: the processes share
// a busy machine. How fast a restore follows its payment is drive_bench's
// business, not this test's.
#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/testing/meter_fleet.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wait.h"
#include "wallet/v1/collection.grpc.pb.h"

namespace wallet::testing {
namespace {

namespace v1 = ::wallet::v1;
namespace sim = ::metersim::v1;
using ::google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::StartsWith;

const absl::TimeZone kIst = absl::FixedTimeZone(5 * 3600 + 1800);

constexpr int kMeters = 1'000;
constexpr int kCtEvery = 25;  // meter-sim --ct_every
constexpr char kDivision[] = "City-2";
constexpr int64_t kAboveRs20000 = 2'000'001;
// 10 disconnects a second; a drive's token bucket holds two seconds' worth
// and one more (wallet/drive.h BucketCapacity).
constexpr int32_t kRatePerMinute = 600;
constexpr int64_t kBucket = 21;
constexpr int64_t kFeePaise = 35'000;

// ---- The fleet's plan, by meter number n (SIM000001 is 1).

struct Plan {
  v1::Category category = v1::COMMERCIAL;
  std::string division;
  int64_t dues_paise = 0;
  bool ct = false;             // meter-sim hosts it without a disconnect control
  bool ct_registered = false;  // ... and the registry says so
  bool held = false;           // a never-disconnect hold: medical equipment
};

// PlanOf: every odd meter in the drive's division; meters numbered ...3 are
// government offices, ...7 domestic, the rest commercial; dues from Rs 5,000
// to Rs 54,000; every 25th meter CT-operated, those numbered 25, 125, ...
// known as such to the registry (the others, 75, 175, ..., in the division
// too, are not); those numbered 41, 141, ... held.
Plan PlanOf(int n) {
  Plan p;
  p.division = n % 2 == 1 ? kDivision : "City-1";
  p.category = n % 10 == 3 ? v1::GOVERNMENT : n % 10 == 7 ? v1::DOMESTIC : v1::COMMERCIAL;
  p.dues_paise = (5'000 + (n * 37 % 50) * 1'000) * int64_t{100};
  p.ct = n % kCtEvery == 0;
  p.ct_registered = n % 100 == 25;
  p.held = n % 100 == 41;
  return p;
}

int NumberOf(const std::string& meter_id) {
  int n = 0;
  EXPECT_TRUE(absl::SimpleAtoi(absl::string_view(meter_id).substr(3), &n)) << meter_id;
  return n;
}

Plan PlanOf(const std::string& meter_id) { return PlanOf(NumberOf(meter_id)); }

std::string AddressOf(const std::string& meter_id) {
  return absl::StrCat(NumberOf(meter_id), " Link Road, Sarkanda");
}

// ---- The dues, the selection and the payments.

// DuesRowOf: what the billing system's export says a meter owes: its plan's
// dues, a tenth of them late-payment surcharge, over two unpaid bills.
v1::DuesRow DuesRowOf(int64_t line, const std::string& meter_id) {
  const int64_t dues = PlanOf(meter_id).dues_paise;
  v1::DuesRow row;
  row.set_line(line);
  row.set_meter_id(meter_id);
  row.set_principal_paise(dues - dues / 10);
  row.set_surcharge_paise(dues / 10);
  row.set_unpaid_bills(2);
  row.set_oldest_due_date("2026-09-15");
  return row;
}

// Defaulters: the commercial connections (government offices among them)
// of one division owing more than Rs 20,000. CreateDrive selects the meters
// itself.
v1::Selection Defaulters() {
  v1::Selection s;
  s.set_division(kDivision);
  s.add_categories(v1::COMMERCIAL);
  s.add_categories(v1::GOVERNMENT);
  s.set_min_dues_paise(kAboveRs20000);
  return s;
}

bool Selected(const Plan& p) {
  return p.division == kDivision &&
         (p.category == v1::COMMERCIAL || p.category == v1::GOVERNMENT) &&
         p.dues_paise >= kAboveRs20000;
}

// The preview's class of a selected meter, the first that applies.
v1::DriveClass ExpectedClass(const Plan& p) {
  if (p.held) return v1::PROTECTED_HOLD;
  if (p.category == v1::GOVERNMENT) return v1::PROTECTED_GOVERNMENT;
  if (p.ct_registered) return v1::NO_RELAY;
  return v1::TO_DISCONNECT;
}

// ---- Time.

std::string IstDate(absl::CivilDay day) { return absl::FormatCivilTime(day); }

// The drive runs on a Monday at least four days after the real time. The
// real days up to then are holidays in the policy: a restarted walletd runs
// on the real clock until the test sets it again, and the drive must not
// cut in that gap.
struct Days {
  absl::Time monday;  // 00:00 IST
  std::vector<std::string> holidays;
};

Days PlanDays() {
  Days days;
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), kIst);
  for (int i = 0; i < 3; ++i) days.holidays.push_back(IstDate(today + i));
  absl::CivilDay day = today + 4;
  while (absl::GetWeekday(day) != absl::Weekday::monday) ++day;
  days.monday = absl::FromCivil(day, kIst);
  return days;
}

// No cut 18:00-08:00, on Sundays or on the holidays; Rs 1 lakh of emergency
// credit, so that the prepaid policy cuts nobody on its own.
std::string PolicyText(const Days& days) {
  std::string holidays;
  for (const std::string& d : days.holidays) absl::StrAppend(&holidays, " holidays: \"", d, "\"");
  return absl::StrCat(R"(utility: "drive test"
calendar { no_cutoff_start_minute: 1080 no_cutoff_end_minute: 480 no_cutoff_sundays: true )",
                      holidays, R"( }
defaults {
  emergency_credit_paise: 10000000
  notice_days: 0
  reconnection_fee_paise: 0
  restore_threshold_paise: 0
  grace_days: 0
}
)");
}

// AllPages makes a paged call (`fetch(request, &response)`) with `request`
// and then with each next page token, and returns every page.
template <typename Response, typename Request, typename Fetch>
std::vector<Response> AllPages(Request request, const Fetch& fetch) {
  std::vector<Response> pages;
  do {
    Response page;
    const grpc::Status s = fetch(request, &page);
    EXPECT_THAT(s, IsOk());
    if (!s.ok()) break;
    request.set_page_token(page.next_page_token());
    pages.push_back(std::move(page));
  } while (!request.page_token().empty());
  return pages;
}

int64_t Micros(const google::protobuf::Timestamp& t) {
  return TimeUtil::TimestampToMicroseconds(t);
}

class DriveEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    days_ = PlanDays();
    FleetOptions options;
    options.walletd = WALLETD_PATH;
    options.meter_sim = METER_SIM_PATH;
    options.gatewayd = METER_GATEWAYD_PATH;
    options.meters = kMeters;
    options.policy = PolicyText(days_);
    options.edit_registration = [](int, v1::RegisterMeterRequest& request) {
      v1::Meter& meter = *request.mutable_meter();
      const Plan plan = PlanOf(meter.meter_id());
      meter.set_category(plan.category);
      meter.set_division(plan.division);
      meter.set_ct_operated(plan.ct_registered);
      if (plan.ct) meter.set_address(AddressOf(meter.meter_id()));
    };
    options.sim_args = {"--load_w=0", absl::StrCat("--ct_every=", kCtEvery)};
    options.gateway_args = {"--read_interval=0", "--retry_initial=200ms", "--retry_max=1s",
                            "--connect_timeout=10s", "--response_timeout=10s"};
    absl::StatusOr<std::unique_ptr<MeterFleet>> fleet = MeterFleet::Start(options);
    ASSERT_THAT(fleet, IsOk());
    fleet_ = *std::move(fleet);
    Connect();
    ImportDues();
    for (const std::string& id : fleet_->meter_ids()) {
      if (PlanOf(id).held) {
        ASSERT_THAT(fleet_->SetHold(id, v1::HOLD_NEVER_DISCONNECT), IsOk());
      }
    }
    v1::IssueApiKeyRequest issue;
    issue.set_request_id("approver-key");
    issue.set_role(v1::ROLE_ADMIN);
    issue.set_label("superintending engineer");
    v1::IssueApiKeyResponse issued;
    ASSERT_THAT(fleet_->admin().IssueApiKey(MakeContext(fleet_->admin_key()).get(), issue, &issued),
                IsOk());
    approver_key_ = issued.api_key();
  }

  void TearDown() override {
    if (HasFailure() && fleet_ != nullptr) {
      fleet_->KeepLogs();
      ADD_FAILURE() << "logs in " << fleet_->dir() << " and " << fleet_->walletd().temp_dir();
    }
    collection_.reset();
    if (fleet_ != nullptr) {
      EXPECT_THAT(fleet_->StopGateway(), IsOk());
    }
  }

  void Connect() { collection_ = v1::CollectionService::NewStub(fleet_->walletd().NewChannel()); }

  // ImportDues imports every meter's dues from billing, in chunks of 250
  // rows, each answered with the import's progress before the next is sent.
  void ImportDues() {
    auto ctx = MakeContext(admin_key(), absl::Seconds(60));
    auto stream = collection_->ImportDues(ctx.get());
    v1::ImportDuesRequest header;
    header.mutable_header()->set_import_id("billing-2026-11");
    header.mutable_header()->set_source("dues-2026-11.csv");
    ASSERT_TRUE(stream->Write(header));
    const std::vector<std::string>& ids = fleet_->meter_ids();
    v1::ImportDuesProgress progress;
    for (size_t first = 0; first < ids.size(); first += 250) {
      v1::ImportDuesRequest chunk;
      for (size_t i = first; i < std::min(ids.size(), first + 250); ++i) {
        *chunk.mutable_chunk()->add_rows() = DuesRowOf(static_cast<int64_t>(i) + 2, ids[i]);
      }
      ASSERT_TRUE(stream->Write(chunk));
      ASSERT_TRUE(stream->Read(&progress));
      EXPECT_EQ(progress.rows_seen(), static_cast<int64_t>(std::min(ids.size(), first + 250)));
    }
    stream->WritesDone();
    ASSERT_THAT(stream->Finish(), IsOk());
    EXPECT_EQ(progress.rows_applied(), kMeters);
    EXPECT_EQ(progress.rows_rejected(), 0);
  }

  // PayTowardDues takes `paise` at the utility's cash counter toward the
  // meter's dues; the answer says whether it ordered a reconnect.
  absl::StatusOr<v1::PayDuesResponse> PayTowardDues(const std::string& meter_id, int64_t paise) {
    v1::PayDuesRequest request;
    request.set_request_id(absl::StrCat("counter-", ++requests_));
    request.set_meter_id(meter_id);
    request.set_amount_paise(paise);
    request.set_receipt("CR-1");
    v1::PayDuesResponse response;
    const grpc::Status s =
        collection_->PayDuesAtCounter(MakeContext(admin_key()).get(), request, &response);
    if (!s.ok())
      return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
    return response;
  }

  // The clock at `t` on the drive's Monday, IST.
  absl::Time Monday(int hour, int minute) const {
    return days_.monday + absl::Hours(hour) + absl::Minutes(minute);
  }

  const std::string& admin_key() const { return fleet_->admin_key(); }

  grpc::Status Act(grpc::Status (v1::CollectionService::Stub::*call)(grpc::ClientContext*,
                                                                     const v1::DriveActionRequest&,
                                                                     v1::Drive*),
                   const std::string& key, const std::string& drive_id, v1::Drive* drive) {
    v1::DriveActionRequest request;
    request.set_request_id(absl::StrCat("act-", ++requests_));
    request.set_drive_id(drive_id);
    request.set_reason("control room");
    return (collection_.get()->*call)(MakeContext(key).get(), request, drive);
  }

  v1::Drive Get(const std::string& drive_id) {
    v1::GetDriveRequest request;
    request.set_drive_id(drive_id);
    v1::Drive drive;
    EXPECT_THAT(collection_->GetDrive(MakeContext(admin_key()).get(), request, &drive), IsOk());
    return drive;
  }

  // The drive's meters in its order, of `filter`'s class (all if unset).
  std::vector<v1::DriveMeter> Meters(const std::string& drive_id,
                                     v1::DriveClass filter = v1::DRIVE_CLASS_UNSPECIFIED) {
    v1::ListDriveMetersRequest request;
    request.set_drive_id(drive_id);
    request.set_drive_class(filter);
    request.set_page_size(400);
    std::vector<v1::DriveMeter> meters;
    for (const v1::ListDriveMetersResponse& page :
         AllPages<v1::ListDriveMetersResponse>(request, [&](const auto&r, auto*response) {
           return collection_->ListDriveMeters(MakeContext(admin_key()).get(), r, response);
         })) {
      meters.insert(meters.end(), page.meters().begin(), page.meters().end());
    }
    return meters;
  }

  std::set<std::string> IdsOf(const std::vector<v1::DriveMeter>& meters) {
    std::set<std::string> ids;
    for (const v1::DriveMeter& m : meters) ids.insert(m.meter_id());
    return ids;
  }

  // The meters of the fleet whose plan satisfies `pick`.
  std::set<std::string> Planned(const std::function<bool(const Plan&)>& pick) {
    std::set<std::string> ids;
    for (const std::string& id : fleet_->meter_ids()) {
      if (pick(PlanOf(id))) ids.insert(id);
    }
    return ids;
  }

  sim::Meter SimMeter(const std::string& id) { return ExpectValue(fleet_->SimMeter(id)); }

  v1::MeterPolicyState WalletState(const std::string& id) {
    return ExpectValue(fleet_->WalletState(id));
  }

  // Every journal entry of `account`.
  std::vector<v1::JournalEntry> Journal(const std::string& account) {
    v1::GetJournalRequest request;
    request.set_account(account);
    request.set_page_size(1000);
    std::vector<v1::JournalEntry> entries;
    for (const v1::GetJournalResponse& page :
         AllPages<v1::GetJournalResponse>(request, [&](const auto&r, auto*response) {
           return fleet_->admin().GetJournal(MakeContext(admin_key()).get(), r, response);
         })) {
      entries.insert(entries.end(), page.entries().begin(), page.entries().end());
    }
    return entries;
  }

  // GatewayLogLines counts meter-gatewayd's log lines (across its restarts)
  // that contain `part`.
  int GatewayLogLines(const std::string& part) {
    std::ifstream in(fleet_->dir() + "/meter-gatewayd.log");
    int count = 0;
    for (std::string line; std::getline(in, line);) count += absl::StrContains(line, part);
    return count;
  }

  std::string CreateDrive(const std::string& request_id);
  void CheckPreview(const v1::Drive& drive);
  void CheckOrdersKeptTheRateInAllowedHours(const std::vector<v1::DriveMeter>& meters);
  void CrashWalletdMidDrive(const std::string& drive_id);

  Days days_;
  std::unique_ptr<MeterFleet> fleet_;
  std::unique_ptr<v1::CollectionService::Stub> collection_;
  std::string approver_key_;
  // When the clock was set to 08:00, on the real clock: the drive's clock
  // runs on from there.
  absl::Time morning_set_at_;
  int requests_ = 0;
};

std::string DriveEndToEndTest::CreateDrive(const std::string& request_id) {
  v1::CreateDriveRequest create;
  create.set_request_id(request_id);
  create.set_name("City-2 commercial");
  create.set_reason("dues above Rs 20,000");
  *create.mutable_selection() = Defaulters();
  create.set_rate_per_minute(kRatePerMinute);
  create.mutable_restore_rule()->set_paid_share_bps(10'000);
  create.mutable_restore_rule()->set_reconnection_fee_paise(kFeePaise);
  v1::Drive drive;
  EXPECT_THAT(
      collection_->CreateDrive(MakeContext(admin_key(), absl::Seconds(60)).get(), create, &drive),
      IsOk());
  return drive.drive_id();
}

void DriveEndToEndTest::CheckPreview(const v1::Drive& drive) {
  std::map<v1::DriveClass, std::set<std::string>> expected;
  int64_t dues = 0;
  for (const std::string& id : fleet_->meter_ids()) {
    const Plan plan = PlanOf(id);
    if (!Selected(plan)) continue;
    expected[ExpectedClass(plan)].insert(id);
    if (ExpectedClass(plan) == v1::TO_DISCONNECT) dues += plan.dues_paise;
  }
  ASSERT_EQ(expected[v1::NO_RELAY].size(), 10u) << "the plan puts 10 known CT meters in the drive";
  const v1::DriveCounts& c = drive.counts();
  EXPECT_EQ(drive.state(), v1::DRIVE_PREVIEW);
  EXPECT_EQ(c.to_disconnect(), static_cast<int64_t>(expected[v1::TO_DISCONNECT].size()));
  EXPECT_EQ(c.protected_hold(), static_cast<int64_t>(expected[v1::PROTECTED_HOLD].size()));
  EXPECT_EQ(c.protected_government(),
            static_cast<int64_t>(expected[v1::PROTECTED_GOVERNMENT].size()));
  EXPECT_EQ(c.no_relay(), static_cast<int64_t>(expected[v1::NO_RELAY].size()));
  EXPECT_EQ(c.already_disconnected() + c.unknown() + c.nothing_due(), 0);
  EXPECT_EQ(c.ordered(), 0);
  EXPECT_EQ(drive.dues_at_start_paise(), dues);
  for (v1::DriveClass apart : {v1::PROTECTED_HOLD, v1::PROTECTED_GOVERNMENT, v1::NO_RELAY}) {
    SCOPED_TRACE(v1::DriveClass_Name(apart));
    const std::vector<v1::DriveMeter> listed = Meters(drive.drive_id(), apart);
    EXPECT_EQ(IdsOf(listed), expected[apart]);
    for (const v1::DriveMeter& m : listed) {
      if (apart == v1::NO_RELAY) {
        EXPECT_EQ(m.address(), AddressOf(m.meter_id()));
      }
    }
  }
  // Most owed first.
  const std::vector<v1::DriveMeter> all = Meters(drive.drive_id());
  EXPECT_EQ(static_cast<int64_t>(all.size()), c.meters());
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.dues_at_start_paise() > b.dues_at_start_paise();
  }));
}

// Every order was in allowed hours (from 08:00 on the Monday, before 18:00),
// and no window of time saw more orders than the bucket's capacity and the
// rate over the window allow, also across walletd's crash.
void DriveEndToEndTest::CheckOrdersKeptTheRateInAllowedHours(
    const std::vector<v1::DriveMeter>& meters) {
  std::vector<int64_t> ordered;
  for (const v1::DriveMeter& m : meters) {
    if (m.has_order_time()) ordered.push_back(Micros(m.order_time()));
  }
  std::sort(ordered.begin(), ordered.end());
  ASSERT_FALSE(ordered.empty());
  EXPECT_GE(ordered.front(), absl::ToUnixMicros(Monday(8, 0)));
  EXPECT_LT(ordered.back(), absl::ToUnixMicros(Monday(18, 0)));
  for (size_t i = 0; i < ordered.size(); ++i) {
    for (size_t j = i + kBucket; j < ordered.size(); ++j) {
      // j - i + 1 orders in [ordered[i], ordered[j]]: at most the bucket
      // and what the rate adds over the window.
      const int64_t beyond_bucket = static_cast<int64_t>(j - i + 1) - kBucket;
      ASSERT_LE(beyond_bucket * 60'000'000, kRatePerMinute * (ordered[j] - ordered[i]))
          << "orders " << i << " to " << j << " came faster than the rate";
    }
  }
}

// The drive, paused with the gateway stopped (so that no command is on its
// way to a meter), is resumed and orders on into the outbox; walletd is
// SIGKILLed while it runs, restarted on the same data, its clock set on past
// where it was, and the gateway started again.
void DriveEndToEndTest::CrashWalletdMidDrive(const std::string& drive_id) {
  ASSERT_THAT(fleet_->StopGateway(), IsOk());
  v1::Drive drive;
  ASSERT_THAT(Act(&v1::CollectionService::Stub::ResumeDrive, approver_key_, drive_id, &drive),
              IsOk());
  const int64_t at_resume = drive.counts().ordered();
  ASSERT_TRUE(WaitUntil([&] { return Get(drive_id).counts().ordered() >= at_resume + 10; },
                        "the drive to order on while the gateway is away"));
  collection_.reset();
  ASSERT_THAT(fleet_->CrashWalletd(), IsOk());
  Connect();
  const v1::Drive resumed = Get(drive_id);
  EXPECT_EQ(resumed.state(), v1::DRIVE_RUNNING);
  EXPECT_LT(resumed.counts().ordered(), resumed.counts().to_disconnect()) << "not mid-drive";
  ASSERT_THAT(fleet_->SetClock(Monday(8, 0) + (absl::Now() - morning_set_at_) + absl::Seconds(1)),
              IsOk());
  ASSERT_THAT(fleet_->StartGateway(), IsOk());
}

TEST_F(DriveEndToEndTest, SelectPreviewApproveCutPayAndRestore) {
  ASSERT_THAT(fleet_->SetClock(Monday(7, 58)), IsOk());

  // ---- The preview.
  const std::string id = CreateDrive("drive-city-2");
  ASSERT_FALSE(id.empty());
  const v1::Drive preview = Get(id);
  CheckPreview(preview);
  if (HasFatalFailure()) return;
  const int64_t to_cut = preview.counts().to_disconnect();

  // ---- Bad inputs change nothing: approval by the creator, an unknown
  // drive, a preview paused.
  v1::Drive refused;
  EXPECT_THAT(Act(&v1::CollectionService::Stub::ApproveDrive, admin_key(), id, &refused),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, HasSubstr("another admin key")));
  EXPECT_THAT(Act(&v1::CollectionService::Stub::ApproveDrive, approver_key_, "drive-99", &refused),
              StatusIs(grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(Act(&v1::CollectionService::Stub::PauseDrive, approver_key_, id, &refused),
              StatusIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(Get(id).SerializeAsString(), preview.SerializeAsString());

  // ---- Approved at 07:58: it waits for 08:00, ordering nothing.
  v1::Drive drive;
  ASSERT_THAT(Act(&v1::CollectionService::Stub::ApproveDrive, approver_key_, id, &drive), IsOk());
  EXPECT_EQ(drive.state(), v1::DRIVE_RUNNING);
  ASSERT_TRUE(
      WaitUntil([&] { return absl::StartsWith(Get(id).waiting_for(), "no-cutoff window until"); },
                "the drive to wait for the morning"));
  EXPECT_EQ(Get(id).counts().ordered(), 0);
  absl::StatusOr<sim::FleetSummary> summary = fleet_->SimSummary();
  ASSERT_THAT(summary, IsOk());
  EXPECT_EQ(summary->relay_operations(), 0u);

  // ---- 08:00: it runs, and is paused a quarter of the way; pausing it
  // again is refused and changes nothing.
  morning_set_at_ = absl::Now();
  ASSERT_THAT(fleet_->SetClock(Monday(8, 0)), IsOk());
  ASSERT_TRUE(WaitUntil([&] { return Get(id).counts().ordered() >= to_cut / 4; },
                        "a quarter of the drive ordered"));
  ASSERT_THAT(Act(&v1::CollectionService::Stub::PauseDrive, approver_key_, id, &drive), IsOk());
  const v1::Drive paused = Get(id);
  EXPECT_EQ(paused.state(), v1::DRIVE_PAUSED);
  EXPECT_THAT(Act(&v1::CollectionService::Stub::PauseDrive, approver_key_, id, &refused),
              StatusIs(grpc::StatusCode::FAILED_PRECONDITION, HasSubstr("paused")));
  EXPECT_EQ(Get(id).actions_size(), paused.actions_size());

  // ---- Resumed, then walletd crashes mid-drive, and the drive goes on.
  // Resuming it twice is refused.
  CrashWalletdMidDrive(id);
  if (HasFatalFailure()) return;
  EXPECT_THAT(Act(&v1::CollectionService::Stub::ResumeDrive, approver_key_, id, &refused),
              StatusIs(grpc::StatusCode::FAILED_PRECONDITION, HasSubstr("running")));
  EXPECT_EQ(Get(id).actions_size(), paused.actions_size() + 1);
  ASSERT_TRUE(WaitUntil([&] { return Get(id).state() == v1::DRIVE_DONE; }, "the drive to end",
                        absl::Minutes(3)));

  // ---- The right relays opened, each meter ordered once: the meters to
  // disconnect with a relay are cut, the CT meters the registry did not
  // know failed with no relay, nothing else was touched.
  const std::set<std::string> to_disconnect =
      Planned([](const Plan& p) { return Selected(p) && ExpectedClass(p) == v1::TO_DISCONNECT; });
  const std::set<std::string> unknown_ct = Planned(
      [](const Plan& p) { return Selected(p) && ExpectedClass(p) == v1::TO_DISCONNECT && p.ct; });
  ASSERT_EQ(unknown_ct.size(), 10u);
  const int64_t cut = to_cut - static_cast<int64_t>(unknown_ct.size());
  for (const std::string& meter : fleet_->meter_ids()) {
    const sim::Meter m = SimMeter(meter);
    const bool cut_here = to_disconnect.count(meter) > 0 && unknown_ct.count(meter) == 0;
    EXPECT_EQ(m.relay_operations(), cut_here ? 1u : 0u) << meter;
    EXPECT_EQ(m.control_state(), cut_here ? 0 : 1) << meter;
  }
  drive = Get(id);
  EXPECT_EQ(drive.counts().ordered(), to_cut);
  EXPECT_EQ(drive.counts().cut(), cut);
  EXPECT_EQ(drive.counts().failed(), static_cast<int64_t>(unknown_ct.size()));
  EXPECT_THAT(drive.counts().failed_by_reason(),
              ElementsAre(Pair("no relay", static_cast<int64_t>(unknown_ct.size()))));
  EXPECT_EQ(drive.counts().offline() + drive.counts().skipped() + drive.counts().paid_before_cut(),
            0);
  std::vector<v1::DriveMeter> meters = Meters(id, v1::TO_DISCONNECT);
  ASSERT_EQ(IdsOf(meters), to_disconnect);
  std::set<std::string> failed;
  for (const v1::DriveMeter& m : meters) {
    if (m.outcome() == v1::FAILED) {
      failed.insert(m.meter_id());
      EXPECT_THAT(m.failure(), StartsWith("no relay: "));
    } else {
      EXPECT_EQ(m.outcome(), v1::CUT) << m.meter_id();
    }
  }
  EXPECT_EQ(failed, unknown_ct);
  CheckOrdersKeptTheRateInAllowedHours(meters);

  // ---- A cut that failed for want of a relay is not ordered again (the
  // policy retries other failures after 15 minutes), and the next preview
  // knows those meters have no relay.
  ASSERT_THAT(fleet_->SetClock(Monday(8, 30)), IsOk());
  for (const std::string& meter : unknown_ct) {
    const v1::MeterPolicyState s = WalletState(meter);
    EXPECT_EQ(s.pending_action(), v1::RELAY_ACTION_UNSPECIFIED) << meter;
    EXPECT_FALSE(s.has_relay_retry_time()) << meter;
    EXPECT_TRUE(s.no_relay()) << meter;
  }
  for (const std::string& meter : unknown_ct) {
    EXPECT_EQ(GatewayLogLines(absl::StrCat(" on ", meter, ": FAILED (NO_RELAY)")), 1) << meter;
  }
  const std::string again = CreateDrive("drive-city-2-again");
  const v1::Drive second = Get(again);
  EXPECT_EQ(second.counts().no_relay(), 20);
  EXPECT_EQ(second.counts().already_disconnected(), cut);
  EXPECT_EQ(second.counts().to_disconnect(), 0);
  ASSERT_THAT(Act(&v1::CollectionService::Stub::CancelDrive, admin_key(), again, &refused), IsOk());

  // ---- Five owners pay all their dues, five a half: only the first five
  // are restored, at once (10:30 is no matter: restores come at any hour).
  std::vector<std::string> cut_meters;
  for (const v1::DriveMeter& m : meters) {
    if (m.outcome() == v1::CUT) cut_meters.push_back(m.meter_id());
  }
  ASSERT_GE(cut_meters.size(), 10u);
  const std::vector<std::string> full(cut_meters.begin(), cut_meters.begin() + 5);
  const std::vector<std::string> part(cut_meters.begin() + 5, cut_meters.begin() + 10);
  int64_t collected = 0;
  for (const std::string& meter : full) {
    absl::StatusOr<v1::PayDuesResponse> paid = PayTowardDues(meter, PlanOf(meter).dues_paise);
    ASSERT_THAT(paid, IsOk());
    EXPECT_TRUE(paid->restore_ordered()) << meter;
    EXPECT_EQ(paid->dues_left_paise(), 0) << meter;
    collected += PlanOf(meter).dues_paise;
    EXPECT_EQ(WalletState(meter).last_action(), v1::RECONNECT) << "ordered with the payment";
  }
  for (const std::string& meter : part) {
    absl::StatusOr<v1::PayDuesResponse> paid = PayTowardDues(meter, PlanOf(meter).dues_paise / 2);
    ASSERT_THAT(paid, IsOk());
    EXPECT_FALSE(paid->restore_ordered()) << meter;
    collected += PlanOf(meter).dues_paise / 2;
    EXPECT_EQ(WalletState(meter).last_action(), v1::DISCONNECT) << "restored on a part payment";
  }
  for (const std::string& meter : full) {
    EXPECT_TRUE(WaitUntil([&] { return SimMeter(meter).control_state() == 1; },
                          absl::StrCat(meter, "'s relay to close")));
  }
  ASSERT_TRUE(WaitUntil([&] { return Get(id).counts().restored() == 5; }, "five restored"));
  for (const std::string& meter : part) EXPECT_EQ(SimMeter(meter).control_state(), 0) << meter;

  // ---- The drive's figures equal the journal: the payments toward the dues
  // of the drive's meters since it started (principal into arrears:<id>,
  // surcharge into surcharge:<id>), and a reconnection fee for each restored
  // meter.
  drive = Get(id);
  const int64_t started_us = Micros(drive.start_time());
  int64_t journal_collected = 0;
  int64_t journal_paid = 0;
  int64_t fees = 0;
  std::map<std::string, int64_t> paid_by_meter;
  for (const std::string& meter : to_disconnect) {
    int64_t paid = 0;
    for (const v1::JournalEntry& e : Journal(absl::StrCat("arrears:", meter))) {
      const v1::Transfer& t = e.transfer();
      if (Micros(t.create_time()) < started_us) continue;
      if (t.type() == v1::DUES_PAYMENT) paid += t.amount_paise();
      if (t.type() == v1::RECONNECTION_FEE) {
        ++fees;
        EXPECT_EQ(t.amount_paise(), kFeePaise);
      }
    }
    for (const v1::JournalEntry& e : Journal(absl::StrCat("surcharge:", meter))) {
      const v1::Transfer& t = e.transfer();
      if (Micros(t.create_time()) >= started_us && t.type() == v1::SURCHARGE_PAYMENT) {
        paid += t.amount_paise();
      }
    }
    journal_collected += paid;
    if (paid > 0) ++journal_paid;
    paid_by_meter[meter] = paid;
  }
  EXPECT_EQ(journal_collected, collected);
  EXPECT_EQ(drive.counts().collected_paise(), journal_collected);
  EXPECT_EQ(drive.counts().paid(), journal_paid);
  EXPECT_EQ(drive.counts().restored(), fees);
  EXPECT_EQ(drive.counts().cut(), cut);
  for (const v1::DriveMeter& m : Meters(id, v1::TO_DISCONNECT)) {
    EXPECT_EQ(m.paid_paise(), paid_by_meter[m.meter_id()]) << m.meter_id();
  }
  v1::CheckLedgerResponse ledger;
  ASSERT_THAT(fleet_->admin().CheckLedger(MakeContext(admin_key(), absl::Seconds(60)).get(),
                                          v1::CheckLedgerRequest(), &ledger),
              IsOk());
  EXPECT_TRUE(ledger.ok());
}

}  // namespace
}  // namespace wallet::testing
