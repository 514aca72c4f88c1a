// The real walletctl binary against a real walletd child process (example
// tariff book and policy: 20 % of each recharge recovers legacy arrears;
// settable clock): help and usage errors with their exit codes, a register /
// recharge / balance round trip whose readable output shows the arrears
// recovered, the payment path, JSON and CSV output that parse, the server's
// refusals with exit 1, the changes of consumers and meters with their audit
// trail, and recharge orders shown, listed, cancelled and expired.
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/testing/run_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/walletd_process.h"
#include "wallet/v1/admin.pb.h"
#include "wallet/v1/collection.pb.h"
#include "wallet/v1/consumer.pb.h"
#include "wallet/v1/meter.pb.h"
#include "tests/testing/wait.h"

namespace wallet::testing {
namespace {

using ::testing::ContainsRegex;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

// Exit codes of walletctl.
constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kUsage = 2;

// Generous: the machine is shared and slow.
constexpr absl::Duration kRunTimeout = absl::Seconds(60);

std::string Describe(const ProcessResult& result) {
  return absl::StrCat("exit ", result.exit_code, "\nstdout:\n", result.out, "\nstderr:\n",
                      result.err);
}

// ParseCsv splits RFC 4180 text into rows of cells.
std::vector<std::vector<std::string>> ParseCsv(absl::string_view text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(cell));
      cell.clear();
    } else if (c == '\n') {
      row.push_back(std::move(cell));
      cell.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      cell += c;
    }
  }
  return rows;
}

class WalletctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WalletdOptions options = ExampleConfigOptions(WALLETD_PATH, WALLET_SOURCE_DIR);
    // Orders expire by walletd's clock: set-clock moves it past them.
    options.extra_args.push_back("--settable_clock");
    absl::StatusOr<std::unique_ptr<WalletdProcess>> started = WalletdProcess::Start(options);
    ASSERT_THAT(started, IsOk());
    walletd_ = *std::move(started);
    admin_key_file_ = absl::StrCat(walletd_->data_dir(), "/admin.key");
  }

  void TearDown() override {
    absl::StatusOr<std::unique_ptr<WalletdProcess>> started =
        WalletdProcess::Start(ExampleConfigOptions(WALLETD_PATH, WALLET_SOURCE_DIR));
  }

  // Walletctl runs walletctl with `args` against walletd, as the holder of
  // `key_file`, with none of walletctl's environment variables set.
  ProcessResult Walletctl(const std::string& key_file, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {WALLETCTL_PATH, absl::StrCat("--server=", walletd_->target())};
    if (!key_file.empty()) argv.push_back(absl::StrCat("--api_key_file=", key_file));
    argv.insert(argv.end(), args.begin(), args.end());
    return ExpectValue(
        RunProcess(argv, {{"WALLETCTL_API_KEY", ""}, {"WALLETCTL_API_KEY_FILE", ""}}, kRunTimeout));
  }

  ProcessResult Admin(const std::vector<std::string>& args) {
    return Walletctl(admin_key_file_, args);
  }

  // MustSucceed runs walletctl and expects exit 0.
  std::string MustSucceed(const std::string& key_file, const std::vector<std::string>& args) {
    const ProcessResult result = Walletctl(key_file, args);
    EXPECT_EQ(result.exit_code, kOk) << Describe(result);
    return result.out;
  }

  // IssueKey issues a key with walletctl and saves it as walletctl prints it.
  std::string IssueKey(const std::string& role, const std::string& subject) {
    const std::string path = absl::StrCat(walletd_->temp_dir(), "/", role, "-", subject, ".key");
    std::vector<std::string> args = {"issue-key", absl::StrCat("--role=", role)};
    if (!subject.empty()) args.push_back(absl::StrCat("--subject=", subject));
    std::ofstream(path) << MustSucceed(admin_key_file_, args);
    return path;
  }

  // RegisterMeter registers a domestic meter on DOM-LT1 with `arrears`.
  void RegisterMeter(const std::string& meter, const std::string& consumer,
                     const std::string& arrears) {
    const std::string out = MustSucceed(
        admin_key_file_,
        {"register-meter", absl::StrCat("--meter=", meter), absl::StrCat("--consumer=", consumer),
         "--name=Ramesh Sahu", "--phone=+919826000101", "--category=domestic", "--load_w=3000",
         "--tariff=DOM-LT1", absl::StrCat("--arrears=", arrears),
         absl::StrCat("--request_id=reg-", meter)});
    EXPECT_THAT(out, ContainsRegex(absl::StrCat("meter: +", meter, "\n")));
    EXPECT_THAT(out, ContainsRegex("sanctioned load: +3000 W\n"));
  }

  // FundedRetailer creates a retailer with a Rs 10,000 float and returns its
  // key file.
  std::string FundedRetailer(const std::string& retailer) {
    MustSucceed(admin_key_file_, {"create-retailer", absl::StrCat("--retailer=", retailer),
                                  "--name=Sharma Mobile Point", "--commission_bps=150"});
    MustSucceed(admin_key_file_, {"topup-float", absl::StrCat("--retailer=", retailer),
                                  "--amount=10000", "--reference=SLIP-5521"});
    return IssueKey("retailer", retailer);
  }

  // StartOrder starts a recharge order as the holder of `key_file` and
  // returns its id.
  std::string StartOrder(const std::string& key_file, const std::string& meter,
                         const std::string& amount) {
    const std::string json =
        MustSucceed(key_file, {"--json", "start-recharge", absl::StrCat("--meter=", meter),
                               absl::StrCat("--amount=", amount)});
    v1::StartRechargeResponse started;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &started).ok()) << json;
    EXPECT_EQ(started.order().state(), v1::ORDER_PENDING) << json;
    return started.order().order_id();
  }

  std::unique_ptr<WalletdProcess> walletd_;
  std::string admin_key_file_;
};

// A time `ahead` from now as set-clock takes it: YYYY-MM-DDTHH:MM:SS in IST.
std::string IstFromNow(absl::Duration ahead) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::Now() + ahead,
                          absl::FixedTimeZone(5 * 3600 + 30 * 60));
}

