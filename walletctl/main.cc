// walletctl: command-line client for walletd. See walletctl/cli.h and
// `walletctl help`.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "walletctl/cli.h"

namespace {

std::string Getenv(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> words(argv + 1, argv + argc);
  walletctl::Environment environment;
  environment.api_key = Getenv("WALLETCTL_API_KEY");
  environment.api_key_file = Getenv("WALLETCTL_API_KEY_FILE");
  return walletctl::RunWalletctl(words, environment, stdout, stderr);
}
