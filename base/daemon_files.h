// Files a server reads or writes around start-up: files replaced whole
// (ready files that tests and scripts wait for, generated keys, exported
// directories), key files that hold one secret, and PEM files.
//
// Both functions are thread-safe in the sense of the file system: they keep
// no state. Neither logs the contents of what it reads or writes, so that
// secrets stay out of logs.
//
// Example:
//   absl::StatusOr<std::string> key = base::ReadApiKeyFile(path);
//   if (!key.ok()) return key.status();
//   WALLET_RETURN_IF_ERROR(base::WriteFileAtomically(ready, "http_port=9465\n", 0644));
#ifndef BASE_DAEMON_FILES_H_
#define BASE_DAEMON_FILES_H_

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace base {

// WriteFileAtomically writes `text` to `path`.tmp with permissions `mode`,
// fsyncs it and renames it over `path`, so that a reader sees the whole file
// or none (the old one, if there was one). Unavailable if any step fails; a
// `path`.tmp may then be left behind.
absl::Status WriteFileAtomically(const std::string& path, const std::string& text, mode_t mode);

// ReadApiKeyFile returns the key in `path` without surrounding whitespace.
// NotFound if the file does not exist, Unavailable if it cannot be read,
// InvalidArgument if it holds fewer than `min_length` characters (at least
// one is always required).
absl::StatusOr<std::string> ReadApiKeyFile(const std::string& path, size_t min_length = 1);

// ReadPemFile returns the whole of a PEM file (a certificate, a chain or a
// key), which `what` names in errors ("TLS certificate"); the text is never
// put in an error. NotFound if it cannot be read, FailedPrecondition if it
// holds no PEM block.
absl::StatusOr<std::string> ReadPemFile(const std::string& path, const std::string& what);

// TlsPair is a server's (or a client's) certificate chain and private key,
// PEM; empty when TLS is off.
struct TlsPair {
  std::string cert_pem;
  std::string key_pem;
  bool empty() const { return cert_pem.empty(); }
};

// ReadTlsPair reads a certificate and its key, which are named together or
// not at all (an empty pair). InvalidArgument if only one is named; errors of
// ReadPemFile.
absl::StatusOr<TlsPair> ReadTlsPair(const std::string& cert_file, const std::string& key_file);

}  // namespace base

#endif  // BASE_DAEMON_FILES_H_
