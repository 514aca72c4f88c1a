// TLS between walletd and its clients, as real processes over real sockets,
// with certificates from deploy/make-certs.sh (a self-made CA): walletd
// serves TLS and a client with the CA gets through while a plaintext client
// or one trusting another CA does not; with a client CA walletd also
// requires a client certificate, and meter-gatewayd with one carries a
// relay command from walletd to a simulated meter; a certificate file that
// cannot be read stops walletd at start with the file's name.
#include "base/grpc/tls.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/meter_fleet.h"
#include "tests/testing/run_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"
#include "tests/testing/walletd_process.h"

namespace wallet::testing {
namespace {

namespace v1 = ::wallet::v1;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::Duration kRunTimeout = absl::Seconds(60);

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    MakeCerts(certs_);
    MakeCerts(other_ca_);
  }

  void MakeCerts(const std::string& dir) {
    absl::StatusOr<ProcessResult> made =
        RunProcess({"/bin/bash", absl::StrCat(WALLET_SOURCE_DIR, "/deploy/make-certs.sh"), dir}, {},
                   kRunTimeout);
    ASSERT_THAT(made, IsOk());
    ASSERT_EQ(made->exit_code, 0) << made->err;
  }

  std::string Cert(const std::string& name) const { return absl::StrCat(certs_, "/", name); }

  std::vector<std::string> ServerFlags(bool require_client_cert) const {
    std::vector<std::string> flags = {"--tls_cert_file=" + Cert("walletd.crt"),
                                      "--tls_key_file=" + Cert("walletd.key")};
    if (require_client_cert) flags.push_back("--tls_client_ca_file=" + Cert("ca.crt"));
    return flags;
  }

  // Walletctl runs `check-ledger` against `walletd` with the admin key and
  // the given TLS flags.
  ProcessResult Walletctl(const WalletdProcess& walletd, std::vector<std::string> tls_flags) {
    std::vector<std::string> argv = {WALLETCTL_PATH, "--server=" + walletd.target(),
                                     "--timeout_ms=5000"};
    argv.insert(argv.end(), tls_flags.begin(), tls_flags.end());
    argv.push_back("check-ledger");
    absl::StatusOr<ProcessResult> result = RunProcess(
        argv, {{"WALLETCTL_API_KEY", walletd.admin_key()}, {"WALLETCTL_API_KEY_FILE", ""}},
        kRunTimeout);
    EXPECT_THAT(result, IsOk());
    return result.ok() ? *result : ProcessResult();
  }

  TempDir dir_;
  std::string certs_ = dir_.path() + "/certs";
  std::string other_ca_ = dir_.path() + "/other";
};