TEST_F(WalletctlTest, HelpExitsZeroInEveryForm) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"help"}, {"help", "recharge"}, {"recharge", "--help"}}) {
    const ProcessResult result = Walletctl("", args);
    EXPECT_EQ(result.exit_code, kOk) << Describe(result);
    EXPECT_THAT(result.out, StartsWith("walletctl")) << args[0];
    EXPECT_THAT(result.err, IsEmpty());
  }
  EXPECT_THAT(Walletctl("", {"help", "register-meter"}).out,
              ContainsRegex("--load_w=W +Sanctioned load in watts\\. Required\\."));
}

TEST_F(WalletctlTest, MisspeltFlagExitsTwoWithASuggestionAndSendsNothing) {
  RegisterMeter("CTL-M0", "CTL-C0", "0");
  const ProcessResult result =
      Admin({"adjust", "--metr=CTL-M0", "--direction=credit", "--amount=5", "--reason=test"});
  EXPECT_EQ(result.exit_code, kUsage) << Describe(result);
  EXPECT_THAT(result.err, HasSubstr("error: unknown flag --metr; did you mean --meter?\n"));
  EXPECT_THAT(result.err, HasSubstr("usage: walletctl adjust --meter=ID"));
  EXPECT_THAT(result.out, IsEmpty());
  // Nothing reached walletd: the wallet is as registered.
  EXPECT_THAT(MustSucceed(admin_key_file_, {"get-meter", "--meter=CTL-M0"}),
              ContainsRegex("balance: +Rs 0\\.00\n"));

  const ProcessResult unknown = Admin({"recharg", "--meter=CTL-M0"});
  EXPECT_EQ(unknown.exit_code, kUsage) << Describe(unknown);
  EXPECT_THAT(unknown.err, HasSubstr("did you mean \"recharge\"?"));
}

TEST_F(WalletctlTest, RechargeShowsTheArrearsRecoveredAndTheBalanceFollows) {
  RegisterMeter("CTL-M1", "CTL-C1", "250");
  const std::string pos = FundedRetailer("CTL-R1");

  const std::string recharged =
      MustSucceed(pos, {"recharge", "--meter=CTL-M1", "--amount=500", "--request_id=R-0001"});
  // 20 % of Rs 500 recovers arrears; the meter keeps Rs 400.
  EXPECT_THAT(recharged, ContainsRegex("arrears recovered: +Rs 100\\.00 \\(transfer #[0-9]+\\)\n"));
  EXPECT_THAT(recharged, ContainsRegex("meter balance: +Rs 400\\.00\n"));
  EXPECT_THAT(recharged, ContainsRegex("commission: +#[0-9]+ retailer_commission Rs 7\\.50"));
  EXPECT_THAT(recharged, ContainsRegex("float balance: +Rs 9,507\\.50\n"));
  // A retry with the receipt id answers the same and credits nothing more.
  EXPECT_EQ(MustSucceed(pos, {"recharge", "--meter=CTL-M1", "--amount=500", "--request_id=R-0001"}),
            recharged);

  const std::string balance = MustSucceed(admin_key_file_, {"balance", "--meter=CTL-M1"});
  EXPECT_THAT(balance, ContainsRegex("balance: +Rs 400\\.00\n"));
  EXPECT_THAT(balance, ContainsRegex("arrears: +Rs 150\\.00\n"));
  EXPECT_THAT(balance, ContainsRegex("last recharge: +Rs 500\\.00 at [0-9-]+ [0-9:]+ IST\n"));

  // A recharge without arrears left to recover says so.
  RegisterMeter("CTL-M2", "CTL-C2", "0");
  EXPECT_THAT(MustSucceed(pos, {"recharge", "--meter=CTL-M2", "--amount=100"}),
              ContainsRegex("arrears recovered: +none\n"));
}

TEST_F(WalletctlTest, ConfirmedPaymentShowsTheArrearsRecovered) {
  RegisterMeter("CTL-M3", "CTL-C3", "1000");
  const std::string consumer = IssueKey("consumer", "CTL-C3");
  const std::string gateway = IssueKey("payment_gateway", "");

  const std::string json =
      MustSucceed(consumer, {"--output=json", "start-recharge", "--meter=CTL-M3", "--amount=300"});
  v1::StartRechargeResponse started;
  ASSERT_THAT(google::protobuf::util::JsonStringToMessage(json, &started), IsOk()) << json;
  EXPECT_EQ(started.order().amount_paise(), 30000);
  EXPECT_EQ(started.order().state(), v1::ORDER_PENDING);

  const std::string confirmed = MustSucceed(
      gateway, {"confirm-payment", "--payment_id=pay_Q7x1",
                absl::StrCat("--order_id=", started.order().order_id()), "--amount_paise=30000"});
  EXPECT_THAT(confirmed, ContainsRegex("state: +paid\n"));
  EXPECT_THAT(confirmed, ContainsRegex("arrears recovered: +Rs 60\\.00 \\(transfer #[0-9]+\\)\n"));
  EXPECT_THAT(confirmed, ContainsRegex("balance: +Rs 240\\.00\n"));
  EXPECT_THAT(MustSucceed(consumer, {"balance", "--meter=CTL-M3"}),
              ContainsRegex("arrears: +Rs 940\\.00\n"));
}

TEST_F(WalletctlTest, JsonOutputParsesAsTheResponse) {
  RegisterMeter("CTL-M4", "CTL-C4", "12.34");
  for (const char* flag : {"--json", "--output=json"}) {
    const std::string json = MustSucceed(admin_key_file_, {flag, "get-meter", "--meter=CTL-M4"});
    v1::MeterView view;
    ASSERT_THAT(google::protobuf::util::JsonStringToMessage(json, &view), IsOk()) << json;
    EXPECT_EQ(view.meter().meter_id(), "CTL-M4");
    EXPECT_EQ(view.consumer().name(), "Ramesh Sahu");
    EXPECT_EQ(view.arrears_paise(), 1234);
    EXPECT_THAT(json, HasSubstr("\"balance_paise\":\"0\""));
  }
}

