// The IEC 62056-47 TCP wrapper: every APDU travels behind an 8-byte header,
//   version (0x0001) | source wPort | destination wPort | APDU length,
// all big-endian 16-bit. A wPort is the DLMS SAP: client SAP on the client
// side (0x10 public, 0x20 meter reader), 1 for the management logical device.
//
// Example:
//   std::string frame = EncodeWrapper(0x20, 0x01, EncodeApdu(aarq));
//   FrameReader reader;
//   reader.Append(bytes_from_socket);
//   absl::StatusOr<std::optional<WrapperFrame>> frame = reader.Next();
#ifndef METER_GATEWAY_DLMS_WRAPPER_H_
#define METER_GATEWAY_DLMS_WRAPPER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace dlms {

constexpr uint16_t kWrapperVersion = 0x0001;
constexpr size_t kWrapperHeaderSize = 8;
// Largest APDU either side accepts by default; longer frames are refused.
constexpr size_t kDefaultMaxApduSize = 2048;

struct WrapperFrame {
  uint16_t source_wport = 0;
  uint16_t destination_wport = 0;
  std::string apdu;
};

// EncodeWrapper returns header + apdu. `apdu` must be at most 65535 bytes.
std::string EncodeWrapper(uint16_t source_wport, uint16_t destination_wport,
                          absl::string_view apdu);

// FrameReader reassembles wrapper frames from a byte stream that may split
// or join them arbitrarily. Not thread-safe.
class FrameReader {
 public:
  explicit FrameReader(size_t max_apdu_size = kDefaultMaxApduSize)
      : max_apdu_size_(max_apdu_size) {}

  void Append(absl::string_view bytes);

  // Next returns the next whole frame, or nullopt when more bytes are
  // needed. InvalidArgument for a wrong version, or a length above the
  // maximum (including while the body has not arrived yet); after an error
  // the stream is unusable and the session should be dropped.
  absl::StatusOr<std::optional<WrapperFrame>> Next();

  // Bytes received but not yet returned as frames.
  size_t buffered() const { return buffer_.size() - consumed_; }

 private:
  size_t max_apdu_size_;
  std::string buffer_;
  size_t consumed_ = 0;
};

}  // namespace dlms

#endif  // METER_GATEWAY_DLMS_WRAPPER_H_
