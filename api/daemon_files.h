// Files every server here reads or writes at start-up: the ready file that
// tests and scripts wait for, and API key files.
#ifndef API_DAEMON_FILES_H_
#define API_DAEMON_FILES_H_

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace api {

// WriteFileAtomically writes `text` to a temporary file, fsyncs it and
// renames it over `path`, so that a reader sees the whole file or none.
// Unavailable if any step fails.
absl::Status WriteFileAtomically(const std::string& path, const std::string& text, mode_t mode);

// ReadApiKeyFile returns the key in `path` without surrounding whitespace.
// NotFound if the file does not exist, Unavailable if it cannot be read,
// InvalidArgument if it holds fewer than `min_length` characters.
absl::StatusOr<std::string> ReadApiKeyFile(const std::string& path, size_t min_length = 1);

}  // namespace api

#endif  // API_DAEMON_FILES_H_
