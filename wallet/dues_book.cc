#include "wallet/dues_book.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "wallet/record_io.h"

namespace wallet {

absl::Status DuesBook::Load(const Store& store) {
  return ScanRecords<store::v1::DuesRecord>(
      store, Table::kDues, "", "dues record",
      [&](absl::string_view key, store::v1::DuesRecord record) {
        records_[key] = std::move(record);
        return absl::OkStatus();
      });
}

const store::v1::DuesRecord* DuesBook::Find(absl::string_view meter_id) const {
  auto it = records_.find(meter_id);
  return it == records_.end() ? nullptr : &it->second;
}

void DuesBook::Put(Txn& txn, store::v1::DuesRecord record, absl::Duration window) {
  store::v1::DuesRecord& stored = records_[record.meter_id()];
  stored = std::move(record);
  Write(txn, stored, window);
}

void DuesBook::RecordPayment(Txn& txn, absl::string_view meter_id, const DuesAmounts& paid,
                             absl::Duration window) {
  store::v1::DuesRecord& record = records_[meter_id];
  record.set_meter_id(std::string(meter_id));
  store::v1::DuesPaymentRecord& payment = *record.add_payments();
  payment.set_time_us(absl::ToUnixMicros(txn.now));
  payment.set_principal_paise(paid.principal_paise);
  payment.set_surcharge_paise(paid.surcharge_paise);
  Write(txn, record, window);
}

void DuesBook::Write(Txn& txn, store::v1::DuesRecord& record, absl::Duration window) {
  DropPaymentsUpTo(absl::ToUnixMicros(txn.now - window), &record);
  txn.batch->Put(Table::kDues, record.meter_id(), record.SerializeAsString());
}

}  // namespace wallet
