#include "meter-gateway/dlms/wrapper.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace dlms {
namespace {

uint16_t ReadU16At(absl::string_view bytes, size_t offset) {
  return static_cast<uint16_t>((static_cast<uint8_t>(bytes[offset]) << 8) |
                               static_cast<uint8_t>(bytes[offset + 1]));
}

void AppendU16To(uint16_t v, std::string* out) {
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v));
}

// Consumed bytes are dropped from the front of the buffer only once they
// outweigh what is left, so a stream of small frames costs amortised O(1)
// per byte instead of a memmove per frame.
constexpr size_t kCompactThreshold = 4096;

}  // namespace

std::string EncodeWrapper(uint16_t source_wport, uint16_t destination_wport,
                          absl::string_view apdu) {
  std::string out;
  out.reserve(kWrapperHeaderSize + apdu.size());
  AppendU16To(kWrapperVersion, &out);
  AppendU16To(source_wport, &out);
  AppendU16To(destination_wport, &out);
  AppendU16To(static_cast<uint16_t>(apdu.size()), &out);
  out.append(apdu.data(), apdu.size());
  return out;
}

void FrameReader::Append(absl::string_view bytes) {
  if (consumed_ == buffer_.size()) {
    buffer_.clear();
    consumed_ = 0;
  } else if (consumed_ >= kCompactThreshold && consumed_ >= buffer_.size() - consumed_) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  buffer_.append(bytes.data(), bytes.size());
}

absl::StatusOr<std::optional<WrapperFrame>> FrameReader::Next() {
  const absl::string_view pending = absl::string_view(buffer_).substr(consumed_);
  // The version is judged as soon as it has arrived, so that a peer speaking
  // something else (HDLC, HTTP, a port scanner) is dropped at once rather
  // than after a timeout. Nothing is consumed on error: every later call
  // reports the same error.
  if (pending.size() >= 2 && ReadU16At(pending, 0) != kWrapperVersion) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "wrapper: version 0x%04X, expected 0x%04X", ReadU16At(pending, 0), kWrapperVersion));
  }
  if (pending.size() < kWrapperHeaderSize) return std::nullopt;
  const size_t length = ReadU16At(pending, 6);
  if (length > max_apdu_size_) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "wrapper: APDU of %d bytes exceeds the maximum of %d", length, max_apdu_size_));
  }
  if (pending.size() < kWrapperHeaderSize + length) return std::nullopt;
  WrapperFrame frame;
  frame.source_wport = ReadU16At(pending, 2);
  frame.destination_wport = ReadU16At(pending, 4);
  frame.apdu = std::string(pending.substr(kWrapperHeaderSize, length));
  consumed_ += kWrapperHeaderSize + length;
  return frame;
}

}  // namespace dlms
