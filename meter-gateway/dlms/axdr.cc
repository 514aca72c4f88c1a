#include "meter-gateway/dlms/axdr.h"

#include <cstring>
#include <limits>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace dlms {
namespace {

// ReadLengthField reads an A-XDR length without comparing it to the bytes
// that remain: a bit-string's length counts bits, not bytes.
bool ReadLengthField(Reader& reader, uint64_t* v) {
  Reader copy = reader;
  uint8_t first;
  if (!copy.ReadU8(&first)) return false;
  if (first < 0x80) {
    *v = first;
    reader = copy;
    return true;
  }
  const size_t n = first & 0x7F;
  // 0x80 would be BER's indefinite form, which A-XDR has no use for; more than
  // four bytes cannot describe anything that fits in a 16-bit-length frame.
  if (n == 0 || n > 4) return false;
  absl::string_view bytes;
  if (!copy.ReadBytes(n, &bytes)) return false;
  uint64_t length = 0;
  for (char c : bytes) length = (length << 8) | static_cast<uint8_t>(c);
  *v = length;
  reader = copy;
  return true;
}

std::string TypeName(DataType type) {
  switch (type) {
    case DataType::kNull: return "null-data";
    case DataType::kArray: return "array";
    case DataType::kStructure: return "structure";
    case DataType::kBoolean: return "boolean";
    case DataType::kBitString: return "bit-string";
    case DataType::kDoubleLong: return "double-long";
    case DataType::kDoubleLongUnsigned: return "double-long-unsigned";
    case DataType::kOctetString: return "octet-string";
    case DataType::kVisibleString: return "visible-string";
    case DataType::kInteger: return "integer";
    case DataType::kLong: return "long";
    case DataType::kUnsigned: return "unsigned";
    case DataType::kLongUnsigned: return "long-unsigned";
    case DataType::kLong64: return "long64";
    case DataType::kLong64Unsigned: return "long64-unsigned";
    case DataType::kEnum: return "enum";
  }
  return absl::StrCat("type-", static_cast<int>(type));
}

// Size in bytes of a fixed-size integer type; 0 for the others.
size_t IntegerSize(DataType type) {
  switch (type) {
    case DataType::kInteger:
    case DataType::kUnsigned:
    case DataType::kEnum:
      return 1;
    case DataType::kLong:
    case DataType::kLongUnsigned:
      return 2;
    case DataType::kDoubleLong:
    case DataType::kDoubleLongUnsigned:
      return 4;
    case DataType::kLong64:
    case DataType::kLong64Unsigned:
      return 8;
    default:
      return 0;
  }
}

bool IsSigned(DataType type) {
  return type == DataType::kInteger || type == DataType::kLong ||
         type == DataType::kDoubleLong || type == DataType::kLong64;
}

// Normalize turns the low `size` bytes of `raw` into the 64-bit form Data
// keeps, so that equal values compare equal whichever way they were built.
uint64_t Normalize(DataType type, uint64_t raw) {
  const size_t size = IntegerSize(type);
  if (size == 0 || size == 8) return raw;
  const int bits = static_cast<int>(size * 8);
  const uint64_t mask = (uint64_t{1} << bits) - 1;
  raw &= mask;
  if (IsSigned(type) && (raw >> (bits - 1)) != 0) raw |= ~mask;
  return raw;
}

size_t BitStringBytes(uint64_t bits) { return static_cast<size_t>((bits + 7) / 8); }

absl::StatusOr<Data> DecodeAt(Reader& reader, int depth);

absl::StatusOr<std::vector<Data>> DecodeItems(Reader& reader, int depth, DataType type) {
  if (depth >= kMaxDataDepth) {
    return absl::InvalidArgumentError(
        absl::StrFormat("A-XDR: %s nested deeper than %d levels", TypeName(type), kMaxDataDepth));
  }
  size_t count;
  if (!reader.ReadLength(&count)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "A-XDR: bad %s element count, or more elements than the %d bytes left could hold",
        TypeName(type), reader.remaining()));
  }
  // ReadLength bounds count by the bytes remaining, which is the right bound
  // because every element takes at least one byte (its tag); so a 4-byte
  // count cannot make us reserve gigabytes.
  std::vector<Data> items;
  items.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    absl::StatusOr<Data> item = DecodeAt(reader, depth + 1);
    if (!item.ok()) return item.status();
    items.push_back(*std::move(item));
  }
  return items;
}

