#include "api/collection_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "wallet/money.h"

namespace api {
namespace {

const Roles kAdminOnly = {v1::ROLE_ADMIN};

// DuesImportStream is one ImportDues call: the header, then chunks, each
// applied by the wallet and answered before the next is read, so that at
// most one chunk is in the wallet and one answer on the wire at a time.
// Deletes itself when the call is done.
class DuesImportStream final
    : public grpc::ServerBidiReactor<v1::ImportDuesRequest, v1::ImportDuesProgress> {
 public:
  DuesImportStream(wallet::Wallet* wallet, Metrics::Method* method,
                   absl::StatusOr<wallet::Principal> who)
      : wallet_(wallet), method_(method), start_(absl::Now()) {
    if (!who.ok()) {
      End(who.status());
      return;
    }
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // The client has sent everything (or gone away).
      if (!has_header_) {
        End(absl::InvalidArgumentError("the import's header must come first"));
        return;
      }
      LOG(INFO) << "dues import " << header_.import_id() << " (" << header_.source()
                << "): " << totals_.rows_seen() << " rows, " << totals_.rows_applied()
                << " applied, " << totals_.rows_unchanged() << " unchanged, "
                << totals_.rows_rejected() << " rejected; principal "
                << wallet::FormatRupees(totals_.principal_posted_paise()) << ", surcharge "
                << wallet::FormatRupees(totals_.surcharge_posted_paise()) << " posted";
      End(absl::OkStatus());
      return;
    }
    if (!has_header_) {
      if (!request_.has_header()) {
        End(absl::InvalidArgumentError("the import's header must come first"));
        return;
      }
      if (absl::Status valid = wallet_->CheckDuesImportHeader(request_.header()); !valid.ok()) {
        End(valid);
        return;
      }
      header_ = request_.header();
      has_header_ = true;
      StartRead(&request_);
      return;
    }
    if (!request_.has_chunk()) {
      End(absl::InvalidArgumentError("only the first message is a header; then chunks"));
      return;
    }
    wallet_->ImportDuesChunk(header_, std::move(*request_.mutable_chunk()),
                             [this](absl::StatusOr<v1::ImportDuesProgress> chunk) {
                               if (!chunk.ok()) {
                                 End(chunk.status());
                                 return;
                               }
                               Add(*std::move(chunk));
                               StartWrite(&progress_);
                             });
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      End(absl::CancelledError("the client went away"));
      return;
    }
    StartRead(&request_);
  }

  void OnDone() override { delete this; }

 private:
  // Add counts a chunk into the import's totals; the answer is the totals
  // with the chunk's rejected rows.
  void Add(v1::ImportDuesProgress chunk) {
    totals_.set_import_id(chunk.import_id());
    totals_.set_rows_seen(totals_.rows_seen() + chunk.rows_seen());
    totals_.set_rows_applied(totals_.rows_applied() + chunk.rows_applied());
    totals_.set_rows_unchanged(totals_.rows_unchanged() + chunk.rows_unchanged());
    totals_.set_rows_rejected(totals_.rows_rejected() + chunk.rows_rejected());
    totals_.set_principal_posted_paise(totals_.principal_posted_paise() +
                                       chunk.principal_posted_paise());
    totals_.set_surcharge_posted_paise(totals_.surcharge_posted_paise() +
                                       chunk.surcharge_posted_paise());
    progress_ = totals_;
    progress_.mutable_errors()->Swap(chunk.mutable_errors());
  }

  void End(const absl::Status& status) {
    const grpc::Status sent = ToGrpc(status, method_->name);
    Metrics::Record(method_, sent.error_code(), absl::Now() - start_);
    Finish(sent);
  }

  wallet::Wallet* const wallet_;
  Metrics::Method* const method_;
  const absl::Time start_;
  v1::ImportDuesRequest request_;
  bool has_header_ = false;
  v1::DuesImportHeader header_;
  v1::ImportDuesProgress totals_;
  v1::ImportDuesProgress progress_;
};

}  // namespace

CollectionService::CollectionService(Calls* calls)
    : calls_(calls),
      import_dues_(calls->Method("CollectionService/ImportDues")),
      list_defaulters_(calls->Method("CollectionService/ListDefaulters")),
      pay_dues_at_counter_(calls->Method("CollectionService/PayDuesAtCounter")) {}

grpc::ServerBidiReactor<v1::ImportDuesRequest, v1::ImportDuesProgress>*
CollectionService::ImportDues(grpc::CallbackServerContext* ctx) {
  return new DuesImportStream(calls_->wallet(), import_dues_, calls_->Authorize(ctx, kAdminOnly));
}

grpc::ServerUnaryReactor* CollectionService::ListDefaulters(
    grpc::CallbackServerContext* ctx, const v1::ListDefaultersRequest* request,
    v1::ListDefaultersResponse* response) {
  return calls_->Handle(ctx, list_defaulters_, kAdminOnly, response,
                        [&](const wallet::Principal&, auto done) {
                          done(calls_->wallet()->ListDefaulters(*request));
                        });
}

grpc::ServerUnaryReactor* CollectionService::PayDuesAtCounter(grpc::CallbackServerContext* ctx,
                                                              const v1::PayDuesRequest* request,
                                                              v1::PayDuesResponse* response) {
  return calls_->Handle(
      ctx, pay_dues_at_counter_, kAdminOnly, response, [&](const wallet::Principal&, auto done) {
        calls_->wallet()->PayDuesAtCounter(
            *request,
            Logged(std::move(done), [meter = request->meter_id(), amount = request->amount_paise()](
                                        const v1::PayDuesResponse& r) {
              return absl::StrCat("dues paid at a counter: meter ", meter, " ",
                                  wallet::FormatRupees(amount), ", ",
                                  wallet::FormatRupees(r.dues_left_paise()), " left");
            }));
      });
}

}  // namespace api
