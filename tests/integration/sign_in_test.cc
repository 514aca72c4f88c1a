// Consumer sign-in and API key management against walletd as a real child
// process over gRPC. The test reads each OTP from walletd's notification
// stream with a meter-gateway key, as notifierd would: request an OTP, sign
// in, see the mobile's meters and no others, link another consumer by an
// OTP sent to its phone, the lock after five wrong OTPs, token expiry on
// walletd's clock, sign-out and admin revocation, the store holding neither
// OTP nor token, and revoked and rotated API keys.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <deque>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wait.h"
#include "tests/testing/walletd_process.h"
#include "tests/testing/write_file.h"
#include "wallet/v1/admin.grpc.pb.h"
#include "wallet/v1/consumer.grpc.pb.h"
#include "wallet/v1/meter.grpc.pb.h"
#include "wallet/v1/retailer.grpc.pb.h"
#include "wallet/v1/signin.grpc.pb.h"

namespace wallet::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

constexpr char kMobile1[] = "+919000000001";
constexpr char kMobile2[] = "+919000000002";
constexpr char kMobile3[] = "+919000000003";
constexpr char kSealKeyHex[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

// BearerContext is a context carrying a sign-in token.
std::unique_ptr<grpc::ClientContext> BearerContext(absl::string_view token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  return context;
}

// AnonymousContext is a context with no credentials (signing in).
std::unique_ptr<grpc::ClientContext> AnonymousContext() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  return context;
}

// OtpReader takes walletd's notification stream, as notifierd does, and
// keeps the OTP notifications it sees.
class OtpReader {
 public:
  OtpReader(std::shared_ptr<grpc::Channel> channel, std::string key)
      : stub_(v1::NotificationService::NewStub(channel)), key_(std::move(key)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~OtpReader() {
    context_.TryCancel();
    thread_.join();
  }

  // Next waits for the next OTP notification to `phone` not taken yet.
  absl::StatusOr<v1::Notification> Next(absl::string_view phone) {
    absl::MutexLock lock(&mu_);
    auto found = [&] {
      for (const v1::Notification& n : otps_) {
        if (n.phone() == phone) return true;
      }
      return false;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&found), absl::Seconds(30))) {
      return absl::DeadlineExceededError(absl::StrCat("no OTP for ", phone));
    }
    for (auto it = otps_.begin(); it != otps_.end(); ++it) {
      if (it->phone() != phone) continue;
      v1::Notification n = *it;
      otps_.erase(it);
      return n;
    }
    return absl::InternalError("unreachable");
  }

 private:
  void Run() {
    context_.AddMetadata(kApiKeyMetadata, key_);
    auto stream = stub_->StreamNotifications(&context_);
    stream->Write(v1::StreamAck());
    v1::Notification n;
    while (stream->Read(&n)) {
      v1::StreamAck ack;
      ack.set_ack_seq(n.seq());
      stream->Write(ack);
      if (n.kind() != v1::Notification::OTP) continue;
      absl::MutexLock lock(&mu_);
      otps_.push_back(n);
    }
  }

  std::unique_ptr<v1::NotificationService::Stub> stub_;
  std::string key_;
  grpc::ClientContext context_;
  absl::Mutex mu_;
  std::deque<v1::Notification> otps_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

class SignInTest : public ::testing::Test {
 protected:
  void SetUp() override { Start({absl::StrCat("--seal_key_file=", SealKeyFile())}); }

  void TearDown() override {
    if (HasFailure() && walletd_ != nullptr) ADD_FAILURE() << walletd_->KeepForInspection();
  }

  std::string SealKeyFile() {
    const std::string path = absl::StrCat(::testing::TempDir(), "/seal-", getpid(), ".key");
    WriteFile(path, absl::StrCat(kSealKeyHex, "\n"));
    return path;
  }

