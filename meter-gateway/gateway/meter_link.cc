#include "meter-gateway/gateway/meter_link.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace meter_gateway {
namespace {

class DlmsMeterLink final : public MeterLink {
 public:
  DlmsMeterLink(MeterDirectory directory, const dlms::ClientOptions& options)
      : directory_(std::move(directory)), options_(options) {}

  bool Knows(const std::string& meter_id) const override {
    return directory_.contains(meter_id);
  }

  std::vector<std::string> MeterIds() const override {
    std::vector<std::string> ids;
    ids.reserve(directory_.size());
    for (const auto& [meter_id, endpoint] : directory_) ids.push_back(meter_id);
    return ids;
  }

  RelayAttempt ExecuteRelayCommand(const wallet::v1::RelayCommand& command) override {
    return meter_gateway::ExecuteRelayCommand(directory_.at(command.meter_id()), command,
                                              options_);
  }

  absl::StatusOr<MeterRead> Read(const std::string& meter_id) override {
    auto endpoint = directory_.find(meter_id);
    if (endpoint == directory_.end()) {
      return absl::NotFoundError(absl::StrCat("meter ", meter_id, " is not in the directory"));
    }
    return ReadMeter(endpoint->second, options_);
  }

 private:
  // Read-only once built, so shared by every thread without a lock.
  const MeterDirectory directory_;
  const dlms::ClientOptions options_;
};

}  // namespace

std::unique_ptr<MeterLink> MakeDlmsMeterLink(MeterDirectory directory,
                                             const dlms::ClientOptions& options) {
  return std::make_unique<DlmsMeterLink>(std::move(directory), options);
}

}  // namespace meter_gateway
