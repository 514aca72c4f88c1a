#include "meter-gateway/sim/dlms_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <deque>
#include <queue>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "meter-gateway/dlms/apdu.h"
#include "meter-gateway/dlms/wrapper.h"
#include "meter-gateway/sim/address.h"
#include "meter-gateway/sim/clock.h"
#include "meter-gateway/sim/cosem.h"

namespace meter_sim {
namespace {

// epoll user data of the two sockets that are no connection.
constexpr uint64_t kListenId = 0;
constexpr uint64_t kWakeId = 1;
// A client that lets this much of its answers pile up unread is dropped:
// answers are small, so only a client that pipelines without reading gets
// near it.
constexpr size_t kMaxPendingOutput = 1 << 20;
// Accepts per readiness event, so that a connection storm cannot starve the
// sessions already open.
constexpr int kAcceptBatch = 256;
constexpr int kReadsPerEvent = 8;

// The loop's timers run on real time whatever clock the fleet uses: epoll
// waits in real time.
int64_t SteadyMicros() {
  static SystemMonotonicClock clock;
  return clock.NowMicros();
}

std::string FormatAddress(const sockaddr_in& address) {
  char text[INET_ADDRSTRLEN] = "?";
  inet_ntop(AF_INET, &address.sin_addr, text, sizeof(text));
  return absl::StrCat(text, ":", ntohs(address.sin_port));
}

struct Delayed {
  int64_t due_us;
  std::string bytes;
};

struct Connection {
  Connection(uint64_t id, int fd, int meter, const sockaddr_in& peer, Fleet* fleet,
             const std::string* password, MeterSecurity* security)
      : id(id),
        fd(fd),
        meter(meter),
        peer(peer),
        reader(kMaxApduSize),
        session(fleet, meter, password, security) {}

  const uint64_t id;
  const int fd;
  const int meter;
  const sockaddr_in peer;
  dlms::FrameReader reader;
  CosemSession session;
  std::string out;  // answers not yet written, from out_offset on
  size_t out_offset = 0;
  bool want_write = false;  // EPOLLOUT registered
  std::deque<Delayed> delayed;  // FAULT_DELAY answers, in order
  int64_t last_activity_us = 0;
};

struct Timer {
  int64_t due_us;
  uint64_t connection;
  bool idle;  // else: delayed answers due
  bool operator>(const Timer& other) const { return due_us > other.due_us; }
};

class EventLoopServer final : public DlmsServer {
 public:
  EventLoopServer(Fleet* fleet, const DlmsServerOptions& options)
      : fleet_(fleet),
        password_(options.password),
        security_(options.hls_master_secret.empty()
                      ? nullptr
                      : std::make_unique<MeterSecurity>(options.hls_master_secret, fleet->size())),
        idle_timeout_us_(std::max<int64_t>(1000, absl::ToInt64Microseconds(options.idle_timeout))) {
  }

  ~EventLoopServer() override {
    Shutdown();
    for (int fd : {listen_fd_, wake_fd_, epoll_fd_, spare_fd_}) {
      if (fd >= 0) close(fd);
    }
  }

  // Start binds and starts the loop thread.
  absl::Status Start(const DlmsServerOptions& options);

  int port() const override { return port_; }
  uint64_t accepted() const override { return accepted_.load(std::memory_order_relaxed); }
  int open_connections() const override { return open_.load(std::memory_order_relaxed); }

  void Shutdown() override {
    if (!thread_.joinable()) return;
    stopping_.store(true);
    const uint64_t one = 1;
    if (write(wake_fd_, &one, sizeof(one)) < 0) PLOG(WARNING) << "cannot wake the DLMS loop";
    thread_.join();
    for (auto& [id, connection] : connections_) close(connection->fd);
    connections_.clear();
    open_.store(0);
    LOG(INFO) << "DLMS server on port " << port_ << " stopped";
  }


 private:
  absl::Status Listen(const DlmsServerOptions& options);
  void Run();
  void AcceptAll();
  void AcceptOne(int fd, const sockaddr_in& peer);
  void OnEvent(uint64_t id, uint32_t events);
  // Each returns false when it closed the connection.
  bool ReadAll(Connection& connection);
  bool ProcessFrames(Connection& connection);
  bool Send(Connection& connection, std::string bytes);
  bool Flush(Connection& connection);
  void RunTimers();
  int NextTimeoutMs();
  void Drop(Connection& connection, absl::string_view reason);
  void Close(Connection& connection);