  void Start(std::vector<std::string> extra) {
    reader_.reset();
    walletd_.reset();
    WalletdOptions options = ExampleConfigOptions(WALLETD_PATH, WALLET_SOURCE_DIR);
    options.extra_args.push_back("--settable_clock");
    for (std::string& flag : extra) options.extra_args.push_back(std::move(flag));
    absl::StatusOr<std::unique_ptr<WalletdProcess>> walletd = WalletdProcess::Start(options);
    ASSERT_THAT(walletd, IsOk());
    walletd_ = *std::move(walletd);
    channel_ = walletd_->NewChannel();
    admin_ = v1::AdminService::NewStub(channel_);
    consumer_ = v1::ConsumerService::NewStub(channel_);
    sign_in_ = v1::SignInService::NewStub(channel_);
    retailer_ = v1::RetailerService::NewStub(channel_);
    Register("C1", kMobile1, {"M1", "M2"}, v1::ENGLISH);
    Register("C2", kMobile2, {"M3"}, v1::HINDI);
    Register("C3", kMobile3, {"M4"}, v1::ENGLISH);
    gateway_key_ = IssueKey(v1::ROLE_METER_GATEWAY, "", "notifier");
  }

  void StartReader() { reader_ = std::make_unique<OtpReader>(channel_, gateway_key_); }

  void Register(const std::string& consumer, const std::string& phone,
                const std::vector<std::string>& meters, v1::Language language) {
    for (const std::string& meter : meters) {
      v1::RegisterMeterRequest request;
      request.set_request_id(absl::StrCat("reg-", meter));
      request.mutable_meter()->set_meter_id(meter);
      request.mutable_meter()->set_consumer_id(consumer);
      request.mutable_meter()->set_category(v1::DOMESTIC);
      request.mutable_meter()->set_tariff_id("DOM-LT1");
      request.mutable_meter()->set_sanctioned_load_w(3000);
      request.mutable_consumer()->set_consumer_id(consumer);
      request.mutable_consumer()->set_phone(phone);
      request.mutable_consumer()->set_language(language);
      v1::RegisterMeterResponse response;
      ASSERT_THAT(admin_->RegisterMeter(Admin().get(), request, &response), IsOk());
    }
  }

  std::unique_ptr<grpc::ClientContext> Admin() { return MakeContext(walletd_->admin_key()); }

  std::string IssueKey(v1::Role role, const std::string& subject, const std::string& label) {
    v1::IssueApiKeyRequest request;
    request.set_request_id(absl::StrCat("key-", label));
    request.set_role(role);
    request.set_subject_id(subject);
    request.set_label(label);
    v1::IssueApiKeyResponse response;
    EXPECT_THAT(admin_->IssueApiKey(Admin().get(), request, &response), IsOk());
    return response.api_key();
  }

  grpc::Status RequestOtp(const std::string& mobile, v1::OtpSent* sent = nullptr) {
    v1::RequestSignInOtpRequest request;
    request.set_mobile(mobile);
    v1::OtpSent ignored;
    return sign_in_->RequestSignInOtp(AnonymousContext().get(), request,
                                      sent != nullptr ? sent : &ignored);
  }

  grpc::Status SignIn(const std::string& mobile, const std::string& otp,
                      v1::SignInResponse* response) {
    v1::SignInRequest request;
    request.set_mobile(mobile);
    request.set_otp(otp);
    return sign_in_->SignIn(AnonymousContext().get(), request, response);
  }

  // SignInWithOtp requests an OTP for `mobile`, reads it off the stream and
  // signs in with it.
  v1::SignInResponse SignInWithOtp(const std::string& mobile) {
    v1::SignInResponse response;
    EXPECT_THAT(RequestOtp(mobile), IsOk());
    absl::StatusOr<v1::Notification> otp = reader_->Next(mobile);
    EXPECT_THAT(otp, IsOk());
    if (!otp.ok()) return response;
    EXPECT_THAT(SignIn(mobile, otp->otp(), &response), IsOk());
    return response;
  }

  grpc::Status Balance(const std::string& token, const std::string& meter) {
    v1::GetBalanceRequest request;
    request.set_meter_id(meter);
    v1::GetBalanceResponse response;
    return consumer_->GetBalance(BearerContext(token).get(), request, &response);
  }

  std::vector<std::string> MyMeters(const std::string& token) {
    v1::ListMyMetersResponse response;
    EXPECT_THAT(
        consumer_->ListMyMeters(BearerContext(token).get(), v1::ListMyMetersRequest(), &response),
        IsOk());
    std::vector<std::string> ids;
    for (const v1::GetBalanceResponse& meter : response.meters()) ids.push_back(meter.meter_id());
    return ids;
  }

