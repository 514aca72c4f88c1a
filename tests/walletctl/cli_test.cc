// walletctl's exit codes and where help and errors go, without walletd:
// help asked for is printed to standard output with exit 0; a wrong command
// line exits 2 with what is wrong, a suggestion and a usage line on standard
// error, before anything is sent. check-ledger's verdict is checked against a
// fake AdminService on a loopback port, since a real walletd never lets a
// balance leave int64.
#include "walletctl/cli.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"
#include "wallet/v1/admin.grpc.pb.h"
#include "wallet/v1/collection.grpc.pb.h"

namespace walletctl {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

struct Outcome {
  int exit_code;
  std::string out;
  std::string err;
};

// Memory is a FILE* writing to memory.
class Memory {
 public:
  Memory() : file_(open_memstream(&buffer_, &size_)) {}
  ~Memory() {
    if (file_ != nullptr) std::fclose(file_);
    std::free(buffer_);
  }
  std::FILE* file() { return file_; }
  std::string Take() {
    std::fclose(file_);
    file_ = nullptr;
    return std::string(buffer_, size_);
  }

 private:
  char* buffer_ = nullptr;
  size_t size_ = 0;
  std::FILE* file_;
};

Outcome Walletctl(const std::vector<std::string>& words, const Environment& environment = {}) {
  Memory out;
  Memory err;
  const int exit_code = RunWalletctl(words, environment, out.file(), err.file());
  return Outcome{exit_code, out.Take(), err.Take()};
}

TEST(Walletctl, HelpInEveryFormExitsZero) {
  for (const std::vector<std::string>& words :
       std::vector<std::vector<std::string>>{{"--help"}, {"help"}, {"-h"}}) {
    const Outcome run = Walletctl(words);
    EXPECT_EQ(run.exit_code, kExitOk) << words[0];
    EXPECT_THAT(run.out, StartsWith("walletctl: command-line client for walletd"));
    EXPECT_THAT(run.out, HasSubstr("register-meter"));
    EXPECT_THAT(run.err, IsEmpty());
  }
  for (const std::vector<std::string>& words : std::vector<std::vector<std::string>>{
           {"help", "recharge"}, {"recharge", "--help"}, {"--server=x", "recharge", "-h"}}) {
    const Outcome run = Walletctl(words);
    EXPECT_EQ(run.exit_code, kExitOk);
    EXPECT_THAT(run.out, StartsWith("walletctl recharge: Recharge a meter"));
    EXPECT_THAT(run.out, HasSubstr("--meter=ID              Meter id. Required."));
  }
}

TEST(Walletctl, MisspeltFlagExitsTwoWithASuggestion) {
  const Outcome run = Walletctl({"recharge", "--metr=M1", "--amount=5"});
  EXPECT_EQ(run.exit_code, kExitUsage);
  EXPECT_THAT(run.out, IsEmpty());
  EXPECT_EQ(run.err,
            "error: unknown flag --metr; did you mean --meter?\n"
            "usage: walletctl recharge --meter=ID (--amount=RUPEES | --amount_paise=PAISE) "
            "[--retailer=ID] [--request_id=ID]  (walletctl help recharge)\n");
}

TEST(Walletctl, UnknownCommandExitsTwoWithASuggestion) {
  const Outcome run = Walletctl({"ballance", "--meter=M1"});
  EXPECT_EQ(run.exit_code, kExitUsage);
  EXPECT_THAT(run.err, HasSubstr("error: unknown command \"ballance\"; did you mean \"balance\"?\n"
                                 "usage: walletctl [global flags] <command> [flags]"));
  EXPECT_EQ(Walletctl({"help", "ballance"}).exit_code, kExitUsage);
  EXPECT_EQ(Walletctl({}).exit_code, kExitUsage);
}

TEST(Walletctl, BadValuesExitTwoBeforeAnythingIsSent) {
  // Nothing listens on the address: a call sent would fail with exit 1.
  const Outcome run = Walletctl({"--server=127.0.0.1:1", "adjust", "--meter=M1", "--direction=up",
                                 "--amount=-5", "--reason=x"});
  EXPECT_EQ(run.exit_code, kExitUsage);
  EXPECT_THAT(run.err, HasSubstr("error: --direction: \"up\" is not one of credit|debit\n"));
  EXPECT_THAT(run.err, HasSubstr("error: --amount: \"-5\" is not rupees"));
  EXPECT_THAT(run.err, Not(HasSubstr("request id")));
}

TEST(Walletctl, UnreadableKeyFileFailsWithExitOne) {
  Environment environment;
  environment.api_key_file = "/nonexistent/walletctl.key";
  const Outcome run = Walletctl({"float"}, environment);
  EXPECT_EQ(run.exit_code, kExitFailed);
  EXPECT_THAT(run.err,
              HasSubstr("error: NOT_FOUND: cannot read API key file /nonexistent/walletctl.key"));
}

TEST(Walletctl, UpdateWithNothingToChangeExitsTwoBeforeAnythingIsSent) {
  // Nothing listens on the address: a call sent would fail with exit 1.
  const Outcome consumer =
      Walletctl({"--server=127.0.0.1:1", "update-consumer", "--consumer=C1", "--reason=typo"});
  EXPECT_EQ(consumer.exit_code, kExitUsage);
  EXPECT_THAT(consumer.err, StartsWith("error: nothing to change: give at least one of --name, "
                                       "--phone, --language\nusage: walletctl update-consumer"));
  EXPECT_THAT(consumer.err, Not(HasSubstr("request id")));
  const Outcome meter =
      Walletctl({"--server=127.0.0.1:1", "update-meter", "--meter=M1", "--reason=survey"});
  EXPECT_EQ(meter.exit_code, kExitUsage);
  EXPECT_THAT(meter.err, HasSubstr("error: nothing to change: give at least one of --category, "
                                   "--circle, --division, --subdivision, --load_w, --tariff, "
                                   "--billing_mode, --ct_operated, --address\n"));
}

// Against runs walletctl with `words` against `service` on a loopback port.
Outcome Against(grpc::Service& service, const std::vector<std::string>& words) {
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  EXPECT_NE(server, nullptr);
  EXPECT_NE(port, 0);
  std::vector<std::string> all = {absl::StrCat("--server=127.0.0.1:", port), "--api_key=k",
                                  "--timeout_ms=60000"};
  all.insert(all.end(), words.begin(), words.end());
  Outcome outcome = Walletctl(all);
  server->Shutdown();
  return outcome;
}

// FakeAdmin answers CheckLedger with a set response.
class FakeAdmin final : public wallet::v1::AdminService::Service {
 public:
  explicit FakeAdmin(wallet::v1::CheckLedgerResponse answer) : answer_(std::move(answer)) {}

