// Runs `walletd` as a real child process for integration tests and benchmarks,
// and sets up the accounts that those tests need.
//
// `WalletdProcess` starts the walletd binary as a ChildProcess
// (tests/testing/child_process.h) on a fresh temporary directory with port 0
// for both listeners, waits for the ready file that walletd writes once it is
// serving, and then exposes the ports it picked and the admin key it
// generated. The child can be killed (SIGKILL, to simulate a crash),
// terminated (SIGTERM, a clean shutdown) and restarted on the same data
// directory. The temporary directory holds:
//
//   <tmp>/data/         walletd's --data_dir (RocksDB and admin.key)
//   <tmp>/ready         walletd's --ready_file
//   <tmp>/walletd.log   the child's stdout and stderr, appended across restarts
//
// Example:
//
//   WalletdOptions options;
//   options.binary = WALLETD_PATH;
//   absl::StatusOr<std::unique_ptr<WalletdProcess>> walletd =
//       WalletdProcess::Start(options);
//   ASSERT_THAT(walletd, IsOk());
//   auto admin = wallet::v1::AdminService::NewStub((*walletd)->NewChannel());
//   std::unique_ptr<grpc::ClientContext> context =
//       MakeContext((*walletd)->admin_key());
//   wallet::v1::CheckLedgerResponse ledger;
//   grpc::Status status =
//       admin->CheckLedger(context.get(), wallet::v1::CheckLedgerRequest(), &ledger);
//   ...
//   (*walletd)->Kill();                      // crash
//   ASSERT_THAT((*walletd)->Restart(), IsOk());  // same data, new ports
//
// Thread safety: a `WalletdProcess` is not thread-safe; drive it from one
// thread (the child is sent SIGKILL if the thread that started it exits, see
// `Start`). The accessors may be read from any thread while no method that
// starts or stops the child runs. The free functions are thread-safe.
#ifndef WALLET_TESTS_TESTING_WALLETD_PROCESS_H_
#define WALLET_TESTS_TESTING_WALLETD_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "base/grpc/tls.h"
#include "tests/testing/child_process.h"
#include "wallet/v1/admin.grpc.pb.h"

namespace wallet::testing {

// The metadata key that carries the API key on every call.
inline constexpr char kApiKeyMetadata[] = "x-api-key";

struct WalletdOptions {
  // Path of the walletd executable. Required.
  std::string binary;

  // Further command-line flags, e.g. "--max_amount_paise=100". They come after
  // the flags that `WalletdProcess` sets, so they may override them.
  // Default: none.
  std::vector<std::string> extra_args;

  // How long to wait for the ready file after each (re)start.
  // Default: 30 seconds.
  absl::Duration start_timeout = absl::Seconds(30);

  // How long the destructor waits after SIGTERM before it sends SIGKILL.
  // Default: 10 seconds.
  absl::Duration stop_timeout = absl::Seconds(10);

  // Whether the destructor leaves the temporary directory in place (for
  // post-mortem inspection). Default: false (it is removed).
  bool keep_temp_dir = false;

  // How NewChannel reaches a walletd started with --tls_cert_file (put
  // those flags in extra_args). Default: plaintext.
  base::ClientTlsFiles tls;

  // Parent directory for the temporary directory. Default: empty, meaning
  // $TMPDIR, or /tmp when TMPDIR is unset.
  std::string temp_root;
};

// A response of walletd's HTTP endpoint (/metrics, /healthz).
struct HttpResponse {
  int status = 0;  // e.g. 200
  std::string body;
};

// A walletd child process on its own temporary data directory.
class WalletdProcess final {
 public:
  // Start creates the temporary directory and starts walletd in it, returning
  // once walletd has written its ready file. Errors: `InvalidArgument` if
  // `options.binary` is empty, those of base::ChannelCredentialsFrom for
  // `options.tls`, `Internal` if the directory cannot be created,
  // and those of ChildProcess::Start (walletd exiting or hanging before it is
  // ready, with the log's last lines). On failure the temporary directory is
  // kept for inspection. As for every ChildProcess, start it from a thread
  // that outlives it, normally the main thread.
  static absl::StatusOr<std::unique_ptr<WalletdProcess>> Start(WalletdOptions options);

  WalletdProcess(const WalletdProcess&) = delete;
  WalletdProcess& operator=(const WalletdProcess&) = delete;

  // ~WalletdProcess stops the child if it is still running (SIGTERM, then
  // SIGKILL after `stop_timeout`) and removes the temporary directory unless
  // `keep_temp_dir` was set or a start failed.
  ~WalletdProcess();

