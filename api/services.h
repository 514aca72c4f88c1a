// walletd's gRPC services: thin callback services that authorise, call the
// wallet and map the status. No business rules live here.
#ifndef API_SERVICES_H_
#define API_SERVICES_H_

#include "api/call.h"
#include "base/clock.h"
#include "wallet/v1/admin.grpc.pb.h"
#include "wallet/v1/collection.grpc.pb.h"
#include "wallet/v1/consumer.grpc.pb.h"
#include "wallet/v1/payment.grpc.pb.h"
#include "wallet/v1/retailer.grpc.pb.h"

namespace api {

namespace v1 = ::wallet::v1;
using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

class AdminService final : public v1::AdminService::CallbackService {
 public:
  AdminService(Calls* calls, base::SettableClock* settable_clock);

  ServerUnaryReactor* RegisterMeter(CallbackServerContext* ctx,
                                    const v1::RegisterMeterRequest* request,
                                    v1::RegisterMeterResponse* response) override;
  ServerUnaryReactor* UpdateConsumer(CallbackServerContext* ctx,
                                     const v1::UpdateConsumerRequest* request,
                                     v1::UpdateConsumerResponse* response) override;
  ServerUnaryReactor* UpdateMeter(CallbackServerContext* ctx,
                                  const v1::UpdateMeterRequest* request,
                                  v1::UpdateMeterResponse* response) override;
  ServerUnaryReactor* MoveMeter(CallbackServerContext* ctx, const v1::MoveMeterRequest* request,
                                v1::MoveMeterResponse* response) override;
  ServerUnaryReactor* ListChanges(CallbackServerContext* ctx,
                                  const v1::ListChangesRequest* request,
                                  v1::ListChangesResponse* response) override;
  ServerUnaryReactor* GetMeter(CallbackServerContext* ctx, const v1::GetMeterRequest* request,
                               v1::MeterView* response) override;
  ServerUnaryReactor* ListMeters(CallbackServerContext* ctx, const v1::ListMetersRequest* request,
                                 v1::ListMetersResponse* response) override;
  ServerUnaryReactor* AdjustBalance(CallbackServerContext* ctx,
                                    const v1::AdjustBalanceRequest* request,
                                    v1::AdjustBalanceResponse* response) override;
  ServerUnaryReactor* CreateRetailer(CallbackServerContext* ctx,
                                     const v1::CreateRetailerRequest* request,
                                     v1::CreateRetailerResponse* response) override;
  ServerUnaryReactor* TopUpFloat(CallbackServerContext* ctx, const v1::TopUpFloatRequest* request,
                                 v1::TopUpFloatResponse* response) override;
  ServerUnaryReactor* GetJournal(CallbackServerContext* ctx, const v1::GetJournalRequest* request,
                                 v1::GetJournalResponse* response) override;
  ServerUnaryReactor* IssueApiKey(CallbackServerContext* ctx,
                                  const v1::IssueApiKeyRequest* request,
                                  v1::IssueApiKeyResponse* response) override;
  ServerUnaryReactor* CheckLedger(CallbackServerContext* ctx,
                                  const v1::CheckLedgerRequest* request,
                                  v1::CheckLedgerResponse* response) override;
  ServerUnaryReactor* SetHold(CallbackServerContext* ctx, const v1::SetHoldRequest* request,
                              v1::SetHoldResponse* response) override;
  ServerUnaryReactor* GetMeterState(CallbackServerContext* ctx,
                                    const v1::GetMeterRequest* request,
                                    v1::MeterPolicyState* response) override;
  ServerUnaryReactor* PutTariff(CallbackServerContext* ctx, const v1::PutTariffRequest* request,
                                v1::PutTariffResponse* response) override;
  ServerUnaryReactor* ListTariffs(CallbackServerContext* ctx,
                                  const v1::ListTariffsRequest* request,
                                  v1::TariffBook* response) override;
  ServerUnaryReactor* SetClock(CallbackServerContext* ctx, const v1::SetClockRequest* request,
                               v1::SetClockResponse* response) override;

 private:
  Calls* calls_;
  base::SettableClock* settable_clock_;
  Metrics::Method* register_meter_;
  Metrics::Method* update_consumer_;
  Metrics::Method* update_meter_;
  Metrics::Method* move_meter_;
  Metrics::Method* list_changes_;
  Metrics::Method* get_meter_;
  Metrics::Method* list_meters_;
  Metrics::Method* adjust_balance_;
  Metrics::Method* create_retailer_;
  Metrics::Method* top_up_float_;
  Metrics::Method* get_journal_;
  Metrics::Method* issue_api_key_;
  Metrics::Method* check_ledger_;
  Metrics::Method* set_hold_;
  Metrics::Method* get_meter_state_;
  Metrics::Method* put_tariff_;
  Metrics::Method* list_tariffs_;
  Metrics::Method* set_clock_;
};

class ConsumerService final : public v1::ConsumerService::CallbackService {
 public:
  explicit ConsumerService(Calls* calls);

