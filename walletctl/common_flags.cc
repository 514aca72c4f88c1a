#include "walletctl/common_flags.h"

namespace walletctl {

FlagUse AmountUse() { return RequiredOneOf({&kAmount, &kAmountPaise}); }

int64_t Amount(const Args& args) {
  return args.Has(kAmount) ? args.Int(kAmount) : args.Int(kAmountPaise);
}

wallet::v1::Consumer ConsumerOf(const Args& args) {
  wallet::v1::Consumer consumer;
  consumer.set_consumer_id(args.Text(kConsumer));
  consumer.set_name(args.Text(kName));
  consumer.set_phone(args.Text(kPhone));
  consumer.set_language(args.Enum(kLanguage, wallet::v1::LANGUAGE_UNSPECIFIED));
  return consumer;
}

std::vector<FlagUse> WithPaging(std::vector<FlagUse> flags) {
  flags.insert(flags.end(), {Optional(kPageSize), Optional(kPageToken), Optional(kAll)});
  return flags;
}

Paging PagingOf(const Args& args) {
  return Paging{static_cast<int32_t>(args.Int(kPageSize)), args.Text(kPageToken), args.Bool(kAll)};
}

}  // namespace walletctl