  Fleet* const fleet_;
  const std::string password_;
  const std::unique_ptr<MeterSecurity> security_;  // null without HLS keys
  const int64_t idle_timeout_us_;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  // Kept open so that running out of descriptors can still be handled:
  // closing it frees one to accept and close the waiting connection, which
  // would otherwise keep the listening socket readable and the loop spinning.
  int spare_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> accepted_{0};
  std::atomic<int> open_{0};
  // Loop thread only.
  uint64_t next_id_ = 2;
  absl::flat_hash_map<uint64_t, std::unique_ptr<Connection>> connections_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  std::thread thread_;
};

absl::Status EventLoopServer::Start(const DlmsServerOptions& options) {
  absl::Status listening = Listen(options);
  if (!listening.ok()) return listening;
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

absl::Status EventLoopServer::Listen(const DlmsServerOptions& options) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  if (inet_pton(AF_INET, options.bind.c_str(), &address.sin_addr) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("bind address must be an IPv4 literal, got '", options.bind, "'"));
  }
  if (options.port < 0 || options.port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("bad DLMS port ", options.port));
  }
  address.sin_port = htons(static_cast<uint16_t>(options.port));
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return absl::UnavailableError(absl::StrCat("socket: ", strerror(errno)));
  const int on = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot bind DLMS port ", options.bind, ":",
                                               options.port, ": ", strerror(errno)));
  }
  if (listen(listen_fd_, 4096) != 0) {
    return absl::UnavailableError(absl::StrCat("listen: ", strerror(errno)));
  }
  socklen_t length = sizeof(address);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);

  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  spare_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    return absl::UnavailableError(absl::StrCat("epoll/eventfd: ", strerror(errno)));
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kListenId;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &event);
  event.data.u64 = kWakeId;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event);
  return absl::OkStatus();
}

void EventLoopServer::Run() {
  std::vector<epoll_event> events(512);
  while (!stopping_.load()) {
    const int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                             NextTimeoutMs());
    if (n < 0) {
      if (errno == EINTR) continue;
      PLOG(ERROR) << "epoll_wait failed; DLMS server stops";
      return;
    }
    for (int i = 0; i < n; ++i) {
      const uint64_t id = events[i].data.u64;
      if (id == kListenId) {
        AcceptAll();
      } else if (id != kWakeId) {
        OnEvent(id, events[i].events);
      }
    }
    RunTimers();
  }
}

void EventLoopServer::AcceptAll() {
  for (int i = 0; i < kAcceptBatch; ++i) {
    sockaddr_in peer{};
    socklen_t length = sizeof(peer);
    const int fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &length,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      accepted_.fetch_add(1, std::memory_order_relaxed);
      AcceptOne(fd, peer);
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if ((errno == EMFILE || errno == ENFILE) && spare_fd_ >= 0) {
      LOG_EVERY_N(WARNING, 1000) << "out of file descriptors: refusing connections";
      close(spare_fd_);
      const int refused = accept(listen_fd_, nullptr, nullptr);
      if (refused >= 0) close(refused);
      spare_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
      continue;
    }
    PLOG_EVERY_N(WARNING, 1000) << "accept failed";
    return;
  }
}

void EventLoopServer::AcceptOne(int fd, const sockaddr_in& peer) {
  sockaddr_in local{};
  socklen_t length = sizeof(local);
  std::optional<int> meter;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0 &&
      local.sin_family == AF_INET) {
    meter = MeterIndexFromAddress(ntohl(local.sin_addr.s_addr));
  }
  if (!meter.has_value() || *meter >= fleet_->size()) {
    LOG(WARNING) << "connection from " << FormatAddress(peer) << " to " << FormatAddress(local)
                 << ": no meter at this address; closed";
    close(fd);
    return;
  }
  if (fleet_->FaultOf(*meter).fault == v1::FAULT_OFFLINE) {
    VLOG(1) << "meter " << fleet_->MeterIdOf(*meter) << " is offline: closed connection from "
            << FormatAddress(peer);
    fleet_->CountDroppedSession();
    close(fd);
    return;
  }
  const int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  const uint64_t id = next_id_++;
  auto connection =
      std::make_unique<Connection>(id, fd, *meter, peer, fleet_, &password_, security_.get());
  connection->last_activity_us = SteadyMicros();
  epoll_event event{};
  event.events = EPOLLIN | EPOLLRDHUP;
  event.data.u64 = id;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
    PLOG(WARNING) << "epoll_ctl ADD";
    close(fd);
    return;
  }
  timers_.push(Timer{connection->last_activity_us + idle_timeout_us_, id, true});
  connections_.emplace(id, std::move(connection));
  open_.fetch_add(1, std::memory_order_relaxed);
}