absl::StatusOr<Data> DecodeAt(Reader& reader, int depth) {
  uint8_t tag;
  if (!reader.ReadU8(&tag)) return absl::InvalidArgumentError("A-XDR: truncated, no type tag");
  const DataType type = static_cast<DataType>(tag);
  switch (type) {
    case DataType::kNull:
      return Data::Null();
    case DataType::kArray:
    case DataType::kStructure: {
      absl::StatusOr<std::vector<Data>> items = DecodeItems(reader, depth, type);
      if (!items.ok()) return items.status();
      return type == DataType::kArray ? Data::Array(*std::move(items))
                                      : Data::Structure(*std::move(items));
    }
    case DataType::kBoolean: {
      uint8_t v;
      if (!reader.ReadU8(&v)) return absl::InvalidArgumentError("A-XDR: truncated boolean");
      return Data::Boolean(v != 0);
    }
    case DataType::kBitString: {
      uint64_t bits;
      if (!ReadLengthField(reader, &bits)) {
        return absl::InvalidArgumentError("A-XDR: bad bit-string length");
      }
      absl::string_view bytes;
      if (!reader.ReadBytes(BitStringBytes(bits), &bytes)) {
        return absl::InvalidArgumentError(
            absl::StrFormat("A-XDR: bit-string of %d bits in %d bytes", bits, reader.remaining()));
      }
      return Data::BitString(std::string(bytes), static_cast<uint32_t>(bits));
    }
    case DataType::kOctetString:
    case DataType::kVisibleString: {
      size_t length;
      absl::string_view bytes;
      if (!reader.ReadLength(&length) || !reader.ReadBytes(length, &bytes)) {
        return absl::InvalidArgumentError(
            absl::StrFormat("A-XDR: bad or oversized %s length", TypeName(type)));
      }
      return type == DataType::kOctetString ? Data::OctetString(std::string(bytes))
                                            : Data::VisibleString(std::string(bytes));
    }
    case DataType::kInteger:
    case DataType::kUnsigned:
    case DataType::kEnum:
    case DataType::kLong:
    case DataType::kLongUnsigned:
    case DataType::kDoubleLong:
    case DataType::kDoubleLongUnsigned:
    case DataType::kLong64:
    case DataType::kLong64Unsigned: {
      absl::string_view bytes;
      if (!reader.ReadBytes(IntegerSize(type), &bytes)) {
        return absl::InvalidArgumentError(absl::StrFormat("A-XDR: truncated %s", TypeName(type)));
      }
      uint64_t raw = 0;
      for (char c : bytes) raw = (raw << 8) | static_cast<uint8_t>(c);
      switch (type) {
        case DataType::kInteger: return Data::Integer(static_cast<int8_t>(raw));
        case DataType::kUnsigned: return Data::Unsigned(static_cast<uint8_t>(raw));
        case DataType::kEnum: return Data::Enum(static_cast<uint8_t>(raw));
        case DataType::kLong: return Data::Long(static_cast<int16_t>(raw));
        case DataType::kLongUnsigned: return Data::LongUnsigned(static_cast<uint16_t>(raw));
        case DataType::kDoubleLong: return Data::DoubleLong(static_cast<int32_t>(raw));
        case DataType::kDoubleLongUnsigned:
          return Data::DoubleLongUnsigned(static_cast<uint32_t>(raw));
        case DataType::kLong64: return Data::Long64(static_cast<int64_t>(raw));
        default: return Data::Long64Unsigned(raw);
      }
    }
  }
  return absl::InvalidArgumentError(absl::StrFormat("A-XDR: unknown type tag 0x%02X", tag));
}