  grpc::Status CheckLedger(grpc::ServerContext*, const wallet::v1::CheckLedgerRequest*,
                           wallet::v1::CheckLedgerResponse* response) override {
    *response = answer_;
    return grpc::Status::OK;
  }

 private:
  wallet::v1::CheckLedgerResponse answer_;
};

// CheckLedgerAgainst runs check-ledger against a FakeAdmin giving `answer`.
Outcome CheckLedgerAgainst(const wallet::v1::CheckLedgerResponse& answer,
                           std::vector<std::string> flags = {}) {
  FakeAdmin admin(answer);
  flags.push_back("check-ledger");
  return Against(admin, flags);
}

TEST(Walletctl, CheckLedgerListsOutOfRangeAccountsAndExitsOne) {
  wallet::v1::CheckLedgerResponse wrapped;
  wrapped.set_transfers(2);
  wrapped.set_accounts(2);
  wrapped.add_mismatched_accounts("system:fees");
  wrapped.add_mismatched_accounts("system:adjustments");
  wrapped.add_out_of_range_accounts("system:fees");
  wrapped.add_out_of_range_accounts("system:adjustments");
  const Outcome run = CheckLedgerAgainst(wrapped);
  EXPECT_EQ(run.exit_code, kExitFailed);
  EXPECT_EQ(run.out,
            "transfers:    2\n"
            "accounts:     2\n"
            "sum:          Rs 0.00\n"
            "result:       MISMATCH\n"
            "mismatched:   system:fees\n"
            "mismatched:   system:adjustments\n"
            "out of range: system:fees\n"
            "out of range: system:adjustments\n");
  EXPECT_EQ(run.err,
            "error: DATA_LOSS: ledger check failed: 2 mismatched accounts, 2 out of range, sum "
            "Rs 0.00\n");

  const Outcome csv = CheckLedgerAgainst(wrapped, {"--output=csv"});
  EXPECT_EQ(csv.exit_code, kExitFailed);
  EXPECT_THAT(csv.out, HasSubstr("out of range,system:fees\nout of range,system:adjustments\n"));
}

TEST(Walletctl, CheckLedgerExitsZeroOnABalancedLedger) {
  wallet::v1::CheckLedgerResponse balanced;
  balanced.set_transfers(5);
  balanced.set_accounts(4);
  balanced.set_ok(true);
  const Outcome run = CheckLedgerAgainst(balanced);
  EXPECT_EQ(run.exit_code, kExitOk) << run.err;
  EXPECT_THAT(run.out, HasSubstr("result:    OK\n"));
  EXPECT_THAT(run.out, Not(HasSubstr("out of range")));
  EXPECT_THAT(run.err, IsEmpty());
}

// FakeCollection answers the drive calls with set responses and keeps the
// requests it got.
class FakeCollection final : public wallet::v1::CollectionService::Service {
 public:
  grpc::Status CreateDrive(grpc::ServerContext*, const wallet::v1::CreateDriveRequest* request,
                           wallet::v1::Drive* response) override {
    created.push_back(*request);
    *response = drive;
    return grpc::Status::OK;
  }
  grpc::Status ListDriveMeters(grpc::ServerContext*,
                               const wallet::v1::ListDriveMetersRequest* request,
                               wallet::v1::ListDriveMetersResponse* response) override {
    listed.push_back(*request);
    *response = meters;
    return grpc::Status::OK;
  }
  grpc::Status WatchDrive(grpc::ServerContext*, const wallet::v1::GetDriveRequest*,
                          grpc::ServerWriter<wallet::v1::Drive>* writer) override {
    for (const wallet::v1::Drive& update : updates) writer->Write(update);
    return grpc::Status::OK;
  }

