// Validation of untrusted request fields. Each function returns
// InvalidArgument naming the field, or OK.
#ifndef WALLET_VALIDATE_H_
#define WALLET_VALIDATE_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace wallet {

// Longest id accepted anywhere (meter, consumer, retailer, request, payment).
inline constexpr size_t kMaxIdLength = 64;
// Longest name, place (circle, division, subdivision), label or reference.
inline constexpr size_t kMaxNameBytes = 128;
// Longest reason of an adjustment, a hold or a change.
inline constexpr size_t kMaxReasonBytes = 256;
// Longest postal address of a meter.
inline constexpr size_t kMaxAddressBytes = 256;
// Largest sanctioned load of a meter: 10 MW.
inline constexpr int64_t kMaxSanctionedLoadW = 10'000'000;

// ValidateId accepts 1..64 characters from [A-Za-z0-9._:-].
absl::Status ValidateId(absl::string_view field, absl::string_view id);

// ValidateAmount accepts 1..max_paise.
absl::Status ValidateAmount(absl::string_view field, int64_t paise, int64_t max_paise);

// ValidateText accepts printable UTF-8 of at most max_bytes, no control characters.
absl::Status ValidateText(absl::string_view field, absl::string_view text, size_t max_bytes);

// ValidatePhone accepts an optional '+' and 10..15 digits.
absl::Status ValidatePhone(absl::string_view field, absl::string_view phone);

// ValidateName accepts text of at most kMaxNameBytes (empty too).
absl::Status ValidateName(absl::string_view field, absl::string_view name);

// ValidateReason accepts 1..kMaxReasonBytes of text.
absl::Status ValidateReason(absl::string_view field, absl::string_view reason);

// ValidateCategory accepts a known category other than unspecified.
absl::Status ValidateCategory(absl::string_view field, int category);

// ValidateBillingMode accepts PREPAID and POSTPAID, and unspecified (which
// stands for PREPAID at registration) if `unspecified_ok`.
absl::Status ValidateBillingMode(absl::string_view field, int mode, bool unspecified_ok);

// ValidateLanguage accepts a known language; unspecified stands for English
// at registration and for "unchanged" in an update.
absl::Status ValidateLanguage(absl::string_view field, int language);

// ValidateAddress accepts text of at most kMaxAddressBytes (empty too).
absl::Status ValidateAddress(absl::string_view field, absl::string_view address);

// ValidateSanctionedLoad accepts 1..kMaxSanctionedLoadW watts.
absl::Status ValidateSanctionedLoad(absl::string_view field, int64_t watts);

}  // namespace wallet

#endif  // WALLET_VALIDATE_H_