void EncodeAt(const Data& value, std::string* out) {
  out->push_back(static_cast<char>(value.type()));
  switch (value.type()) {
    case DataType::kNull:
      return;
    case DataType::kArray:
    case DataType::kStructure:
      AppendLength(value.items().size(), out);
      for (const Data& item : value.items()) EncodeAt(item, out);
      return;
    case DataType::kBoolean:
      out->push_back(value.boolean() ? 1 : 0);
      return;
    case DataType::kBitString:
      AppendLength(value.bit_count(), out);
      out->append(value.bytes());
      return;
    case DataType::kOctetString:
    case DataType::kVisibleString:
      AppendLength(value.bytes().size(), out);
      out->append(value.bytes());
      return;
    default: {
      const size_t size = IntegerSize(value.type());
      for (size_t i = size; i > 0; --i) {
        out->push_back(static_cast<char>(value.raw_integer() >> (8 * (i - 1))));
      }
      return;
    }
  }
}

// ReadBigEndian reads sizeof(T) bytes, most significant first, into *v;
// false, with nothing consumed, if fewer remain.
template <typename T>
bool ReadBigEndian(Reader& reader, T* v) {
  absl::string_view bytes;
  if (!reader.ReadBytes(sizeof(T), &bytes)) return false;
  T raw = 0;
  for (char c : bytes) raw = static_cast<T>((raw << 8) | static_cast<uint8_t>(c));
  *v = raw;
  return true;
}

}  // namespace

Data Data::Boolean(bool v) {
  Data d;
  d.type_ = DataType::kBoolean;
  d.integer_ = v ? 1 : 0;
  return d;
}

#define DLMS_INTEGER_FACTORY(Name, CType, Tag)                   \
  Data Data::Name(CType v) {                                     \
    Data d;                                                      \
    d.type_ = DataType::Tag;                                     \
    d.integer_ = Normalize(DataType::Tag, static_cast<uint64_t>(v)); \
    return d;                                                    \
  }
DLMS_INTEGER_FACTORY(Integer, int8_t, kInteger)
DLMS_INTEGER_FACTORY(Long, int16_t, kLong)
DLMS_INTEGER_FACTORY(Unsigned, uint8_t, kUnsigned)
DLMS_INTEGER_FACTORY(LongUnsigned, uint16_t, kLongUnsigned)
DLMS_INTEGER_FACTORY(DoubleLong, int32_t, kDoubleLong)
DLMS_INTEGER_FACTORY(DoubleLongUnsigned, uint32_t, kDoubleLongUnsigned)
DLMS_INTEGER_FACTORY(Long64, int64_t, kLong64)
DLMS_INTEGER_FACTORY(Long64Unsigned, uint64_t, kLong64Unsigned)
DLMS_INTEGER_FACTORY(Enum, uint8_t, kEnum)
#undef DLMS_INTEGER_FACTORY

Data Data::OctetString(std::string bytes) {
  Data d;
  d.type_ = DataType::kOctetString;
  d.bytes_ = std::move(bytes);
  return d;
}

Data Data::VisibleString(std::string text) {
  Data d;
  d.type_ = DataType::kVisibleString;
  d.bytes_ = std::move(text);
  return d;
}

Data Data::BitString(std::string bytes, uint32_t bits) {
  Data d;
  d.type_ = DataType::kBitString;
  d.bits_ = bits;
  // The encoding carries exactly ceil(bits / 8) bytes; sizing the buffer here
  // keeps EncodeData and operator== consistent with what a decoder sees.
  bytes.resize(BitStringBytes(bits), '\0');
  d.bytes_ = std::move(bytes);
  return d;
}

Data Data::Structure(std::vector<Data> items) {
  Data d;
  d.type_ = DataType::kStructure;
  d.items_ = std::move(items);
  return d;
}

Data Data::Array(std::vector<Data> items) {
  Data d;
  d.type_ = DataType::kArray;
  d.items_ = std::move(items);
  return d;
}