  // MoveClock moves walletd's clock `by` ahead of where it is now (it runs
  // on from the time last set, or from the real time).
  grpc::Status MoveClock(absl::Duration by) {
    const absl::Time now =
        set_at_ == absl::InfinitePast() ? absl::Now() : set_to_ + (absl::Now() - set_at_);
    v1::SetClockRequest request;
    request.mutable_time()->set_seconds(absl::ToUnixSeconds(now + by));
    v1::SetClockResponse response;
    grpc::Status status = admin_->SetClock(Admin().get(), request, &response);
    set_at_ = absl::Now();
    set_to_ = absl::FromUnixSeconds(response.time().seconds());
    return status;
  }

  std::vector<v1::ApiKeyInfo> Keys() {
    v1::ListApiKeysResponse response;
    EXPECT_THAT(admin_->ListApiKeys(Admin().get(), v1::ListApiKeysRequest(), &response), IsOk());
    return {response.keys().begin(), response.keys().end()};
  }

  std::string KeyIdOf(const std::string& label) {
    for (const v1::ApiKeyInfo& key : Keys()) {
      if (key.label() == label && !key.revoked()) return key.key_id();
    }
    return "";
  }

  grpc::Status Float(const std::string& key) {
    v1::GetFloatRequest request;
    v1::GetFloatResponse response;
    return retailer_->GetFloat(MakeContext(key).get(), request, &response);
  }

  std::unique_ptr<WalletdProcess> walletd_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::ConsumerService::Stub> consumer_;
  std::unique_ptr<v1::SignInService::Stub> sign_in_;
  std::unique_ptr<v1::RetailerService::Stub> retailer_;
  std::string gateway_key_;
  std::unique_ptr<OtpReader> reader_;
  absl::Time set_at_ = absl::InfinitePast();
  absl::Time set_to_;
};

TEST_F(SignInTest, ATokenSeesItsMobilesMetersAndThoseOfALinkedConsumer) {
  StartReader();
  v1::OtpSent sent;
  ASSERT_THAT(RequestOtp(kMobile1, &sent), IsOk());
  EXPECT_EQ(sent.masked_mobile(), "******0001");
  absl::StatusOr<v1::Notification> otp = reader_->Next(kMobile1);
  ASSERT_THAT(otp, IsOk());
  EXPECT_EQ(otp->otp().size(), 6u);
  EXPECT_THAT(otp->text(), HasSubstr(absl::StrCat("OTP ", otp->otp())));
  EXPECT_EQ(otp->consumer_id(), "C1");
  EXPECT_EQ(otp->expire_time().seconds(), sent.expire_time().seconds());

  v1::SignInResponse signed_in;
  ASSERT_THAT(SignIn(kMobile1, otp->otp(), &signed_in), IsOk());
  EXPECT_THAT(signed_in.token(), HasSubstr("st_"));
  EXPECT_THAT(signed_in.consumer_ids(), ElementsAre("C1"));
  const std::string token = signed_in.token();
  EXPECT_THAT(MyMeters(token), UnorderedElementsAre("M1", "M2"));
  EXPECT_THAT(Balance(token, "M1"), IsOk());
  EXPECT_THAT(Balance(token, "M3"), StatusIs(grpc::StatusCode::NOT_FOUND, HasSubstr("M3")));
  EXPECT_THAT(Balance(token, "NOPE"), StatusIs(grpc::StatusCode::NOT_FOUND));
  // An OTP signs in once.
  v1::SignInResponse again;
  EXPECT_THAT(SignIn(kMobile1, otp->otp(), &again), StatusIs(grpc::StatusCode::UNAUTHENTICATED));

  // Link C2 by an OTP sent to C2's phone, in C2's language.
  v1::RequestLinkOtpRequest link_request;
  link_request.set_consumer_id("C2");
  v1::OtpSent link_sent;
  ASSERT_THAT(sign_in_->RequestLinkOtp(BearerContext(token).get(), link_request, &link_sent),
              IsOk());
  EXPECT_EQ(link_sent.masked_mobile(), "******0002");
  absl::StatusOr<v1::Notification> link_otp = reader_->Next(kMobile2);
  ASSERT_THAT(link_otp, IsOk());
  EXPECT_EQ(link_otp->language(), v1::HINDI);
  v1::LinkConsumerRequest link;
  link.set_consumer_id("C2");
  link.set_otp(link_otp->otp() == "000000" ? "000001" : "000000");
  v1::LinkConsumerResponse linked;
  EXPECT_THAT(sign_in_->LinkConsumer(BearerContext(token).get(), link, &linked),
              StatusIs(grpc::StatusCode::UNAUTHENTICATED));
  EXPECT_THAT(Balance(token, "M3"), StatusIs(grpc::StatusCode::NOT_FOUND));
  link.set_otp(link_otp->otp());
  ASSERT_THAT(sign_in_->LinkConsumer(BearerContext(token).get(), link, &linked), IsOk());
  EXPECT_THAT(linked.consumer_ids(), ElementsAre("C1", "C2"));
  EXPECT_THAT(Balance(token, "M3"), IsOk());
  EXPECT_THAT(MyMeters(token), UnorderedElementsAre("M1", "M2", "M3"));
  EXPECT_THAT(Balance(token, "M4"), StatusIs(grpc::StatusCode::NOT_FOUND));
  // Orders: with two consumers, ListOrders names one.
  v1::ListOrdersRequest orders;
  v1::ListOrdersResponse listed;
  EXPECT_THAT(consumer_->ListOrders(BearerContext(token).get(), orders, &listed),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT));
  orders.set_consumer_id("C2");
  EXPECT_THAT(consumer_->ListOrders(BearerContext(token).get(), orders, &listed), IsOk());
  orders.set_consumer_id("C3");
  EXPECT_THAT(consumer_->ListOrders(BearerContext(token).get(), orders, &listed),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED));
  // A later sign-in of the mobile keeps the link.
  EXPECT_THAT(SignInWithOtp(kMobile1).consumer_ids(), ElementsAre("C1", "C2"));
}

