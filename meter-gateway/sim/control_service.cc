#include "meter-gateway/sim/control_service.h"

#include <algorithm>
#include <utility>

#include "glog/logging.h"

namespace meter_sim {
namespace {

grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

template <typename T>
grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context,
                                 absl::StatusOr<T> result, T* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (result.ok()) *response = *std::move(result);
  reactor->Finish(ToGrpc(result.status()));
  return reactor;
}

}  // namespace

// A watcher's queue and the flags that decide who may touch its reactor.
// gRPC may run a reaction inline inside StartWrite or Finish, so neither is
// ever called with `mu` (or the hub's lock) held. `writing` means one write
// is in flight and its OnWriteDone will continue; `finish_called` means
// Finish has been (or is about to be) called by whoever set it. The reactor
// is deleted only after Finish, so whoever sets either flag may use it.
struct RelayHub::Watcher {
  absl::Mutex mu;
  std::deque<v1::RelayEvent> queue ABSL_GUARDED_BY(mu);
  v1::RelayEvent current;  // owned by whoever set `writing`
  bool writing ABSL_GUARDED_BY(mu) = false;
  bool finishing ABSL_GUARDED_BY(mu) = false;
  bool finish_called ABSL_GUARDED_BY(mu) = false;
  grpc::Status finish_status ABSL_GUARDED_BY(mu) = grpc::Status::CANCELLED;
  grpc::ServerWriteReactor<v1::RelayEvent>* reactor = nullptr;
  std::string peer;
};

namespace {

class WatchReactor final : public grpc::ServerWriteReactor<v1::RelayEvent> {
 public:
  WatchReactor(std::shared_ptr<RelayHub::Watcher> watcher, std::function<void()> on_done)
      : watcher_(std::move(watcher)), on_done_(std::move(on_done)) {}

  void OnWriteDone(bool ok) override {
    RelayHub::Watcher& w = *watcher_;
    bool write = false;
    bool finish = false;
    grpc::Status status;
    {
      absl::MutexLock lock(&w.mu);
      if (!ok) w.finishing = true;
      if (w.finishing || w.queue.empty()) {
        w.writing = false;
        if (w.finishing && !w.finish_called) {
          w.finish_called = true;
          finish = true;
          status = w.finish_status;
        }
      } else {
        w.current = std::move(w.queue.front());
        w.queue.pop_front();
        write = true;
      }
    }
    if (write) StartWrite(&w.current);
    if (finish) Finish(status);
  }

  void OnCancel() override {
    RelayHub::Watcher& w = *watcher_;
    bool finish = false;
    {
      absl::MutexLock lock(&w.mu);
      w.finishing = true;
      if (!w.writing && !w.finish_called) {
        w.finish_called = true;
        finish = true;
      }
    }
    if (finish) Finish(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    on_done_();
    delete this;
  }

 private:
  std::shared_ptr<RelayHub::Watcher> watcher_;
  std::function<void()> on_done_;
};

}  // namespace

void RelayHub::OnRelayEvent(const v1::RelayEvent& event) {
  // Reactors to act on once the hub's lock is released.
  std::vector<Watcher*> to_write;
  std::vector<std::pair<Watcher*, grpc::Status>> to_finish;
  {
    absl::MutexLock lock(&mu_);
    for (const std::shared_ptr<Watcher>& watcher : watchers_) {
      Watcher& w = *watcher;
      absl::MutexLock watcher_lock(&w.mu);
      if (w.finishing) continue;
      if (w.queue.size() >= max_queued_) {
        LOG(WARNING) << "relay watcher " << w.peer << " fell " << w.queue.size()
                     << " events behind; closing its stream";
        w.finishing = true;
        w.queue.clear();
        w.finish_status = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                       "relay watcher too slow: events dropped");
        if (!w.writing && !w.finish_called) {
          w.finish_called = true;
          to_finish.emplace_back(&w, w.finish_status);
        }
        continue;
      }
      if (w.writing) {
        w.queue.push_back(event);
      } else {
        w.writing = true;
        w.current = event;
        to_write.push_back(&w);
      }
    }
  }
  // Safe without the lock: `writing` / `finish_called` keep the reactor (and
  // through it the watcher) alive until these calls complete.
  for (Watcher* w : to_write) w->reactor->StartWrite(&w->current);
  for (auto& [w, status] : to_finish) w->reactor->Finish(status);
}

grpc::ServerWriteReactor<v1::RelayEvent>* RelayHub::Watch(grpc::CallbackServerContext* context) {
  auto watcher = std::make_shared<Watcher>();
  watcher->peer = context->peer();
  const Watcher* key = watcher.get();
  auto* reactor = new WatchReactor(watcher, [this, key] { Remove(key); });
  watcher->reactor = reactor;
  {
    absl::MutexLock lock(&mu_);
    watchers_.push_back(std::move(watcher));
  }
  // Initial metadata tells the caller that the stream is registered: events
  // from then on reach it (WaitForInitialMetadata on the client side).
  reactor->StartSendInitialMetadata();
  VLOG(1) << "relay watcher " << context->peer() << " opened";
  return reactor;
}

void RelayHub::Remove(const Watcher* watcher) {
  absl::MutexLock lock(&mu_);
  watchers_.erase(std::remove_if(watchers_.begin(), watchers_.end(),
                                 [watcher](const std::shared_ptr<Watcher>& w) {
                                   return w.get() == watcher;
                                 }),
                  watchers_.end());
}

int RelayHub::watchers() {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(watchers_.size());
}

grpc::ServerUnaryReactor* ControlService::GetMeter(grpc::CallbackServerContext* context,
                                                   const v1::GetMeterRequest* request,
                                                   v1::Meter* response) {
  return Answer(context, fleet_->GetMeter(request->meter_id()), response);
}

grpc::ServerUnaryReactor* ControlService::ConfigureMeter(
    grpc::CallbackServerContext* context, const v1::ConfigureMeterRequest* request,
    v1::Meter* response) {
  return Answer(context, fleet_->Configure(*request), response);
}

grpc::ServerUnaryReactor* ControlService::PressButton(grpc::CallbackServerContext* context,
                                                      const v1::PressButtonRequest* request,
                                                      v1::Meter* response) {
  return Answer(context, fleet_->PressButton(request->meter_id()), response);
}

grpc::ServerWriteReactor<v1::RelayEvent>* ControlService::WatchRelay(
    grpc::CallbackServerContext* context, const v1::WatchRelayRequest* request) {
  return hub_->Watch(context);
}

grpc::ServerUnaryReactor* ControlService::GetFleetSummary(grpc::CallbackServerContext* context,
                                                          const v1::FleetSummaryRequest* request,
                                                          v1::FleetSummary* response) {
  return Answer(context, absl::StatusOr<v1::FleetSummary>(fleet_->Summary()), response);
}

}  // namespace meter_sim
