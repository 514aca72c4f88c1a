#include "tests/testing/walletd_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "grpc/grpc.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace wallet::testing {
namespace {

using ::wallet::v1::AdminService;

absl::Status ErrnoStatus(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// Runs task(0) .. task(count - 1) on up to `parallelism` threads and returns
// the first error; after an error no new tasks start.
absl::Status RunParallel(int count, int parallelism, const std::function<absl::Status(int)>& task) {
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  absl::Mutex mu;
  absl::Status first_error;
  auto worker = [&] {
    while (!failed.load(std::memory_order_relaxed)) {
      const int index = next.fetch_add(1);
      if (index >= count) return;
      absl::Status status = task(index);
      if (!status.ok()) {
        absl::MutexLock lock(&mu);
        if (first_error.ok()) first_error = std::move(status);
        failed = true;
      }
    }
  };
  // Each thread blocks on one call, so a parallelism meant for asynchronous
  // calls must not become thousands of threads.
  constexpr int kMaxThreads = 64;
  const int threads = std::max(1, std::min({parallelism, count, kMaxThreads}));
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (int i = 0; i < threads; ++i) pool.emplace_back(worker);
  for (std::thread& thread : pool) thread.join();
  absl::MutexLock lock(&mu);
  return first_error;
}

// Completes one asynchronous call with its status.
using CallDone = std::function<void(absl::Status)>;

// Runs start(0, done) .. start(count - 1, done), each of which begins one
// asynchronous call that reports through `done` (on any thread, once), with
// at most `in_flight` calls outstanding. Returns the first error once every
// started call has finished; after an error no new calls start.
absl::Status RunAsync(int count, int in_flight, const std::function<void(int, CallDone)>& start) {
  // Shared with `done`, because a call's last copy of `done` may be
  // destroyed on a gRPC thread after this function has returned.
  struct State {
    absl::Mutex mu;
    absl::CondVar changed;
    int outstanding ABSL_GUARDED_BY(mu) = 0;
    absl::Status first_error ABSL_GUARDED_BY(mu);
  };
  auto state = std::make_shared<State>();
  const CallDone done = [state](absl::Status status) {
    absl::MutexLock lock(&state->mu);
    if (!status.ok() && state->first_error.ok()) state->first_error = std::move(status);
    --state->outstanding;
    state->changed.Signal();
  };
  in_flight = std::max(1, in_flight);
  for (int index = 0; index < count; ++index) {
    {
      absl::MutexLock lock(&state->mu);
      while (state->outstanding >= in_flight) state->changed.Wait(&state->mu);
      if (!state->first_error.ok()) break;
      ++state->outstanding;
    }
    start(index, done);
  }
  absl::MutexLock lock(&state->mu);
  while (state->outstanding > 0) state->changed.Wait(&state->mu);
  return state->first_error;
}

// One asynchronous AdminService call: what it needs alive until it ends.
template <typename Request, typename Response>
struct AdminCall {
  grpc::ClientContext context;
  Request request;
  Response response;
};

// StartAdminCall begins `call` with `async_method` of admin's asynchronous
// interface, or makes it with `sync_method` on a stub that has none (a mock
// stub), and reports its status, prefixed with `what`, to `done`. `call`
// lives until then.
template <typename Request, typename Response>
void StartAdminCall(
    AdminService::StubInterface& admin, std::shared_ptr<AdminCall<Request, Response>> call,
    void (AdminService::StubInterface::async_interface::*async_method)(
        grpc::ClientContext*, const Request*, Response*, std::function<void(grpc::Status)>),
    grpc::Status (AdminService::StubInterface::*sync_method)(grpc::ClientContext*, const Request&,
                                                             Response*),
    std::string what, CallDone done) {
  AdminCall<Request, Response>* raw = call.get();
  std::function<void(grpc::Status)> finish = [call = std::move(call), what = std::move(what),
                                              done = std::move(done)](grpc::Status status) {
    done(ToStatus(status, what));
  };
  if (auto* async = admin.async(); async != nullptr) {
    (async->*async_method)(&raw->context, &raw->request, &raw->response, std::move(finish));
  } else {
    finish((admin.*sync_method)(&raw->context, raw->request, &raw->response));
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<WalletdProcess>> WalletdProcess::Start(WalletdOptions options) {
  if (options.binary.empty()) {
    return absl::InvalidArgumentError("WalletdOptions.binary is required");
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      base::ChannelCredentialsFrom(options.tls);
  if (!credentials.ok()) return credentials.status();
  std::string root = options.temp_root;
  if (root.empty()) {
    const char* tmpdir = std::getenv("TMPDIR");
    root = (tmpdir != nullptr && *tmpdir != '\0') ? tmpdir : "/tmp";
  }
  std::string pattern = absl::StrCat(root, "/walletd-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return ErrnoStatus(absl::StrCat("mkdtemp ", pattern));
  }
  std::unique_ptr<WalletdProcess> process(new WalletdProcess(std::move(options)));
  process->credentials_ = *std::move(credentials);
  process->temp_dir_ = pattern;
  process->data_dir_ = absl::StrCat(pattern, "/data");
  process->ready_path_ = absl::StrCat(pattern, "/ready");
  process->log_path_ = absl::StrCat(pattern, "/walletd.log");
  if (mkdir(process->data_dir_.c_str(), 0700) != 0) {
    return ErrnoStatus(absl::StrCat("mkdir ", process->data_dir_));
  }
  absl::Status status = process->Launch();
  if (!status.ok()) {
    process->keep_temp_dir_on_destroy_ = true;
    return status;
  }
  return process;
}

WalletdProcess::WalletdProcess(WalletdOptions options) : options_(std::move(options)) {}

WalletdProcess::~WalletdProcess() {
  child_.reset();  // stops walletd before its directory goes
  if (!temp_dir_.empty() && !options_.keep_temp_dir && !keep_temp_dir_on_destroy_) {
    std::error_code ignored;
    std::filesystem::remove_all(temp_dir_, ignored);
  }
}

absl::Status WalletdProcess::Launch() {
  ChildOptions child;
  child.name = "walletd";
  child.binary = options_.binary;
  child.args = {
      "--listen=127.0.0.1:0",
      "--http_listen=127.0.0.1:0",
      absl::StrCat("--data_dir=", data_dir_),
      absl::StrCat("--ready_file=", ready_path_),
  };
  std::string admin_key_path = absl::StrCat(data_dir_, "/admin.key");
  for (const std::string& arg : options_.extra_args) {
    child.args.push_back(arg);
    constexpr absl::string_view kKeyFlag = "--admin_key_file=";
    if (absl::StartsWith(arg, kKeyFlag)) {
      admin_key_path = arg.substr(kKeyFlag.size());
    }
  }
  child.log_path = log_path_;
  child.ready_file = ready_path_;
  child.ready_timeout = options_.start_timeout;
  child.stop_timeout = options_.stop_timeout;
  absl::StatusOr<std::unique_ptr<ChildProcess>> started = ChildProcess::Start(std::move(child));
  if (!started.ok()) return started.status();
  child_ = *std::move(started);

  absl::StatusOr<int> grpc_port = child_->ReadyInt("grpc_port");
  if (!grpc_port.ok() || *grpc_port <= 0) {
    return child_->WithLog(absl::InternalError("walletd's ready file has no grpc_port"));
  }
  grpc_port_ = *grpc_port;
  // No http_port: walletd runs without its HTTP listener.
  http_port_ = child_->ReadyInt("http_port").value_or(-1);

  absl::StatusOr<std::string> key = ReadWholeFile(admin_key_path);
  if (!key.ok()) {
    return child_->WithLog(absl::FailedPreconditionError(absl::StrCat(
        "walletd is ready but its admin key is unreadable: ", key.status().message())));
  }
  admin_key_ = std::string(absl::StripAsciiWhitespace(*key));
  if (admin_key_.empty()) {
    return child_->WithLog(
        absl::FailedPreconditionError(absl::StrCat("admin key file is empty: ", admin_key_path)));
  }
  return absl::OkStatus();
}

absl::Status WalletdProcess::Kill() {
  return child_ == nullptr ? absl::OkStatus() : child_->Kill();
}

absl::StatusOr<int> WalletdProcess::Terminate(absl::Duration timeout) {
  if (!running()) return absl::FailedPreconditionError("walletd is not running");
  return child_->Terminate(timeout);
}

absl::Status WalletdProcess::Restart() {
  if (running()) {
    absl::StatusOr<int> code = Terminate();
    if (!code.ok()) return code.status();
    if (*code != 0) {
      return child_->WithLog(
          absl::InternalError(absl::StrCat("walletd exited with ", *code, " on SIGTERM")));
    }
  }
  grpc_port_ = 0;
  http_port_ = 0;
  admin_key_.clear();
  absl::Status status = Launch();
  if (!status.ok()) keep_temp_dir_on_destroy_ = true;
  return status;
}

std::string WalletdProcess::target() const { return absl::StrCat("127.0.0.1:", grpc_port_); }

std::shared_ptr<grpc::Channel> WalletdProcess::NewChannel() const {
  grpc::ChannelArguments args;
  // Channels with equal arguments share one TCP connection through the
  // global subchannel pool; a local pool gives each channel its own.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(target(), credentials_, args);
}

absl::StatusOr<HttpResponse> WalletdProcess::HttpGet(absl::string_view path) const {
  if (http_port_ <= 0) {
    return absl::FailedPreconditionError("walletd has no HTTP listener");
  }
  return HttpGetLocal(http_port_, path);
}

absl::StatusOr<HttpResponse> HttpGetLocal(int port, absl::string_view path) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoStatus("socket");
  absl::Cleanup closer = [fd] { close(fd); };
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    return absl::UnavailableError(
        absl::StrCat("connect to HTTP port ", port, ": ", std::strerror(errno)));
  }
  // HTTP/1.0: the server closes the connection after the response, so the
  // body ends at EOF and no chunked decoding is needed.
  const std::string request = absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return absl::UnavailableError(absl::StrCat("send: ", std::strerror(errno)));
  }
  std::string raw;
  char buffer[16384];
  for (;;) {
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(absl::StrCat("recv: ", std::strerror(errno)));
    }
    raw.append(buffer, static_cast<size_t>(n));
  }
  const size_t header_end = raw.find("\r\n\r\n");
  std::vector<absl::string_view> status_line =
      absl::StrSplit(absl::string_view(raw).substr(0, raw.find("\r\n")), ' ');
  HttpResponse response;
  if (header_end == std::string::npos || status_line.size() < 2 ||
      !absl::SimpleAtoi(status_line[1], &response.status)) {
    return absl::UnavailableError(absl::StrCat("malformed HTTP response: ", raw.substr(0, 200)));
  }
  response.body = raw.substr(header_end + 4);
  return response;
}

std::string WalletdProcess::KeepForInspection() {
  KeepTempDir();
  return absl::StrCat("walletd data and log kept in ", temp_dir_, "\n--- walletd log tail ---\n",
                      LogTail(), "\n---");
}

WalletdOptions ExampleConfigOptions(std::string binary, absl::string_view source_dir) {
  WalletdOptions options;
  options.binary = std::move(binary);
  options.extra_args = {
      absl::StrCat("--tariffs=", source_dir, "/deploy/config/tariffs.textproto"),
      absl::StrCat("--policy=", source_dir, "/deploy/config/policy.textproto"),
      "--notification_log=none",
  };
  return options;
}

std::string WalletdProcess::LogTail(size_t max_bytes) const {
  return child_ == nullptr ? std::string() : child_->LogTail(max_bytes);
}

void ConfigureContext(grpc::ClientContext* context, absl::string_view api_key,
                      absl::Duration timeout) {
  context->AddMetadata(kApiKeyMetadata, std::string(api_key));
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

std::unique_ptr<grpc::ClientContext> MakeContext(absl::string_view api_key,
                                                 absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  ConfigureContext(context.get(), api_key, timeout);
  return context;
}

absl::Status ToStatus(const grpc::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  // grpc::StatusCode and absl::StatusCode share the canonical numbering.
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, ": ", status.error_message()));
}

