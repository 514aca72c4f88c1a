// Reading the command line against a small set of commands: flag forms,
// required flags and alternatives, values checked before anything runs,
// help, and "did you mean" for misspelt commands and flags.
#include "walletctl/command_line.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "walletctl/common_flags.h"

namespace walletctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr FlagSpec kCount = IntFlag("count", "N", "How many.", 0, 10);
constexpr FlagSpec kWhen = TypedFlag(ValueType::kTime, "when", "TIME", "When.");
// Another spec for --count, with a range of its own.
constexpr FlagSpec kBigCount = IntFlag("count", "N", "How many.", 0, 1000);

absl::Status Nothing(const Args&, Context&) { return absl::OkStatus(); }

const std::vector<CommandGroup>& TestGroups() {
  static const auto* const groups = new std::vector<CommandGroup>{
      {"Test",
       {
           {"pay",
            "Pay.",
            "admin",
            {Required(kMeter), AmountUse(), Optional(kAll), Optional(kCount), Optional(kReason)},
            Nothing},
           {"show", "Show.", "admin", {Optional(kMeter), Optional(kWhen)}, Nothing},
           {"count", "Count.", "admin", {Optional(kBigCount)}, Nothing},
           {"drive show", "Show a drive.", "admin", {Optional(kMeter)}, Nothing},
       }}};
  return *groups;
}

Invocation Parse(const std::vector<std::string>& words) {
  return ParseCommandLine(words, TestGroups());
}

TEST(ParseCommandLine, ReadsTheCommandAndItsFlags) {
  const Invocation invocation = Parse({"pay", "--meter=M1", "--amount=350.50", "--all"});
  ASSERT_THAT(invocation.problems, IsEmpty());
  ASSERT_NE(invocation.command, nullptr);
  EXPECT_EQ(invocation.command->name, "pay");
  EXPECT_FALSE(invocation.help);
  EXPECT_EQ(invocation.args.Text(kMeter), "M1");
  EXPECT_EQ(invocation.args.Int(kAmount), 35050);
  EXPECT_EQ(Amount(invocation.args), 35050);
  EXPECT_TRUE(invocation.args.Bool(kAll));
  EXPECT_FALSE(invocation.args.Has(kCount));
  EXPECT_EQ(invocation.args.Int(kCount, -1), -1);
}

TEST(ParseCommandLine, TakesFlagsBeforeTheCommandAndEveryFlagForm) {
  const Invocation invocation =
      Parse({"--server", "10.0.0.1:5", "-json", "pay", "--meter", "M1", "-amount_paise=7",
             "--count", "3", "--noall", "--reason=a b"});
  ASSERT_THAT(invocation.problems, IsEmpty());
  EXPECT_EQ(invocation.args.Text(kServer), "10.0.0.1:5");
  EXPECT_TRUE(invocation.args.Bool(kJson));
  EXPECT_EQ(invocation.args.Text(kMeter), "M1");
  EXPECT_EQ(Amount(invocation.args), 7);
  EXPECT_EQ(invocation.args.Int(kCount), 3);
  EXPECT_TRUE(invocation.args.Has(kAll));
  EXPECT_FALSE(invocation.args.Bool(kAll));
  EXPECT_EQ(invocation.args.Text(kReason), "a b");
}

TEST(ParseCommandLine, BoolFlagsTakeExplicitValues) {
  EXPECT_TRUE(Parse({"pay", "--meter=M", "--amount=1", "--all=true"}).args.Bool(kAll));
  EXPECT_FALSE(Parse({"pay", "--meter=M", "--amount=1", "--all=false"}).args.Bool(kAll));
  EXPECT_THAT(Parse({"pay", "--meter=M", "--amount=1", "--all=perhaps"}).problems,
              ElementsAre(HasSubstr("--all: \"perhaps\" is not true or false")));
  EXPECT_THAT(Parse({"pay", "--meter=M", "--amount=1", "--noall=true"}).problems,
              ElementsAre("--noall takes no value"));
}