  // Kill and Terminate stop walletd as ChildProcess's do (SIGKILL: a crash;
  // SIGTERM: a clean stop, returning the exit status); Terminate is
  // `FailedPrecondition` if walletd is not running. walletd drains until its
  // clients have closed their connections, and an idle gRPC channel that no
  // thread polls notices the server going away only on its 5 s backup poll:
  // destroy idle channels first for a quick stop.
  absl::Status Kill();
  absl::StatusOr<int> Terminate(absl::Duration timeout = absl::Seconds(20));

  // Restart starts walletd again on the same data directory, terminating it
  // first (SIGTERM) if it is still running. The ports change; the admin key
  // is re-read. Errors as for `Start`, and `Internal` if the SIGTERM did not
  // end the running child with exit code 0 (it is not restarted then).
  absl::Status Restart();

  // NewChannel returns a channel to the current `target()`. Every call gives
  // its own TCP connection (no subchannel sharing), so benchmarks can spread
  // load over several connections.
  std::shared_ptr<grpc::Channel> NewChannel() const;

  // HttpGet fetches `path` (e.g. "/metrics") from walletd's HTTP listener
  // with a 10 second timeout. `Unavailable` if it cannot connect or the
  // answer is cut short, `FailedPrecondition` if HTTP is disabled.
  absl::StatusOr<HttpResponse> HttpGet(absl::string_view path) const;

  // Whether the child is running (started and not yet reaped).
  bool running() const { return child_ != nullptr && child_->running(); }
  // The child's process id; -1 if it is not running.
  pid_t pid() const { return running() ? child_->pid() : -1; }

  int grpc_port() const { return grpc_port_; }
  int http_port() const { return http_port_; }
  // "127.0.0.1:<grpc_port>".
  std::string target() const;
  // The admin key that walletd keeps in <data_dir>/admin.key.
  const std::string& admin_key() const { return admin_key_; }

  const std::string& temp_dir() const { return temp_dir_; }
  const std::string& data_dir() const { return data_dir_; }
  const std::string& log_path() const { return log_path_; }

  // KeepTempDir makes the destructor leave the temporary directory in place,
  // e.g. once a test has failed and its data and log are worth a look.
  void KeepTempDir() { keep_temp_dir_on_destroy_ = true; }

  // KeepForInspection keeps the temporary directory (as KeepTempDir) and
  // returns where it is with the log's last lines, for a failed test:
  //   if (HasFailure()) ADD_FAILURE() << walletd->KeepForInspection();
  std::string KeepForInspection();

  // LogTail returns up to the last `max_bytes` of the child's log, for
  // failure messages.
  std::string LogTail(size_t max_bytes = 4096) const;

 private:
  explicit WalletdProcess(WalletdOptions options);

  // Starts the child, waits for the ready file and reads the ports and the
  // admin key.
  absl::Status Launch();