bool Data::IsInteger() const { return IntegerSize(type_) != 0; }

absl::StatusOr<int64_t> Data::AsInt64() const {
  if (!IsInteger()) {
    return absl::InvalidArgumentError(absl::StrCat("not an integer: ", ToString()));
  }
  if (type_ == DataType::kLong64Unsigned &&
      integer_ > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return absl::InvalidArgumentError(absl::StrCat("out of int64 range: ", ToString()));
  }
  return static_cast<int64_t>(integer_);
}

absl::StatusOr<bool> Data::AsBool() const {
  if (type_ != DataType::kBoolean) {
    return absl::InvalidArgumentError(absl::StrCat("not a boolean: ", ToString()));
  }
  return integer_ != 0;
}

std::string Data::ToString() const {
  const std::string name = TypeName(type_);
  switch (type_) {
    case DataType::kNull:
      return name;
    case DataType::kArray:
    case DataType::kStructure:
      return absl::StrCat(name, "{",
                          absl::StrJoin(items_, ", ",
                                        [](std::string* out, const Data& item) {
                                          out->append(item.ToString());
                                        }),
                          "}");
    case DataType::kBoolean:
      return absl::StrCat(name, integer_ != 0 ? "(true)" : "(false)");
    case DataType::kBitString:
      return absl::StrCat(name, "(", bits_, ":", absl::BytesToHexString(bytes_), ")");
    case DataType::kOctetString:
      return absl::StrCat(name, "(", absl::BytesToHexString(bytes_), ")");
    case DataType::kVisibleString:
      return absl::StrCat(name, "(\"", absl::CHexEscape(bytes_), "\")");
    default:
      if (IsSigned(type_)) return absl::StrCat(name, "(", static_cast<int64_t>(integer_), ")");
      return absl::StrCat(name, "(", integer_, ")");
  }
}

bool operator==(const Data& a, const Data& b) {
  return a.type_ == b.type_ && a.integer_ == b.integer_ && a.bits_ == b.bits_ &&
         a.bytes_ == b.bytes_ && a.items_ == b.items_;
}

bool Reader::ReadU8(uint8_t* v) {
  if (rest_.empty()) return false;
  *v = static_cast<uint8_t>(rest_[0]);
  rest_.remove_prefix(1);
  return true;
}

bool Reader::ReadU16(uint16_t* v) { return ReadBigEndian(*this, v); }

bool Reader::ReadU32(uint32_t* v) { return ReadBigEndian(*this, v); }

bool Reader::ReadU64(uint64_t* v) { return ReadBigEndian(*this, v); }

bool Reader::ReadBytes(size_t n, absl::string_view* v) {
  if (n > rest_.size()) return false;
  *v = rest_.substr(0, n);
  rest_.remove_prefix(n);
  return true;
}

bool Reader::ReadLength(size_t* v) {
  Reader copy = *this;
  uint64_t length;
  if (!ReadLengthField(copy, &length)) return false;
  if (length > copy.remaining()) return false;
  *v = static_cast<size_t>(length);
  *this = copy;
  return true;
}

void AppendLength(size_t length, std::string* out) {
  if (length < 0x80) {
    out->push_back(static_cast<char>(length));
    return;
  }
  // Shortest big-endian form, as every DLMS implementation emits it.
  int n = 1;
  while (n < 8 && (static_cast<uint64_t>(length) >> (8 * n)) != 0) ++n;
  out->push_back(static_cast<char>(0x80 | n));
  for (int i = n; i > 0; --i) out->push_back(static_cast<char>(length >> (8 * (i - 1))));
}

void AppendU16(uint16_t v, std::string* out) {
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v));
}

void AppendU32(uint32_t v, std::string* out) {
  out->push_back(static_cast<char>(v >> 24));
  out->push_back(static_cast<char>(v >> 16));
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v));
}

void EncodeData(const Data& value, std::string* out) { EncodeAt(value, out); }

absl::StatusOr<Data> DecodeData(Reader& reader) { return DecodeAt(reader, 0); }

}  // namespace dlms
