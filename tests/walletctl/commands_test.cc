// walletctl's real commands: declarations the parser and the help rely on,
// and help that says which flags are required and what the defaults are.
#include "walletctl/commands.h"

#include <map>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "wallet/v1/admin.pb.h"
#include "wallet/v1/common.pb.h"
#include "walletctl/args.h"
#include "walletctl/command_line.h"
#include "walletctl/common_flags.h"
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
  for (const char* name : {"register-meter",  "get-meter",       "list-meters",     "adjust",
                           "create-retailer", "topup-float",     "journal",         "issue-key",
                           "check-ledger",    "set-hold",        "meter-state",     "set-clock",
                           "recharge",        "float",           "statement",       "balance",
                           "history",         "start-recharge",  "confirm-payment", "ingest",
                           "relay-commands",  "report-relay",    "notifications",   "tariffs",
                           "put-tariff",      "update-consumer", "update-meter",    "move-meter",
                           "changes",         "order",           "orders",          "cancel-order",
                           "drive create",    "drive approve",   "drive pause",     "drive resume",
                           "drive cancel",    "drive show",      "drive watch",     "drive meters",
                           "drives",          "keys list",       "keys revoke",     "keys rotate",
                           "sign-ins revoke"}) {
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
                                   "--phone=NUM is required", "--load_w=W is required",
                                   "--tariff=ID is required"));
  EXPECT_THAT(
      ParseCommandLine({"register-meter", "--meter=M1", "--consumer=C1", "--category=domestic",
                        "--phone=9826000101", "--load_w=0", "--tariff=DOM-LT1"},
                       Commands())
          .problems,
      testing::ElementsAre(HasSubstr("--load_w: \"0\" is not a whole number from 1")));
}

// What the change commands need before anything is sent: the subject, a
// reason that is not empty, and values walletd would take.
TEST(Commands, ChangeCommandsRequireTheSubjectAndAReason) {
  EXPECT_THAT(ParseCommandLine({"update-consumer", "--phone=9826000999"}, Commands()).problems,
              testing::ElementsAre("--consumer=ID is required", "--reason=TEXT is required"));
  EXPECT_THAT(
      ParseCommandLine({"update-consumer", "--consumer=C1", "--reason=", "--phone=12"}, Commands())
          .problems,
      testing::ElementsAre(HasSubstr("--phone: \"12\": "), "--reason must not be empty"));
  EXPECT_THAT(ParseCommandLine({"update-meter", "--meter=M1", "--reason=x", "--load_w=-5",
                                "--category=farm", "--tariff=a b"},
                               Commands())
                  .problems,
              testing::ElementsAre(HasSubstr("--load_w: \"-5\" is not a whole number from 1"),
                                   HasSubstr("--category: \"farm\" is not one of domestic|"),
                                   HasSubstr("--tariff: \"a b\": ")));
  EXPECT_THAT(ParseCommandLine({"move-meter", "--meter=M1", "--reason=sold"}, Commands()).problems,
              testing::ElementsAre("--consumer=ID is required"));
  // Unset and empty differ: --name= clears the name, no --name keeps it.
  const Invocation cleared = ParseCommandLine(
      {"update-consumer", "--consumer=C1", "--reason=typo", "--name="}, Commands());
  ASSERT_THAT(cleared.problems, IsEmpty());
  EXPECT_TRUE(cleared.args.Has(kName));
  EXPECT_EQ(cleared.args.Text(kName), "");
  EXPECT_FALSE(cleared.args.Has(kPhone));
}

TEST(Commands, ChangesTakeAMeterOrAConsumer) {
  EXPECT_THAT(ParseCommandLine({"changes"}, Commands()).problems,
              testing::ElementsAre("give one of --meter=ID or --consumer=ID"));
  EXPECT_THAT(ParseCommandLine({"changes", "--meter=M1", "--consumer=C1"}, Commands()).problems,
              testing::ElementsAre("give only one of --meter and --consumer"));
  const Invocation paged =
      ParseCommandLine({"changes", "--consumer=C1", "--page_size=5", "--all"}, Commands());
  ASSERT_THAT(paged.problems, IsEmpty());
  EXPECT_EQ(paged.args.Int(kPageSize), 5);
  EXPECT_TRUE(paged.args.Bool(kAll));
}