TEST_F(WalletctlTest, CsvOutputParsesAsRows) {
  RegisterMeter("CTL-M5", "CTL-C5", "1234.5");
  RegisterMeter("CTL-M6", "CTL-C6", "0");
  const std::string pos = FundedRetailer("CTL-R2");
  MustSucceed(pos, {"recharge", "--meter=CTL-M6", "--amount=350.50"});

  const std::vector<std::vector<std::string>> meters =
      ParseCsv(MustSucceed(admin_key_file_, {"list-meters", "--output=csv", "--all"}));
  ASSERT_EQ(meters.size(), 3u);
  EXPECT_THAT(meters[0], ElementsAre("meter", "consumer", "name", "category",
                                     "circle_division_subdivision", "balance", "arrears"));
  EXPECT_THAT(meters[1],
              ElementsAre("CTL-M5", "CTL-C5", "Ramesh Sahu", "domestic", "//", "0.00", "1234.50"));
  EXPECT_THAT(meters[2],
              ElementsAre("CTL-M6", "CTL-C6", "Ramesh Sahu", "domestic", "//", "350.50", "0.00"));

  const std::vector<std::vector<std::string>> history =
      ParseCsv(MustSucceed(admin_key_file_, {"history", "--meter=CTL-M6", "--output=csv"}));
  ASSERT_EQ(history.size(), 2u);
  EXPECT_THAT(history[0], ElementsAre("seq", "time", "type", "change", "balance", "counterpart",
                                      "ref", "memo"));
  EXPECT_EQ(history[1][2], "retailer_recharge");
  EXPECT_EQ(history[1][3], "350.50");
  EXPECT_EQ(history[1][5], "retailer:CTL-R2");
  EXPECT_THAT(history[1][1], ContainsRegex("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\+05:30$"));

  // A response without a list is field,value lines.
  EXPECT_THAT(ParseCsv(MustSucceed(admin_key_file_, {"--output=csv", "check-ledger"})),
              ::testing::Contains(ElementsAre("result", "OK")));
}

TEST_F(WalletctlTest, PutTariffReadsATextFileAndTariffsListsIt) {
  const std::string path = absl::StrCat(walletd_->temp_dir(), "/flat.textproto");
  std::ofstream(path) << "tariff_id: \"CTL-FLAT\" version: 1 effective_from: \"2024-04-01\"\n"
                         "category: DOMESTIC slabs { paise_per_kwh: 500 } duty_bps: 500\n";
  EXPECT_THAT(MustSucceed(admin_key_file_, {"put-tariff", absl::StrCat("--file=", path)}),
              ContainsRegex("energy: +Rs 5\\.00 flat\n"));

  const std::vector<std::vector<std::string>> book =
      ParseCsv(MustSucceed(admin_key_file_, {"tariffs", "--output=csv"}));
  ASSERT_FALSE(book.empty());
  EXPECT_THAT(book[0], ElementsAre("tariff", "version", "from", "category", "energy_per_kwh",
                                   "time_of_day", "fixed_per_kw_day", "rent_per_day", "duty_bps"));
  EXPECT_THAT(book, ::testing::Contains(ElementsAre("CTL-FLAT", "1", "2024-04-01", "domestic",
                                                    "Rs 5.00 flat", "-", "0.00", "0.00", "500")));

  // A file that does not parse is a usage error naming the line; nothing is sent.
  std::ofstream(path) << "tariff_id: \"CTL-BAD\"\nslabz { paise_per_kwh: 1 }\n";
  const ProcessResult bad = Admin({"put-tariff", absl::StrCat("--file=", path)});
  EXPECT_EQ(bad.exit_code, kUsage) << Describe(bad);
  EXPECT_THAT(bad.err, HasSubstr(absl::StrCat("error: --file: ", path, ":2:")));
}

TEST_F(WalletctlTest, RefusalsExitOneWithTheGrpcCode) {
  RegisterMeter("CTL-M7", "CTL-C7", "0");
  const std::string pos = FundedRetailer("CTL-R3");
  const ProcessResult unknown = Walletctl(pos, {"recharge", "--meter=NO-SUCH", "--amount=5"});
  EXPECT_EQ(unknown.exit_code, kFailed) << Describe(unknown);
  EXPECT_THAT(unknown.err, HasSubstr("error: NOT_FOUND: "));
  EXPECT_THAT(unknown.out, IsEmpty());

  const ProcessResult too_much = Walletctl(pos, {"recharge", "--meter=CTL-M7", "--amount=50000"});
  EXPECT_EQ(too_much.exit_code, kFailed) << Describe(too_much);
  EXPECT_THAT(too_much.err, HasSubstr("error: FAILED_PRECONDITION: "));

  const ProcessResult no_key = Walletctl("", {"float"});
  EXPECT_EQ(no_key.exit_code, kFailed) << Describe(no_key);
  EXPECT_THAT(no_key.err, HasSubstr("error: UNAUTHENTICATED: "));
}

TEST_F(WalletctlTest, TakesTheKeyFileFromTheEnvironment) {
  absl::StatusOr<ProcessResult> result = RunProcess(
      {WALLETCTL_PATH, absl::StrCat("--server=", walletd_->target()), "check-ledger"},
      {{"WALLETCTL_API_KEY", ""}, {"WALLETCTL_API_KEY_FILE", admin_key_file_}}, kRunTimeout);
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->exit_code, kOk) << Describe(*result);
  EXPECT_THAT(result->out, ContainsRegex("result: +OK\n"));
  EXPECT_THAT(result->err, Not(HasSubstr("error")));
}