void EventLoopServer::OnEvent(uint64_t id, uint32_t events) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;  // closed earlier in this batch
  Connection& connection = *it->second;
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    if (!ReadAll(connection)) return;
  }
  if (events & EPOLLOUT) Flush(connection);
}

bool EventLoopServer::ReadAll(Connection& connection) {
  char buffer[16 * 1024];
  for (int i = 0; i < kReadsPerEvent; ++i) {
    const ssize_t n = read(connection.fd, buffer, sizeof(buffer));
    if (n > 0) {
      connection.last_activity_us = SteadyMicros();
      connection.reader.Append(absl::string_view(buffer, static_cast<size_t>(n)));
      if (!ProcessFrames(connection)) return false;
      if (static_cast<size_t>(n) < sizeof(buffer)) return true;
      continue;
    }
    if (n == 0) {
      VLOG(1) << "meter " << fleet_->MeterIdOf(connection.meter) << ": "
              << FormatAddress(connection.peer) << " closed the connection";
      Close(connection);
      return false;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
    if (errno == EINTR) continue;
    VLOG(1) << "meter " << fleet_->MeterIdOf(connection.meter) << ": read from "
            << FormatAddress(connection.peer) << ": " << strerror(errno);
    Close(connection);
    return false;
  }
  return true;  // more may be waiting: level-triggered epoll comes back
}

bool EventLoopServer::ProcessFrames(Connection& connection) {
  while (true) {
    absl::StatusOr<std::optional<dlms::WrapperFrame>> next = connection.reader.Next();
    if (!next.ok()) {
      Drop(connection, absl::StrCat("bad wrapper frame: ", next.status().message()));
      return false;
    }
    if (!next->has_value()) return true;
    const dlms::WrapperFrame& frame = **next;
    const FaultSetting fault = fleet_->FaultOf(connection.meter);
    if (fault.fault == v1::FAULT_OFFLINE) {
      VLOG(1) << "meter " << fleet_->MeterIdOf(connection.meter)
              << " went offline: closed connection from " << FormatAddress(connection.peer);
      fleet_->CountDroppedSession();
      Close(connection);
      return false;
    }
    if (fault.fault == v1::FAULT_DROP) continue;
    if (frame.destination_wport != dlms::kManagementLogicalDevice) {
      Drop(connection, absl::StrCat("no logical device at server wPort ",
                                    frame.destination_wport));
      return false;
    }
    absl::StatusOr<dlms::Apdu> request = dlms::DecodeApdu(frame.apdu);
    dlms::Apdu answer;
    if (request.ok()) {
      answer = connection.session.Handle(frame.source_wport, *request);
    } else if (absl::IsUnimplemented(request.status())) {
      VLOG(1) << "meter " << fleet_->MeterIdOf(connection.meter) << ": unsupported APDU from "
              << FormatAddress(connection.peer) << ": " << request.status().message();
      answer = CosemSession::Unsupported(frame.apdu, request.status());
    } else {
      Drop(connection, absl::StrCat("malformed APDU: ", request.status().message()));
      return false;
    }
    std::string bytes =
        dlms::EncodeWrapper(frame.destination_wport, frame.source_wport, dlms::EncodeApdu(answer));
    if ((fault.fault == v1::FAULT_DELAY && fault.delay_ms > 0) || !connection.delayed.empty()) {
      // Behind any answer still waiting, so that answers keep their order
      // when the delay changes.
      int64_t due = SteadyMicros();
      if (fault.fault == v1::FAULT_DELAY) due += int64_t{fault.delay_ms} * 1000;
      if (!connection.delayed.empty()) due = std::max(due, connection.delayed.back().due_us);
      connection.delayed.push_back(Delayed{due, std::move(bytes)});
      timers_.push(Timer{due, connection.id, false});
      continue;
    }
    if (!Send(connection, std::move(bytes))) return false;
  }
}

bool EventLoopServer::Send(Connection& connection, std::string bytes) {
  if (connection.out_offset == connection.out.size()) {
    connection.out = std::move(bytes);
    connection.out_offset = 0;
  } else {
    connection.out.append(bytes);
  }
  if (connection.out.size() - connection.out_offset > kMaxPendingOutput) {
    Drop(connection, "client does not read its answers");
    return false;
  }
  return Flush(connection);
}

bool EventLoopServer::Flush(Connection& connection) {
  while (connection.out_offset < connection.out.size()) {
    const ssize_t n = send(connection.fd, connection.out.data() + connection.out_offset,
                           connection.out.size() - connection.out_offset, MSG_NOSIGNAL);
    if (n > 0) {
      connection.out_offset += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!connection.want_write) {
        epoll_event event{};
        event.events = EPOLLIN | EPOLLRDHUP | EPOLLOUT;
        event.data.u64 = connection.id;
        epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, connection.fd, &event);
        connection.want_write = true;
      }
      return true;
    }
    VLOG(1) << "meter " << fleet_->MeterIdOf(connection.meter) << ": send to "
            << FormatAddress(connection.peer) << ": " << strerror(errno);
    Close(connection);
    return false;
  }
  connection.out.clear();
  connection.out_offset = 0;
  if (connection.want_write) {
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP;
    event.data.u64 = connection.id;
    epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, connection.fd, &event);
    connection.want_write = false;
  }
  return true;
}