TEST(ParseCommandLine, TheLastOfARepeatedFlagWins) {
  const Invocation invocation = Parse({"pay", "--meter=M1", "--meter=M2", "--amount=1"});
  ASSERT_THAT(invocation.problems, IsEmpty());
  EXPECT_EQ(invocation.args.Text(kMeter), "M2");
}

TEST(ParseCommandLine, NamesEveryMissingRequiredFlag) {
  EXPECT_THAT(
      Parse({"pay"}).problems,
      ElementsAre("--meter=ID is required", "give one of --amount=RUPEES or --amount_paise=PAISE"));
}

TEST(ParseCommandLine, TakesOnlyOneOfAlternatives) {
  EXPECT_THAT(Parse({"pay", "--meter=M", "--amount=1", "--amount_paise=100"}).problems,
              ElementsAre("give only one of --amount and --amount_paise"));
  EXPECT_THAT(Parse({"--api_key=k", "--api_key_file=f", "show"}).problems,
              ElementsAre("give only one of --api_key_file and --api_key"));
}

TEST(ParseCommandLine, ChecksValuesBeforeAnythingRuns) {
  EXPECT_THAT(Parse({"pay", "--meter=M 1", "--amount=1.234", "--count=11"}).problems,
              ElementsAre(HasSubstr("--meter: \"M 1\": an id may contain only letters, digits"),
                          HasSubstr("--amount: \"1.234\" is not rupees with at most 2 decimals"),
                          "--count: \"11\" is not a whole number from 0 to 10"));
  EXPECT_THAT(Parse({"show", "--when=2025-02-30T10:00:00"}).problems,
              ElementsAre(HasSubstr("--when: \"2025-02-30T10:00:00\" is not a time")));
  EXPECT_THAT(Parse({"pay", "--meter=M", "--amount=1", "--reason="}).problems, IsEmpty());
}

TEST(ParseCommandLine, ARequiredTextMustNotBeEmpty) {
  static const auto* const groups = new std::vector<CommandGroup>{
      {"Test", {{"note", "Note.", "admin", {Required(kReason)}, Nothing}}}};
  EXPECT_THAT(ParseCommandLine({"note", "--reason="}, *groups).problems,
              ElementsAre("--reason must not be empty"));
}

TEST(ParseCommandLine, ParsesWithTheCommandsOwnSpec) {
  EXPECT_THAT(Parse({"count", "--count=500"}).problems, IsEmpty());
  EXPECT_THAT(Parse({"pay", "--meter=M", "--amount=1", "--count=500"}).problems,
              ElementsAre(HasSubstr("from 0 to 10")));
}

TEST(ParseCommandLine, ReadsTimesInIst) {
  const Invocation invocation = Parse({"show", "--when=2025-04-01T08:00:00"});
  ASSERT_THAT(invocation.problems, IsEmpty());
  EXPECT_EQ(
      absl::FormatTime("%Y-%m-%dT%H:%M:%S", *invocation.args.Time(kWhen), absl::UTCTimeZone()),
      "2025-04-01T02:30:00");
}

TEST(ParseCommandLine, SuggestsTheCommandMeant) {
  const Invocation invocation = Parse({"shwo", "--meter=M"});
  EXPECT_EQ(invocation.command, nullptr);
  EXPECT_THAT(invocation.problems, ElementsAre("unknown command \"shwo\"; did you mean \"show\"?"));
  EXPECT_THAT(Parse({"transfer"}).problems, ElementsAre("unknown command \"transfer\""));
  EXPECT_THAT(Parse({}).problems, ElementsAre("no command given"));
}