TEST_F(WalletctlTest, RegisterMeterRequiresATariffThatExists) {
  const ProcessResult missing =
      Admin({"register-meter", "--meter=CTL-M20", "--consumer=CTL-C20", "--phone=+919826000101",
             "--category=domestic", "--load_w=3000"});
  EXPECT_EQ(missing.exit_code, kUsage) << Describe(missing);
  EXPECT_THAT(missing.err, StartsWith("error: --tariff=ID is required\n"));
  const ProcessResult unknown =
      Admin({"register-meter", "--meter=CTL-M20", "--consumer=CTL-C20", "--phone=+919826000101",
             "--category=domestic", "--load_w=3000", "--tariff=NO-SUCH"});
  EXPECT_EQ(unknown.exit_code, kFailed) << Describe(unknown);
  EXPECT_THAT(unknown.err, HasSubstr("error: NOT_FOUND: "));
  EXPECT_THAT(unknown.err, HasSubstr("NO-SUCH"));
  // Neither attempt registered the meter.
  const ProcessResult absent = Admin({"get-meter", "--meter=CTL-M20"});
  EXPECT_EQ(absent.exit_code, kFailed) << Describe(absent);
  EXPECT_THAT(absent.err, HasSubstr("error: NOT_FOUND: "));
  EXPECT_THAT(Walletctl("", {"help", "register-meter"}).out,
              ContainsRegex("--tariff=ID +Tariff id:[^-]*Required\\."));
}

TEST_F(WalletctlTest, UpdateConsumerChangesThePhoneAndRecordsIt) {
  RegisterMeter("CTL-M21", "CTL-C21", "0");
  const std::vector<std::string> update = {"update-consumer", "--consumer=CTL-C21",
                                           "--phone=+919826000999", "--reason=new SIM card",
                                           "--request_id=upd-21"};
  const std::string updated = MustSucceed(admin_key_file_, update);
  EXPECT_THAT(updated, ContainsRegex("phone: +\\+919826000999\n"));
  EXPECT_THAT(updated, ContainsRegex("name: +Ramesh Sahu\n"));
  EXPECT_THAT(updated, ContainsRegex("result: +changed, recorded as change #[0-9]+\n"));
  EXPECT_THAT(updated, ContainsRegex("by admin key: +[0-9a-f]{16}"));
  EXPECT_THAT(updated, ContainsRegex("reason: +new SIM card\n"));
  EXPECT_THAT(updated, ContainsRegex("changed: +phone: \\+919826000101 -> \\+919826000999\n"));
  // A retry answers the same; the same values again change nothing.
  EXPECT_EQ(MustSucceed(admin_key_file_, update), updated);
  EXPECT_THAT(MustSucceed(admin_key_file_, {"update-consumer", "--consumer=CTL-C21",
                                            "--phone=+919826000999", "--reason=again"}),
              ContainsRegex("result: +unchanged: the values given were already so"));
  EXPECT_THAT(MustSucceed(admin_key_file_, {"get-meter", "--meter=CTL-M21"}),
              ContainsRegex("consumer: +CTL-C21 Ramesh Sahu \\(\\+919826000999\\)\n"));

  const ProcessResult unknown =
      Admin({"update-consumer", "--consumer=NO-SUCH", "--name=Somebody", "--reason=typo"});
  EXPECT_EQ(unknown.exit_code, kFailed) << Describe(unknown);
  EXPECT_THAT(unknown.err, HasSubstr("error: NOT_FOUND: consumer NO-SUCH not found"));
  EXPECT_THAT(unknown.out, IsEmpty());
}

TEST_F(WalletctlTest, UpdateMeterChangesCategoryTariffAndLoad) {
  RegisterMeter("CTL-M22", "CTL-C22", "0");
  const std::string updated =
      MustSucceed(admin_key_file_, {"update-meter", "--meter=CTL-M22", "--category=commercial",
                                    "--tariff=NDLT-1", "--load_w=5000", "--circle=Bilaspur",
                                    "--reason=shop opened on the ground floor"});
  EXPECT_THAT(updated, ContainsRegex("category: +commercial\n"));
  EXPECT_THAT(updated, ContainsRegex("tariff: +NDLT-1\n"));
  EXPECT_THAT(updated, ContainsRegex("sanctioned load: +5000 W\n"));
  EXPECT_THAT(updated, ContainsRegex("location: +Bilaspur / - / -\n"));
  EXPECT_THAT(updated, ContainsRegex("changed: +tariff_id: DOM-LT1 -> NDLT-1\n"));
  EXPECT_THAT(updated, ContainsRegex("changed: +sanctioned_load_w: 3000 -> 5000\n"));

  const ProcessResult unknown =
      Admin({"update-meter", "--meter=CTL-M22", "--tariff=NO-SUCH", "--reason=typo"});
  EXPECT_EQ(unknown.exit_code, kFailed) << Describe(unknown);
  EXPECT_THAT(unknown.err, HasSubstr("error: NOT_FOUND: "));
  EXPECT_THAT(unknown.err, HasSubstr("NO-SUCH"));
  // The refused update changed nothing.
  EXPECT_THAT(MustSucceed(admin_key_file_, {"get-meter", "--meter=CTL-M22"}),
              ContainsRegex("tariff: +NDLT-1\n"));
}

TEST_F(WalletctlTest, MoveMeterCancelsThePreviousOwnersPendingOrders) {
  RegisterMeter("CTL-M23", "CTL-C23", "0");
  RegisterMeter("CTL-M24", "CTL-C24", "0");
  const std::string owner = IssueKey("consumer", "CTL-C23");
  const std::string order = StartOrder(owner, "CTL-M23", "200");

  const std::string moved = MustSucceed(
      admin_key_file_, {"move-meter", "--meter=CTL-M23", "--consumer=CTL-C25", "--name=Meena Verma",
                        "--phone=+919826000102", "--reason=house sold"});
  EXPECT_THAT(moved, ContainsRegex("consumer: +CTL-C25 Meena Verma \\(\\+919826000102\\)\n"));
  EXPECT_THAT(moved, ContainsRegex("changed: +consumer_id: CTL-C23 -> CTL-C25\n"));
  EXPECT_THAT(moved, ContainsRegex(absl::StrCat("cancelled orders: +", order, "\n")));
  EXPECT_THAT(MustSucceed(admin_key_file_, {"order", absl::StrCat("--order_id=", order)}),
              ContainsRegex("cancel reason: +the meter moved to another consumer\n"));

  // An existing consumer keeps its details: another phone is refused.
  const ProcessResult other_phone = Admin({"move-meter", "--meter=CTL-M23", "--consumer=CTL-C24",
                                           "--phone=+919826000555", "--reason=house sold again"});
  EXPECT_EQ(other_phone.exit_code, kFailed) << Describe(other_phone);
  EXPECT_THAT(other_phone.err,
              HasSubstr("error: FAILED_PRECONDITION: consumer CTL-C24 is registered with another "
                        "phone"));
  EXPECT_THAT(MustSucceed(admin_key_file_, {"get-meter", "--meter=CTL-M23"}),
              ContainsRegex("consumer: +CTL-C25 "));
}

