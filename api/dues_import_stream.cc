#include "api/dues_import_stream.h"

#include <utility>

#include "api/call.h"
#include "glog/logging.h"
#include "wallet/money.h"

namespace api {

DuesImportStream::DuesImportStream(wallet::Wallet* wallet, absl::StatusOr<wallet::Principal> who)
    : wallet_(wallet) {
  if (!who.ok()) {
    End(who.status());
    return;
  }
  StartRead(&request_);
}

void DuesImportStream::OnReadDone(bool ok) {
  if (!ok) {
    // The client has sent everything (or gone away).
    if (!has_header_) {
      End(absl::InvalidArgumentError("the import's header must come first"));
      return;
    }
    LOG(INFO) << "dues import " << header_.import_id() << " (" << header_.source()
              << "): " << totals_.rows_seen() << " rows, " << totals_.rows_applied() << " applied, "
              << totals_.rows_unchanged() << " unchanged, " << totals_.rows_rejected()
              << " rejected; principal " << wallet::FormatRupees(totals_.principal_posted_paise())
              << ", surcharge " << wallet::FormatRupees(totals_.surcharge_posted_paise())
              << " posted";
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

void DuesImportStream::OnWriteDone(bool ok) {
  if (!ok) {
    End(absl::CancelledError("the client went away"));
    return;
  }
  StartRead(&request_);
}

void DuesImportStream::Add(v1::ImportDuesProgress chunk) {
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

void DuesImportStream::End(const absl::Status& status) {
  Finish(ToGrpc(status, "CollectionService/ImportDues"));
}

}  // namespace api
