// Early-return helpers over absl::Status, in the style of TensorStore's
// RETURN_IF_ERROR / ASSIGN_OR_RETURN (Debian 12's Abseil ships no
// status_macros.h).
//
// Example:
//   WALLET_RETURN_IF_ERROR(ValidateId("meter_id", id));
//   WALLET_ASSIGN_OR_RETURN(Meter meter, FindMeter(id));
#ifndef WALLET_STATUS_MACROS_H_
#define WALLET_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define WALLET_RETURN_IF_ERROR(expr)          \
  do {                                        \
    ::absl::Status wallet_status_ = (expr);   \
    if (!wallet_status_.ok()) return wallet_status_; \
  } while (0)

#define WALLET_STATUS_CONCAT_INNER_(a, b) a##b
#define WALLET_STATUS_CONCAT_(a, b) WALLET_STATUS_CONCAT_INNER_(a, b)

#define WALLET_ASSIGN_OR_RETURN(lhs, expr) \
  WALLET_ASSIGN_OR_RETURN_IMPL_(WALLET_STATUS_CONCAT_(wallet_statusor_, __LINE__), lhs, expr)

#define WALLET_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // WALLET_STATUS_MACROS_H_