TEST_F(WalletctlTest, ChangesListsTheAuditTrailNewestFirst) {
  RegisterMeter("CTL-M26", "CTL-C26", "0");
  MustSucceed(admin_key_file_,
              {"update-meter", "--meter=CTL-M26", "--load_w=4000", "--reason=load survey"});
  MustSucceed(admin_key_file_, {"update-consumer", "--consumer=CTL-C26", "--name=Ramesh K Sahu",
                                "--phone=+919826000998", "--reason=name on the Aadhaar card"});
  MustSucceed(admin_key_file_, {"move-meter", "--meter=CTL-M26", "--consumer=CTL-C27",
                                "--name=Anil Kumar", "--phone=+919826000103", "--reason=tenant"});

  const std::vector<std::vector<std::string>> rows =
      ParseCsv(MustSucceed(admin_key_file_, {"--output=csv", "changes", "--meter=CTL-M26"}));
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_THAT(rows[0], ElementsAre("seq", "time", "kind", "meter", "consumer", "by", "reason",
                                   "field", "before", "after"));
  // The move: the new owner's id, and its phone and name from empty.
  EXPECT_EQ(rows[1][2], "meter_moved");
  EXPECT_EQ(rows[1][6], "tenant");
  EXPECT_THAT(std::vector<std::string>(rows[1].begin() + 7, rows[1].end()),
              ElementsAre("consumer_id", "CTL-C26", "CTL-C27"));
  EXPECT_THAT(std::vector<std::string>(rows[2].begin() + 7, rows[2].end()),
              ElementsAre("consumer.name", "", "Anil Kumar"));
  EXPECT_THAT(std::vector<std::string>(rows[3].begin() + 7, rows[3].end()),
              ElementsAre("consumer.phone", "", "+919826000103"));
  EXPECT_EQ(rows[3][0], rows[1][0]);  // one change, its rows each complete
  EXPECT_EQ(rows[4][2], "meter_updated");
  EXPECT_THAT(std::vector<std::string>(rows[4].begin() + 3, rows[4].end()),
              ElementsAre("CTL-M26", "CTL-C26", ::testing::MatchesRegex("[0-9a-f]{16}.*"),
                          "load survey", "sanctioned_load_w", "3000", "4000"));

  // The consumer's trail has its own update and the move away, one page at a time.
  const ProcessResult first = Admin({"changes", "--consumer=CTL-C26", "--page_size=1"});
  EXPECT_EQ(first.exit_code, kOk) << Describe(first);
  EXPECT_THAT(first.out, ContainsRegex("meter_moved +CTL-M26 +CTL-C27 .* tenant +consumer_id +"
                                       "CTL-C26 +CTL-C27\n"));
  EXPECT_THAT(first.out, Not(HasSubstr("consumer_updated")));
  EXPECT_THAT(first.err, HasSubstr("more: --page_token="));
  const std::string all = MustSucceed(admin_key_file_, {"changes", "--consumer=CTL-C26", "--all"});
  EXPECT_THAT(all, ContainsRegex("consumer_updated +- +CTL-C26 .* name on the Aadhaar card +"
                                 "name +Ramesh Sahu +Ramesh K Sahu\n"));
  EXPECT_THAT(all, ContainsRegex("\n +phone +\\+919826000101 +\\+919826000998\n"));

  const ProcessResult bad_token = Admin({"changes", "--meter=CTL-M26", "--page_token=abc"});
  EXPECT_EQ(bad_token.exit_code, kFailed) << Describe(bad_token);
  EXPECT_THAT(bad_token.err, HasSubstr("error: INVALID_ARGUMENT: "));
  EXPECT_THAT(bad_token.out, IsEmpty());
}

TEST_F(WalletctlTest, OrdersShowTheirStateAndExpiryAndCancelWhilePending) {
  RegisterMeter("CTL-M28", "CTL-C28", "0");
  RegisterMeter("CTL-M29", "CTL-C29", "0");
  const std::string consumer = IssueKey("consumer", "CTL-C28");
  const std::string other = IssueKey("consumer", "CTL-C29");
  const std::string to_cancel = StartOrder(consumer, "CTL-M28", "150");
  const std::string to_expire = StartOrder(consumer, "CTL-M28", "250");

  const std::string pending =
      MustSucceed(consumer, {"order", absl::StrCat("--order_id=", to_expire)});
  EXPECT_THAT(pending, ContainsRegex("amount: +Rs 250\\.00\n"));
  EXPECT_THAT(pending, ContainsRegex("state: +pending\n"));
  EXPECT_THAT(pending, ContainsRegex("expires: +[0-9-]+ [0-9:]+ IST\n"));

  const std::string cancelled = MustSucceed(
      consumer, {"cancel-order", absl::StrCat("--order_id=", to_cancel), "--request_id=cx-1"});
  EXPECT_THAT(cancelled, ContainsRegex("state: +cancelled\n"));
  EXPECT_THAT(cancelled, ContainsRegex("cancelled: +[0-9-]+ [0-9:]+ IST\n"));
  EXPECT_THAT(cancelled, ContainsRegex("cancel reason: +cancelled by the consumer\n"));
  const ProcessResult again =
      Walletctl(consumer, {"cancel-order", absl::StrCat("--order_id=", to_cancel)});
  EXPECT_EQ(again.exit_code, kFailed) << Describe(again);
  EXPECT_THAT(again.err, HasSubstr(absl::StrCat("error: FAILED_PRECONDITION: order ", to_cancel,
                                                " was cancelled")));

  // Past its lifetime (30 minutes by default) an order reads as expired.
  MustSucceed(admin_key_file_, {"set-clock", absl::StrCat("--at=", IstFromNow(absl::Hours(1)))});
  EXPECT_THAT(MustSucceed(consumer, {"order", absl::StrCat("--order_id=", to_expire)}),
              ContainsRegex("state: +expired\n"));

  const std::vector<std::vector<std::string>> orders =
      ParseCsv(MustSucceed(consumer, {"--output=csv", "orders"}));
  ASSERT_EQ(orders.size(), 3u);
  EXPECT_THAT(orders[0], ElementsAre("order", "meter", "consumer", "amount", "state", "created",
                                     "expires", "closed", "detail"));
  EXPECT_THAT(orders[1], ElementsAre(to_expire, "CTL-M28", "CTL-C28", "250.00", "expired",
                                     ::testing::_, ::testing::_, "", ""));
  EXPECT_THAT(orders[2],
              ElementsAre(to_cancel, "CTL-M28", "CTL-C28", "150.00", "cancelled", ::testing::_,
                          ::testing::_, ::testing::Not(IsEmpty()), "cancelled by the consumer"));
  EXPECT_THAT(MustSucceed(admin_key_file_, {"orders", "--meter=CTL-M28"}),
              ContainsRegex(absl::StrCat(to_expire, " +CTL-M28 +CTL-C28 +Rs 250\\.00 +expired ")));

  // Another consumer sees neither the order nor the list.
  const ProcessResult foreign = Walletctl(other, {"order", absl::StrCat("--order_id=", to_expire)});
  EXPECT_EQ(foreign.exit_code, kFailed) << Describe(foreign);
  EXPECT_THAT(foreign.err,
              HasSubstr(absl::StrCat("error: NOT_FOUND: order ", to_expire, " not found")));
  const ProcessResult foreign_list = Walletctl(other, {"orders", "--consumer=CTL-C28"});
  EXPECT_EQ(foreign_list.exit_code, kFailed) << Describe(foreign_list);
  EXPECT_THAT(foreign_list.err, HasSubstr("error: PERMISSION_DENIED: "));
}


