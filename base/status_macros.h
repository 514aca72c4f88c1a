// Early-return helpers over absl::Status, in the style of TensorStore's
// RETURN_IF_ERROR / ASSIGN_OR_RETURN (Debian 12's Abseil ships no
// status_macros.h). The WALLET_ prefix keeps them apart from any other
// library's macros of the same idea.
//
// WALLET_RETURN_IF_ERROR(expr) evaluates `expr`, an absl::Status, once and
// returns it from the enclosing function if it is not OK.
//
// WALLET_ASSIGN_OR_RETURN(lhs, expr) evaluates `expr`, an absl::StatusOr<T>,
// once: if it is not OK, returns its status from the enclosing function;
// otherwise moves its value into `lhs`, which may be a declaration
// (`Meter meter`) or an existing variable. It expands to more than one
// statement, so it cannot be the body of an unbraced `if`.
//
// The enclosing function must return absl::Status or an absl::StatusOr<U>.
// Both macros have no state and may be used from any thread.
//
// Example:
//   WALLET_RETURN_IF_ERROR(ValidateId("meter_id", id));
//   WALLET_ASSIGN_OR_RETURN(Meter meter, FindMeter(id));
#ifndef BASE_STATUS_MACROS_H_
#define BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define WALLET_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::absl::Status wallet_status_ = (expr);          \
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

#endif  // BASE_STATUS_MACROS_H_
