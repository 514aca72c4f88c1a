// The Python consumer app (consumer-app/wallet_app.py) as a child process
// against real servers on loopback: walletd with its payment gateway and
// webhook listener, payment-gateway-sim, notifierd, and Kannel's bearerbox
// and smsbox with the fake SMSC. The app signs in with the OTP the fake SMSC
// received, shows the balance, recharges through the simulator (its checkout,
// the signed webhook, walletd's credit) and shows the history; five wrong
// OTPs lock the mobile. Everything is read from what the app prints and its
// exit code, as a user would.
//
// Skipped only when the interpreter CMake chose has no python3-grpcio.
#include <sys/stat.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/kannel_process.h"
#include "tests/testing/notifierd_process.h"
#include "tests/testing/payment_sim_process.h"
#include "tests/testing/run_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"
#include "tests/testing/walletd_process.h"
#include "tests/testing/write_file.h"
#include "wallet/v1/admin.grpc.pb.h"

namespace wallet::testing {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::Not;

// walletd's key sealing the OTPs in its outbox (--seal_key_file).
constexpr char kSealKeyHex[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
// The consumer of meter 0 signs in with this mobile; meter 1 is someone else's.
constexpr char kMobile[] = "+919826000101";
constexpr char kOtherMobile[] = "+919826000102";
constexpr int64_t kOpeningPaise = 10'000;  // Rs 100.00
constexpr char kRechargeRupees[] = "250.50";
constexpr int64_t kRechargePaise = 25'050;

// PaiseOf reads the app's rupees ("Rs 1,23,456.78", "-Rs 5.00") back into
// paise; -1 if `text` is not such a figure.
int64_t PaiseOf(absl::string_view text) {
  const std::string digits = absl::StrReplaceAll(absl::StripAsciiWhitespace(text), {{",", ""}});
  absl::string_view figure = digits;
  const bool negative = absl::ConsumePrefix(&figure, "-");
  std::vector<absl::string_view> parts = absl::StrSplit(figure, '.');
  int64_t rupees = 0, paise = 0;
  if (!absl::ConsumePrefix(&parts[0], "Rs ") || parts.size() != 2 || parts[1].size() != 2 ||
      !absl::SimpleAtoi(parts[0], &rupees) || !absl::SimpleAtoi(parts[1], &paise)) {
    return -1;
  }
  return (negative ? -1 : 1) * (rupees * 100 + paise);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Field returns the value of the app's "<label>  <value>" line, or "".
std::string Field(const std::string& out, absl::string_view label) {
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    if (absl::ConsumePrefix(&line, label) && absl::StartsWith(line, "  ")) {
      return std::string(absl::StripAsciiWhitespace(line));
    }
  }
  return "";
}

// OtpIn returns the one-time password in an SMS text: its first run of
// four to eight digits.
std::string OtpIn(absl::string_view text) {
  for (size_t i = 0; i < text.size();) {
    size_t end = i;
    while (end < text.size() && absl::ascii_isdigit(text[end])) ++end;
    if (end - i >= 4 && end - i <= 8) return std::string(text.substr(i, end - i));
    i = end == i ? i + 1 : end;
  }
  return "";
}

class ConsumerAppTest : public ::testing::Test {
 protected:
  // SetUp checks that the app's interpreter has gRPC; the test starts the
  // servers itself (Start), plaintext or all over TLS.
  void SetUp() override {
    absl::StatusOr<ProcessResult> probe = RunProcess(
        {CONSUMER_APP_PYTHON, "-c", "import grpc, google.protobuf"}, {}, absl::Seconds(60));
    ASSERT_THAT(probe, IsOk());
    if (probe->exit_code != 0) {
      GTEST_SKIP() << "python3-grpcio is not installed for " << CONSUMER_APP_PYTHON
                   << " (apt-get install python3-grpcio python3-protobuf): " << probe->err;
    }
  }

  void TearDown() override {
    if (HasFailure() && walletd_ != nullptr) {
      dir_.Keep();
      ADD_FAILURE() << "logs in " << dir_.path() << "\n"
                    << walletd_->KeepForInspection() << "\nsimulator:\n"
                    << (sim_ ? sim_->process().LogTail() : "") << "\nnotifierd:\n"
                    << (notifier_ ? notifier_->LogTail() : "") << (kannel_ ? kannel_->Logs() : "");
    }
  }

  // Start starts Kannel, the simulator, walletd and notifierd, and registers
  // two meters with a Rs 100 opening credit. With `tls`, walletd serves
  // gRPC over mutual TLS, the simulator and the webhook serve HTTPS, all
  // with certificates from deploy/make-certs.sh, and the app gets the CA
  // and the operator's client certificate.
  void Start(bool tls = false) {
    if (tls) {
      certs_ = dir_.path() + "/certs";
      ASSERT_EQ(system(absl::StrCat("/bin/bash '", WALLET_SOURCE_DIR, "/deploy/make-certs.sh' '",
                                    certs_, "' >/dev/null")
                           .c_str()),
                0);
    }
    absl::StatusOr<std::unique_ptr<KannelProcess>> kannel = KannelProcess::Create(dir_.path());
    ASSERT_THAT(kannel, IsOk());
    kannel_ = *std::move(kannel);
    ASSERT_THAT(kannel_->Start(), IsOk()) << kannel_->Logs();

    PaymentSimOptions sim;
    sim.binary = PAYMENT_GATEWAY_SIM_PATH;
    sim.dir = dir_.path();
    sim.args = {"--webhook_copies=2"};
    sim.certs_dir = certs_;
    absl::StatusOr<std::unique_ptr<PaymentSimProcess>> started = PaymentSimProcess::Start(sim);
    ASSERT_THAT(started, IsOk());
    sim_ = *std::move(started);
    ASSERT_NO_FATAL_FAILURE(StartWalletd());

    NotifierdOptions notifier;
    notifier.binary = NOTIFIERD_PATH;
    notifier.dir = dir_.path();
    notifier.wallet = walletd_->target();
    if (!certs_.empty()) {
      notifier.wallet_tls = {Cert("ca.crt"), Cert("notifier.crt"), Cert("notifier.key")};
    }
    notifier.api_key = topology_.meter_gateway_key;
    notifier.kannel = kannel_.get();
    // The shipped templates: they have the OTP's.
    notifier.templates =
        ReadFile(absl::StrCat(WALLET_SOURCE_DIR, "/deploy/config/sms_templates.json"));
    absl::StatusOr<std::unique_ptr<NotifierdProcess>> notifierd = NotifierdProcess::Start(notifier);
    ASSERT_THAT(notifierd, IsOk());
    notifier_ = *std::move(notifierd);
  }

  std::string Cert(absl::string_view name) const { return absl::StrCat(certs_, "/", name); }

  void StartWalletd() {
    WriteFile(dir_.path() + "/seal.key", std::string(kSealKeyHex) + "\n");
    WalletdOptions options;
    options.binary = WALLETD_PATH;
    options.extra_args = sim_->WalletdFlags();
    options.extra_args.insert(
        options.extra_args.end(),
        {"--notification_log=none", "--seal_key_file=" + dir_.path() + "/seal.key"});
    if (!certs_.empty()) {
      options.extra_args.insert(
          options.extra_args.end(),
          {"--tls_cert_file=" + Cert("walletd.crt"), "--tls_key_file=" + Cert("walletd.key"),
           "--tls_client_ca_file=" + Cert("ca.crt")});
      options.tls = {Cert("ca.crt"), Cert("operator.crt"), Cert("operator.key")};
    }
    absl::StatusOr<std::unique_ptr<WalletdProcess>> walletd = WalletdProcess::Start(options);
    ASSERT_THAT(walletd, IsOk());
    walletd_ = *std::move(walletd);

    std::unique_ptr<v1::AdminService::Stub> admin =
        v1::AdminService::NewStub(walletd_->NewChannel());
    TopologyOptions topology;
    topology.meters = 2;
    topology.retailers = 0;
    topology.consumer_keys = true;
    topology.meter_gateway_key = true;
    topology.opening_credit_paise = kOpeningPaise;
    topology.id_prefix = "APP";
    topology.edit_registration = [](int index, v1::RegisterMeterRequest& request) {
      request.mutable_consumer()->set_phone(index == 0 ? kMobile : kOtherMobile);
    };
    absl::StatusOr<Topology> made = CreateTestTopology(*admin, walletd_->admin_key(), topology);
    ASSERT_THAT(made, IsOk());
    topology_ = *std::move(made);
  }

  // App runs wallet_app.py with `args` after the connection options (and,
  // with TLS, the CA and the operator's client certificate).
  ProcessResult App(std::vector<std::string> args) {
    std::vector<std::string> argv = {
        CONSUMER_APP_PYTHON, CONSUMER_APP_SCRIPT, "--walletd=" + walletd_->target(),
        absl::StrCat("--gateway_sim=", sim_->scheme(), "://127.0.0.1:", sim_->port())};
    if (!certs_.empty()) {
      argv.insert(argv.end(), {"--ca_file=" + Cert("ca.crt"), "--cert_file=" + Cert("operator.crt"),
                               "--key_file=" + Cert("operator.key")});
    }
    argv.insert(argv.end(), args.begin(), args.end());
    absl::StatusOr<ProcessResult> result =
        RunProcess(argv, {{"CONSUMER_APP_STUBS", CONSUMER_APP_STUBS}}, absl::Seconds(120));
    EXPECT_THAT(result, IsOk());
    return result.ok() ? *std::move(result) : ProcessResult{};
  }

  // BalanceOf is the balance the app shows for `meter` with `credentials`;
  // -1 (and a failure) if it shows none.
  int64_t BalanceOf(const std::string& meter, const std::vector<std::string>& credentials) {
    std::vector<std::string> args = credentials;
    args.insert(args.end(), {"balance", "--meter=" + meter});
    ProcessResult shown = App(args);
    EXPECT_EQ(shown.exit_code, 0) << shown.err;
    const int64_t paise = PaiseOf(Field(shown.out, "balance"));
    EXPECT_GE(paise, 0) << shown.out;
    return paise;
  }

  // RechargeAndExpectCredit recharges meter 0 through the app and the
  // simulator, and expects its balance to grow by exactly the amount and
  // the history to show the payment.
  void RechargeAndExpectCredit(const std::vector<std::string>& credentials) {
    const std::string meter = topology_.meter_ids[0];
    const int64_t before = BalanceOf(meter, credentials);
    EXPECT_EQ(before, kOpeningPaise);

    std::vector<std::string> recharge = credentials;
    recharge.insert(recharge.end(), {"recharge", "--meter=" + meter,
                                     absl::StrCat("--amount_rupees=", kRechargeRupees)});
    ProcessResult paid = App(recharge);
    ASSERT_EQ(paid.exit_code, 0) << paid.out << paid.err;
    EXPECT_THAT(Field(paid.out, "checkout"), HasSubstr("order_"));
    EXPECT_THAT(Field(paid.out, "payment"), HasSubstr("pay_"));
    EXPECT_EQ(PaiseOf(Field(paid.out, "balance")), before + kRechargePaise) << paid.out;
    EXPECT_EQ(BalanceOf(meter, credentials), before + kRechargePaise);

    std::vector<std::string> history = credentials;
    history.insert(history.end(), {"history", "--meter=" + meter});
    ProcessResult shown = App(history);
    ASSERT_EQ(shown.exit_code, 0) << shown.err;
    const std::string newest = shown.out.substr(0, shown.out.find('\n'));
    EXPECT_THAT(newest, HasSubstr("payment recharge")) << shown.out;
    EXPECT_THAT(newest, HasSubstr(absl::StrCat("+Rs ", kRechargeRupees))) << shown.out;
  }

  // OtpsTo returns the one-time passwords in the SMS the fake SMSC got for
  // `mobile`, oldest first.
  std::vector<std::string> OtpsTo(absl::string_view mobile) {
    std::vector<std::string> otps;
    for (const FakeSms& sms : kannel_->Received()) {
      if (absl::EndsWith(sms.to, absl::StripPrefix(mobile, "+")) && !OtpIn(sms.text).empty()) {
        otps.push_back(OtpIn(sms.text));
      }
    }
    return otps;
  }

  // OtpSentBy runs the app with `args` (request-otp, or link without
  // --otp) and returns the OTP from the SMS that then reaches the fake SMSC
  // for `mobile`.
  std::string OtpSentBy(const std::vector<std::string>& args, absl::string_view mobile) {
    const size_t before = OtpsTo(mobile).size();
    ProcessResult sent = App(args);
    EXPECT_EQ(sent.exit_code, 0) << sent.err;
    EXPECT_THAT(Field(sent.out, "otp sent"), HasSubstr(mobile.substr(mobile.size() - 4)))
        << sent.out;
    if (!WaitUntil([&] { return OtpsTo(mobile).size() > before; }, "the OTP's SMS")) return "";
    return OtpsTo(mobile).back();
  }

  std::string RequestOtp() {
    return OtpSentBy({"request-otp", "--mobile=" + std::string(kMobile)}, kMobile);
  }

  std::string TokenFile() const { return dir_.path() + "/token"; }

  TempDir dir_;
  std::string certs_;  // with TLS: deploy/make-certs.sh's folder
  std::unique_ptr<KannelProcess> kannel_;
  std::unique_ptr<PaymentSimProcess> sim_;
  std::unique_ptr<WalletdProcess> walletd_;
  std::unique_ptr<NotifierdProcess> notifier_;
  Topology topology_;
};

TEST_F(ConsumerAppTest, SignsInWithTheSmsOtpAndRechargesThroughTheGateway) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string otp = RequestOtp();
  ASSERT_FALSE(otp.empty());
  ProcessResult signed_in = App({"sign-in", "--mobile=" + std::string(kMobile), "--otp=" + otp,
                                 "--token_file=" + TokenFile()});
  ASSERT_EQ(signed_in.exit_code, 0) << signed_in.out << signed_in.err;
  EXPECT_THAT(Field(signed_in.out, "consumers"), HasSubstr(topology_.consumer_ids[0]));
  struct stat token {};
  ASSERT_EQ(stat(TokenFile().c_str(), &token), 0);
  EXPECT_EQ(token.st_mode & 0777, 0600);

  const std::vector<std::string> credentials = {"--token_file=" + TokenFile()};
  ProcessResult meters = App({"meters", "--token_file=" + TokenFile()});
  ASSERT_EQ(meters.exit_code, 0) << meters.err;
  EXPECT_THAT(meters.out, HasSubstr(topology_.meter_ids[0]));
  EXPECT_THAT(meters.out, Not(HasSubstr(topology_.meter_ids[1])));
  ASSERT_NO_FATAL_FAILURE(RechargeAndExpectCredit(credentials));

  // Another consumer's meter is not there for this token...
  ProcessResult other =
      App({"balance", "--meter=" + topology_.meter_ids[1], "--token_file=" + TokenFile()});
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_THAT(other.err, HasSubstr("GetBalance: NOT_FOUND"));

  // ... until its consumer number is linked with the OTP sent to the mobile
  // registered for it.
  const std::string link_otp =
      OtpSentBy({"link", "--consumer=" + topology_.consumer_ids[1], "--token_file=" + TokenFile()},
                kOtherMobile);
  ASSERT_FALSE(link_otp.empty());
  ProcessResult linked = App({"link", "--consumer=" + topology_.consumer_ids[1],
                              "--otp=" + link_otp, "--token_file=" + TokenFile()});
  ASSERT_EQ(linked.exit_code, 0) << linked.out << linked.err;
  EXPECT_THAT(Field(linked.out, "consumers"), HasSubstr(topology_.consumer_ids[1]));
  EXPECT_EQ(BalanceOf(topology_.meter_ids[1], credentials), kOpeningPaise);

  ProcessResult signed_out = App({"sign-out", "--token_file=" + TokenFile()});
  ASSERT_EQ(signed_out.exit_code, 0) << signed_out.err;
  EXPECT_NE(stat(TokenFile().c_str(), &token), 0) << "the token file is removed";
}

TEST_F(ConsumerAppTest, FiveWrongOtpsLockTheMobileEvenForTheRightOne) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string otp = RequestOtp();
  ASSERT_FALSE(otp.empty());
  // A wrong OTP: the right one with its last digit changed.
  std::string wrong = otp;
  wrong.back() = wrong.back() == '9' ? '0' : wrong.back() + 1;
  const std::vector<std::string> sign_in = {"sign-in", "--mobile=" + std::string(kMobile),
                                            "--token_file=" + TokenFile()};
  for (int attempt = 1; attempt <= 4; ++attempt) {
    std::vector<std::string> args = sign_in;
    args.push_back("--otp=" + wrong);
    ProcessResult refused = App(args);
    EXPECT_EQ(refused.exit_code, 1) << "attempt " << attempt;
    EXPECT_THAT(refused.err, HasSubstr("SignIn: UNAUTHENTICATED")) << "attempt " << attempt;
  }
  std::vector<std::string> fifth = sign_in;
  fifth.push_back("--otp=" + wrong);
  ProcessResult locking = App(fifth);
  EXPECT_EQ(locking.exit_code, 1);
  // The fifth wrong OTP is refused as wrong or already as locked.
  EXPECT_THAT(locking.err,
              AnyOf(HasSubstr("SignIn: UNAUTHENTICATED"), HasSubstr("SignIn: RESOURCE_EXHAUSTED")));

