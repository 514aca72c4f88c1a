// Flags that commands of several roles share: ids, amounts, reasons,
// idempotency keys and paging. A flag only one file uses is declared in that
// file.
#ifndef WALLETCTL_COMMON_FLAGS_H_
#define WALLETCTL_COMMON_FLAGS_H_

#include <cstdint>

#include "walletctl/command.h"
#include "walletctl/context.h"
#include "walletctl/flag.h"

namespace walletctl {

inline constexpr FlagSpec kRequestId =
    IdFlag("request_id",
           "Idempotency key of a mutating call; repeat it to retry safely (the first result comes "
           "back, nothing is applied twice).")
        .WithDefault("a new one, printed on standard error");
inline constexpr FlagSpec kMeter = IdFlag("meter", "Meter id.");
inline constexpr FlagSpec kConsumer = IdFlag("consumer", "Consumer id.");
inline constexpr FlagSpec kRetailer = IdFlag("retailer", "Retailer id.");
inline constexpr FlagSpec kName = TextFlag("name", "TEXT", "Consumer or retailer name.");
inline constexpr FlagSpec kReason = TextFlag("reason", "TEXT", "Why; kept with the change.");
inline constexpr FlagSpec kAt =
    TypedFlag(ValueType::kTime, "at", "YYYY-MM-DDTHH:MM:SS", "A time in IST.");

// AMOUNT: --amount (rupees) or --amount_paise, exactly one, more than zero.
inline constexpr FlagSpec kAmount = RupeesFlag(
    "amount", "Amount in rupees, at most 2 decimals: 350 or 350.50.", /*allow_zero=*/false);
inline constexpr FlagSpec kAmountPaise =
    PaiseFlag("amount_paise", "Amount in paise, instead of --amount.", /*allow_zero=*/false);

// AmountUse is the required choice of --amount or --amount_paise.
FlagUse AmountUse();

// Amount returns the amount given by AmountUse's flags, in paise.
int64_t Amount(const Args& args);

// PAGING: a list command's page size, where to continue, or every page.
inline constexpr FlagSpec kPageSize =
    IntFlag("page_size", "N", "Page size of a list.", 0, 1000).WithDefault("the server's");
inline constexpr FlagSpec kPageToken =
    TextFlag("page_token", "TOKEN", "Continue a list from this token (printed after a page).");
inline constexpr FlagSpec kAll = BoolFlag("all", "Follow the page tokens and print every page.");

// PagingOf reads the paging flags.
Paging PagingOf(const Args& args);

}  // namespace walletctl

#endif  // WALLETCTL_COMMON_FLAGS_H_
