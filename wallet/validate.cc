#include "wallet/validate.h"

#include "absl/strings/str_cat.h"
#include "wallet/v1/common.pb.h"

namespace wallet {
namespace {

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == ':' || c == '-';
}

}  // namespace

absl::Status ValidateId(absl::string_view field, absl::string_view id) {
  if (id.empty()) return absl::InvalidArgumentError(absl::StrCat(field, " is required"));
  if (id.size() > kMaxIdLength) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is longer than ", kMaxIdLength, " characters"));
  }
  for (char c : id) {
    if (!IsIdChar(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, " may contain only letters, digits and . _ : -"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateAmount(absl::string_view field, int64_t paise, int64_t max_paise) {
  if (paise <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(field, " must be positive, got ", paise));
  }
  if (paise > max_paise) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " ", paise, " exceeds the maximum of ", max_paise, " paise"));
  }
  return absl::OkStatus();
}

absl::Status ValidateText(absl::string_view field, absl::string_view text, size_t max_bytes) {
  if (text.size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is longer than ", max_bytes, " bytes"));
  }
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(absl::StrCat(field, " contains control characters"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidatePhone(absl::string_view field, absl::string_view phone) {
  absl::string_view digits = phone;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  bool ok = digits.size() >= 10 && digits.size() <= 15;
  for (char c : digits) ok = ok && c >= '0' && c <= '9';
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must be 10 to 15 digits with an optional leading +"));
  }
  return absl::OkStatus();
}

absl::Status ValidateName(absl::string_view field, absl::string_view name) {
  return ValidateText(field, name, kMaxNameBytes);
}

absl::Status ValidateReason(absl::string_view field, absl::string_view reason) {
  if (reason.empty()) return absl::InvalidArgumentError(absl::StrCat(field, " is required"));
  return ValidateText(field, reason, kMaxReasonBytes);
}

absl::Status ValidateCategory(absl::string_view field, int category) {
  if (!v1::Category_IsValid(category) || category == v1::CATEGORY_UNSPECIFIED) {
    return absl::InvalidArgumentError(absl::StrCat(field, " is required"));
  }
  return absl::OkStatus();
}

absl::Status ValidateBillingMode(absl::string_view field, int mode, bool unspecified_ok) {
  if (mode == v1::PREPAID || mode == v1::POSTPAID ||
      (unspecified_ok && mode == v1::BILLING_MODE_UNSPECIFIED)) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(field, " must be PREPAID or POSTPAID"));
}

absl::Status ValidateLanguage(absl::string_view field, int language) {
  if (v1::Language_IsValid(language)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, " must be ENGLISH or HINDI"));
}

absl::Status ValidateAddress(absl::string_view field, absl::string_view address) {
  return ValidateText(field, address, kMaxAddressBytes);
}

absl::Status ValidateSanctionedLoad(absl::string_view field, int64_t watts) {
  if (watts <= 0 || watts > kMaxSanctionedLoadW) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must be between 1 and ", kMaxSanctionedLoadW));
  }
  return absl::OkStatus();
}

}  // namespace wallet
