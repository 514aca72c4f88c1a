// CollectionService and RetailerService.PayDues over a real socket: the dues
// import stream (header, chunks answered one by one with the import's
// progress, replays, bad headers and chunks), defaulter lists, payments at a
// counter and through a retailer, and who may call what.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/server.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/health_check.h"
#include "tests/testing/local_server.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wallet_harness.h"
#include "wallet/v1/collection.grpc.pb.h"
#include "wallet/v1/retailer.grpc.pb.h"

namespace api {
namespace {

using wallet::testing::MeterRequest;
using wallet::testing::Wait;
using ImportStream = grpc::ClientReaderWriter<v1::ImportDuesRequest, v1::ImportDuesProgress>;

constexpr char kAdminKey[] = "wk_admin_key_for_collection_tests";
constexpr char kRetailerKey[] = "wk_retailer_key_for_collection_tests";

v1::DuesRow Row(int64_t line, const std::string& meter, int64_t principal, int64_t surcharge) {
  v1::DuesRow row;
  row.set_line(line);
  row.set_meter_id(meter);
  row.set_principal_paise(principal);
  row.set_surcharge_paise(surcharge);
  row.set_unpaid_bills(1);
  return row;
}

v1::ImportDuesRequest Header(const std::string& import_id) {
  v1::ImportDuesRequest request;
  request.mutable_header()->set_import_id(import_id);
  request.mutable_header()->set_source("dues.csv");
  return request;
}

v1::ImportDuesRequest Chunk(std::vector<v1::DuesRow> rows) {
  v1::ImportDuesRequest request;
  for (v1::DuesRow& row : rows) *request.mutable_chunk()->add_rows() = std::move(row);
  return request;
}

class CollectionApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = wallet::Wallet::Open(wallet::testing::TestWalletOptions(dir_.path()), &clock_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    wallet_ = *std::move(opened);
    ASSERT_TRUE(wallet_->EnsureApiKey(kAdminKey, v1::ROLE_ADMIN, "test").ok());
    for (const char* meter : {"M1", "M2", "M3"}) {
      ASSERT_TRUE(Wait<v1::RegisterMeterResponse>([&](auto done) {
                    wallet_->RegisterMeter(MeterRequest(meter, absl::StrCat("C-", meter)), done);
                  }).ok());
    }
    v1::CreateRetailerRequest retailer;
    retailer.set_request_id("r1");
    retailer.mutable_retailer()->set_retailer_id("R1");
    retailer.mutable_retailer()->set_name("Shop");
    ASSERT_TRUE(Wait<v1::CreateRetailerResponse>([&](auto done) {
                  wallet_->CreateRetailer(retailer, done);
                }).ok());
    v1::IssueApiKeyRequest key;
    key.set_request_id("k1");
    key.set_role(v1::ROLE_RETAILER);
    key.set_subject_id("R1");
    ASSERT_TRUE(Wait<v1::IssueApiKeyResponse>([&](auto done) {
                  wallet_->IssueApiKey(key, kRetailerKey, done);
                }).ok());
    auto server = wallet::testing::StartLocalServer(wallet_.get());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = wallet::testing::LocalChannel(*server_);
    collection_ = v1::CollectionService::NewStub(channel_);
    retailer_ = v1::RetailerService::NewStub(channel_);
  }

  void TearDown() override {
    server_.reset();
    wallet_.reset();
  }