TEST_F(TlsTest, ClientsThatTrustTheCaGetThroughAndOthersDoNot) {
  WalletdOptions options;
  options.binary = WALLETD_PATH;
  options.extra_args = ServerFlags(/*require_client_cert=*/false);
  options.tls.ca_file = Cert("ca.crt");
  absl::StatusOr<std::unique_ptr<WalletdProcess>> walletd = WalletdProcess::Start(options);
  ASSERT_THAT(walletd, IsOk());

  ProcessResult trusted = Walletctl(**walletd, {"--tls_ca=" + Cert("ca.crt")});
  EXPECT_EQ(trusted.exit_code, 0) << trusted.err;
  EXPECT_THAT(trusted.out, ContainsRegex("result: +OK"));

  ProcessResult plaintext = Walletctl(**walletd, {});
  EXPECT_NE(plaintext.exit_code, 0);
  EXPECT_THAT(plaintext.err, HasSubstr("UNAVAILABLE"));

  ProcessResult foreign = Walletctl(**walletd, {"--tls_ca=" + other_ca_ + "/ca.crt"});
  EXPECT_NE(foreign.exit_code, 0);
  EXPECT_THAT(foreign.err, HasSubstr("UNAVAILABLE"));

  ProcessResult missing = Walletctl(**walletd, {"--tls_ca=" + dir_.path() + "/nowhere.crt"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.err, HasSubstr("nowhere.crt"));
}

TEST_F(TlsTest, WithAClientCaWalletdRequiresAClientCertificate) {
  WalletdOptions options;
  options.binary = WALLETD_PATH;
  options.extra_args = ServerFlags(/*require_client_cert=*/true);
  options.tls = {Cert("ca.crt"), Cert("notifier.crt"), Cert("notifier.key")};
  absl::StatusOr<std::unique_ptr<WalletdProcess>> walletd = WalletdProcess::Start(options);
  ASSERT_THAT(walletd, IsOk());

  ProcessResult without = Walletctl(**walletd, {"--tls_ca=" + Cert("ca.crt")});
  EXPECT_NE(without.exit_code, 0);
  EXPECT_THAT(without.err, HasSubstr("UNAVAILABLE"));

  ProcessResult with =
      Walletctl(**walletd, {"--tls_ca=" + Cert("ca.crt"), "--tls_cert=" + Cert("notifier.crt"),
                            "--tls_key=" + Cert("notifier.key")});
  EXPECT_EQ(with.exit_code, 0) << with.err;

  // A certificate from another CA is refused like none.
  ProcessResult foreign = Walletctl(
      **walletd, {"--tls_ca=" + Cert("ca.crt"), "--tls_cert=" + other_ca_ + "/notifier.crt",
                  "--tls_key=" + other_ca_ + "/notifier.key"});
  EXPECT_NE(foreign.exit_code, 0);
}

TEST_F(TlsTest, MeterGatewayWithAClientCertificateCarriesRelayCommands) {
  FleetOptions options;
  options.walletd = WALLETD_PATH;
  options.meter_sim = METER_SIM_PATH;
  options.gatewayd = METER_GATEWAYD_PATH;
  options.meters = 2;
  options.sim_args = {"--load_w=0"};
  options.walletd_args = ServerFlags(/*require_client_cert=*/true);
  options.walletd_tls = {Cert("ca.crt"), Cert("notifier.crt"), Cert("notifier.key")};
  options.gateway_args = {"--wallet_tls_ca=" + Cert("ca.crt"),
                          "--wallet_tls_cert=" + Cert("meter-gateway.crt"),
                          "--wallet_tls_key=" + Cert("meter-gateway.key"),
                          "--read_interval=1s",
                          "--retry_initial=200ms",
                          "--retry_max=1s"};
  absl::StatusOr<std::unique_ptr<MeterFleet>> fleet = MeterFleet::Start(options);
  ASSERT_THAT(fleet, IsOk());
  const std::string meter = (*fleet)->meter_id(0);
  ASSERT_THAT((*fleet)->Recharge(meter, 10'000), IsOk());
  ASSERT_THAT((*fleet)->SetHold(meter, v1::HOLD_KEEP_DISCONNECTED), IsOk());
  EXPECT_TRUE(WaitUntil(
      [&] {
        absl::StatusOr<v1::MeterPolicyState> s = (*fleet)->WalletState(meter);
        return s.ok() && s->relay() == v1::RELAY_DISCONNECTED;
      },
      "the cut carried over mutual TLS and confirmed"));
  absl::StatusOr<metersim::v1::Meter> simulated = (*fleet)->SimMeter(meter);
  ASSERT_THAT(simulated, IsOk());
  EXPECT_EQ(simulated->control_state(), 0);  // disconnected
  if (HasFailure()) (*fleet)->KeepLogs();
  EXPECT_THAT((*fleet)->StopGateway(), IsOk());
}

TEST_F(TlsTest, AnUnreadableCertificateStopsWalletdAtStartNamingTheFile) {
  WalletdOptions options;
  options.binary = WALLETD_PATH;
  options.extra_args = {"--tls_cert_file=" + dir_.path() + "/absent.crt",
                        "--tls_key_file=" + Cert("walletd.key")};
  options.start_timeout = absl::Seconds(30);
  absl::StatusOr<std::unique_ptr<WalletdProcess>> walletd = WalletdProcess::Start(options);
  EXPECT_THAT(walletd, Not(IsOk()));
  EXPECT_THAT(walletd.status().message(), HasSubstr("absent.crt"));

  options.extra_args = {"--tls_cert_file=" + Cert("walletd.crt")};  // no key
  walletd = WalletdProcess::Start(options);
  EXPECT_THAT(walletd, Not(IsOk()));
  EXPECT_THAT(walletd.status().message(), HasSubstr("private key"));
}

TEST_F(TlsTest, CredentialsRefuseCombinationsThatMakeNoSense) {
  EXPECT_THAT(base::ServerCredentialsFrom({"", "", ""}), IsOk());  // plaintext
  EXPECT_THAT(base::ChannelCredentialsFrom({"", "", ""}), IsOk());
  EXPECT_THAT(base::ServerCredentialsFrom({"", "", Cert("ca.crt")}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("client CA needs TLS")));
  EXPECT_THAT(base::ServerCredentialsFrom({"", Cert("walletd.key"), ""}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("together")));
  EXPECT_THAT(base::ChannelCredentialsFrom({"", Cert("notifier.crt"), Cert("notifier.key")}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs TLS")));
  // A file that is not PEM (here the CA's serial number file) is named.
  EXPECT_THAT(base::ChannelCredentialsFrom({Cert("ca.srl"), "", ""}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("ca.srl")));
  EXPECT_THAT(base::ServerCredentialsFrom({Cert("walletd.crt"), Cert("walletd.key"), ""}), IsOk());
}

}  // namespace
}  // namespace wallet::testing
