// walletctl's main function as a library call, so that tests can run it: read
// the command line, print help or a usage error, or connect to walletd and
// run the command.
//
// Exit status: kExitOk; kExitFailed when walletd refused or failed a call
// (or check-ledger found a mismatch, or ingest's reading was rejected);
// kExitUsage when the command line is wrong, and then nothing was sent.
#ifndef WALLETCTL_CLI_H_
#define WALLETCTL_CLI_H_

#include <cstdio>
#include <string>
#include <vector>

namespace walletctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// What walletctl reads from its environment; main fills it in, the library
// never reads the environment itself.
struct Environment {
  std::string api_key;       // $WALLETCTL_API_KEY
  std::string api_key_file;  // $WALLETCTL_API_KEY_FILE
};

// RunWalletctl runs the command line `words` (without the program name),
// printing results to `out` and errors, help on errors and advice to `err`;
// help asked for goes to `out`. Returns the exit status.
int RunWalletctl(const std::vector<std::string>& words, const Environment& environment,
                 std::FILE* out, std::FILE* err);

}  // namespace walletctl

#endif  // WALLETCTL_CLI_H_
