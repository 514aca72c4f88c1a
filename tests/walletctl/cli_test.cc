// walletctl's exit codes and where help and errors go, without a server:
// help asked for is printed to standard output with exit 0; a wrong command
// line exits 2 with what is wrong, a suggestion and a usage line on standard
// error, before anything is sent.
#include "walletctl/cli.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace walletctl {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

struct Outcome {
  int exit_code;
  std::string out;
  std::string err;
};

// Memory is a FILE* writing to memory.
class Memory {
 public:
  Memory() : file_(open_memstream(&buffer_, &size_)) {}
  ~Memory() {
    if (file_ != nullptr) std::fclose(file_);
    std::free(buffer_);
  }
  std::FILE* file() { return file_; }
  std::string Take() {
    std::fclose(file_);
    file_ = nullptr;
    return std::string(buffer_, size_);
  }

 private:
  char* buffer_ = nullptr;
  size_t size_ = 0;
  std::FILE* file_;
};

Outcome Walletctl(const std::vector<std::string>& words, const Environment& environment = {}) {
  Memory out;
  Memory err;
  const int exit_code = RunWalletctl(words, environment, out.file(), err.file());
  return Outcome{exit_code, out.Take(), err.Take()};
}

TEST(Walletctl, HelpInEveryFormExitsZero) {
  for (const std::vector<std::string>& words :
       std::vector<std::vector<std::string>>{{"--help"}, {"help"}, {"-h"}}) {
    const Outcome run = Walletctl(words);
    EXPECT_EQ(run.exit_code, kExitOk) << words[0];
    EXPECT_THAT(run.out, StartsWith("walletctl: command-line client for walletd"));
    EXPECT_THAT(run.out, HasSubstr("register-meter"));
    EXPECT_THAT(run.err, IsEmpty());
  }
  for (const std::vector<std::string>& words : std::vector<std::vector<std::string>>{
           {"help", "recharge"}, {"recharge", "--help"}, {"--server=x", "recharge", "-h"}}) {
    const Outcome run = Walletctl(words);
    EXPECT_EQ(run.exit_code, kExitOk);
    EXPECT_THAT(run.out, StartsWith("walletctl recharge: Recharge a meter"));
    EXPECT_THAT(run.out, HasSubstr("--meter=ID              Meter id. Required."));
  }
}

TEST(Walletctl, MisspeltFlagExitsTwoWithASuggestion) {
  const Outcome run = Walletctl({"recharge", "--metr=M1", "--amount=5"});
  EXPECT_EQ(run.exit_code, kExitUsage);
  EXPECT_THAT(run.out, IsEmpty());
  EXPECT_EQ(run.err,
            "error: unknown flag --metr; did you mean --meter?\n"
            "usage: walletctl recharge --meter=ID (--amount=RUPEES | --amount_paise=PAISE) "
            "[--retailer=ID] [--request_id=ID]  (walletctl help recharge)\n");
}

TEST(Walletctl, UnknownCommandExitsTwoWithASuggestion) {
  const Outcome run = Walletctl({"ballance", "--meter=M1"});
  EXPECT_EQ(run.exit_code, kExitUsage);
  EXPECT_THAT(run.err, HasSubstr("error: unknown command \"ballance\"; did you mean \"balance\"?\n"
                                 "usage: walletctl [global flags] <command> [flags]"));
  EXPECT_EQ(Walletctl({"help", "ballance"}).exit_code, kExitUsage);
  EXPECT_EQ(Walletctl({}).exit_code, kExitUsage);
}

TEST(Walletctl, BadValuesExitTwoBeforeAnythingIsSent) {
  // Nothing listens on the address: a call sent would fail with exit 1.
  const Outcome run = Walletctl({"--server=127.0.0.1:1", "adjust", "--meter=M1", "--direction=up",
                                 "--amount=-5", "--reason=x"});
  EXPECT_EQ(run.exit_code, kExitUsage);
  EXPECT_THAT(run.err, HasSubstr("error: --direction: \"up\" is not one of credit|debit\n"));
  EXPECT_THAT(run.err, HasSubstr("error: --amount: \"-5\" is not rupees"));
  EXPECT_THAT(run.err, Not(HasSubstr("request id")));
}

TEST(Walletctl, UnreadableKeyFileFailsWithExitOne) {
  Environment environment;
  environment.api_key_file = "/nonexistent/walletctl.key";
  const Outcome run = Walletctl({"float"}, environment);
  EXPECT_EQ(run.exit_code, kExitFailed);
  EXPECT_THAT(run.err,
              HasSubstr("error: NOT_FOUND: cannot read API key file /nonexistent/walletctl.key"));
}

}  // namespace
}  // namespace walletctl
