#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/services.h"
#include "glog/logging.h"
#include "wallet/auth.h"
#include "wallet/money.h"
#include "wallet/sign_in.h"
#include "wallet/v1/admin.grpc.pb.h"
#include "wallet/wire.h"

namespace api {
namespace {

const Roles kAdminOnly = {v1::ROLE_ADMIN};

// DescribeChange is the log line of an update: which fields changed (not
// their values: a phone is personal data) and which admin key changed them.
std::string DescribeChange(absl::string_view what, absl::string_view id, bool unchanged,
                           const v1::Change& change) {
  if (unchanged) return absl::StrCat(what, " ", id, ": update changed nothing");
  std::vector<std::string> fields;
  for (const v1::FieldChange& field : change.fields()) fields.push_back(field.field());
  return absl::StrCat(what, " ", id, " changed (", absl::StrJoin(fields, ", "), ") by admin key ",
                      change.admin_key_id(), " '", change.admin_key_label(), "', change #",
                      change.seq());
}

// DescribeMeterChange is DescribeChange for an update or a move of a meter.
template <typename Response>
std::string DescribeMeterChange(const Response& r) {
  return DescribeChange("meter", r.meter().meter_id(), r.unchanged(), r.change());
}

// AdminService: the utility's operations. Writes are logged, one line each.
class AdminService final : public WalletService<v1::AdminService> {
 public:
  AdminService(Calls* calls, base::SettableClock* settable_clock)
      : WalletService(calls), settable_clock_(settable_clock) {}

  ServerUnaryReactor* RegisterMeter(CallbackServerContext* ctx,
                                    const v1::RegisterMeterRequest* request,
                                    v1::RegisterMeterResponse* response) override {
    return Serve(ctx, "RegisterMeter", kAdminOnly, response,
                 [&](const wallet::Principal&, auto done) {
                   wallet()->RegisterMeter(*request, Logged(std::move(done), [](const auto& r) {
                     return absl::StrCat("meter registered: ", r.meter().meter_id(), " consumer ",
                                         r.meter().consumer_id());
                   }));
                 });
  }

  ServerUnaryReactor* UpdateConsumer(CallbackServerContext* ctx,
                                     const v1::UpdateConsumerRequest* request,
                                     v1::UpdateConsumerResponse* response) override {
    return Serve(
        ctx, "UpdateConsumer", kAdminOnly, response, [&](const wallet::Principal& who, auto done) {
          wallet()->UpdateConsumer(who, *request, Logged(std::move(done), [](const auto& r) {
                                     return DescribeChange("consumer", r.consumer().consumer_id(),
                                                           r.unchanged(), r.change());
                                   }));
        });
  }

  ServerUnaryReactor* UpdateMeter(CallbackServerContext* ctx, const v1::UpdateMeterRequest* request,
                                  v1::UpdateMeterResponse* response) override {
    return Serve(
        ctx, "UpdateMeter", kAdminOnly, response, [&](const wallet::Principal& who, auto done) {
          wallet()->UpdateMeter(
              who, *request, Logged(std::move(done), DescribeMeterChange<v1::UpdateMeterResponse>));
        });
  }

  ServerUnaryReactor* MoveMeter(CallbackServerContext* ctx, const v1::MoveMeterRequest* request,
                                v1::MoveMeterResponse* response) override {
    return Serve(
        ctx, "MoveMeter", kAdminOnly, response, [&](const wallet::Principal& who, auto done) {
          wallet()->MoveMeter(who, *request,
                              Logged(std::move(done), DescribeMeterChange<v1::MoveMeterResponse>));
        });
  }

  ServerUnaryReactor* ListChanges(CallbackServerContext* ctx, const v1::ListChangesRequest* request,
                                  v1::ListChangesResponse* response) override {
    return Serve(
        ctx, "ListChanges", kAdminOnly, response,
        [&](const wallet::Principal&, auto done) { done(wallet()->ListChanges(*request)); });
  }

  ServerUnaryReactor* GetMeter(CallbackServerContext* ctx, const v1::GetMeterRequest* request,
                               v1::MeterView* response) override {
    return Serve(ctx, "GetMeter", kAdminOnly, response, [&](const wallet::Principal&, auto done) {
      done(wallet()->GetMeter(request->meter_id()));
    });
  }

  ServerUnaryReactor* ListMeters(CallbackServerContext* ctx, const v1::ListMetersRequest* request,
                                 v1::ListMetersResponse* response) override {
    return Serve(ctx, "ListMeters", kAdminOnly, response, [&](const wallet::Principal&, auto done) {
      done(wallet()->ListMeters(*request));
    });
  }

