#include "walletctl/help.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "walletctl/command_line.h"

namespace walletctl {
namespace {

constexpr size_t kWidth = 80;
// Where the descriptions start in a list of flags, and the command
// summaries in the overview.
constexpr size_t kFlagColumn = 26;
constexpr size_t kCommandColumn = 19;

// Flow appends the words of `text` to `line`, starting a new line of
// `indent` spaces whenever the next word would pass kWidth, and returns the
// lines.
std::string Flow(std::string line, absl::string_view text, size_t indent) {
  std::string out;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    const bool blank = line.find_first_not_of(' ') == std::string::npos;
    const size_t space = line.empty() || line.back() == ' ' ? 0 : 1;
    if (!blank && line.size() + space + word.size() > kWidth) {
      absl::StrAppend(&out, line, "\n");
      line = std::string(indent, ' ');
    }
    if (!line.empty() && line.back() != ' ') line += ' ';
    absl::StrAppend(&line, word);
  }
  return absl::StrCat(out, line, "\n");
}

// Wrap lays out `text` at column `indent` after `label`, or under it when
// the label reaches that column.
std::string Wrap(absl::string_view label, absl::string_view text, size_t indent) {
  if (!label.empty() && label.size() + 1 > indent) {
    return absl::StrCat(label, "\n", Flow(std::string(indent, ' '), text, indent));
  }
  return Flow(absl::StrCat(label, std::string(indent - label.size(), ' ')), text, indent);
}

std::string Synopsis(const Command& command) {
  std::vector<std::string> uses;
  for (const FlagUse& use : command.flags) uses.push_back(UseSyntax(use));
  return absl::StrJoin(uses, " ");
}

// SharedKey is the key every command of `group` needs, or "" if they differ.
std::string SharedKey(const CommandGroup& group) {
  std::set<std::string> keys;
  for (const Command& command : group.commands) keys.insert(command.key);
  return keys.size() == 1 ? *keys.begin() : "";
}

std::string FlagList(const std::vector<FlagUse>& uses) {
  std::string text;
  for (const FlagUse& use : uses) {
    for (const FlagSpec* spec : use.alternatives) {
      absl::StrAppend(&text, Wrap(absl::StrCat("  ", FlagSyntax(*spec)),
                                  FlagDescription(use, *spec), kFlagColumn));
    }
  }
  return text;
}

// ValueList lists the names each enum-like value (CAT, ROLE, ...) takes.
std::string ValueList(const std::vector<CommandGroup>& groups) {
  std::string text;
  std::set<absl::string_view> listed;
  for (const CommandGroup& group : groups) {
    for (const Command& command : group.commands) {
      for (const FlagUse& use : command.flags) {
        for (const FlagSpec* spec : use.alternatives) {
          const std::vector<std::string> choices = ValueChoices(*spec);
          if (choices.empty() || !listed.insert(spec->value_name).second) continue;
          absl::StrAppend(&text, Wrap(absl::StrCat("  ", spec->value_name),
                                      absl::StrJoin(choices, "|"), kCommandColumn));
        }
      }
    }
  }
  return text;
}

constexpr absl::string_view kConventions =
    "Flags in [brackets] are optional, the others required; (a | b) takes one of them. "
    "'walletctl help <command>' describes each flag, the values it takes and its default. "
    "Amounts are typed in rupees (--amount=350.50, at most 2 decimals, parsed exactly) or "
    "paise (--amount_paise=35050) and print in rupees with Indian digit grouping. Dates and "
    "times are IST. A mutating call without --request_id (ingest: --batch_id) gets a new one, "
    "printed on standard error: pass it again to retry without applying the call twice.";

constexpr absl::string_view kOutputs =
    "Output: text for people by default; --output=csv prints a list's rows (other responses "
    "as field,value lines), amounts as plain rupees and times in RFC 3339; --output=json (or "
    "--json) prints the response in protobuf's JSON mapping (proto field names, int64 as "
    "strings). Streams print one item a line in each format. Advice (generated ids, more "
    "pages) goes to standard error.";

constexpr absl::string_view kExitStatus =
    "Exit status: 0 ok; 1 walletd refused or failed the call (or check-ledger found a "
    "mismatch, or ingest's reading was rejected); 2 usage error: nothing was sent.";

}  // namespace

