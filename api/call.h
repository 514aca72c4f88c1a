// Call plumbing shared by walletd's services: authenticate the API key in the
// call metadata, check the caller's role, run the operation, map the status,
// record metrics and finish the reactor exactly once.
//
// A service derives from WalletService<its generated class>, and each unary
// method is one statement that names the method, the roles that may call it
// and what it does:
//
// Example:
//   class RetailerService final : public WalletService<v1::RetailerService> {
//     ...
//     grpc::ServerUnaryReactor* GetFloat(grpc::CallbackServerContext* ctx,
//                                        const v1::GetFloatRequest* request,
//                                        v1::GetFloatResponse* response) override {
//       return Serve(ctx, "GetFloat", kRetailerOrAdmin, response,
//                    [&](const wallet::Principal& who, auto done) {
//                      done(wallet()->GetFloat(who, request->retailer_id()));
//                    });
//     }
//   };
#ifndef API_CALL_H_
#define API_CALL_H_

#include <atomic>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "base/metrics.h"
#include "glog/logging.h"
#include "grpcpp/grpcpp.h"
#include "wallet/wallet.h"

namespace api {

// Names every service file uses.
namespace v1 = ::wallet::v1;
using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

// Metadata key that carries the API key.
inline constexpr char kApiKeyHeader[] = "x-api-key";
// Metadata key that carries a consumer's sign-in token, as "Bearer <token>".
inline constexpr char kAuthorizationHeader[] = "authorization";

// The roles that may make a call. A sign-in token is a ROLE_CONSUMER
// principal. An empty list means the call needs no credentials (signing in).
using Roles = std::vector<wallet::v1::Role>;
inline const Roles kNoCredentials = {};

// walletd's services count their calls in the shared metrics registry
// (base/metrics.h); every service names its methods' counters as
// Metrics::Method.
using Metrics = ::base::Metrics;

// Logged wraps `done` so that a successful admin write is logged, one line
// made by `describe(response)`: admin actions are rare and each one matters
// to an auditor.
template <typename Response, typename Describe>
wallet::Callback<Response> Logged(wallet::Callback<Response> done, Describe describe) {
  return [done = std::move(done), describe](absl::StatusOr<Response> result) {
    if (result.ok()) LOG(INFO) << describe(*result);
    done(std::move(result));
  };
}

// ToGrpc converts a status for the wire. Internal errors are logged, and their
// text is not sent to the client.
grpc::Status ToGrpc(const absl::Status& status, const std::string& method);

class Calls final {
 public:
  Calls(wallet::Wallet* wallet, Metrics* metrics) : wallet_(wallet), metrics_(metrics) {}

  // MethodCounters maps the name of each unary method of the service
  // `service_full_name` (e.g. "wallet.v1.AdminService") to its counters,
  // registered in the metrics as "<Service>/<Method>". Streaming methods are
  // not counted. The keys point into the generated descriptor pool, which
  // lives as long as the process.
  using MethodCounters = absl::flat_hash_map<absl::string_view, Metrics::Method*>;
  MethodCounters RegisterUnaryMethods(absl::string_view service_full_name);

  // Authorize returns the caller from its sign-in token (authorization:
  // Bearer) or else its API key (x-api-key): Unauthenticated for missing,
  // unknown, revoked or expired credentials, PermissionDenied for a role not
  // in `roles`. With kNoCredentials: an empty Principal, whatever was sent.
  absl::StatusOr<wallet::Principal> Authorize(grpc::CallbackServerContext* ctx,
                                              const Roles& roles) const;

  // Handle authorises the call and runs `run(principal, done)`; `done` may be
  // called on any thread, once.
  template <typename Response, typename Run>
  grpc::ServerUnaryReactor* Handle(grpc::CallbackServerContext* ctx, Metrics::Method* method,
                                   const Roles& roles, Response* response, Run run) {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    const absl::Time start = absl::Now();
    // Counted before the draining check, so that Shutdown's wait sees every
    // call admitted.
    in_flight_.fetch_add(1, std::memory_order_acq_rel);
    wallet::Callback<Response> done = [this, reactor, response, method,
                                       start](absl::StatusOr<Response> result) {
      if (result.ok()) *response = *std::move(result);
      grpc::Status status = ToGrpc(result.status(), method->name);
      Metrics::Record(method, status.error_code(), absl::Now() - start);
      reactor->Finish(status);
      in_flight_.fetch_sub(1, std::memory_order_release);
    };
    if (draining_.load(std::memory_order_acquire)) {
      done(absl::UnavailableError("walletd is shutting down; retry shortly"));
      return reactor;
    }
    absl::StatusOr<wallet::Principal> who = Authorize(ctx, roles);
    if (!who.ok()) {
      done(who.status());
    } else {
      run(*who, std::move(done));
    }
    return reactor;
  }

  wallet::Wallet* wallet() const { return wallet_; }

  // StartDraining makes new calls fail with UNAVAILABLE; calls already
  // admitted go on. InFlight counts those.
  void StartDraining() { draining_ = true; }
  int InFlight() const { return in_flight_.load(std::memory_order_acquire); }

 private:
  wallet::Wallet* wallet_;
  Metrics* metrics_;
  std::atomic<bool> draining_{false};
  std::atomic<int> in_flight_{0};
};

// WalletService is the base of walletd's services. `Generated` is the
// service's generated class (e.g. wallet::v1::AdminService); its unary
// methods are counted from the start, so that /metrics lists each one before
// it is first called. Not copyable; thread-safe as Calls is.
template <typename Generated>
class WalletService : public Generated::CallbackService {
 protected:
  // `calls` is not owned and must outlive the service.
  explicit WalletService(Calls* calls)
      : calls_(calls), counters_(calls->RegisterUnaryMethods(Generated::service_full_name())) {}

  // Serve runs one call of the unary method `method` through Calls::Handle
  // with that method's counters. A name that is not a unary method of the
  // service is a programming error (CHECK): every method meets it on its
  // first call in the tests.
  template <typename Response, typename Run>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* ctx, absl::string_view method,
                                  const Roles& roles, Response* response, Run run) {
    const auto it = counters_.find(method);
    CHECK(it != counters_.end()) << Generated::service_full_name() << " has no unary method "
                                 << method;
    return calls_->Handle(ctx, it->second, roles, response, std::move(run));
  }

  Calls* calls() const { return calls_; }
  wallet::Wallet* wallet() const { return calls_->wallet(); }

 private:
  Calls* const calls_;
  const Calls::MethodCounters counters_;
};

}  // namespace api

#endif  // API_CALL_H_