  ServerUnaryReactor* AdjustBalance(CallbackServerContext* ctx,
                                    const v1::AdjustBalanceRequest* request,
                                    v1::AdjustBalanceResponse* response) override {
    return Serve(
        ctx, "AdjustBalance", kAdminOnly, response, [&](const wallet::Principal&, auto done) {
          wallet()->AdjustBalance(
              *request, Logged(std::move(done), [](const v1::AdjustBalanceResponse& r) {
                return absl::StrCat("adjustment #", r.transfer().seq(), " ",
                                    wallet::FormatRupees(r.transfer().amount_paise()), " ",
                                    r.transfer().debit_account(), " -> ",
                                    r.transfer().credit_account(), ": ", r.transfer().memo());
              }));
        });
  }

  ServerUnaryReactor* CreateRetailer(CallbackServerContext* ctx,
                                     const v1::CreateRetailerRequest* request,
                                     v1::CreateRetailerResponse* response) override {
    return Serve(ctx, "CreateRetailer", kAdminOnly, response,
                 [&](const wallet::Principal&, auto done) {
                   wallet()->CreateRetailer(*request, Logged(std::move(done), [](const auto& r) {
                     return absl::StrCat("retailer created: ", r.retailer().retailer_id(),
                                         " commission ", r.retailer().commission_bps(), " bps");
                   }));
                 });
  }

  ServerUnaryReactor* TopUpFloat(CallbackServerContext* ctx, const v1::TopUpFloatRequest* request,
                                 v1::TopUpFloatResponse* response) override {
    return Serve(ctx, "TopUpFloat", kAdminOnly, response, [&](const wallet::Principal&, auto done) {
      wallet()->TopUpFloat(*request, Logged(std::move(done), [](const v1::TopUpFloatResponse& r) {
        return absl::StrCat("float top-up #", r.transfer().seq(), " ",
                            r.transfer().credit_account(), " +",
                            wallet::FormatRupees(r.transfer().amount_paise()));
      }));
    });
  }

  ServerUnaryReactor* GetJournal(CallbackServerContext* ctx, const v1::GetJournalRequest* request,
                                 v1::GetJournalResponse* response) override {
    return Serve(ctx, "GetJournal", kAdminOnly, response, [&](const wallet::Principal&, auto done) {
      done(wallet()->GetJournal(*request));
    });
  }

  ServerUnaryReactor* IssueApiKey(CallbackServerContext* ctx, const v1::IssueApiKeyRequest* request,
                                  v1::IssueApiKeyResponse* response) override {
    return Serve(ctx, "IssueApiKey", kAdminOnly, response,
                 [&](const wallet::Principal&, auto done) {
                   absl::StatusOr<std::string> key = wallet::NewApiKey();
                   if (!key.ok()) return done(key.status());
                   wallet()->IssueApiKey(
                       *request, *std::move(key), Logged(std::move(done), [](const auto& r) {
                         return absl::StrCat("API key issued: role ", v1::Role_Name(r.role()),
                                             " subject '", r.subject_id(), "'");
                       }));
                 });
  }

  ServerUnaryReactor* ListApiKeys(CallbackServerContext* ctx, const v1::ListApiKeysRequest* request,
                                  v1::ListApiKeysResponse* response) override {
    return Serve(
        ctx, "ListApiKeys", kAdminOnly, response,
        [&](const wallet::Principal&, auto done) { done(wallet()->ListApiKeys(*request)); });
  }

  ServerUnaryReactor* RevokeApiKey(CallbackServerContext* ctx,
                                   const v1::RevokeApiKeyRequest* request,
                                   v1::RevokeApiKeyResponse* response) override {
    return Serve(ctx, "RevokeApiKey", kAdminOnly, response,
                 [&](const wallet::Principal& who, auto done) {
                   wallet()->RevokeApiKey(*request, Logged(std::move(done), [who](const auto& r) {
                     return absl::StrCat("API key ", r.key().key_id(),
                                         r.unchanged() ? " was already revoked" : " revoked",
                                         " by admin key ", who.key_id, " '", who.key_label, "'");
                   }));
                 });
  }

  ServerUnaryReactor* RotateApiKey(CallbackServerContext* ctx,
                                   const v1::RotateApiKeyRequest* request,
                                   v1::RotateApiKeyResponse* response) override {
    return Serve(ctx, "RotateApiKey", kAdminOnly, response,
                 [&](const wallet::Principal& who, auto done) {
                   absl::StatusOr<std::string> key = wallet::NewApiKey();
                   if (!key.ok()) return done(key.status());
                   wallet()->RotateApiKey(
                       *request, *std::move(key), Logged(std::move(done), [who](const auto& r) {
                         return absl::StrCat("API key ", r.old_key().key_id(), " rotated to ",
                                             r.new_key().key_id(), " by admin key ", who.key_id,
                                             " '", who.key_label, "'");
                       }));
                 });
  }

