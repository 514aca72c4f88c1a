// The ledger, for the utility (admin key): any account's journal.
#include "wallet/v1/admin.grpc.pb.h"
#include "walletctl/command.h"
#include "walletctl/commands.h"
#include "walletctl/common_flags.h"
#include "walletctl/context.h"
#include "walletctl/format.h"
#include "walletctl/report_parts.h"

namespace walletctl {
namespace {

namespace v1 = ::wallet::v1;
using AdminStub = v1::AdminService::Stub;


constexpr FlagSpec kAccount =
    IdFlag("account", "Ledger account: meter:<id>, arrears:<id>, retailer:<id> or system:<name>.");

Report JournalReport(const v1::GetJournalResponse& response) {
  Report report;
  report.Add("balance", MoneyValue(response.balance_paise()));
  AddJournalTable(response.entries(), report);
  return report;
}

absl::Status Journal(const Args& args, Context& context) {
  v1::GetJournalRequest request;
  request.set_account(args.Text(kAccount));
  return context.RunList(&AdminStub::GetJournal, request, &v1::GetJournalResponse::mutable_entries,
                         JournalReport);
}

}  // namespace

CommandGroup LedgerCommands() {
  return {"Ledger",
          {
              {"journal", "Show an account's journal, newest first.", kAdminKey,
               WithPaging({Required(kAccount)}), Journal},
          }};
}

}  // namespace walletctl
