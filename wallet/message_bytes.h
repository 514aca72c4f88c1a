// Stable bytes of protobuf messages: the same message gives the same bytes
// (map order and all), so that requests can be compared by digest and page
// tokens bound to a request's filters.
#ifndef WALLET_MESSAGE_BYTES_H_
#define WALLET_MESSAGE_BYTES_H_

#include <string>

#include "google/protobuf/message_lite.h"

namespace wallet {

// DeterministicBytes is the message's deterministic serialisation.
std::string DeterministicBytes(const google::protobuf::MessageLite& message);

// RequestFingerprint is the SHA-256 of DeterministicBytes: equal digests mean
// equal requests (ingest batches are large: the digest is kept, not them).
std::string RequestFingerprint(const google::protobuf::MessageLite& message);

}  // namespace wallet

#endif  // WALLET_MESSAGE_BYTES_H_
