#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/services.h"
#include "glog/logging.h"
#include "wallet/auth.h"
#include "wallet/money.h"
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

}  // namespace

AdminService::AdminService(Calls* calls, base::SettableClock* settable_clock)
    : calls_(calls),
      settable_clock_(settable_clock),
      register_meter_(calls->Method("AdminService/RegisterMeter")),
      update_consumer_(calls->Method("AdminService/UpdateConsumer")),
      update_meter_(calls->Method("AdminService/UpdateMeter")),
      move_meter_(calls->Method("AdminService/MoveMeter")),
      list_changes_(calls->Method("AdminService/ListChanges")),
      get_meter_(calls->Method("AdminService/GetMeter")),
      list_meters_(calls->Method("AdminService/ListMeters")),
      adjust_balance_(calls->Method("AdminService/AdjustBalance")),
      create_retailer_(calls->Method("AdminService/CreateRetailer")),
      top_up_float_(calls->Method("AdminService/TopUpFloat")),
      get_journal_(calls->Method("AdminService/GetJournal")),
      issue_api_key_(calls->Method("AdminService/IssueApiKey")),
      check_ledger_(calls->Method("AdminService/CheckLedger")),
      set_hold_(calls->Method("AdminService/SetHold")),
      get_meter_state_(calls->Method("AdminService/GetMeterState")),
      put_tariff_(calls->Method("AdminService/PutTariff")),
      list_tariffs_(calls->Method("AdminService/ListTariffs")),
      set_clock_(calls->Method("AdminService/SetClock")) {}

ServerUnaryReactor* AdminService::RegisterMeter(CallbackServerContext* ctx,
                                                const v1::RegisterMeterRequest* request,
                                                v1::RegisterMeterResponse* response) {
  return calls_->Handle(ctx, register_meter_, kAdminOnly, response,
                        [&](const wallet::Principal&, auto done) {
                          calls_->wallet()->RegisterMeter(
                              *request, Logged(std::move(done), [](const auto& r) {
                                return absl::StrCat("meter registered: ", r.meter().meter_id(),
                                                    " consumer ", r.meter().consumer_id());
                              }));
                        });
}

ServerUnaryReactor* AdminService::UpdateConsumer(CallbackServerContext* ctx,
                                                 const v1::UpdateConsumerRequest* request,
                                                 v1::UpdateConsumerResponse* response) {
  return calls_->Handle(ctx, update_consumer_, kAdminOnly, response,
                        [&](const wallet::Principal& who, auto done) {
                          calls_->wallet()->UpdateConsumer(
                              who, *request, Logged(std::move(done), [](const auto& r) {
                                return DescribeChange("consumer", r.consumer().consumer_id(),
                                                      r.unchanged(), r.change());
                              }));
                        });
}

ServerUnaryReactor* AdminService::UpdateMeter(CallbackServerContext* ctx,
                                              const v1::UpdateMeterRequest* request,
                                              v1::UpdateMeterResponse* response) {
  return calls_->Handle(ctx, update_meter_, kAdminOnly, response,
                        [&](const wallet::Principal& who, auto done) {
                          calls_->wallet()->UpdateMeter(
                              who, *request, Logged(std::move(done), [](const auto& r) {
                                return DescribeChange("meter", r.meter().meter_id(),
                                                      r.unchanged(), r.change());
                              }));
                        });
}

ServerUnaryReactor* AdminService::MoveMeter(CallbackServerContext* ctx,
                                            const v1::MoveMeterRequest* request,
                                            v1::MoveMeterResponse* response) {
  return calls_->Handle(ctx, move_meter_, kAdminOnly, response,
                        [&](const wallet::Principal& who, auto done) {
                          calls_->wallet()->MoveMeter(
                              who, *request, Logged(std::move(done), [](const auto& r) {
                                return DescribeChange("meter", r.meter().meter_id(),
                                                      r.unchanged(), r.change());
                              }));
                        });
}

ServerUnaryReactor* AdminService::ListChanges(CallbackServerContext* ctx,
                                              const v1::ListChangesRequest* request,
                                              v1::ListChangesResponse* response) {
  return calls_->Handle(ctx, list_changes_, kAdminOnly, response,
                        [&](const wallet::Principal&, auto done) {
                          done(calls_->wallet()->ListChanges(*request));
                        });
}

ServerUnaryReactor* AdminService::GetMeter(CallbackServerContext* ctx,
                                           const v1::GetMeterRequest* request,
                                           v1::MeterView* response) {
  return calls_->Handle(ctx, get_meter_, kAdminOnly, response,
                        [&](const wallet::Principal&, auto done) {
                          done(calls_->wallet()->GetMeter(request->meter_id()));
                        });
}

ServerUnaryReactor* AdminService::ListMeters(CallbackServerContext* ctx,
                                             const v1::ListMetersRequest* request,
                                             v1::ListMetersResponse* response) {
  return calls_->Handle(ctx, list_meters_, kAdminOnly, response,
                        [&](const wallet::Principal&, auto done) {
                          done(calls_->wallet()->ListMeters(*request));
                        });
}

ServerUnaryReactor* AdminService::AdjustBalance(CallbackServerContext* ctx,
                                                const v1::AdjustBalanceRequest* request,
                                                v1::AdjustBalanceResponse* response) {
  return calls_->Handle(
      ctx, adjust_balance_, kAdminOnly, response, [&](const wallet::Principal&, auto done) {
        calls_->wallet()->AdjustBalance(
            *request, Logged(std::move(done), [](const v1::AdjustBalanceResponse& r) {
              return absl::StrCat("adjustment #", r.transfer().seq(), " ",
                                  wallet::FormatRupees(r.transfer().amount_paise()), " ",
                                  r.transfer().debit_account(), " -> ",
                                  r.transfer().credit_account(), ": ", r.transfer().memo());
            }));
      });
}

