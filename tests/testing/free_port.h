// FreeLoopbackPort: a TCP port of 127.0.0.1 that was free when asked, for a
// server that must be named before it starts (Kannel takes no port 0; the
// payment-gateway simulator must know walletd's webhook port before walletd
// knows the simulator's).
#ifndef WALLET_TESTS_TESTING_FREE_PORT_H_
#define WALLET_TESTS_TESTING_FREE_PORT_H_

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/status/statusor.h"

namespace wallet::testing {

// FreeLoopbackPort binds port 0, reads the port the kernel picked and closes
// the socket again, so another process could take the port before the
// caller's server binds it; on a test machine it practically never does.
// Internal if no socket could be bound.
inline absl::StatusOr<int> FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  close(fd);
  if (!ok) return absl::InternalError("cannot bind a loopback port");
  return ntohs(address.sin_port);
}

}  // namespace wallet::testing

#endif  // WALLET_TESTS_TESTING_FREE_PORT_H_
