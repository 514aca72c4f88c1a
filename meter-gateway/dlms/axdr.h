// A-XDR encoding of COSEM data (IEC 61334-6, as used by DLMS/COSEM Green Book
// "Data" CHOICE): the subset of types a prepaid meter gateway needs.
//
// Every value starts with its type tag; variable-length values (octet-string,
// visible-string, array, structure) carry an A-XDR length: one byte below
// 0x80, otherwise 0x8N followed by N big-endian length bytes.
//
// Example:
//   std::string out;
//   EncodeData(Data::DoubleLongUnsigned(123456), &out);   // 06 00 01 E2 40
//   Reader reader(out);
//   absl::StatusOr<Data> back = DecodeData(reader);
#ifndef METER_GATEWAY_DLMS_AXDR_H_
#define METER_GATEWAY_DLMS_AXDR_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace dlms {

// Data type tags, as in the Green Book's Data CHOICE.
enum class DataType : uint8_t {
  kNull = 0,
  kArray = 1,
  kStructure = 2,
  kBoolean = 3,
  kBitString = 4,
  kDoubleLong = 5,          // int32
  kDoubleLongUnsigned = 6,  // uint32
  kOctetString = 9,
  kVisibleString = 10,
  kInteger = 15,            // int8
  kLong = 16,               // int16
  kUnsigned = 17,           // uint8
  kLongUnsigned = 18,       // uint16
  kLong64 = 20,             // int64
  kLong64Unsigned = 21,     // uint64
  kEnum = 22,               // uint8
};

// Nesting limit for arrays and structures: deeper input is refused.
constexpr int kMaxDataDepth = 8;

// Data is one COSEM value. Integer types keep their exact type so that an
// encoded value decodes to the same bytes.
class Data {
 public:
  Data() = default;  // null-data

  static Data Null() { return Data(); }
  static Data Boolean(bool v);
  static Data Integer(int8_t v);
  static Data Long(int16_t v);
  static Data Unsigned(uint8_t v);
  static Data LongUnsigned(uint16_t v);
  static Data DoubleLong(int32_t v);
  static Data DoubleLongUnsigned(uint32_t v);
  static Data Long64(int64_t v);
  static Data Long64Unsigned(uint64_t v);
  static Data Enum(uint8_t v);
  static Data OctetString(std::string bytes);
  static Data VisibleString(std::string text);
  // BitString holds `bits` bits, packed most significant bit first in `bytes`.
  static Data BitString(std::string bytes, uint32_t bits);
  static Data Structure(std::vector<Data> items);
  static Data Array(std::vector<Data> items);

  DataType type() const { return type_; }

  // IsInteger is true for every integer type and enum.
  bool IsInteger() const;
  // AsInt64 returns an integer or enum value; InvalidArgument for any other
  // type and for a long64-unsigned above INT64_MAX.
  absl::StatusOr<int64_t> AsInt64() const;
  // AsBool returns a boolean; InvalidArgument for any other type.
  absl::StatusOr<bool> AsBool() const;

  bool boolean() const { return integer_ != 0; }
  // The raw integer bits (sign-extended for signed types).
  uint64_t raw_integer() const { return integer_; }
  // Bytes of an octet-string, visible-string or bit-string.
  const std::string& bytes() const { return bytes_; }
  uint32_t bit_count() const { return bits_; }
  // Elements of an array or structure.
  const std::vector<Data>& items() const { return items_; }

  // ToString is a readable form for logs and test failures, e.g.
  // "structure{integer(0), enum(30)}".
  std::string ToString() const;

  friend bool operator==(const Data& a, const Data& b);
  friend bool operator!=(const Data& a, const Data& b) { return !(a == b); }

 private:
  DataType type_ = DataType::kNull;
  uint64_t integer_ = 0;
  uint32_t bits_ = 0;
  std::string bytes_;
  std::vector<Data> items_;
};

// Reader is a bounds-checked cursor over received bytes. Every Read* returns
// false, consuming nothing, when fewer bytes remain than asked for.
class Reader {
 public:
  explicit Reader(absl::string_view bytes) : rest_(bytes) {}

  bool ReadU8(uint8_t* v);
  bool ReadU16(uint16_t* v);  // big-endian
  bool ReadU32(uint32_t* v);  // big-endian
  bool ReadU64(uint64_t* v);  // big-endian
  bool ReadBytes(size_t n, absl::string_view* v);
  // ReadLength reads an A-XDR length (1 to 5 bytes). Fails on a length field
  // longer than 4 bytes, or a length above what remains in the input.
  bool ReadLength(size_t* v);

  size_t remaining() const { return rest_.size(); }
  bool done() const { return rest_.empty(); }
  absl::string_view rest() const { return rest_; }

 private:
  absl::string_view rest_;
};

// AppendLength appends an A-XDR length.
void AppendLength(size_t length, std::string* out);
void AppendU16(uint16_t v, std::string* out);
void AppendU32(uint32_t v, std::string* out);

// EncodeData appends the A-XDR encoding of `value` (type tag first).
void EncodeData(const Data& value, std::string* out);

// DecodeData reads one value. InvalidArgument for truncated input, an
// unknown type tag, a length beyond the input or nesting beyond
// kMaxDataDepth; the reader's position is then unspecified.
absl::StatusOr<Data> DecodeData(Reader& reader);

}  // namespace dlms

#endif  // METER_GATEWAY_DLMS_AXDR_H_