std::string FlagDescription(const FlagUse& use, const FlagSpec& spec) {
  std::string text(use.help.empty() ? std::string(spec.help) : use.help);
  const std::vector<std::string> choices = ValueChoices(spec);
  if (!choices.empty()) absl::StrAppend(&text, " One of ", absl::StrJoin(choices, "|"), ".");
  if (use.required) {
    std::vector<std::string> others;
    for (const FlagSpec* other : use.alternatives) {
      if (other != &spec) others.push_back(absl::StrCat("--", other->name));
    }
    absl::StrAppend(
        &text, others.empty() ? " Required."
                              : absl::StrCat(" Required, or ", absl::StrJoin(others, " or "), "."));
  } else if (!spec.default_text.empty()) {
    absl::StrAppend(&text, " Default: ", spec.default_text, ".");
  }
  return text;
}

std::string OverviewHelp(const std::vector<CommandGroup>& groups) {
  std::string text =
      "walletctl: command-line client for walletd, the prepaid energy wallet.\n"
      "\n"
      "Usage: walletctl [global flags] <command> [flags]\n"
      "       walletctl help [<command>]    (or: walletctl [<command>] --help)\n"
      "\n"
      "Global flags:\n";
  absl::StrAppend(&text, FlagList(GlobalFlags()));
  for (const CommandGroup& group : groups) {
    const std::string key = SharedKey(group);
    absl::StrAppend(&text, "\n", group.title, key.empty() ? "" : absl::StrCat(" (key: ", key, ")"),
                    ":\n");
    for (const Command& command : group.commands) {
      std::string summary = command.summary;
      if (key.empty()) absl::StrAppend(&summary, " (key: ", command.key, ")");
      absl::StrAppend(&text, Wrap(absl::StrCat("  ", command.name), summary, kCommandColumn));
      if (!command.flags.empty())
        absl::StrAppend(&text, Wrap("", Synopsis(command), kCommandColumn));
    }
  }
  absl::StrAppend(&text, "\nValues:\n", ValueList(groups), "\n", Wrap("", kConventions, 0), "\n",
                  Wrap("", kOutputs, 0), "\n", Wrap("", kExitStatus, 0),
                  "\nExample:\n"
                  "  walletctl --api_key_file=admin.key recharge --retailer=R1 --meter=MTR001 \\\n"
                  "      --amount=350.50\n");
  return text;
}

std::string CommandHelp(const Command& command) {
  std::string text = absl::StrCat("walletctl ", command.name, ": ", command.summary, "\n",
                                  "API key: ", command.key, ".\n\n");
  absl::StrAppend(&text, Flow(absl::StrCat("Usage: walletctl [global flags] ", command.name),
                              Synopsis(command), 6));
  if (!command.flags.empty()) {
    absl::StrAppend(&text, "\nFlags:\n", FlagList(command.flags));
  }
  if (!command.details.empty()) absl::StrAppend(&text, "\n", Wrap("", command.details, 0));
  absl::StrAppend(&text,
                  "\nGlobal flags (--server, --api_key_file, --output, ...): walletctl help\n");
  return text;
}

std::string UsageHint(const Command* command) {
  if (command == nullptr) {
    return "usage: walletctl [global flags] <command> [flags]; 'walletctl help' lists the "
           "commands";
  }
  return absl::StrCat("usage: walletctl ", command->name, command->flags.empty() ? "" : " ",
                      Synopsis(*command), "  (walletctl help ", command->name, ")");
}

}  // namespace walletctl