TEST(Commands, OrderCommandsTakeAnOrderIdAndOptionalFilters) {
  EXPECT_THAT(ParseCommandLine({"order"}, Commands()).problems,
              testing::ElementsAre("--order_id=ID is required"));
  EXPECT_THAT(ParseCommandLine({"cancel-order", "--order_id=ord/1"}, Commands()).problems,
              testing::ElementsAre(HasSubstr("--order_id: \"ord/1\": ")));
  EXPECT_THAT(ParseCommandLine({"orders"}, Commands()).problems, IsEmpty());
  EXPECT_THAT(
      ParseCommandLine({"orders", "--meter=M1", "--consumer=C1", "--page_size=1001"}, Commands())
          .problems,
      testing::ElementsAre(HasSubstr("--page_size: \"1001\" is not a whole number from 0 "
                                     "to 1000")));
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
  EXPECT_THAT(help, ContainsRegex("--phone=NUM +Consumer's mobile number[^=]*Required\\."));
  EXPECT_THAT(help, ContainsRegex("--load_w=W +Sanctioned load in watts\\. Required\\."));
  EXPECT_THAT(help, ContainsRegex("--tariff=ID +Tariff id[^=]*Required\\."));
  EXPECT_THAT(help, ContainsRegex("--name=TEXT +Consumer's name\\. [^=]*name it has\\.\n"));
  EXPECT_THAT(help, Not(ContainsRegex("--name=TEXT[^=]*Required")));
  EXPECT_THAT(help, ContainsRegex("--arrears=RUPEES [^\n]*\n[^\n]*Default: 0\\."));
  EXPECT_THAT(help, ContainsRegex("One of[[:space:]]+domestic\\|commercial\\|government\\|"
                                  "industrial\\. Required\\."));
  EXPECT_THAT(help, HasSubstr("API key: admin."));
}

TEST(Help, OverviewBracketsOnlyOptionalFlags) {
  const std::string help = OverviewHelp(Commands());
  // register-meter's synopsis: up to the next command.
  const size_t start = help.find("  register-meter ");
  ASSERT_NE(start, std::string::npos);
  const std::string register_meter = help.substr(start, help.find("  get-meter ") - start);
  EXPECT_THAT(register_meter, HasSubstr("--meter=ID --consumer=ID --category=CAT --phone=NUM"));
  EXPECT_THAT(register_meter,
              ContainsRegex("--load_w=W[[:space:]]+--tariff=ID[[:space:]]+\\[--name=TEXT\\]"));
  EXPECT_THAT(register_meter, Not(HasSubstr("[--tariff")));
  EXPECT_THAT(register_meter, Not(HasSubstr("[--phone")));
  EXPECT_THAT(register_meter, Not(HasSubstr("[--load_w")));
  // The updates change only what is given.
  EXPECT_THAT(help, ContainsRegex("update-consumer [^\n]*\n +--consumer=ID --reason=TEXT "
                                  "\\[--name=TEXT\\] \\[--phone=NUM\\]"));
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

// A command reads its ids from the flags named, into the fields named.
TEST(RequestHelpers, FillTheIdFieldsFromTheirFlags) {
  Args args;
  args.Set("meter", std::string("BSP-0042"));
  args.Set("consumer", std::string("C-7"));
  EXPECT_EQ(MeterRequest<wallet::v1::GetMeterRequest>(args).meter_id(), "BSP-0042");
  EXPECT_EQ(IdRequest(&wallet::v1::UpdateConsumerRequest::mutable_consumer_id, args, kConsumer)
                .consumer_id(),
            "C-7");
  const auto changes = OwnerFilter<wallet::v1::ListChangesRequest>(args);
  EXPECT_EQ(changes.meter_id(), "BSP-0042");
  EXPECT_EQ(changes.consumer_id(), "C-7");
  EXPECT_EQ(OwnerFilter<wallet::v1::ListChangesRequest>(Args()).meter_id(), "");
}

// update-meter sends only the details given (a field left unset is not
// changed), and register-meter the same details into its Meter.
TEST(SetMeterDetails, SetsOnlyTheDetailsGiven) {
  Args args;
  args.Set("circle", std::string("Bilaspur"));
  args.Set("load_w", int64_t{5000});
  args.Set("billing_mode", int64_t{wallet::v1::POSTPAID});
  args.Set("ct_operated", false);
  wallet::v1::UpdateMeterRequest update;
  SetMeterDetails(args, update);
  EXPECT_EQ(update.circle(), "Bilaspur");
  EXPECT_EQ(update.sanctioned_load_w(), 5000);
  EXPECT_EQ(update.billing_mode(), wallet::v1::POSTPAID);
  EXPECT_TRUE(update.has_ct_operated());
  EXPECT_FALSE(update.has_category());
  EXPECT_FALSE(update.has_division());
  EXPECT_FALSE(update.has_subdivision());
  EXPECT_FALSE(update.has_tariff_id());
  EXPECT_FALSE(update.has_address());

  wallet::v1::Meter meter;
  SetMeterDetails(args, meter);
  EXPECT_EQ(meter.circle(), "Bilaspur");
  EXPECT_EQ(meter.sanctioned_load_w(), 5000);
  EXPECT_EQ(meter.billing_mode(), wallet::v1::POSTPAID);
  EXPECT_EQ(meter.tariff_id(), "");
}

}  // namespace
}  // namespace walletctl