// The collection commands: a dues file imported in chunks with a live
// progress line, its rejected rows written to a file (exit 1), the same
// import again changing nothing; the defaulter list as text, CSV and JSON
// with its count and total; payments toward dues at a counter and through
// a retailer; post-paid, CT-operated meters with an address.
class WalletctlCollectionTest : public WalletctlTest {
 protected:
  void SetUp() override {
    WalletctlTest::SetUp();
    RegisterMeter("CTL-D1", "CTL-C1", "0");
    RegisterMeter("CTL-D2", "CTL-C2", "0");
    const std::string out = MustSucceed(
        admin_key_file_,
        {"register-meter", "--meter=CTL-D3", "--consumer=CTL-C3", "--name=Hotel Ashoka",
         "--phone=+919826000103", "--category=commercial", "--load_w=20000", "--tariff=DOM-LT1",
         "--billing_mode=postpaid", "--ct_operated", "--address=Link Road, Bilaspur"});
    EXPECT_THAT(out, ContainsRegex("billing mode: +postpaid\n"));
    EXPECT_THAT(out, ContainsRegex("ct operated: +yes: no relay\n"));
    EXPECT_THAT(out, ContainsRegex("address: +Link Road, Bilaspur\n"));
  }

  // WriteFile writes `text` into the test's directory and returns its path.
  std::string WriteFile(const std::string& name, const std::string& text) {
    const std::string path = absl::StrCat(walletd_->temp_dir(), "/", name);
    std::ofstream(path) << text;
    return path;
  }

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
};

TEST_F(WalletctlCollectionTest, ImportDuesReportsProgressAndRejectedRows) {
  const std::string dues = WriteFile(
      "dues.csv",
      "meter_id,principal,surcharge,unpaid_bills,oldest_due_date\n"
      "CTL-D1,2500.50,100,2,2026-08-15\n"
      "CTL-D3,30000,1250.75,4,2026-06-15\n"
      "CTL-NONE,10,0,1,2026-08-15\n"
      "CTL-D2,abc,0,1,\n"
      "CTL-D2,75,0,1,2026-02-30\n"
      "CTL-D1,1,0,1,\n");
  const std::string errors = absl::StrCat(walletd_->temp_dir(), "/rejected.csv");
  const std::vector<std::string> args = {"import-dues", absl::StrCat("--file=", dues),
                                         "--import_id=bill-2026-11", "--chunk_rows=2",
                                         absl::StrCat("--errors=", errors)};
  const ProcessResult first = Walletctl(admin_key_file_, args);
  EXPECT_EQ(first.exit_code, kFailed) << Describe(first);
  EXPECT_THAT(first.out, ContainsRegex("applied: +2\n"));
  EXPECT_THAT(first.out, ContainsRegex("rejected by walletd: +3\n"));
  EXPECT_THAT(first.out, ContainsRegex("not sent \\(unreadable\\): +1\n"));
  EXPECT_THAT(first.out, ContainsRegex("principal posted: +\\+Rs 32,500\\.50\n"));
  // A progress line per chunk (standard error is not a terminal here).
  EXPECT_THAT(first.err, HasSubstr("imported 2 rows: 2 applied, 0 unchanged, 0 rejected"));
  EXPECT_THAT(first.err, HasSubstr("imported 5 rows: 2 applied, 0 unchanged, 3 rejected"));
  EXPECT_THAT(first.err, HasSubstr("error: INVALID_ARGUMENT: 4 rows were rejected"));
  const std::vector<std::vector<std::string>> rejected = ParseCsv(ReadFile(errors));
  ASSERT_EQ(rejected.size(), 5u) << ReadFile(errors);
  EXPECT_THAT(rejected[0], ElementsAre("line", "meter_id", "code", "message"));
  EXPECT_THAT(rejected[1], ElementsAre("4", "CTL-NONE", "NOT_FOUND", HasSubstr("not registered")));
  EXPECT_THAT(rejected[2], ElementsAre("5", "CTL-D2", "INVALID_ARGUMENT", HasSubstr("not sent")));
  EXPECT_THAT(rejected[3], ElementsAre("6", "CTL-D2", "INVALID_ARGUMENT",
                                       HasSubstr("oldest_due_date")));
  EXPECT_THAT(rejected[4], ElementsAre("7", "CTL-D1", "ALREADY_EXISTS", HasSubstr("twice")));

  const std::string meter = MustSucceed(admin_key_file_, {"get-meter", "--meter=CTL-D3"});
  EXPECT_THAT(meter, ContainsRegex("arrears: +Rs 30,000\\.00\n"));
  EXPECT_THAT(meter, ContainsRegex("surcharge: +Rs 1,250\\.75\n"));
  EXPECT_THAT(meter, ContainsRegex("unpaid bills: +4\n"));
  EXPECT_THAT(meter, ContainsRegex("oldest due date: +2026-06-15\n"));

  // The same import again: the same report, nothing posted twice.
  const ProcessResult again = Walletctl(admin_key_file_, args);
  EXPECT_EQ(again.exit_code, kFailed) << Describe(again);
  EXPECT_THAT(again.out, ContainsRegex("applied: +2\n"));
  EXPECT_EQ(ParseCsv(ReadFile(errors)), rejected);
  EXPECT_THAT(MustSucceed(admin_key_file_, {"get-meter", "--meter=CTL-D3"}),
              ContainsRegex("arrears: +Rs 30,000\\.00\n"));
  MustSucceed(admin_key_file_, {"check-ledger"});

  // A file without the header, or none at all, is a usage error: nothing
  // is sent.
  const std::string headless = WriteFile("headless.csv", "CTL-D1,1,0,1,\n");
  const ProcessResult usage =
      Walletctl(admin_key_file_, {"import-dues", absl::StrCat("--file=", headless),
                                  "--import_id=bill-x"});
  EXPECT_EQ(usage.exit_code, kUsage) << Describe(usage);
  EXPECT_THAT(usage.err, HasSubstr("the first line must be the header"));
  EXPECT_EQ(Walletctl(admin_key_file_, {"import-dues", "--file=/nonexistent/dues.csv",
                                        "--import_id=bill-y"})
                .exit_code,
            kUsage);
}