  WalletdOptions options_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;  // from options_.tls
  std::string temp_dir_;
  std::string data_dir_;
  std::string ready_path_;
  std::string log_path_;
  std::unique_ptr<ChildProcess> child_;
  int grpc_port_ = 0;
  int http_port_ = 0;
  std::string admin_key_;
  // Set when a start fails or by KeepTempDir, so the directory stays.
  bool keep_temp_dir_on_destroy_ = false;
};

// ExampleConfigOptions are options for walletd `binary` on the example tariff
// book and policy in `source_dir`/deploy/config, without a notification log.
WalletdOptions ExampleConfigOptions(std::string binary, absl::string_view source_dir);

// HttpGetLocal fetches `path` from an HTTP listener on 127.0.0.1:`port` with
// a 10 second timeout; errors as WalletdProcess::HttpGet.
absl::StatusOr<HttpResponse> HttpGetLocal(int port, absl::string_view path);

// ConfigureContext sets the API key metadata and a deadline `timeout` from now
// on `context`, which must not have been used for a call yet.
void ConfigureContext(grpc::ClientContext* context, absl::string_view api_key,
                      absl::Duration timeout = absl::Seconds(10));

// MakeContext returns a fresh context carrying `api_key` with a deadline
// `timeout` from now. A ClientContext serves a single call; make one per call.
std::unique_ptr<grpc::ClientContext> MakeContext(absl::string_view api_key,
                                                 absl::Duration timeout = absl::Seconds(10));

// ToStatus converts a gRPC status to an absl::Status with the same code, with
// `what` (e.g. the method name) prefixed to the message.
absl::Status ToStatus(const grpc::Status& status, absl::string_view what);

// Accounts for a test or a benchmark. Ids are derived from `id_prefix` and an
// index, so that they are stable and readable in logs: meters
// "<prefix>M<i>", consumers "<prefix>C<i>" (one consumer per meter), retailers
// "<prefix>R<i>".
// The tariff CreateTestTopology adds when TopologyOptions.tariff_id is empty.
inline constexpr char kTestTariffId[] = "TEST-FLAT";

struct TopologyOptions {
  // Default: 10.
  int meters = 10;
  // Meter ids to register instead of "<prefix>M<i>" (then `meters` is
  // ignored), e.g. a simulated fleet's. Default: none.
  std::vector<std::string> meter_ids;
  // Default: 1.
  int retailers = 1;
  // Total float each retailer is topped up with, in TopUpFloat calls of at
  // most `max_topup_paise` each. Default: Rs 10 lakh.
  int64_t float_paise_per_retailer = 100'000'000;
  // Largest single top-up; keep at or below walletd's --max_amount_paise.
  // Default: walletd's default, 10,000,000.
  int64_t max_topup_paise = 10'000'000;
  // Commission of the retailers; negative means the server default.
  // Default: -1.
  int32_t commission_bps = -1;
  // Whether to issue a retailer key per retailer. Default: true.
  bool retailer_keys = true;
  // Whether to issue a consumer key per consumer. Default: false.
  bool consumer_keys = false;
  // Whether to issue a payment gateway key. Default: false.
  bool payment_gateway_key = false;
  // Whether to issue a meter gateway key (readings, relay commands,
  // notifications). Default: false.
  bool meter_gateway_key = false;
  // Tariff of every meter (Meter.tariff_id); it must be in walletd's tariff
  // book, e.g. "DOM-LT1" of deploy/config/tariffs.textproto. Empty: the
  // topology first adds kTestTariffId (a flat Rs 5/kWh in force since 2020)
  // with AdminService.PutTariff and puts every meter on it. Default: empty.
  std::string tariff_id;
  // Sanctioned load of every meter, in watts; it bounds plausible readings.
  // Default: 3000.
  int32_t sanctioned_load_w = 3000;
  // Legacy arrears every meter is registered with (RegisterMeterRequest
  // arrears_paise): dues a collection drive can collect. Default: 0.
  int64_t arrears_paise = 0;
  // EditRegistration, when set, is called with each meter's index and its
  // RegisterMeterRequest as the topology filled it in (domestic, circle
  // Bilaspur, division City, subdivision Sub1, `arrears_paise`), and may
  // change it: another category, division or arrears per meter. Called from
  // the setup's threads, possibly several at once. Default: none.
  std::function<void(int index, wallet::v1::RegisterMeterRequest& request)> edit_registration;
  // Credit put on each meter's wallet by one AdminService.AdjustBalance
  // CREDIT after registration; at most `max_topup_paise`. Default: 0 (none).
  int64_t opening_credit_paise = 0;
  // Prefix of every id, including request ids of the setup calls.
  // Default: empty.
  std::string id_prefix;
  // Number of setup calls in flight at once. Meter registrations and opening
  // credits are asynchronous calls, so a large value (e.g. 1000) registers
  // many meters in few group commits; the other calls run on this many
  // threads (at most 64). Default: 16.
  int parallelism = 16;
  // Deadline of each setup call. Default: 30 seconds.
  absl::Duration call_timeout = absl::Seconds(30);
};

struct Topology {
  std::vector<std::string> meter_ids;
  // consumer_ids[i] owns meter_ids[i].
  std::vector<std::string> consumer_ids;
  // consumer_keys[i] is the key of consumer_ids[i]; empty unless requested.
  std::vector<std::string> consumer_keys;
  std::vector<std::string> retailer_ids;
  // retailer_keys[i] is the key of retailer_ids[i]; empty unless requested.
  std::vector<std::string> retailer_keys;
  // Empty unless requested.
  std::string payment_gateway_key;
  // Empty unless requested.
  std::string meter_gateway_key;
};

// CreateTestTopology registers the meters and their consumers, creates and
// funds the retailers and issues the requested keys, using `admin_key`.
// Returns the first error of any call (the setup may then be partial).
// `admin` must outlive the call; it is used from several threads.
absl::StatusOr<Topology> CreateTestTopology(wallet::v1::AdminService::StubInterface& admin,
                                            absl::string_view admin_key,
                                            const TopologyOptions& options);

// ReadJournal returns every entry of `account`'s journal (all pages, newest
// first) and sets `*balance_paise` (if not null) to the account's balance.
absl::StatusOr<std::vector<wallet::v1::JournalEntry>> ReadJournal(
    wallet::v1::AdminService::StubInterface& admin, absl::string_view admin_key,
    absl::string_view account, int64_t* balance_paise = nullptr);

}  // namespace wallet::testing

#endif  // WALLET_TESTS_TESTING_WALLETD_PROCESS_H_