TEST_F(SignInTest, BadInputsAreRefusedAndChangeNothing) {
  StartReader();
  EXPECT_THAT(RequestOtp("12ab"),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("mobile")));
  EXPECT_THAT(RequestOtp(""), StatusIs(grpc::StatusCode::INVALID_ARGUMENT));
  v1::SignInResponse response;
  EXPECT_THAT(SignIn(kMobile1, "12a456", &response),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("otp")));
  EXPECT_THAT(SignIn("x", "123456", &response), StatusIs(grpc::StatusCode::INVALID_ARGUMENT));
  // No token, a malformed header, a made-up token.
  v1::RequestLinkOtpRequest link;
  link.set_consumer_id("C2");
  v1::OtpSent sent;
  EXPECT_THAT(sign_in_->RequestLinkOtp(AnonymousContext().get(), link, &sent),
              StatusIs(grpc::StatusCode::UNAUTHENTICATED));
  auto basic = AnonymousContext();
  basic->AddMetadata("authorization", "Basic abc");
  EXPECT_THAT(sign_in_->RequestLinkOtp(basic.get(), link, &sent),
              StatusIs(grpc::StatusCode::UNAUTHENTICATED));
  EXPECT_THAT(sign_in_->RequestLinkOtp(BearerContext("st_made_up").get(), link, &sent),
              StatusIs(grpc::StatusCode::UNAUTHENTICATED));
  // A consumer API key is not a sign-in.
  const std::string consumer_key = IssueKey(v1::ROLE_CONSUMER, "C1", "c1-app");
  EXPECT_THAT(sign_in_->RequestLinkOtp(MakeContext(consumer_key).get(), link, &sent),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED));
  const std::string token = SignInWithOtp(kMobile1).token();
  link.set_consumer_id("NOBODY");
  EXPECT_THAT(sign_in_->RequestLinkOtp(BearerContext(token).get(), link, &sent),
              StatusIs(grpc::StatusCode::NOT_FOUND));
  link.set_consumer_id("bad id!");
  EXPECT_THAT(sign_in_->RequestLinkOtp(BearerContext(token).get(), link, &sent),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT));
  // None of that sent an OTP: the next one to mobile 2 is the one asked now.
  link.set_consumer_id("C2");
  ASSERT_THAT(sign_in_->RequestLinkOtp(BearerContext(token).get(), link, &sent), IsOk());
  absl::StatusOr<v1::Notification> otp = reader_->Next(kMobile2);
  ASSERT_THAT(otp, IsOk());
  EXPECT_THAT(otp->text(), HasSubstr("C2"));
  // An admin key cannot sign out.
  v1::SignOutResponse out;
  EXPECT_THAT(sign_in_->SignOut(Admin().get(), v1::SignOutRequest(), &out),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_THAT(Balance(token, "M1"), IsOk());
}