TEST(ParseCommandLine, SuggestsTheFlagMeantWithoutComplainingItIsMissing) {
  const Invocation invocation = Parse({"pay", "--metr=M1", "--amount=1"});
  ASSERT_NE(invocation.command, nullptr);
  EXPECT_THAT(invocation.problems, ElementsAre("unknown flag --metr; did you mean --meter?"));
  EXPECT_THAT(Parse({"pay", "--meter=M", "--amount=1", "--timout_ms=5"}).problems,
              ElementsAre("unknown flag --timout_ms; did you mean --timeout_ms?"));
  EXPECT_THAT(Parse({"pay", "--meter=M", "--amount=1", "--xyzzy"}).problems,
              ElementsAre("unknown flag --xyzzy"));
}

TEST(ParseCommandLine, RefusesAnotherCommandsFlag) {
  EXPECT_THAT(Parse({"show", "--reason=x"}).problems,
              ElementsAre("--reason does not apply to show"));
  EXPECT_THAT(Parse({"show", "--amount=1"}).problems,
              ElementsAre("--amount does not apply to show"));
}

TEST(ParseCommandLine, RefusesPositionalValues) {
  EXPECT_THAT(Parse({"show", "M1"}).problems,
              ElementsAre("unexpected argument \"M1\"; values go in flags, e.g. --meter=ID"));
  // After "--" a word that looks like a flag is positional too.
  EXPECT_THAT(Parse({"show", "--", "--meter=M1"}).problems,
              ElementsAre(HasSubstr("unexpected argument \"--meter=M1\"")));
  EXPECT_THAT(Parse({"show", "--meter"}).problems, ElementsAre("--meter=ID needs a value"));
}

TEST(ParseCommandLine, HelpInEveryForm) {
  for (const std::vector<std::string>& words : std::vector<std::vector<std::string>>{
           {"--help"}, {"-h"}, {"help"}, {"--server=x", "--help"}}) {
    const Invocation invocation = Parse(words);
    EXPECT_TRUE(invocation.help) << words[0];
    EXPECT_EQ(invocation.command, nullptr);
    EXPECT_THAT(invocation.problems, IsEmpty());
  }
  for (const std::vector<std::string>& words : std::vector<std::vector<std::string>>{
           {"help", "pay"}, {"pay", "--help"}, {"--help", "pay", "--metr=x"}, {"pay", "-h"}}) {
    const Invocation invocation = Parse(words);
    EXPECT_TRUE(invocation.help);
    ASSERT_NE(invocation.command, nullptr);
    EXPECT_EQ(invocation.command->name, "pay");
    EXPECT_THAT(invocation.problems, IsEmpty());
  }
  EXPECT_THAT(Parse({"help", "py"}).problems,
              ElementsAre("unknown command \"py\"; did you mean \"pay\"?"));
  EXPECT_THAT(Parse({"help", "pay", "show"}).problems, ElementsAre("help takes one command name"));
}

TEST(ParseCommandLine, ReadsCommandsOfTwoWords) {
  const Invocation invocation = Parse({"drive", "show", "--meter=M1"});
  ASSERT_THAT(invocation.problems, IsEmpty());
  ASSERT_NE(invocation.command, nullptr);
  EXPECT_EQ(invocation.command->name, "drive show");
  EXPECT_EQ(invocation.args.Text(kMeter), "M1");
  EXPECT_EQ(Parse({"--meter=M1", "drive", "show"}).command->name, "drive show");
  EXPECT_THAT(Parse({"drive", "shwo"}).problems,
              ElementsAre("unknown command \"drive shwo\"; did you mean \"drive show\"?"));
  EXPECT_THAT(Parse({"drive", "show", "M1"}).problems,
              ElementsAre(HasSubstr("unexpected argument \"M1\"")));
  const Invocation help = Parse({"help", "drive", "show"});
  EXPECT_TRUE(help.help);
  ASSERT_NE(help.command, nullptr);
  EXPECT_EQ(help.command->name, "drive show");
  EXPECT_THAT(Parse({"help", "drive", "show", "x"}).problems,
              ElementsAre("help takes one command name"));
}

}  // namespace
}  // namespace walletctl