absl::StatusOr<Topology> CreateTestTopology(AdminService::StubInterface& admin,
                                            absl::string_view admin_key,
                                            const TopologyOptions& options) {
  if (options.meters < 0 || options.retailers < 0 || options.max_topup_paise <= 0 ||
      options.float_paise_per_retailer < 0 || options.sanctioned_load_w <= 0 ||
      options.opening_credit_paise < 0 || options.opening_credit_paise > options.max_topup_paise) {
    return absl::InvalidArgumentError("bad TopologyOptions");
  }
  const std::string& prefix = options.id_prefix;
  const std::string key(admin_key);
  Topology topology;
  const int meters = options.meter_ids.empty() ? options.meters
                                               : static_cast<int>(options.meter_ids.size());
  for (int i = 0; i < meters; ++i) {
    topology.meter_ids.push_back(options.meter_ids.empty() ? absl::StrCat(prefix, "M", i)
                                                           : options.meter_ids[i]);
    topology.consumer_ids.push_back(absl::StrCat(prefix, "C", i));
  }
  for (int i = 0; i < options.retailers; ++i) {
    topology.retailer_ids.push_back(absl::StrCat(prefix, "R", i));
  }

  std::string tariff_id = options.tariff_id;
  if (tariff_id.empty()) {
    // walletd registers meters only on a tariff in force.
    wallet::v1::PutTariffRequest request;
    request.set_request_id(absl::StrCat(prefix, "tariff"));
    wallet::v1::Tariff& tariff = *request.mutable_tariff();
    tariff.set_tariff_id(kTestTariffId);
    tariff.set_version(1);
    tariff.set_effective_from("2020-01-01");
    tariff.set_category(wallet::v1::DOMESTIC);
    tariff.add_slabs()->set_paise_per_kwh(500);
    wallet::v1::PutTariffResponse response;
    absl::Status put = ToStatus(
        admin.PutTariff(MakeContext(key, options.call_timeout).get(), request, &response),
        "PutTariff");
    // Already in the book (another topology with the same walletd): fine.
    if (!put.ok() && put.code() != absl::StatusCode::kAlreadyExists) return put;
    tariff_id = kTestTariffId;
  }

  using RegisterCall =
      AdminCall<wallet::v1::RegisterMeterRequest, wallet::v1::RegisterMeterResponse>;
  absl::Status status = RunAsync(meters, options.parallelism, [&](int i, CallDone done) {
    auto call = std::make_shared<RegisterCall>();
    ConfigureContext(&call->context, key, options.call_timeout);
    wallet::v1::RegisterMeterRequest& request = call->request;
    request.set_request_id(absl::StrCat(prefix, "register-", i));
    wallet::v1::Meter& meter = *request.mutable_meter();
    meter.set_meter_id(topology.meter_ids[i]);
    meter.set_consumer_id(topology.consumer_ids[i]);
    meter.set_category(wallet::v1::DOMESTIC);
    meter.set_circle("Bilaspur");
    meter.set_division("City");
    meter.set_subdivision("Sub1");
    meter.set_sanctioned_load_w(options.sanctioned_load_w);
    meter.set_tariff_id(tariff_id);
    wallet::v1::Consumer& consumer = *request.mutable_consumer();
    consumer.set_consumer_id(topology.consumer_ids[i]);
    consumer.set_name(absl::StrCat("Test Consumer ", i));
    consumer.set_phone(absl::StrFormat("+919%09d", i));
    request.set_arrears_paise(options.arrears_paise);
    if (options.edit_registration) options.edit_registration(i, request);
    StartAdminCall(admin, std::move(call),
                   &AdminService::StubInterface::async_interface::RegisterMeter,
                   &AdminService::StubInterface::RegisterMeter,
                   absl::StrCat("RegisterMeter ", topology.meter_ids[i]), std::move(done));
  });
  if (!status.ok()) return status;

  if (options.opening_credit_paise > 0) {
    using CreditCall =
        AdminCall<wallet::v1::AdjustBalanceRequest, wallet::v1::AdjustBalanceResponse>;
    status = RunAsync(meters, options.parallelism, [&](int i, CallDone done) {
      auto call = std::make_shared<CreditCall>();
      ConfigureContext(&call->context, key, options.call_timeout);
      call->request.set_request_id(absl::StrCat(prefix, "credit-", i));
      call->request.set_meter_id(topology.meter_ids[i]);
      call->request.set_amount_paise(options.opening_credit_paise);
      call->request.set_direction(wallet::v1::AdjustBalanceRequest::CREDIT);
      call->request.set_reason("opening credit for a test");
      StartAdminCall(admin, std::move(call),
                     &AdminService::StubInterface::async_interface::AdjustBalance,
                     &AdminService::StubInterface::AdjustBalance,
                     absl::StrCat("AdjustBalance ", topology.meter_ids[i]), std::move(done));
    });
    if (!status.ok()) return status;
  }

  status = RunParallel(options.retailers, options.parallelism, [&](int i) -> absl::Status {
    wallet::v1::CreateRetailerRequest request;
    request.set_request_id(absl::StrCat(prefix, "retailer-", i));
    wallet::v1::Retailer& retailer = *request.mutable_retailer();
    retailer.set_retailer_id(topology.retailer_ids[i]);
    retailer.set_name(absl::StrCat("Test Retailer ", i));
    retailer.set_commission_bps(options.commission_bps);
    wallet::v1::CreateRetailerResponse response;
    return ToStatus(
        admin.CreateRetailer(MakeContext(key, options.call_timeout).get(), request, &response),
        absl::StrCat("CreateRetailer ", topology.retailer_ids[i]));
  });
  if (!status.ok()) return status;

  const int64_t chunks_per_retailer =
      (options.float_paise_per_retailer + options.max_topup_paise - 1) / options.max_topup_paise;
  status = RunParallel(
      static_cast<int>(chunks_per_retailer * options.retailers), options.parallelism,
      [&](int task) -> absl::Status {
        const int retailer = static_cast<int>(task / chunks_per_retailer);
        const int64_t chunk = task % chunks_per_retailer;
        const int64_t amount =
            std::min(options.max_topup_paise,
                     options.float_paise_per_retailer - chunk * options.max_topup_paise);
        wallet::v1::TopUpFloatRequest request;
        request.set_request_id(absl::StrCat(prefix, "float-", retailer, "-", chunk));
        request.set_retailer_id(topology.retailer_ids[retailer]);
        request.set_amount_paise(amount);
        request.set_reference(absl::StrCat("deposit-", chunk));
        wallet::v1::TopUpFloatResponse response;
        return ToStatus(
            admin.TopUpFloat(MakeContext(key, options.call_timeout).get(), request, &response),
            absl::StrCat("TopUpFloat ", topology.retailer_ids[retailer]));
      });
  if (!status.ok()) return status;

  // One flat list of keys to issue, so they are all issued in parallel.
  struct KeySpec {
    wallet::v1::Role role;
    std::string subject;
    std::string* out;
  };
  std::vector<KeySpec> keys;
  if (options.retailer_keys) {
    topology.retailer_keys.resize(options.retailers);
    for (int i = 0; i < options.retailers; ++i) {
      keys.push_back(
          {wallet::v1::ROLE_RETAILER, topology.retailer_ids[i], &topology.retailer_keys[i]});
    }
  }
  if (options.consumer_keys) {
    topology.consumer_keys.resize(options.meters);
    for (int i = 0; i < options.meters; ++i) {
      keys.push_back(
          {wallet::v1::ROLE_CONSUMER, topology.consumer_ids[i], &topology.consumer_keys[i]});
    }
  }
  if (options.payment_gateway_key) {
    keys.push_back({wallet::v1::ROLE_PAYMENT_GATEWAY, "", &topology.payment_gateway_key});
  }
  if (options.meter_gateway_key) {
    keys.push_back({wallet::v1::ROLE_METER_GATEWAY, "", &topology.meter_gateway_key});
  }
  status =
      RunParallel(static_cast<int>(keys.size()), options.parallelism, [&](int i) -> absl::Status {
        wallet::v1::IssueApiKeyRequest request;
        request.set_request_id(absl::StrCat(prefix, "key-", i));
        request.set_role(keys[i].role);
        request.set_subject_id(keys[i].subject);
        request.set_label(absl::StrCat("test key ", i));
        wallet::v1::IssueApiKeyResponse response;
        absl::Status status = ToStatus(
            admin.IssueApiKey(MakeContext(key, options.call_timeout).get(), request, &response),
            absl::StrCat("IssueApiKey ", wallet::v1::Role_Name(keys[i].role), " ",
                         keys[i].subject));
        if (status.ok()) *keys[i].out = response.api_key();
        return status;
      });
  if (!status.ok()) return status;
  return topology;
}

absl::StatusOr<std::vector<wallet::v1::JournalEntry>> ReadJournal(
    AdminService::StubInterface& admin, absl::string_view admin_key, absl::string_view account,
    int64_t* balance_paise) {
  std::vector<wallet::v1::JournalEntry> entries;
  wallet::v1::GetJournalRequest request;
  request.set_account(std::string(account));
  request.set_page_size(1000);
  bool first_page = true;
  for (;;) {
    wallet::v1::GetJournalResponse response;
    absl::Status status =
        ToStatus(admin.GetJournal(MakeContext(admin_key).get(), request, &response),
                 absl::StrCat("GetJournal ", account));
    if (!status.ok()) return status;
    // The first page is read first, so its balance matches the newest entry
    // as long as nothing writes to the account meanwhile.
    if (first_page && balance_paise != nullptr) {
      *balance_paise = response.balance_paise();
    }
    first_page = false;
    for (wallet::v1::JournalEntry& entry : *response.mutable_entries()) {
      entries.push_back(std::move(entry));
    }
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  return entries;
}

}  // namespace wallet::testing