TEST_F(SignInTest, FiveWrongOtpsLockTheMobileAndRequestsAreRateLimited) {
  StartReader();
  ASSERT_THAT(RequestOtp(kMobile1), IsOk());
  absl::StatusOr<v1::Notification> otp = reader_->Next(kMobile1);
  ASSERT_THAT(otp, IsOk());
  const std::string wrong = otp->otp() == "000000" ? "000001" : "000000";
  v1::SignInResponse response;
  for (int i = 0; i < 5; ++i) {
    EXPECT_THAT(SignIn(kMobile1, wrong, &response), StatusIs(grpc::StatusCode::UNAUTHENTICATED))
        << "attempt " << i + 1;
  }
  EXPECT_THAT(SignIn(kMobile1, otp->otp(), &response),
              StatusIs(grpc::StatusCode::RESOURCE_EXHAUSTED, HasSubstr("locked")));
  EXPECT_THAT(RequestOtp(kMobile1), StatusIs(grpc::StatusCode::RESOURCE_EXHAUSTED));
  // Another mobile is not locked; it gets three OTPs in ten minutes.
  EXPECT_THAT(RequestOtp(kMobile3), IsOk());
  EXPECT_THAT(RequestOtp(kMobile3), IsOk());
  EXPECT_THAT(RequestOtp(kMobile3), IsOk());
  EXPECT_THAT(RequestOtp(kMobile3), StatusIs(grpc::StatusCode::RESOURCE_EXHAUSTED));
  // The lock ends after 30 minutes.
  ASSERT_THAT(MoveClock(absl::Minutes(31)), IsOk());
  EXPECT_THAT(SignInWithOtp(kMobile1).consumer_ids(), ElementsAre("C1"));
}

TEST_F(SignInTest, TokensEndOnExpirySignOutAndRevocation) {
  StartReader();
  const std::string expiring = SignInWithOtp(kMobile1).token();
  ASSERT_THAT(Balance(expiring, "M1"), IsOk());
  ASSERT_THAT(MoveClock(absl::Minutes(31)), IsOk());
  EXPECT_THAT(Balance(expiring, "M1"), StatusIs(grpc::StatusCode::UNAUTHENTICATED));

  const std::string signed_out = SignInWithOtp(kMobile1).token();
  ASSERT_THAT(Balance(signed_out, "M1"), IsOk());
  v1::SignOutResponse out;
  ASSERT_THAT(sign_in_->SignOut(BearerContext(signed_out).get(), v1::SignOutRequest(), &out),
              IsOk());
  EXPECT_THAT(Balance(signed_out, "M1"), StatusIs(grpc::StatusCode::UNAUTHENTICATED));

  const std::string first = SignInWithOtp(kMobile2).token();
  ASSERT_THAT(MoveClock(absl::Minutes(11)), IsOk());  // past the OTP rate window
  const std::string second = SignInWithOtp(kMobile2).token();
  ASSERT_THAT(Balance(first, "M3"), IsOk());
  ASSERT_THAT(Balance(second, "M3"), IsOk());
  v1::RevokeSignInsRequest revoke;
  revoke.set_request_id("revoke-2");
  revoke.set_mobile(kMobile2);
  v1::RevokeSignInsResponse revoked;
  ASSERT_THAT(admin_->RevokeSignIns(Admin().get(), revoke, &revoked), IsOk());
  EXPECT_EQ(revoked.revoked_tokens(), 2);
  EXPECT_THAT(Balance(first, "M3"), StatusIs(grpc::StatusCode::UNAUTHENTICATED));
  EXPECT_THAT(Balance(second, "M3"), StatusIs(grpc::StatusCode::UNAUTHENTICATED));
  // A retry answers the same; a malformed mobile is refused.
  ASSERT_THAT(admin_->RevokeSignIns(Admin().get(), revoke, &revoked), IsOk());
  EXPECT_EQ(revoked.revoked_tokens(), 2);
  revoke.set_request_id("revoke-bad");
  revoke.set_mobile("abc");
  EXPECT_THAT(admin_->RevokeSignIns(Admin().get(), revoke, &revoked),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT));
}

