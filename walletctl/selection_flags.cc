#include "walletctl/selection_flags.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "walletctl/common_flags.h"
#include "walletctl/values.h"

namespace walletctl {
namespace {

namespace v1 = ::wallet::v1;

constexpr FlagSpec kCategories =
    TextFlag("categories", "CAT[,CAT...]",
             "Meter categories, comma-separated: domestic, commercial, government, industrial.")
        .WithDefault("every category");
constexpr FlagSpec kSelectedMode = kBillingMode.WithDefault("both");
constexpr FlagSpec kMinDues =
    RupeesFlag("min_dues", "Only meters owing at least this much (principal and surcharge).",
               /*allow_zero=*/true)
        .WithDefault("anything owed");
constexpr FlagSpec kMinUnpaidBills = IntFlag(
    "min_unpaid_bills", "N", "Only meters with at least this many unpaid bills.", 0, 1'000'000);
constexpr FlagSpec kBalanceBelow =
    TextFlag("balance_below", "RUPEES",
             "Only meters whose prepaid balance is below this (may be negative: -100).")
        .WithDefault("any balance");

}  // namespace

std::vector<FlagUse> SelectionFlags() {
  return {Optional(kCircle),         Optional(kDivision),     Optional(kSubdivision),
          Optional(kCategories),     Optional(kSelectedMode), Optional(kMinDues),
          Optional(kMinUnpaidBills), Optional(kBalanceBelow)};
}

bool HasSelection(const Args& args) {
  for (const FlagSpec* flag : {&kCircle, &kDivision, &kSubdivision, &kCategories, &kSelectedMode,
                               &kMinDues, &kMinUnpaidBills, &kBalanceBelow}) {
    if (args.Has(*flag)) return true;
  }
  return false;
}

absl::StatusOr<v1::Selection> SelectionOf(const Args& args) {
  v1::Selection selection;
  selection.set_circle(args.Text(kCircle));
  selection.set_division(args.Text(kDivision));
  selection.set_subdivision(args.Text(kSubdivision));
  if (args.Has(kCategories)) {
    for (absl::string_view name :
         absl::StrSplit(args.Text(kCategories), ',', absl::SkipWhitespace())) {
      absl::StatusOr<int> category =
          ParseEnumText(*v1::Category_descriptor(), "", absl::StripAsciiWhitespace(name));
      if (!category.ok()) {
        return UsageError(absl::StrCat("--categories: ", category.status().message()));
      }
      selection.add_categories(static_cast<v1::Category>(*category));
    }
  }
  selection.set_billing_mode(args.Enum(kSelectedMode, v1::BILLING_MODE_UNSPECIFIED));
  selection.set_min_dues_paise(args.Int(kMinDues));
  selection.set_min_unpaid_bills(static_cast<int32_t>(args.Int(kMinUnpaidBills)));
  if (args.Has(kBalanceBelow)) {
    absl::string_view text = args.Text(kBalanceBelow);
    const bool negative = absl::ConsumePrefix(&text, "-");
    absl::StatusOr<int64_t> paise = ParseRupeesText(text, /*allow_zero=*/true);
    if (!paise.ok()) {
      return UsageError(absl::StrCat("--balance_below: ", paise.status().message()));
    }
    selection.set_balance_below_paise(negative ? -*paise : *paise);
  }
  return selection;
}

}  // namespace walletctl