  std::unique_ptr<grpc::ClientContext> Context(const std::string& key) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!key.empty()) ctx->AddMetadata(kApiKeyHeader, key);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return ctx;
  }

  // Import sends `messages` in order, reading one answer after each chunk,
  // and returns the answers and the call's status.
  grpc::Status Import(const std::string& key, const std::vector<v1::ImportDuesRequest>& messages,
                      std::vector<v1::ImportDuesProgress>* answers) {
    auto ctx = Context(key);
    std::unique_ptr<ImportStream> stream = collection_->ImportDues(ctx.get());
    for (const v1::ImportDuesRequest& message : messages) {
      if (!stream->Write(message)) break;
      if (!message.has_chunk()) continue;
      v1::ImportDuesProgress progress;
      if (!stream->Read(&progress)) break;
      answers->push_back(progress);
    }
    stream->WritesDone();
    return stream->Finish();
  }

  std::pair<int64_t, int64_t> Dues(const std::string& meter) {
    auto view = wallet_->GetMeter(meter);
    return view.ok() ? std::make_pair(view->arrears_paise(), view->surcharge_paise())
                     : std::make_pair(int64_t{-1}, int64_t{-1});
  }

  wallet::testing::TempDir dir_;
  wallet::testing::FakeClock clock_{absl::FromUnixSeconds(1'793'000'000)};
  std::unique_ptr<wallet::Wallet> wallet_;
  std::unique_ptr<WalletServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::CollectionService::Stub> collection_;
  std::unique_ptr<v1::RetailerService::Stub> retailer_;
};

TEST_F(CollectionApiTest, EachChunkIsAnsweredWithTheImportsProgress) {
  std::vector<v1::ImportDuesProgress> answers;
  const grpc::Status status =
      Import(kAdminKey,
             {Header("bill-1"), Chunk({Row(2, "M1", 20'000, 1'000), Row(3, "GHOST", 5, 0)}),
              Chunk({Row(4, "M2", 7'000, 0), Row(5, "M1", 1, 0)})},
             &answers);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].import_id(), "bill-1");
  EXPECT_EQ(answers[0].rows_seen(), 2);
  EXPECT_EQ(answers[0].rows_applied(), 1);
  EXPECT_EQ(answers[0].rows_rejected(), 1);
  ASSERT_EQ(answers[0].errors_size(), 1);
  EXPECT_EQ(answers[0].errors(0).meter_id(), "GHOST");
  EXPECT_EQ(answers[0].errors(0).code(), grpc::StatusCode::NOT_FOUND);
  // The second answer counts the whole import so far and lists its own
  // chunk's rejections only.
  EXPECT_EQ(answers[1].rows_seen(), 4);
  EXPECT_EQ(answers[1].rows_applied(), 2);
  EXPECT_EQ(answers[1].rows_rejected(), 2);
  EXPECT_EQ(answers[1].principal_posted_paise(), 27'000);
  EXPECT_EQ(answers[1].surcharge_posted_paise(), 1'000);
  ASSERT_EQ(answers[1].errors_size(), 1);
  EXPECT_EQ(answers[1].errors(0).line(), 5);
  EXPECT_EQ(answers[1].errors(0).code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(Dues("M1"), std::make_pair(int64_t{20'000}, int64_t{1'000}));

  // The same import again: the same answers, nothing posted twice.
  std::vector<v1::ImportDuesProgress> replay;
  ASSERT_TRUE(Import(kAdminKey,
                     {Header("bill-1"), Chunk({Row(2, "M1", 20'000, 1'000), Row(3, "GHOST", 5, 0)}),
                      Chunk({Row(4, "M2", 7'000, 0), Row(5, "M1", 1, 0)})},
                     &replay)
                  .ok());
  ASSERT_EQ(replay.size(), 2u);
  EXPECT_EQ(replay[1].SerializeAsString(), answers[1].SerializeAsString());
  EXPECT_EQ(Dues("M1"), std::make_pair(int64_t{20'000}, int64_t{1'000}));
}

TEST_F(CollectionApiTest, ABadHeaderOrChunkEndsTheStreamAndKeepsWhatWasAnswered) {
  std::vector<v1::ImportDuesProgress> answers;
  EXPECT_EQ(Import(kAdminKey, {Chunk({Row(2, "M1", 1, 0)})}, &answers).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Import(kAdminKey, {}, &answers).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::ImportDuesRequest future = Header("bill-2");
  future.mutable_header()->mutable_as_of_time()->set_seconds(1'793'000'000 + 3600);
  EXPECT_EQ(Import(kAdminKey, {future, Chunk({Row(2, "M1", 1, 0)})}, &answers).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Import(kAdminKey, {Header("bill 3")}, &answers).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(answers.empty());

  std::vector<v1::DuesRow> too_many;
  for (int i = 0; i < 10'001; ++i) too_many.push_back(Row(i + 3, "M3", 1, 0));
  const grpc::Status oversized = Import(
      kAdminKey, {Header("bill-4"), Chunk({Row(2, "M2", 3'000, 0)}), Chunk(too_many)}, &answers);
  EXPECT_EQ(oversized.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(Dues("M2"), std::make_pair(int64_t{3'000}, int64_t{0}));  // the first chunk stays
  EXPECT_EQ(Dues("M3"), std::make_pair(int64_t{0}, int64_t{0}));
  EXPECT_EQ(Dues("M1"), std::make_pair(int64_t{0}, int64_t{0}));
}

TEST_F(CollectionApiTest, OnlyAdminsImportListAndTakeCounterPayments) {
  std::vector<v1::ImportDuesProgress> answers;
  EXPECT_EQ(Import("", {Header("bill-1")}, &answers).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(
      Import(kRetailerKey, {Header("bill-1"), Chunk({Row(2, "M1", 1, 0)})}, &answers).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Dues("M1"), std::make_pair(int64_t{0}, int64_t{0}));
  v1::ListDefaultersResponse listed;
  EXPECT_EQ(
      collection_->ListDefaulters(Context(kRetailerKey).get(), v1::ListDefaultersRequest(), &listed)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  v1::PayDuesRequest pay;
  pay.set_request_id("p1");
  pay.set_meter_id("M1");
  pay.set_amount_paise(100);
  v1::PayDuesResponse paid;
  EXPECT_EQ(collection_->PayDuesAtCounter(Context(kRetailerKey).get(), pay, &paid).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // The health service names the collection service.
  grpc::health::v1::HealthCheckResponse serving;
  ASSERT_TRUE(
      wallet::testing::CheckHealth(channel_, v1::CollectionService::service_full_name(), &serving)
          .ok());
  EXPECT_EQ(serving.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(CollectionApiTest, DefaultersArePaidAtTheCounterAndThroughARetailer) {
  std::vector<v1::ImportDuesProgress> answers;
  ASSERT_TRUE(Import(kAdminKey,
                     {Header("bill-1"), Chunk({Row(2, "M1", 20'000, 1'000), Row(3, "M2", 5'000, 0),
                                               Row(4, "M3", 9'000, 0)})},
                     &answers)
                  .ok());
  v1::ListDefaultersRequest list;
  list.mutable_selection()->set_min_dues_paise(6'000);
  v1::ListDefaultersResponse listed;
  ASSERT_TRUE(collection_->ListDefaulters(Context(kAdminKey).get(), list, &listed).ok());
  ASSERT_EQ(listed.defaulters_size(), 2);
  EXPECT_EQ(listed.defaulters(0).meter().meter_id(), "M1");
  EXPECT_EQ(listed.defaulters(0).dues_paise(), 21'000);
  EXPECT_EQ(listed.defaulters(1).meter().meter_id(), "M3");
  EXPECT_EQ(listed.total_count(), 2);
  EXPECT_EQ(listed.total_dues_paise(), 30'000);

  v1::PayDuesRequest pay;
  pay.set_request_id("p1");
  pay.set_meter_id("M1");
  pay.set_amount_paise(20'500);
  pay.set_receipt("CR-7");
  v1::PayDuesResponse paid;
  ASSERT_TRUE(collection_->PayDuesAtCounter(Context(kAdminKey).get(), pay, &paid).ok());
  EXPECT_EQ(paid.principal().amount_paise(), 20'000);
  EXPECT_EQ(paid.surcharge().amount_paise(), 500);
  EXPECT_EQ(paid.principal().memo(), "counter receipt CR-7");
  pay.set_request_id("p2");
  pay.set_amount_paise(501);
  EXPECT_EQ(collection_->PayDuesAtCounter(Context(kAdminKey).get(), pay, &paid).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  // The retailer's float is empty: refused; an admin tops it up.
  v1::RetailerPayDuesRequest by_retailer;
  by_retailer.set_request_id("pos-1");
  by_retailer.set_meter_id("M3");
  by_retailer.set_amount_paise(9'000);
  EXPECT_EQ(retailer_->PayDues(Context(kRetailerKey).get(), by_retailer, &paid).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  v1::TopUpFloatRequest top_up;
  top_up.set_request_id("t1");
  top_up.set_retailer_id("R1");
  top_up.set_amount_paise(10'000);
  ASSERT_TRUE(
      Wait<v1::TopUpFloatResponse>([&](auto done) { wallet_->TopUpFloat(top_up, done); }).ok());
  by_retailer.set_request_id("pos-2");
  ASSERT_TRUE(retailer_->PayDues(Context(kRetailerKey).get(), by_retailer, &paid).ok());
  EXPECT_EQ(paid.dues_left_paise(), 0);
  ASSERT_TRUE(collection_->ListDefaulters(Context(kAdminKey).get(), list, &listed).ok());
  EXPECT_EQ(listed.defaulters_size(), 0);
  EXPECT_EQ(listed.total_count(), 0);
}

}  // namespace
}  // namespace api