int EventLoopServer::NextTimeoutMs() {
  if (timers_.empty()) return -1;
  const int64_t wait_us = timers_.top().due_us - SteadyMicros();
  if (wait_us <= 0) return 0;
  // Round up: waking early would only spin.
  return static_cast<int>(std::min<int64_t>((wait_us + 999) / 1000, 60'000));
}

void EventLoopServer::RunTimers() {
  const int64_t now = SteadyMicros();
  while (!timers_.empty() && timers_.top().due_us <= now) {
    const Timer timer = timers_.top();
    timers_.pop();
    auto it = connections_.find(timer.connection);
    if (it == connections_.end()) continue;
    Connection& connection = *it->second;
    if (timer.idle) {
      const bool busy = !connection.delayed.empty() ||
                        connection.out_offset < connection.out.size();
      const int64_t idle_until = connection.last_activity_us + idle_timeout_us_;
      if (!busy && idle_until <= now) {
        VLOG(1) << "meter " << fleet_->MeterIdOf(connection.meter) << ": closed idle connection from "
                << FormatAddress(connection.peer);
        Close(connection);
      } else {
        timers_.push(Timer{busy ? now + idle_timeout_us_ : idle_until, connection.id, true});
      }
      continue;
    }
    while (!connection.delayed.empty() && connection.delayed.front().due_us <= now) {
      std::string bytes = std::move(connection.delayed.front().bytes);
      connection.delayed.pop_front();
      connection.last_activity_us = now;
      if (!Send(connection, std::move(bytes))) break;  // closed: `connection` is gone
    }
  }
}

void EventLoopServer::Drop(Connection& connection, absl::string_view reason) {
  LOG(WARNING) << "meter " << fleet_->MeterIdOf(connection.meter) << ": dropped session from "
               << FormatAddress(connection.peer) << ": " << reason;
  fleet_->CountDroppedSession();
  Close(connection);
}

void EventLoopServer::Close(Connection& connection) {
  const uint64_t id = connection.id;
  close(connection.fd);  // also leaves the epoll set
  open_.fetch_sub(1, std::memory_order_relaxed);
  connections_.erase(id);
}

}  // namespace

absl::StatusOr<std::unique_ptr<DlmsServer>> DlmsServer::Start(Fleet* fleet,
                                                              const DlmsServerOptions& options) {
  auto server = std::make_unique<EventLoopServer>(fleet, options);
  absl::Status started = server->Start(options);
  if (!started.ok()) return started;
  return std::unique_ptr<DlmsServer>(std::move(server));
}

}  // namespace meter_sim