ServerUnaryReactor* AdminService::CreateRetailer(CallbackServerContext* ctx,
                                                 const v1::CreateRetailerRequest* request,
                                                 v1::CreateRetailerResponse* response) {
  return calls_->Handle(ctx, create_retailer_, kAdminOnly, response,
                        [&](const wallet::Principal&, auto done) {
                          calls_->wallet()->CreateRetailer(
                              *request, Logged(std::move(done), [](const auto& r) {
                                return absl::StrCat("retailer created: ",
                                                    r.retailer().retailer_id(), " commission ",
                                                    r.retailer().commission_bps(), " bps");
                              }));
                        });
}

ServerUnaryReactor* AdminService::TopUpFloat(CallbackServerContext* ctx,
                                             const v1::TopUpFloatRequest* request,
                                             v1::TopUpFloatResponse* response) {
  return calls_->Handle(
      ctx, top_up_float_, kAdminOnly, response, [&](const wallet::Principal&, auto done) {
        calls_->wallet()->TopUpFloat(
            *request, Logged(std::move(done), [](const v1::TopUpFloatResponse& r) {
              return absl::StrCat("float top-up #", r.transfer().seq(), " ",
                                  r.transfer().credit_account(), " +",
                                  wallet::FormatRupees(r.transfer().amount_paise()));
            }));
      });
}

ServerUnaryReactor* AdminService::GetJournal(CallbackServerContext* ctx,
                                             const v1::GetJournalRequest* request,
                                             v1::GetJournalResponse* response) {
  return calls_->Handle(ctx, get_journal_, kAdminOnly, response,
                        [&](const wallet::Principal&, auto done) {
                          done(calls_->wallet()->GetJournal(*request));
                        });
}

ServerUnaryReactor* AdminService::IssueApiKey(CallbackServerContext* ctx,
                                              const v1::IssueApiKeyRequest* request,
                                              v1::IssueApiKeyResponse* response) {
  return calls_->Handle(
      ctx, issue_api_key_, kAdminOnly, response, [&](const wallet::Principal&, auto done) {
        absl::StatusOr<std::string> key = wallet::NewApiKey();
        if (!key.ok()) return done(key.status());
        calls_->wallet()->IssueApiKey(
            *request, *std::move(key), Logged(std::move(done), [](const auto& r) {
              return absl::StrCat("API key issued: role ", v1::Role_Name(r.role()), " subject '",
                                  r.subject_id(), "'");
            }));
      });
}

ServerUnaryReactor* AdminService::CheckLedger(CallbackServerContext* ctx,
                                              const v1::CheckLedgerRequest* request,
                                              v1::CheckLedgerResponse* response) {
  return calls_->Handle(ctx, check_ledger_, kAdminOnly, response,
                        [&](const wallet::Principal&, auto done) {
                          done(calls_->wallet()->CheckLedger());
                        });
}

ServerUnaryReactor* AdminService::SetHold(CallbackServerContext* ctx,
                                          const v1::SetHoldRequest* request,
                                          v1::SetHoldResponse* response) {
  return calls_->Handle(
      ctx, set_hold_, kAdminOnly, response, [&](const wallet::Principal&, auto done) {
        calls_->wallet()->SetHold(*request, Logged(std::move(done), [request](const auto&) {
                                    return absl::StrCat("hold on meter ", request->meter_id(), ": ",
                                                        v1::Hold_Name(request->hold()), " (",
                                                        request->reason(), ")");
                                  }));
      });
}

ServerUnaryReactor* AdminService::GetMeterState(CallbackServerContext* ctx,
                                                const v1::GetMeterRequest* request,
                                                v1::MeterPolicyState* response) {
  return calls_->Handle(ctx, get_meter_state_, kAdminOnly, response,
                        [&](const wallet::Principal&, auto done) {
                          done(calls_->wallet()->GetMeterState(request->meter_id()));
                        });
}

ServerUnaryReactor* AdminService::PutTariff(CallbackServerContext* ctx,
                                            const v1::PutTariffRequest* request,
                                            v1::PutTariffResponse* response) {
  return calls_->Handle(
      ctx, put_tariff_, kAdminOnly, response, [&](const wallet::Principal&, auto done) {
        calls_->wallet()->PutTariff(*request, Logged(std::move(done), [](const auto& r) {
                                      return absl::StrCat("tariff added: ", r.tariff().tariff_id(),
                                                          " v", r.tariff().version(), " from ",
                                                          r.tariff().effective_from());
                                    }));
      });
}

ServerUnaryReactor* AdminService::ListTariffs(CallbackServerContext* ctx,
                                              const v1::ListTariffsRequest* request,
                                              v1::TariffBook* response) {
  return calls_->Handle(ctx, list_tariffs_, kAdminOnly, response,
                        [&](const wallet::Principal&, auto done) {
                          done(calls_->wallet()->ListTariffs());
                        });
}

ServerUnaryReactor* AdminService::SetClock(CallbackServerContext* ctx,
                                           const v1::SetClockRequest* request,
                                           v1::SetClockResponse* response) {
  return calls_->Handle(
      ctx, set_clock_, kAdminOnly, response, [&](const wallet::Principal&, auto done) {
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
        if (absl::Status ticked = calls_->wallet()->Tick(); !ticked.ok()) {
          done(ticked);
          return;
        }
        v1::SetClockResponse r;
        *r.mutable_time() = request->time();
        done(std::move(r));
      });
}

}  // namespace api
