// Reading walletctl's command line:
//
//   walletctl [global flags] <command> [flags]
//   walletctl help [<command>]        walletctl [<command>] --help
//
// Flags may come before or after the command, written --name=value,
// --name value, -name=value, --name (a bool flag), --noname or
// --name=false; "--" ends the flags. A flag given twice keeps its last value.
// Every value is parsed and checked here (values.h), and so are required
// flags and alternatives, so that a command runs only on a valid command line
// and a usage error never reaches the server. All problems are collected, so
// that one error names each of them; misspelt commands and flags get a "did
// you mean" suggestion.
//
// Example:
//   Invocation invocation = ParseCommandLine({"recharge", "--meter=M1", "--amount=10"}, groups);
//   if (!invocation.problems.empty()) ...     // usage error: exit 2
//   invocation.args.Int(kAmount);             // 1000 (paise)
#ifndef WALLETCTL_COMMAND_LINE_H_
#define WALLETCTL_COMMAND_LINE_H_

#include <string>
#include <vector>

#include "walletctl/command.h"
#include "walletctl/flag.h"

namespace walletctl {

// Global flags: where and as whom to connect, and how to print.
inline constexpr FlagSpec kServer =
    TextFlag("server", "HOST:PORT", "walletd's address.").WithDefault("127.0.0.1:50051");
inline constexpr FlagSpec kTlsCa =
    TextFlag("tls_ca", "PATH",
             "PEM CA that signed walletd's certificate: connect over TLS and check it.")
        .WithDefault("plaintext");
inline constexpr FlagSpec kTlsCert = TextFlag(
    "tls_cert", "PATH", "PEM client certificate, for a walletd that requires one (with --tls_key).");
inline constexpr FlagSpec kTlsKey = TextFlag("tls_key", "PATH", "PEM private key of --tls_cert.");
inline constexpr FlagSpec kApiKey =
    TextFlag("api_key", "KEY",
             "API key, sent as call metadata x-api-key. Prefer --api_key_file: a command line is "
             "visible to other users of the machine.");
inline constexpr FlagSpec kApiKeyFile =
    TextFlag("api_key_file", "PATH", "File holding the API key; trailing whitespace is ignored.")
        .WithDefault("$WALLETCTL_API_KEY_FILE, else $WALLETCTL_API_KEY, else no key");
inline constexpr Choice kOutputFormats[] = {{"text", 0}, {"csv", 1}, {"json", 2}};
inline constexpr FlagSpec kOutput =
    ChoiceFlag("output", "FORMAT",
               "text for people; csv: a list's rows (else field,value lines); json: the "
               "response in protobuf's JSON mapping.",
               kOutputFormats)
        .WithDefault("text");
inline constexpr FlagSpec kJson = BoolFlag("json", "Same as --output=json.");
inline constexpr FlagSpec kTimeoutMs =
    IntFlag("timeout_ms", "N", "Deadline of each call, in milliseconds.", 1, 3'600'000)
        .WithDefault("10000");

// GlobalFlags lists the flags every command takes.
const std::vector<FlagUse>& GlobalFlags();

// The outcome of reading a command line.
struct Invocation {
  // Print help instead of running: the command's, or the overview when
  // `command` is null.
  bool help = false;
  // The command to run or to help with; null when there is none.
  const Command* command = nullptr;
  Args args;
  // Usage errors, one sentence each; the command line is valid when empty.
  std::vector<std::string> problems;
};

// ParseCommandLine reads `words` (the command line without the program
// name) against the commands of `groups`, which must outlive the result.
Invocation ParseCommandLine(const std::vector<std::string>& words,
                            const std::vector<CommandGroup>& groups);

}  // namespace walletctl

#endif  // WALLETCTL_COMMAND_LINE_H_