  ServerUnaryReactor* ListMyMeters(CallbackServerContext* ctx,
                                   const v1::ListMyMetersRequest* request,
                                   v1::ListMyMetersResponse* response) override;
  ServerUnaryReactor* GetBalance(CallbackServerContext* ctx, const v1::GetBalanceRequest* request,
                                 v1::GetBalanceResponse* response) override;
  ServerUnaryReactor* ListTransactions(CallbackServerContext* ctx,
                                       const v1::ListTransactionsRequest* request,
                                       v1::ListTransactionsResponse* response) override;
  ServerUnaryReactor* StartRecharge(CallbackServerContext* ctx,
                                    const v1::StartRechargeRequest* request,
                                    v1::StartRechargeResponse* response) override;
  ServerUnaryReactor* GetOrder(CallbackServerContext* ctx, const v1::GetOrderRequest* request,
                               v1::Order* response) override;
  ServerUnaryReactor* ListOrders(CallbackServerContext* ctx, const v1::ListOrdersRequest* request,
                                 v1::ListOrdersResponse* response) override;
  ServerUnaryReactor* CancelOrder(CallbackServerContext* ctx,
                                  const v1::CancelOrderRequest* request,
                                  v1::CancelOrderResponse* response) override;

 private:
  Calls* calls_;
  Metrics::Method* list_my_meters_;
  Metrics::Method* get_balance_;
  Metrics::Method* list_transactions_;
  Metrics::Method* start_recharge_;
  Metrics::Method* get_order_;
  Metrics::Method* list_orders_;
  Metrics::Method* cancel_order_;
};

class PaymentGatewayService final : public v1::PaymentGatewayService::CallbackService {
 public:
  explicit PaymentGatewayService(Calls* calls);

  ServerUnaryReactor* ConfirmPayment(CallbackServerContext* ctx,
                                     const v1::ConfirmPaymentRequest* request,
                                     v1::ConfirmPaymentResponse* response) override;

 private:
  Calls* calls_;
  Metrics::Method* confirm_payment_;
};

class RetailerService final : public v1::RetailerService::CallbackService {
 public:
  explicit RetailerService(Calls* calls);

  ServerUnaryReactor* Recharge(CallbackServerContext* ctx,
                               const v1::RetailerRechargeRequest* request,
                               v1::RetailerRechargeResponse* response) override;
  ServerUnaryReactor* GetFloat(CallbackServerContext* ctx, const v1::GetFloatRequest* request,
                               v1::GetFloatResponse* response) override;
  ServerUnaryReactor* GetStatement(CallbackServerContext* ctx,
                                   const v1::GetStatementRequest* request,
                                   v1::GetStatementResponse* response) override;

 private:
  Calls* calls_;
  Metrics::Method* recharge_;
  Metrics::Method* get_float_;
  Metrics::Method* get_statement_;
};

class StreamHub;

// The collection service's drive calls (api/collection_service.cc). Dues
// imports, defaulter lists and counter payments are answered UNIMPLEMENTED
// until they are in.
class CollectionService final : public v1::CollectionService::CallbackService {
 public:
  // `drive_hub` wakes WatchDrive streams when a committed group changed a
  // drive (Wallet::SetDriveListener); it must outlive the service's calls.
  CollectionService(Calls* calls, StreamHub* drive_hub);

  ServerUnaryReactor* CreateDrive(CallbackServerContext* ctx, const v1::CreateDriveRequest* request,
                                  v1::Drive* response) override;
  ServerUnaryReactor* ApproveDrive(CallbackServerContext* ctx,
                                   const v1::DriveActionRequest* request,
                                   v1::Drive* response) override;
  ServerUnaryReactor* PauseDrive(CallbackServerContext* ctx, const v1::DriveActionRequest* request,
                                 v1::Drive* response) override;
  ServerUnaryReactor* ResumeDrive(CallbackServerContext* ctx,
                                  const v1::DriveActionRequest* request,
                                  v1::Drive* response) override;
  ServerUnaryReactor* CancelDrive(CallbackServerContext* ctx,
                                  const v1::DriveActionRequest* request,
                                  v1::Drive* response) override;
  ServerUnaryReactor* GetDrive(CallbackServerContext* ctx, const v1::GetDriveRequest* request,
                               v1::Drive* response) override;
  ServerUnaryReactor* ListDrives(CallbackServerContext* ctx, const v1::ListDrivesRequest* request,
                                 v1::ListDrivesResponse* response) override;
  ServerUnaryReactor* ListDriveMeters(CallbackServerContext* ctx,
                                      const v1::ListDriveMetersRequest* request,
                                      v1::ListDriveMetersResponse* response) override;
  grpc::ServerWriteReactor<v1::Drive>* WatchDrive(CallbackServerContext* ctx,
                                                  const v1::GetDriveRequest* request) override;

 private:
  // Action runs one of the admin's drive actions, logged as `verb`.
  template <typename Start>
  ServerUnaryReactor* Action(CallbackServerContext* ctx, Metrics::Method* method,
                             v1::Drive* response, absl::string_view verb, Start start);

  Calls* calls_;
  StreamHub* drive_hub_;
  Metrics::Method* create_drive_;
  Metrics::Method* approve_drive_;
  Metrics::Method* pause_drive_;
  Metrics::Method* resume_drive_;
  Metrics::Method* cancel_drive_;
  Metrics::Method* get_drive_;
  Metrics::Method* list_drives_;
  Metrics::Method* list_drive_meters_;
};

}  // namespace api

#endif  // API_SERVICES_H_
