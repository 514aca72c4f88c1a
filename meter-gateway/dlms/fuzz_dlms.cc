// libFuzzer target for the DLMS parsers: everything a meter (or anyone who
// can reach a gateway port) sends passes through FrameReader, DecodeApdu and
// DecodeData, so they must never crash, hang or allocate without bound, and
// whatever they accept must re-encode to something they accept again.
// Ciphered APDUs are also opened (security.h) with the Green Book's test
// keys, and the input is checked as an HLS answer, so that a forged
// ciphered frame can only ever be refused.
//
// Built only with clang (see CMakeLists.txt); run e.g.
//   fuzz_dlms -max_total_time=60 corpus_copy/
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "meter-gateway/dlms/apdu.h"
#include "meter-gateway/dlms/axdr.h"
#include "meter-gateway/dlms/security.h"
#include "meter-gateway/dlms/wrapper.h"

namespace {

void Fail(const char* what, absl::string_view a, absl::string_view b) {
  std::fprintf(stderr, "fuzz_dlms: %s\n  first:  %zu bytes\n  second: %zu bytes\n", what,
               a.size(), b.size());
  std::abort();
}

// ApduRoundTrip checks that a decodable APDU re-encodes to bytes that decode
// again and re-encode identically. The first re-encoding may differ from the
// input (decoders tolerate non-minimal lengths and skip optional fields);
// from then on the encoding must be a fixed point.
void ApduRoundTrip(absl::string_view bytes) {
  absl::StatusOr<dlms::Apdu> first = dlms::DecodeApdu(bytes);
  if (!first.ok()) return;
  const std::string encoded = dlms::EncodeApdu(*first);
  absl::StatusOr<dlms::Apdu> second = dlms::DecodeApdu(encoded);
  if (!second.ok()) {
    std::fprintf(stderr, "re-encoded %s does not decode: %s\n", dlms::ApduName(*first).c_str(),
                 std::string(second.status().message()).c_str());
    Fail("APDU re-encoding does not decode", bytes, encoded);
  }
  if (first->index() != second->index()) Fail("APDU kind changed", bytes, encoded);
  if (dlms::EncodeApdu(*second) != encoded) Fail("APDU re-encoding unstable", bytes, encoded);
}

// The Green Book's suite 0 test keys and system title: the committed seeds
// are protected with them, so the fuzzer also reaches content that opens.
dlms::CipheringContext GreenBookContext() {
  dlms::CipheringContext context(
      {{std::string("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0A\x0B\x0C\x0D\x0E\x0F", 16),
        std::string("\xD0\xD1\xD2\xD3\xD4\xD5\xD6\xD7\xD8\xD9\xDA\xDB\xDC\xDD\xDE\xDF", 16)},
       std::string("\x4D\x4D\x4D\x00\x00\xBC\x61\x4E", 8),
       1,
       dlms::kAuthenticatedEncryption});
  context.set_peer_system_title(context.own_system_title());
  return context;
}

// OpenCiphered tries to open whatever ciphered APDU `bytes` decodes to
// (also the glo-initiate in an AARQ or AARE); what opens must decode as
// Unprotect says, what does not must be refused with a status.
void OpenCiphered(absl::string_view bytes) {
  absl::StatusOr<dlms::Apdu> apdu = dlms::DecodeApdu(bytes);
  dlms::CipheringContext context = GreenBookContext();
  context.CheckAnswer(bytes.substr(0, 8), bytes).IgnoreError();
  if (!apdu.ok()) return;
  const dlms::CipheredApdu* ciphered = std::get_if<dlms::CipheredApdu>(&*apdu);
  if (const auto* aarq = std::get_if<dlms::AssociationRequest>(&*apdu)) {
    if (aarq->ciphered_initiate.has_value()) ciphered = &*aarq->ciphered_initiate;
  }
  if (const auto* aare = std::get_if<dlms::AssociationResponse>(&*apdu)) {
    if (aare->ciphered_initiate.has_value()) ciphered = &*aare->ciphered_initiate;
  }
  if (ciphered == nullptr) return;
  absl::StatusOr<std::string> plain = context.UnprotectBytes(*ciphered);
  if (!plain.ok()) return;
  ApduRoundTrip(*plain);
  dlms::AssociationRequest initiate;
  dlms::DecodeInitiateRequest(*plain, &initiate).IgnoreError();
  // A second context opens it as an APDU: the same counter is fresh there.
  GreenBookContext().Unprotect(*ciphered).status().IgnoreError();
}

void DataRoundTrip(absl::string_view bytes) {
  dlms::Reader reader(bytes);
  absl::StatusOr<dlms::Data> first = dlms::DecodeData(reader);
  if (!first.ok()) return;
  std::string encoded;
  dlms::EncodeData(*first, &encoded);
  dlms::Reader again(encoded);
  absl::StatusOr<dlms::Data> second = dlms::DecodeData(again);
  if (!second.ok() || !again.done() || *second != *first) {
    Fail("Data does not round-trip", bytes, encoded);
  }
}

struct Frames {
  std::vector<dlms::WrapperFrame> frames;
  bool failed = false;
};

// ReadFrames feeds `bytes` to a FrameReader `chunk` bytes at a time.
Frames ReadFrames(absl::string_view bytes, size_t chunk, size_t max_apdu_size) {
  Frames out;
  dlms::FrameReader reader(max_apdu_size);
  for (size_t i = 0; i < bytes.size() && !out.failed; i += chunk) {
    reader.Append(bytes.substr(i, chunk));
    while (true) {
      absl::StatusOr<std::optional<dlms::WrapperFrame>> frame = reader.Next();
      if (!frame.ok()) {
        out.failed = true;
        break;
      }
      if (!frame->has_value()) break;
      out.frames.push_back(std::move(**frame));
    }
  }
  return out;
}

bool SameFrames(const Frames& a, const Frames& b) {
  if (a.failed != b.failed || a.frames.size() != b.frames.size()) return false;
  for (size_t i = 0; i < a.frames.size(); ++i) {
    if (a.frames[i].source_wport != b.frames[i].source_wport ||
        a.frames[i].destination_wport != b.frames[i].destination_wport ||
        a.frames[i].apdu != b.frames[i].apdu) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);

  // The stream as the gateway sees it: however TCP splits it, the same
  // frames (and the same verdict) must come out.
  const size_t whole = input.empty() ? 1 : input.size();
  const Frames reference = ReadFrames(input, whole, dlms::kDefaultMaxApduSize);
  for (size_t chunk : {size_t{1}, size_t{3}, size_t{8}, size_t{13}}) {
    if (!SameFrames(reference, ReadFrames(input, chunk, dlms::kDefaultMaxApduSize))) {
      Fail("FrameReader result depends on how the stream is split", input, input);
    }
  }
  // A small maximum exercises the oversized-length path.
  ReadFrames(input, 5, 16);

  for (const dlms::WrapperFrame& frame : reference.frames) {
    ApduRoundTrip(frame.apdu);
    OpenCiphered(frame.apdu);
  }
  // Bare APDUs and Data too, so that seeds without a wrapper reach them.
  ApduRoundTrip(input);
  OpenCiphered(input);
  DataRoundTrip(input);
  return 0;
}
