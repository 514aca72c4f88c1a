// Reading configuration files written in protobuf text format, with errors
// that point at the offending line, for the loaders of tariffs
// (wallet/tariff.h) and balance policy (wallet/policy_config.h).
//
// Example:
//   v1::TariffBook book;
//   WALLET_RETURN_IF_ERROR(ReadTextProtoFile(path, &book));
#ifndef WALLET_TEXTPROTO_H_
#define WALLET_TEXTPROTO_H_

#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace wallet {

// ReadTextProtoFile reads the whole file at `path` and parses it as a
// text-format `message` (of whatever type `message` is), replacing its
// contents. It checks syntax and field names only; callers validate values.
// Returns:
//   * NotFound if the file does not exist, another code from errno
//     (absl::ErrnoToStatusCode) if it cannot be opened or read; the message
//     names the path and the system error;
//   * InvalidArgument if it does not parse. The message carries every parser
//     error as "path:line:column: parser message" (1-based), joined by "; ".
//     Unknown fields are errors, so a misspelt field cannot silently default
//     to zero.
// On error `message` holds unspecified (but valid) contents. `message` must
// not be null. Thread-compatible: concurrent calls with distinct messages are
// safe.
absl::Status ReadTextProtoFile(const std::string& path, google::protobuf::Message* message);

}  // namespace wallet

#endif  // WALLET_TEXTPROTO_H_