  std::vector<std::string> right = sign_in;
  right.push_back("--otp=" + otp);
  ProcessResult locked = App(right);
  EXPECT_EQ(locked.exit_code, 1) << locked.out;
  EXPECT_THAT(locked.err, HasSubstr("SignIn: RESOURCE_EXHAUSTED"));
  struct stat token {};
  EXPECT_NE(stat(TokenFile().c_str(), &token), 0) << "no token was stored";

  ProcessResult again = App({"request-otp", "--mobile=" + std::string(kMobile)});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("RequestSignInOtp: RESOURCE_EXHAUSTED"));
}

TEST_F(ConsumerAppTest, RechargesOverMutualTlsWithAConsumerKey) {
  ASSERT_NO_FATAL_FAILURE(Start(/*tls=*/true));
  ASSERT_NO_FATAL_FAILURE(RechargeAndExpectCredit({"--api_key=" + topology_.consumer_keys[0]}));

  ProcessResult other = App(
      {"balance", "--meter=" + topology_.meter_ids[1], "--api_key=" + topology_.consumer_keys[0]});
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_THAT(other.err, HasSubstr("GetBalance: NOT_FOUND"));

  ProcessResult keyless =
      App({"balance", "--meter=" + topology_.meter_ids[0], "--api_key=wk_wrong"});
  EXPECT_EQ(keyless.exit_code, 1);
  EXPECT_THAT(keyless.err, HasSubstr("GetBalance: UNAUTHENTICATED"));

  // Without a client certificate walletd refuses the connection.
  absl::StatusOr<ProcessResult> without =
      RunProcess({CONSUMER_APP_PYTHON, CONSUMER_APP_SCRIPT, "--walletd=" + walletd_->target(),
                  "--ca_file=" + Cert("ca.crt"), "--timeout=5", "balance",
                  "--meter=" + topology_.meter_ids[0], "--api_key=" + topology_.consumer_keys[0]},
                 {{"CONSUMER_APP_STUBS", CONSUMER_APP_STUBS}}, absl::Seconds(120));
  ASSERT_THAT(without, IsOk());
  EXPECT_EQ(without->exit_code, 1);
  EXPECT_THAT(without->err, HasSubstr("GetBalance: UNAVAILABLE"));
}

