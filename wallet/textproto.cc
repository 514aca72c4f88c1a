#include "wallet/textproto.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "glog/logging.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace wallet {
namespace {

// Collects text-format parse errors with 1-based positions.
class CollectingErrorCollector final : public google::protobuf::io::ErrorCollector {
 public:
  explicit CollectingErrorCollector(std::string path) : path_(std::move(path)) {}

  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    errors_.push_back(absl::StrFormat("%s:%d:%d: %s", path_, line + 1, column + 1, message));
  }

  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::string path_;
  std::vector<std::string> errors_;
};

}  // namespace

absl::Status ReadTextProtoFile(const std::string& path, google::protobuf::Message* message) {
  DCHECK(message != nullptr);
  const std::string& type = message->GetDescriptor()->name();
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (file == nullptr) {
    const int error = errno;
    return absl::Status(
        absl::ErrnoToStatusCode(error),
        absl::StrFormat("cannot open %s file %s: %s", type, path, std::strerror(error)));
  }
  std::string text;
  char buffer[1 << 14];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file.get())) > 0) text.append(buffer, n);
  if (std::ferror(file.get())) {
    const int error = errno;
    return absl::Status(
        absl::ErrnoToStatusCode(error),
        absl::StrFormat("cannot read %s file %s: %s", type, path, std::strerror(error)));
  }

  CollectingErrorCollector errors(path);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, message)) {
    if (errors.errors().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": cannot parse ", type));
    }
    return absl::InvalidArgumentError(absl::StrJoin(errors.errors(), "; "));
  }
  return absl::OkStatus();
}

}  // namespace wallet