  ServerUnaryReactor* RevokeSignIns(CallbackServerContext* ctx,
                                    const v1::RevokeSignInsRequest* request,
                                    v1::RevokeSignInsResponse* response) override {
    return Serve(
        ctx, "RevokeSignIns", kAdminOnly, response, [&](const wallet::Principal& who, auto done) {
          wallet()->RevokeSignIns(*request, Logged(std::move(done), [who, request](const auto& r) {
            return absl::StrCat("sign-ins of mobile ", wallet::MaskMobile(request->mobile()),
                                " revoked (", r.revoked_tokens(), " tokens) by admin key ",
                                who.key_id);
          }));
        });
  }

  ServerUnaryReactor* CheckLedger(CallbackServerContext* ctx, const v1::CheckLedgerRequest* request,
                                  v1::CheckLedgerResponse* response) override {
    return Serve(ctx, "CheckLedger", kAdminOnly, response,
                 [&](const wallet::Principal&, auto done) { done(wallet()->CheckLedger()); });
  }

  ServerUnaryReactor* SetHold(CallbackServerContext* ctx, const v1::SetHoldRequest* request,
                              v1::SetHoldResponse* response) override {
    return Serve(ctx, "SetHold", kAdminOnly, response, [&](const wallet::Principal&, auto done) {
      wallet()->SetHold(*request, Logged(std::move(done), [request](const auto&) {
        return absl::StrCat("hold on meter ", request->meter_id(), ": ",
                            v1::Hold_Name(request->hold()), " (", request->reason(), ")");
      }));
    });
  }

  ServerUnaryReactor* GetMeterState(CallbackServerContext* ctx, const v1::GetMeterRequest* request,
                                    v1::MeterPolicyState* response) override {
    return Serve(ctx, "GetMeterState", kAdminOnly, response,
                 [&](const wallet::Principal&, auto done) {
                   done(wallet()->GetMeterState(request->meter_id()));
                 });
  }

  ServerUnaryReactor* PutTariff(CallbackServerContext* ctx, const v1::PutTariffRequest* request,
                                v1::PutTariffResponse* response) override {
    return Serve(ctx, "PutTariff", kAdminOnly, response, [&](const wallet::Principal&, auto done) {
      wallet()->PutTariff(*request, Logged(std::move(done), [](const auto& r) {
        return absl::StrCat("tariff added: ", r.tariff().tariff_id(), " v", r.tariff().version(),
                            " from ", r.tariff().effective_from());
      }));
    });
  }

  ServerUnaryReactor* ListTariffs(CallbackServerContext* ctx, const v1::ListTariffsRequest* request,
                                  v1::TariffBook* response) override {
    return Serve(ctx, "ListTariffs", kAdminOnly, response,
                 [&](const wallet::Principal&, auto done) { done(wallet()->ListTariffs()); });
  }

  ServerUnaryReactor* SetClock(CallbackServerContext* ctx, const v1::SetClockRequest* request,
                               v1::SetClockResponse* response) override {
    return Serve(ctx, "SetClock", kAdminOnly, response, [&](const wallet::Principal&, auto done) {
      if (settable_clock_ == nullptr) {
        done(absl::FailedPreconditionError(
            "walletd runs on the system clock; start it with --settable_clock"));
        return;
      }
      const std::optional<int64_t> micros = wallet::UnixMicros(request->time());
      if (!micros || *micros <= 0) {
        done(absl::InvalidArgumentError("time is required: a valid time after 1970"));
        return;
      }
      const absl::Time now = absl::FromUnixMicros(*micros);
      if (!settable_clock_->SetNow(now)) {
        done(absl::FailedPreconditionError("the clock only moves forward"));
        return;
      }
      LOG(INFO) << "clock set to " << absl::FormatTime(now, absl::UTCTimeZone());
      // One scheduler pass at the new time before answering: what was due
      // by then (notices, cuts) is decided and durable when the caller
      // looks, instead of up to a tick interval later.
      if (absl::Status ticked = wallet()->Tick(); !ticked.ok()) {
        done(ticked);
        return;
      }
      v1::SetClockResponse r;
      *r.mutable_time() = request->time();
      done(std::move(r));
    });
  }

 private:
  base::SettableClock* const settable_clock_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewAdminService(Calls* calls, base::SettableClock* settable_clock) {
  return std::make_unique<AdminService>(calls, settable_clock);
}

}  // namespace api