TEST_F(WalletctlCollectionTest, DefaultersListsTheSelectionWithItsCountAndTotal) {
  const std::string dues = WriteFile(
      "dues.csv",
      "meter_id,principal,surcharge,unpaid_bills,oldest_due_date\n"
      "CTL-D1,2500,0,1,2026-10-15\n"
      "CTL-D2,100,0,1,2026-10-15\n"
      "CTL-D3,30000,1250,4,2026-06-15\n");
  MustSucceed(admin_key_file_,
              {"import-dues", absl::StrCat("--file=", dues), "--import_id=bill-1"});
  const std::string text = MustSucceed(
      admin_key_file_, {"defaulters", "--categories=commercial,domestic", "--min_dues=200"});
  EXPECT_THAT(text, ContainsRegex("CTL-D3 +Hotel Ashoka +commercial"));
  EXPECT_THAT(text, ContainsRegex("count: 2  total dues: Rs 33,750\\.00\n$"));
  EXPECT_THAT(text, Not(HasSubstr("CTL-D2")));

  const ProcessResult csv = Walletctl(
      admin_key_file_, {"defaulters", "--output=csv", "--billing_mode=prepaid", "--all"});
  ASSERT_EQ(csv.exit_code, kOk) << Describe(csv);
  const std::vector<std::vector<std::string>> rows = ParseCsv(csv.out);
  ASSERT_EQ(rows.size(), 3u) << csv.out;
  EXPECT_THAT(rows[0], ElementsAre("meter", "name", "category", "circle_division_subdivision",
                                   "mode", "principal", "surcharge", "dues", "bills",
                                   "oldest_due", "balance", "relay", "hold", "ct"));
  EXPECT_THAT(rows[1], ElementsAre("CTL-D1", "Ramesh Sahu", "domestic", "//", "prepaid",
                                   "2500.00", "0.00", "2500.00", "1", "2026-10-15", "0.00",
                                   "connected", "-", "no"));
  EXPECT_EQ(rows[2][0], "CTL-D2");
  EXPECT_THAT(csv.err, HasSubstr("count: 2  total dues: Rs 2,600.00"));

  v1::ListDefaultersResponse json;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  MustSucceed(admin_key_file_, {"--json", "defaulters", "--min_unpaid_bills=4"}),
                  &json)
                  .ok());
  ASSERT_EQ(json.defaulters_size(), 1);
  EXPECT_EQ(json.defaulters(0).meter().address(), "Link Road, Bilaspur");
  EXPECT_TRUE(json.defaulters(0).meter().ct_operated());
  EXPECT_EQ(json.total_dues_paise(), 3'125'000);

  // A category that does not exist is a usage error.
  const ProcessResult bad = Walletctl(admin_key_file_, {"defaulters", "--categories=shop"});
  EXPECT_EQ(bad.exit_code, kUsage) << Describe(bad);
}

TEST_F(WalletctlCollectionTest, DuesArePaidAtTheCounterAndThroughARetailer) {
  const std::string dues = WriteFile("dues.csv",
                                     "meter_id,principal,surcharge,unpaid_bills,oldest_due_date\n"
                                     "CTL-D3,300,50,2,2026-09-15\n");
  MustSucceed(admin_key_file_,
              {"import-dues", absl::StrCat("--file=", dues), "--import_id=bill-1"});
  const std::string paid = MustSucceed(
      admin_key_file_, {"pay-dues", "--meter=CTL-D3", "--amount=320", "--receipt=CR-91"});
  EXPECT_THAT(paid, ContainsRegex("to principal: +#[0-9]+ dues_payment Rs 300\\.00 "
                                  "system:counter_cash -> arrears:CTL-D3"));
  EXPECT_THAT(paid, ContainsRegex("to surcharge: +#[0-9]+ surcharge_payment Rs 20\\.00"));
  EXPECT_THAT(paid, ContainsRegex("dues left: +Rs 30\\.00\n"));
  const ProcessResult over =
      Walletctl(admin_key_file_, {"pay-dues", "--meter=CTL-D3", "--amount=31"});
  EXPECT_EQ(over.exit_code, kFailed) << Describe(over);
  EXPECT_THAT(over.err, HasSubstr("error: FAILED_PRECONDITION: Rs 31.00 is more than the dues"));

  const std::string pos = FundedRetailer("CTL-R9");
  const std::string by_retailer =
      MustSucceed(pos, {"retailer-pay-dues", "--meter=CTL-D3", "--amount=30"});
  EXPECT_THAT(by_retailer, ContainsRegex("to principal: +-\n"));
  EXPECT_THAT(by_retailer, ContainsRegex("dues left: +Rs 0\\.00\n"));
  EXPECT_THAT(MustSucceed(pos, {"float"}), ContainsRegex("Rs 9,970\\.00"));
  MustSucceed(admin_key_file_, {"check-ledger"});
}