TEST_F(ConsumerAppTest, BadInputAndAMissingServerGiveClearErrors) {
  // No servers: usage errors come before any call, and a refused connection
  // is walletd's UNAVAILABLE.
  const std::vector<std::string> base = {CONSUMER_APP_PYTHON, CONSUMER_APP_SCRIPT,
                                         "--walletd=127.0.0.1:1", "--timeout=5"};
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), base.begin(), base.end());
    absl::StatusOr<ProcessResult> result =
        RunProcess(args, {{"CONSUMER_APP_STUBS", CONSUMER_APP_STUBS}}, absl::Seconds(120));
    EXPECT_THAT(result, IsOk());
    return result.ok() ? *std::move(result) : ProcessResult{};
  };
  ProcessResult amount = run({"recharge", "--meter=M", "--amount_rupees=10.005", "--api_key=k"});
  EXPECT_EQ(amount.exit_code, 2);
  EXPECT_THAT(amount.err, HasSubstr("--amount_rupees: '10.005' is not an amount in rupees"));

  ProcessResult anonymous = run({"balance", "--meter=M"});
  EXPECT_EQ(anonymous.exit_code, 2);
  EXPECT_THAT(anonymous.err, HasSubstr("not signed in"));

  ProcessResult unreachable = run({"balance", "--meter=M", "--api_key=k"});
  EXPECT_EQ(unreachable.exit_code, 1);
  EXPECT_THAT(unreachable.err, HasSubstr("balance: GetBalance: UNAVAILABLE"));
}

}  // namespace
}  // namespace wallet::testing
