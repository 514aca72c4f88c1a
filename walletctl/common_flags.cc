#include "walletctl/common_flags.h"

namespace walletctl {

FlagUse AmountUse() { return RequiredOneOf({&kAmount, &kAmountPaise}); }

int64_t Amount(const Args& args) {
  return args.Has(kAmount) ? args.Int(kAmount) : args.Int(kAmountPaise);
}

Paging PagingOf(const Args& args) {
  return Paging{static_cast<int32_t>(args.Int(kPageSize)), args.Text(kPageToken), args.Bool(kAll)};
}

}  // namespace walletctl