  wallet::v1::Drive drive;
  wallet::v1::ListDriveMetersResponse meters;
  std::vector<wallet::v1::Drive> updates;
  std::vector<wallet::v1::CreateDriveRequest> created;
  std::vector<wallet::v1::ListDriveMetersRequest> listed;
};

TEST(Walletctl, DriveMetersAsCsvIsTheLinemansList) {
  FakeCollection collection;
  wallet::v1::DriveMeter& m = *collection.meters.add_meters();
  m.set_meter_id("BSP-0042");
  m.set_drive_class(wallet::v1::NO_RELAY);
  m.set_outcome(wallet::v1::NOT_ORDERED);
  m.set_consumer_name("Gupta Traders");
  m.set_address("Link Road, Bilaspur");
  m.set_dues_at_start_paise(2'500'000);
  const Outcome run = Against(
      collection, {"drive", "meters", "--drive=drive-7", "--class=no_relay", "--output=csv"});
  EXPECT_EQ(run.exit_code, kExitOk) << run.err;
  EXPECT_EQ(run.out,
            "meter,class,outcome,consumer,address,dues_at_start,paid,failure,ordered,cut,paid_at,"
            "restored\n"
            "BSP-0042,no_relay,not_ordered,Gupta Traders,\"Link Road, Bilaspur\",25000.00,0.00,,,,,"
            "\n");
  ASSERT_EQ(collection.listed.size(), 1u);
  EXPECT_EQ(collection.listed[0].drive_id(), "drive-7");
  EXPECT_EQ(collection.listed[0].drive_class(), wallet::v1::NO_RELAY);
}

TEST(Walletctl, DriveCreateReadsAFileOfMeterIds) {
  wallet::testing::TempDir dir;
  const std::string path = dir.path() + "/defaulters.csv";
  std::ofstream(path) << "meter_id,dues\n# from the billing export\nBSP-0001,25000\n\n BSP-0002 \n";
  FakeCollection collection;
  collection.drive.set_drive_id("drive-1");
  collection.drive.set_state(wallet::v1::DRIVE_PREVIEW);
  collection.drive.mutable_counts()->set_meters(2);
  collection.drive.mutable_counts()->set_to_disconnect(2);
  const Outcome run =
      Against(collection, {"drive", "create", "--name=Dec", "--reason=dues", "--meters_file=" + path,
                           "--rate_per_minute=600", "--reconnection_fee=350", "--request_id=d1"});
  EXPECT_EQ(run.exit_code, kExitOk) << run.err;
  EXPECT_THAT(run.out, HasSubstr("2 meters: 2 to disconnect"));
  ASSERT_EQ(collection.created.size(), 1u);
  const wallet::v1::CreateDriveRequest& sent = collection.created[0];
  EXPECT_THAT(sent.meter_ids().meter_ids(), ::testing::ElementsAre("BSP-0001", "BSP-0002"));
  EXPECT_EQ(sent.rate_per_minute(), 600);
  EXPECT_EQ(sent.restore_rule().paid_share_bps(), 10'000);
  EXPECT_EQ(sent.restore_rule().reconnection_fee_paise(), 35'000);
  EXPECT_EQ(sent.request_id(), "d1");
}

TEST(Walletctl, DriveCreateNeedsOneSourceOfMetersAndValidIds) {
  wallet::testing::TempDir dir;
  const std::string bad = dir.path() + "/bad.txt";
  std::ofstream(bad) << "BSP-0001\nBSP 0002\n";
  const std::string base[] = {"--server=127.0.0.1:1", "drive", "create", "--name=x", "--reason=y",
                              "--rate_per_minute=60"};
  std::vector<std::string> neither(std::begin(base), std::end(base));
  std::vector<std::string> both = neither;
  both.push_back("--meters_file=" + bad);
  both.push_back("--circle=Bilaspur");
  std::vector<std::string> bad_id = neither;
  bad_id.push_back("--meters_file=" + bad);
  for (const auto& [words, error] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {neither, "give the drive's meters"},
           {both, "give the drive's meters"},
           {bad_id, "line 2"}}) {
    const Outcome run = Walletctl(words);
    EXPECT_EQ(run.exit_code, kExitUsage) << run.err;
    EXPECT_THAT(run.err, HasSubstr(error));
  }
}

TEST(Walletctl, DriveWatchDrawsProgressAndEndsWithTheDrive) {
  FakeCollection collection;
  wallet::v1::Drive drive;
  drive.set_drive_id("drive-3");
  drive.set_state(wallet::v1::DRIVE_RUNNING);
  drive.mutable_counts()->set_to_disconnect(4);
  drive.mutable_counts()->set_ordered(2);
  collection.updates.push_back(drive);
  drive.mutable_counts()->set_cut(4);
  drive.mutable_counts()->set_ordered(4);
  drive.set_state(wallet::v1::DRIVE_DONE);
  collection.updates.push_back(drive);
  const Outcome run = Against(collection, {"drive", "watch", "--drive=drive-3"});
  EXPECT_EQ(run.exit_code, kExitOk) << run.err;
  // Standard error is not a terminal here: each redraw is a line of its own.
  EXPECT_THAT(run.err, HasSubstr("[----------"));
  EXPECT_THAT(run.err, HasSubstr("\n[####################] 4/4"));
  EXPECT_THAT(run.err, HasSubstr("| done"));
  EXPECT_THAT(run.err, ::testing::EndsWith("\n")) << "the bar's line is ended";
  EXPECT_THAT(run.out, ::testing::ContainsRegex("recovery: +4 cut, 0 paid Rs 0.00, 0 restored"));
  const Outcome json = Against(collection, {"--json", "drive", "watch", "--drive=drive-3"});
  EXPECT_EQ(json.exit_code, kExitOk) << json.err;
  EXPECT_EQ(std::count(json.out.begin(), json.out.end(), '\n'), 2) << json.out;
}

// FakeKeys answers the key and sign-in calls with set responses and keeps
// the requests it got.
class FakeKeys final : public wallet::v1::AdminService::Service {
 public:
  grpc::Status ListApiKeys(grpc::ServerContext*, const wallet::v1::ListApiKeysRequest* request,
                           wallet::v1::ListApiKeysResponse* response) override {
    listed.push_back(*request);
    *response = keys;
    return grpc::Status::OK;
  }
  grpc::Status RotateApiKey(grpc::ServerContext*, const wallet::v1::RotateApiKeyRequest* request,
                            wallet::v1::RotateApiKeyResponse* response) override {
    rotated.push_back(*request);
    *response = rotation;
    return grpc::Status::OK;
  }
  grpc::Status RevokeSignIns(grpc::ServerContext*, const wallet::v1::RevokeSignInsRequest* request,
                             wallet::v1::RevokeSignInsResponse* response) override {
    revoked.push_back(*request);
    response->set_revoked_tokens(2);
    return grpc::Status::OK;
  }

  wallet::v1::ListApiKeysResponse keys;
  wallet::v1::RotateApiKeyResponse rotation;
  std::vector<wallet::v1::ListApiKeysRequest> listed;
  std::vector<wallet::v1::RotateApiKeyRequest> rotated;
  std::vector<wallet::v1::RevokeSignInsRequest> revoked;
};

TEST(Walletctl, KeysListShowsIdsRolesAndStatesFilteredByRole) {
  FakeKeys admin;
  wallet::v1::ApiKeyInfo& live = *admin.keys.add_keys();
  live.set_key_id("0123456789abcdef");
  live.set_role(wallet::v1::ROLE_RETAILER);
  live.set_subject_id("R1");
  live.set_label("counter 1");
  wallet::v1::ApiKeyInfo& dead = *admin.keys.add_keys();
  dead.set_key_id("fedcba9876543210");
  dead.set_role(wallet::v1::ROLE_RETAILER);
  dead.set_subject_id("R1");
  dead.set_revoked(true);
  dead.mutable_revoke_time()->set_seconds(1'767'225'600);
  const Outcome run = Against(admin, {"keys", "list", "--role=retailer", "--output=csv"});
  EXPECT_EQ(run.exit_code, kExitOk) << run.err;
  ASSERT_EQ(admin.listed.size(), 1u);
  EXPECT_EQ(admin.listed[0].role(), wallet::v1::ROLE_RETAILER);
  EXPECT_THAT(run.out, StartsWith("key_id,role,subject,label,created,state,until,replaced_by\n"));
  EXPECT_THAT(run.out, HasSubstr("0123456789abcdef,retailer,R1,counter 1,"));
  EXPECT_THAT(run.out, HasSubstr("fedcba9876543210,retailer,R1,,"));
  EXPECT_THAT(run.out, HasSubstr(",revoked,2026-01-01"));
}

TEST(Walletctl, KeysRotatePrintsTheNewKeyAloneOnStandardOutput) {
  FakeKeys admin;
  admin.rotation.set_api_key("wk_new");
  admin.rotation.mutable_new_key()->set_key_id("1111111111111111");
  admin.rotation.mutable_old_key()->set_key_id("0123456789abcdef");
  const Outcome run = Against(admin, {"keys", "rotate", "--key_id=0123456789abcdef",
                                      "--grace_seconds=600", "--request_id=rot-1"});
  EXPECT_EQ(run.exit_code, kExitOk) << run.err;
  EXPECT_EQ(run.out, "wk_new\n");
  EXPECT_THAT(run.err, HasSubstr("0123456789abcdef rotated to 1111111111111111"));
  ASSERT_EQ(admin.rotated.size(), 1u);
  EXPECT_EQ(admin.rotated[0].key_id(), "0123456789abcdef");
  EXPECT_EQ(admin.rotated[0].grace_seconds(), 600);
  EXPECT_EQ(admin.rotated[0].request_id(), "rot-1");
}

TEST(Walletctl, SignInsRevokeSendsTheMobile) {
  FakeKeys admin;
  const Outcome run = Against(admin, {"sign-ins", "revoke", "--mobile=+919876543210"});
  EXPECT_EQ(run.exit_code, kExitOk) << run.err;
  EXPECT_EQ(run.out, "tokens revoked: 2\n");
  ASSERT_EQ(admin.revoked.size(), 1u);
  EXPECT_EQ(admin.revoked[0].mobile(), "+919876543210");
  EXPECT_THAT(admin.revoked[0].request_id(), Not(IsEmpty()));
}

TEST(Walletctl, KeyCommandsRefuseBadValuesBeforeAnythingIsSent) {
  // Nothing listens on the address: a call sent would fail with exit 1.
  const Outcome grace = Walletctl({"--server=127.0.0.1:1", "keys", "rotate",
                                   "--key_id=0123456789abcdef", "--grace_seconds=90000"});
  EXPECT_EQ(grace.exit_code, kExitUsage);
  EXPECT_THAT(grace.err, HasSubstr("--grace_seconds"));
  const Outcome mobile = Walletctl({"--server=127.0.0.1:1", "sign-ins", "revoke", "--mobile=12"});
  EXPECT_EQ(mobile.exit_code, kExitUsage);
  EXPECT_THAT(mobile.err, HasSubstr("--mobile"));
  const Outcome missing = Walletctl({"--server=127.0.0.1:1", "keys", "revoke"});
  EXPECT_EQ(missing.exit_code, kExitUsage);
  EXPECT_THAT(missing.err, HasSubstr("--key_id"));
}

}  // namespace
}  // namespace walletctl