TEST_F(WalletctlCollectionTest, UpdateMeterSwitchesBillingModeAndRecordsIt) {
  const std::string out =
      MustSucceed(admin_key_file_, {"update-meter", "--meter=CTL-D3", "--billing_mode=prepaid",
                                    "--noct_operated", "--reason=converted to a smart prepaid "
                                                       "meter"});
  EXPECT_THAT(out, ContainsRegex("billing mode: +prepaid\n"));
  EXPECT_THAT(out, ContainsRegex("changed: +billing_mode: POSTPAID -> PREPAID\n"));
  EXPECT_THAT(out, ContainsRegex("changed: +ct_operated: true -> false\n"));
  EXPECT_THAT(MustSucceed(admin_key_file_, {"balance", "--meter=CTL-D3"}),
              Not(HasSubstr("postpaid_billed")));
  EXPECT_THAT(MustSucceed(admin_key_file_, {"balance", "--meter=CTL-D1"}),
              ContainsRegex("surcharge: +Rs 0\\.00\n"));
}

TEST_F(WalletctlTest, ADriveFromPreviewToDone) {
  for (int i = 0; i < 3; ++i) {
    RegisterMeter(absl::StrCat("DRV-M", i), absl::StrCat("DRV-C", i), "25000");
  }
  const std::string approver = IssueKey("admin", "");
  // A Monday morning, outside the example policy's no-cutoff hours.
  MustSucceed(admin_key_file_, {"set-clock", "--at=2030-01-07T10:00:00"});
  const std::string meters = absl::StrCat(walletd_->temp_dir(), "/defaulters.csv");
  std::ofstream(meters) << "meter_id\nDRV-M0\nDRV-M1\nDRV-M2\nDRV-NONE\n";

  const std::string preview = MustSucceed(
      admin_key_file_, {"drive", "create", "--name=Torwa domestic", "--reason=arrears over Rs 20,000",
                        absl::StrCat("--meters_file=", meters), "--rate_per_minute=600",
                        "--reconnection_fee=350", "--request_id=drv-1"});
  EXPECT_THAT(preview, ContainsRegex("drive: +drive-1\n"));
  EXPECT_THAT(preview, ContainsRegex("state: +preview\n"));
  EXPECT_THAT(preview, HasSubstr("4 meters: 3 to disconnect"));
  EXPECT_THAT(preview, HasSubstr("1 unknown"));
  EXPECT_THAT(preview, ContainsRegex("dues at start: +Rs 75,000\\.00\n"));

  const ProcessResult self = Admin({"drive", "approve", "--drive=drive-1"});
  EXPECT_EQ(self.exit_code, kFailed) << Describe(self);
  EXPECT_THAT(self.err, HasSubstr("error: PERMISSION_DENIED: "));
  EXPECT_THAT(MustSucceed(approver, {"drive", "approve", "--drive=drive-1", "--reason=checked"}),
              ContainsRegex("state: +running"));

  // walletd orders the three disconnects at its next tick; the gateway's
  // part is played with walletctl.
  const std::string gateway = IssueKey("meter_gateway", "");
  std::vector<v1::RelayCommand> commands;
  ASSERT_TRUE(WaitUntil(
      [&] {
        commands.clear();
        const std::string out = MustSucceed(gateway, {"--output=json", "relay-commands"});
        for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
          v1::RelayCommand command;
          EXPECT_TRUE(
              google::protobuf::util::JsonStringToMessage(std::string(line), &command).ok())
              << line;
          commands.push_back(command);
        }
        return commands.size() == 3;
      },
      "three disconnects"));
  for (const v1::RelayCommand& command : commands) {
    EXPECT_EQ(command.action(), v1::DISCONNECT);
    MustSucceed(gateway, {"report-relay", absl::StrCat("--command_id=", command.command_id()),
                          absl::StrCat("--meter=", command.meter_id()), "--result=confirmed",
                          "--state=disconnected"});
  }

  // Every meter answered: the drive ends at the next tick, and so does the
  // watch, with the figures.
  const ProcessResult watched = Admin({"drive", "watch", "--drive=drive-1"});
  EXPECT_EQ(watched.exit_code, kOk) << Describe(watched);
  EXPECT_THAT(watched.err, HasSubstr("3/3"));
  EXPECT_THAT(watched.out, ContainsRegex("state: +done\n"));
  EXPECT_THAT(MustSucceed(admin_key_file_, {"drive", "show", "--drive=drive-1"}),
              ContainsRegex("recovery: +3 cut, 0 paid Rs 0\\.00, 0 restored, restore p50 -, "
                            "p99 -\n"));
  const std::vector<std::vector<std::string>> rows =
      ParseCsv(MustSucceed(admin_key_file_, {"--output=csv", "drive", "meters", "--drive=drive-1"}));
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_THAT(rows[1], ::testing::Contains("cut"));
  EXPECT_THAT(rows[4], ::testing::Contains("unknown_meter"));
  EXPECT_THAT(MustSucceed(admin_key_file_, {"drives"}),
              ContainsRegex("drive-1 +Torwa domestic +done +4 +3 +3 "));
  const ProcessResult pause = Admin({"drive", "pause", "--drive=drive-1"});
  EXPECT_EQ(pause.exit_code, kFailed) << Describe(pause);
  EXPECT_THAT(pause.err, HasSubstr("error: FAILED_PRECONDITION: drive drive-1 is done"));
}

}  // namespace
}  // namespace wallet::testing