// ReadTree returns the bytes of every file under `dir`.
std::string ReadTree(const std::string& dir) {
  std::string all;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return all;
  while (dirent* entry = readdir(d)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    // RocksDB's own text files (its info LOG, OPTIONS) are full of decimal
    // numbers, in which six digits may turn up by chance; the records live
    // in the tables (.sst) and the write-ahead log (.log).
    const bool records = absl::EndsWith(name, ".sst") || absl::EndsWith(name, ".log");
    const std::string path = absl::StrCat(dir, "/", name);
    struct stat st;
    if (stat(path.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      all += ReadTree(path);
    } else if (records) {
      std::ifstream file(path, std::ios::binary);
      std::stringstream bytes;
      bytes << file.rdbuf();
      all += bytes.str();
    }
  }
  closedir(d);
  return all;
}

TEST_F(SignInTest, TheStoreHoldsNoOtpAndNoToken) {
  StartReader();
  ASSERT_THAT(RequestOtp(kMobile1), IsOk());
  absl::StatusOr<v1::Notification> otp = reader_->Next(kMobile1);
  ASSERT_THAT(otp, IsOk());
  v1::SignInResponse signed_in;
  ASSERT_THAT(SignIn(kMobile1, otp->otp(), &signed_in), IsOk());
  ASSERT_THAT(RequestOtp(kMobile2), IsOk());  // one still pending
  absl::StatusOr<v1::Notification> pending = reader_->Next(kMobile2);
  ASSERT_THAT(pending, IsOk());
  reader_.reset();
  channel_.reset();
  admin_.reset();
  consumer_.reset();
  sign_in_.reset();
  retailer_.reset();
  ASSERT_THAT(walletd_->Terminate(), IsOkAndHolds(0));
  const std::string bytes = ReadTree(walletd_->data_dir());
  ASSERT_THAT(bytes, HasSubstr("OTP ******"));  // the stored, masked text
  EXPECT_THAT(bytes, Not(HasSubstr(signed_in.token())));
  EXPECT_THAT(bytes, Not(HasSubstr(signed_in.token().substr(3))));
  EXPECT_THAT(bytes, Not(HasSubstr(otp->otp())));
  EXPECT_THAT(bytes, Not(HasSubstr(pending->otp())));
}

TEST_F(SignInTest, TheNotificationLogShowsTheOtpMasked) {
  Start({absl::StrCat("--seal_key_file=", SealKeyFile()), "--notification_log="});
  ASSERT_THAT(RequestOtp(kMobile1), IsOk());
  const std::string log = walletd_->data_dir() + "/notifications.log";
  std::string text;
  ASSERT_TRUE(WaitUntil(
      [&] {
        std::ifstream file(log);
        std::stringstream bytes;
        bytes << file.rdbuf();
        text = bytes.str();
        return absl::StrContains(text, " OTP ");
      },
      "the OTP notification in the log"));
  EXPECT_THAT(text, HasSubstr("OTP ****** signs you in"));
}

TEST_F(SignInTest, WithoutASealKeySignInIsOff) {
  Start({});
  EXPECT_THAT(RequestOtp(kMobile1),
              StatusIs(grpc::StatusCode::FAILED_PRECONDITION, HasSubstr("--seal_key_file")));
  v1::SignInResponse response;
  EXPECT_THAT(SignIn(kMobile1, "123456", &response),
              StatusIs(grpc::StatusCode::FAILED_PRECONDITION, HasSubstr("--seal_key_file")));
}

TEST_F(SignInTest, RevokedKeysAreRefusedAtOnceAndRotatedKeysReplaceTheOld) {
  v1::CreateRetailerRequest create;
  create.set_request_id("r1");
  create.mutable_retailer()->set_retailer_id("R1");
  create.mutable_retailer()->set_name("Shop");
  create.mutable_retailer()->set_commission_bps(-1);
  v1::CreateRetailerResponse created;
  ASSERT_THAT(admin_->CreateRetailer(Admin().get(), create, &created), IsOk());
  const std::string doomed = IssueKey(v1::ROLE_RETAILER, "R1", "doomed");
  const std::string rotated = IssueKey(v1::ROLE_RETAILER, "R1", "rotated");
  const std::string graced = IssueKey(v1::ROLE_RETAILER, "R1", "graced");
  ASSERT_THAT(Float(doomed), IsOk());  // cached now
  ASSERT_THAT(Float(rotated), IsOk());

  // ListApiKeys shows ids, never keys.
  v1::ListApiKeysResponse listed;
  ASSERT_THAT(admin_->ListApiKeys(Admin().get(), v1::ListApiKeysRequest(), &listed), IsOk());
  EXPECT_THAT(listed.keys(), SizeIs(5));  // bootstrap admin, gateway, three retailer keys
  const std::string listing = listed.SerializeAsString();
  for (const std::string& key : {doomed, rotated, graced, walletd_->admin_key(), gateway_key_}) {
    EXPECT_THAT(listing, Not(HasSubstr(key)));
  }
  const std::string doomed_id = KeyIdOf("doomed");
  ASSERT_EQ(doomed_id.size(), 16u);

  v1::RevokeApiKeyRequest revoke;
  revoke.set_request_id("rv-1");
  revoke.set_key_id(doomed_id);
  v1::RevokeApiKeyResponse revoked;
  ASSERT_THAT(admin_->RevokeApiKey(Admin().get(), revoke, &revoked), IsOk());
  EXPECT_TRUE(revoked.key().revoked());
  EXPECT_FALSE(revoked.unchanged());
  EXPECT_THAT(Float(doomed), StatusIs(grpc::StatusCode::UNAUTHENTICATED));
  revoke.set_request_id("rv-2");
  ASSERT_THAT(admin_->RevokeApiKey(Admin().get(), revoke, &revoked), IsOk());
  EXPECT_TRUE(revoked.unchanged());
  revoke.set_request_id("rv-3");
  revoke.set_key_id("not-a-key-id");
  EXPECT_THAT(admin_->RevokeApiKey(Admin().get(), revoke, &revoked),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT));
  revoke.set_key_id("0123456789abcdef");
  EXPECT_THAT(admin_->RevokeApiKey(Admin().get(), revoke, &revoked),
              StatusIs(grpc::StatusCode::NOT_FOUND));

  v1::RotateApiKeyRequest rotate;
  rotate.set_request_id("rot-1");
  rotate.set_key_id(KeyIdOf("rotated"));
  v1::RotateApiKeyResponse fresh;
  ASSERT_THAT(admin_->RotateApiKey(Admin().get(), rotate, &fresh), IsOk());
  ASSERT_THAT(fresh.api_key(), HasSubstr("wk_"));
  EXPECT_EQ(fresh.new_key().role(), v1::ROLE_RETAILER);
  EXPECT_EQ(fresh.new_key().subject_id(), "R1");
  EXPECT_EQ(fresh.old_key().replaced_by_key_id(), fresh.new_key().key_id());
  EXPECT_THAT(Float(fresh.api_key()), IsOk());
  EXPECT_THAT(Float(rotated), StatusIs(grpc::StatusCode::UNAUTHENTICATED));
  // A retry does not show the key again; a revoked key does not rotate.
  v1::RotateApiKeyResponse retried;
  ASSERT_THAT(admin_->RotateApiKey(Admin().get(), rotate, &retried), IsOk());
  EXPECT_THAT(retried.api_key(), IsEmpty());
  EXPECT_EQ(retried.new_key().key_id(), fresh.new_key().key_id());
  rotate.set_request_id("rot-2");
  rotate.set_key_id(doomed_id);
  EXPECT_THAT(admin_->RotateApiKey(Admin().get(), rotate, &retried),
              StatusIs(grpc::StatusCode::FAILED_PRECONDITION));
  rotate.set_request_id("rot-3");
  rotate.set_key_id(KeyIdOf("graced"));
  rotate.set_grace_seconds(-1);
  EXPECT_THAT(admin_->RotateApiKey(Admin().get(), rotate, &retried),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(Float(graced), IsOk());

  // With a grace period the old key works until it ends.
  rotate.set_request_id("rot-4");
  rotate.set_grace_seconds(600);
  v1::RotateApiKeyResponse graceful;
  ASSERT_THAT(admin_->RotateApiKey(Admin().get(), rotate, &graceful), IsOk());
  EXPECT_THAT(Float(graced), IsOk());
  EXPECT_THAT(Float(graceful.api_key()), IsOk());
  ASSERT_THAT(MoveClock(absl::Minutes(11)), IsOk());
  EXPECT_THAT(Float(graced), StatusIs(grpc::StatusCode::UNAUTHENTICATED));
  EXPECT_THAT(Float(graceful.api_key()), IsOk());
}

}  // namespace
}  // namespace wallet::testing
