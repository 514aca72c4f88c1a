// walletctl's real commands: declarations the parser and the help rely on,
// and help that says which flags are required and what the defaults are.
#include "walletctl/commands.h"

#include <map>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "walletctl/command_line.h"
#include "walletctl/help.h"

namespace walletctl {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// The commands scripts, the demo and the README use, by role.
TEST(Commands, KeepTheirNames) {
  std::set<std::string> names;
  for (const CommandGroup& group : Commands()) {
    for (const Command& command : group.commands) {
      EXPECT_TRUE(names.insert(command.name).second) << command.name << " twice";
      EXPECT_NE(command.run, nullptr) << command.name;
      EXPECT_FALSE(command.summary.empty()) << command.name;
      EXPECT_FALSE(command.key.empty()) << command.name;
    }
  }
  for (const char* name :
       {"register-meter", "get-meter",    "list-meters",    "adjust",          "create-retailer",
        "topup-float",    "journal",      "issue-key",      "check-ledger",    "set-hold",
        "meter-state",    "set-clock",    "recharge",       "float",           "statement",
        "balance",        "history",      "start-recharge", "confirm-payment", "ingest",
        "relay-commands", "report-relay", "notifications",  "tariffs",         "put-tariff"}) {
    EXPECT_EQ(names.count(name), 1u) << name;
  }
}

// The command line is split before the command is known, so a flag name
// must mean one kind of value everywhere.
TEST(Commands, GiveEachFlagNameOneKindOfValue) {
  std::map<std::string, const FlagSpec*> seen;
  auto check = [&](const FlagUse& use, const std::string& where) {
    for (const FlagSpec* spec : use.alternatives) {
      auto [it, added] = seen.emplace(std::string(spec->name), spec);
      if (added) continue;
      EXPECT_EQ(it->second->type, spec->type) << "--" << spec->name << " in " << where;
      EXPECT_EQ(it->second->value_name, spec->value_name) << "--" << spec->name << " in " << where;
    }
  };
  for (const FlagUse& use : GlobalFlags()) check(use, "global flags");
  for (const CommandGroup& group : Commands()) {
    for (const Command& command : group.commands) {
      std::set<absl::string_view> own;
      for (const FlagUse& use : command.flags) {
        check(use, command.name);
        for (const FlagSpec* spec : use.alternatives) {
          EXPECT_TRUE(own.insert(spec->name).second) << command.name << " --" << spec->name;
          EXPECT_FALSE(spec->help.empty()) << command.name << " --" << spec->name;
        }
      }
    }
  }
}

TEST(Commands, RegisterMeterRequiresWhatWalletdRequires) {
  const Invocation invocation = ParseCommandLine({"register-meter", "--meter=M1"}, Commands());
  EXPECT_THAT(invocation.problems,
              testing::ElementsAre("--consumer=ID is required", "--category=CAT is required",
                                   "--phone=NUM is required", "--load_w=W is required"));
  EXPECT_THAT(ParseCommandLine({"register-meter", "--meter=M1", "--consumer=C1",
                                "--category=domestic", "--phone=9826000101", "--load_w=0"},
                               Commands())
                  .problems,
              testing::ElementsAre(HasSubstr("--load_w: \"0\" is not a whole number from 1")));
}

TEST(Commands, CreateRetailerTakesMinusOneForTheDefaultCommission) {
  EXPECT_THAT(
      ParseCommandLine({"create-retailer", "--retailer=R1", "--name=Shop", "--commission_bps=-1"},
                       Commands())
          .problems,
      IsEmpty());
  EXPECT_THAT(
      ParseCommandLine(
          {"create-retailer", "--retailer=R1", "--name=Shop", "--commission_bps=10001"}, Commands())
          .problems,
      testing::ElementsAre(HasSubstr("from -1 to 10000")));
}

TEST(Help, MarksRequiredFlagsAndShowsDefaults) {
  const std::string help = CommandHelp(*FindCommand(Commands(), "register-meter"));
  EXPECT_THAT(help, ContainsRegex("--phone=NUM +Consumer's mobile number[^-]*Required\\."));
  EXPECT_THAT(help, ContainsRegex("--load_w=W +Sanctioned load in watts\\. Required\\."));
  EXPECT_THAT(help, ContainsRegex("--name=TEXT +Consumer's name\\.\n"));
  EXPECT_THAT(help, ContainsRegex("--arrears=RUPEES [^\n]*\n[^\n]*Default: 0\\."));
  EXPECT_THAT(help, ContainsRegex("One of[[:space:]]+domestic\\|commercial\\|government\\|"
                                  "industrial\\. Required\\."));
  EXPECT_THAT(help, HasSubstr("API key: admin."));
}

TEST(Help, OverviewBracketsOnlyOptionalFlags) {
  const std::string help = OverviewHelp(Commands());
  EXPECT_THAT(help, HasSubstr("--meter=ID --consumer=ID --category=CAT --phone=NUM"));
  EXPECT_THAT(help, ContainsRegex("--load_w=W[[:space:]]+\\[--name=TEXT\\]"));
  EXPECT_THAT(help, Not(HasSubstr("[--phone")));
  EXPECT_THAT(help, Not(HasSubstr("[--load_w")));
  EXPECT_THAT(help, HasSubstr("Exit status: 0 ok; 1 walletd refused or failed the call"));
  EXPECT_THAT(help, HasSubstr("2 usage error"));
  EXPECT_THAT(help, HasSubstr("  ROLE             admin|retailer|consumer|payment_gateway|"
                              "meter_gateway\n"));
}

TEST(Help, UsageHintIsOneLine) {
  for (const CommandGroup& group : Commands()) {
    for (const Command& command : group.commands) {
      const std::string hint = UsageHint(&command);
      EXPECT_THAT(hint, Not(HasSubstr("\n"))) << command.name;
      EXPECT_THAT(hint, HasSubstr(absl::StrCat("usage: walletctl ", command.name)));
    }
  }
  EXPECT_EQ(UsageHint(FindCommand(Commands(), "get-meter")),
            "usage: walletctl get-meter --meter=ID  (walletctl help get-meter)");
}

TEST(Help, DescribesEveryCommand) {
  for (const CommandGroup& group : Commands()) {
    for (const Command& command : group.commands) {
      const std::string help = CommandHelp(command);
      EXPECT_THAT(help, HasSubstr(command.summary)) << command.name;
      for (const FlagUse& use : command.flags) {
        for (const FlagSpec* spec : use.alternatives) {
          EXPECT_THAT(help, HasSubstr(absl::StrCat("  --", spec->name))) << command.name;
        }
      }
    }
  }
}

}  // namespace
}  // namespace walletctl
