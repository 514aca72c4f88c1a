#include "walletctl/command_line.h"

#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "walletctl/suggest.h"

namespace walletctl {
namespace {

// A flag as written, once its spec is known.
struct WrittenFlag {
  const FlagSpec* spec;
  std::optional<std::string> value;  // absent for "--flag" and "--noflag"
  bool negated = false;              // "--noflag"
};

// Words is a command line split into flags and positional words.
struct Words {
  std::vector<std::string> positional;
  std::vector<WrittenFlag> flags;
  std::vector<std::string> unknown;  // names of flags no command has
  bool help = false;
};

using SpecsByName = absl::flat_hash_map<absl::string_view, const FlagSpec*>;

void AddSpecs(const std::vector<FlagUse>& uses, SpecsByName& specs) {
  for (const FlagUse& use : uses) {
    for (const FlagSpec* spec : use.alternatives) specs.emplace(spec->name, spec);
  }
}

// AllSpecs maps every flag name of the global flags and of every command to
// its spec, so that the words can be split before the command is known.
SpecsByName AllSpecs(const std::vector<CommandGroup>& groups) {
  SpecsByName specs;
  AddSpecs(GlobalFlags(), specs);
  for (const CommandGroup& group : groups) {
    for (const Command& command : group.commands) AddSpecs(command.flags, specs);
  }
  return specs;
}

const FlagSpec* Lookup(const SpecsByName& specs, absl::string_view name) {
  auto it = specs.find(name);
  return it == specs.end() ? nullptr : it->second;
}

Words SplitWords(const std::vector<std::string>& words, const SpecsByName& specs,
                 std::vector<std::string>& problems) {
  Words split;
  bool flags_ended = false;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (flags_ended || word.size() < 2 || word[0] != '-') {
      split.positional.push_back(word);
      continue;
    }
    if (word == "--") {
      flags_ended = true;
      continue;
    }
    absl::string_view body = word;
    if (!absl::ConsumePrefix(&body, "--")) absl::ConsumePrefix(&body, "-");
    const size_t equals = body.find('=');
    const absl::string_view name = body.substr(0, equals);
    std::optional<std::string> value;
    if (equals != absl::string_view::npos) value = std::string(body.substr(equals + 1));
    if (name == "help" || name == "h") {
      split.help = true;
      continue;
    }
    WrittenFlag flag{Lookup(specs, name), std::move(value)};
    if (flag.spec == nullptr && absl::StartsWith(name, "no")) {
      const FlagSpec* positive = Lookup(specs, name.substr(2));
      if (positive != nullptr && positive->type == ValueType::kBool) {
        flag.spec = positive;
        flag.negated = true;
      }
    }
    if (flag.spec == nullptr) {
      split.unknown.emplace_back(name);
      continue;
    }
    if (flag.negated && flag.value.has_value()) {
      problems.push_back(absl::StrCat("--", name, " takes no value"));
      continue;
    }
    if (flag.spec->type != ValueType::kBool && !flag.value.has_value()) {
      if (i + 1 == words.size()) {
        problems.push_back(absl::StrCat(FlagSyntax(*flag.spec), " needs a value"));
        continue;
      }
      flag.value = words[++i];
    }
    split.flags.push_back(std::move(flag));
  }
  return split;
}

std::vector<std::string> CommandNames(const std::vector<CommandGroup>& groups) {
  std::vector<std::string> names;
  for (const CommandGroup& group : groups) {
    for (const Command& command : group.commands) names.push_back(command.name);
  }
  return names;
}

std::string DidYouMean(absl::string_view prefix, const std::string& suggestion) {
  if (suggestion.empty()) return "";
  return absl::StrCat("; did you mean ", prefix, suggestion, "?");
}

// FindOrComplain returns the command called `name`, or records that there
// is none, with the closest name.
const Command* FindOrComplain(const std::vector<CommandGroup>& groups, absl::string_view name,
                              std::vector<std::string>& problems) {
  const Command* command = FindCommand(groups, name);
  if (command == nullptr) {
    const std::string suggestion = Suggest(name, CommandNames(groups));
    problems.push_back(absl::StrCat("unknown command \"", name, "\"",
                                    suggestion.empty() ? "" : DidYouMean("\"", suggestion + "\"")));
  }
  return command;
}

// CommandWords is how many of the positional words name the command: two
// for a command named by two words ("drive create"), else one.
size_t CommandWords(const std::vector<CommandGroup>& groups,
                    const std::vector<std::string>& positional) {
  if (positional.size() >= 2 &&
      FindCommand(groups, absl::StrCat(positional[0], " ", positional[1])) != nullptr) {
    return 2;
  }
  return 1;
}

// FindNamed finds the command the first `words` positional words name, or
// records that there is none, with the closest name.
const Command* FindNamed(const std::vector<CommandGroup>& groups,
                         const std::vector<std::string>& positional, size_t words,
                         std::vector<std::string>& problems) {
  std::string name = positional[0];
  // A word that only starts commands ("drive") is completed by the next one
  // for the suggestion: "drive shwo" suggests "drive show".
  if (words == 1 && positional.size() >= 2 && FindCommand(groups, name) == nullptr) {
    for (const std::string& candidate : CommandNames(groups)) {
      if (absl::StartsWith(candidate, absl::StrCat(name, " "))) {
        name = absl::StrCat(name, " ", positional[1]);
        break;
      }
    }
  }
  if (words == 2) name = absl::StrCat(positional[0], " ", positional[1]);
  return FindOrComplain(groups, name, problems);
}

// UsesOf lists the flags `command` takes: the global ones and its own.
std::vector<const FlagUse*> UsesOf(const Command* command) {
  std::vector<const FlagUse*> uses;
  for (const FlagUse& use : GlobalFlags()) uses.push_back(&use);
  if (command != nullptr) {
    for (const FlagUse& use : command->flags) uses.push_back(&use);
  }
  return uses;
}

std::vector<std::string> NamesOf(const std::vector<const FlagUse*>& uses) {
  std::vector<std::string> names;
  for (const FlagUse* use : uses) {
    for (const FlagSpec* spec : use->alternatives) names.emplace_back(spec->name);
  }
  return names;
}

// SpecIn returns the spec of the flag called `name` among `uses`, or null.
// Commands may share a flag name with specs of their own (another default
// or range), so the command's spec is the one that parses the value.
const FlagSpec* SpecIn(const std::vector<const FlagUse*>& uses, absl::string_view name) {
  for (const FlagUse* use : uses) {
    for (const FlagSpec* spec : use->alternatives) {
      if (spec->name == name) return spec;
    }
  }
  return nullptr;
}

absl::StatusOr<FlagValue> ValueOf(const WrittenFlag& flag) {
  if (flag.spec->type == ValueType::kBool && !flag.value.has_value()) {
    return FlagValue(!flag.negated);
  }
  return ParseFlagValue(*flag.spec, *flag.value);
}

// CheckUse records a problem if `use` was given more than one way, or is
// required and missing (an empty text counts as missing). `written` names
// the flags on the command line, whether their values were valid or not.
void CheckUse(const FlagUse& use, const absl::flat_hash_set<absl::string_view>& written,
              const Args& args, std::vector<std::string>& problems) {
  std::vector<std::string> given;
  std::vector<std::string> syntax;
  for (const FlagSpec* spec : use.alternatives) {
    syntax.push_back(FlagSyntax(*spec));
    if (written.contains(spec->name)) given.push_back(absl::StrCat("--", spec->name));
  }
  if (given.size() > 1) {
    problems.push_back(absl::StrCat("give only one of ", absl::StrJoin(given, " and ")));
  } else if (use.required && given.empty()) {
    problems.push_back(syntax.size() == 1
                           ? absl::StrCat(syntax[0], " is required")
                           : absl::StrCat("give one of ", absl::StrJoin(syntax, " or ")));
  } else if (use.required && use.alternatives.size() == 1 &&
             use.alternatives[0]->type == ValueType::kText && args.Has(*use.alternatives[0]) &&
             args.Text(*use.alternatives[0]).empty()) {
    problems.push_back(absl::StrCat("--", use.alternatives[0]->name, " must not be empty"));
  }
}

}  // namespace

const std::vector<FlagUse>& GlobalFlags() {
  static const auto* const flags = new std::vector<FlagUse>{
      Optional(kServer),
      Optional(kTlsCa),
      Optional(kTlsCert),
      Optional(kTlsKey),
      OptionalOneOf({&kApiKeyFile, &kApiKey}),
      OptionalOneOf({&kOutput, &kJson}),
      Optional(kTimeoutMs),
  };
  return *flags;
}

Invocation ParseCommandLine(const std::vector<std::string>& words,
                            const std::vector<CommandGroup>& groups) {
  Invocation invocation;
  std::vector<std::string>& problems = invocation.problems;
  Words split = SplitWords(words, AllSpecs(groups), problems);
  std::vector<std::string>& positional = split.positional;

  // Help: "help [command]" or --help anywhere. Other problems do not matter.
  const bool help_word = !positional.empty() && positional[0] == "help";
  if (split.help || help_word) {
    if (help_word) positional.erase(positional.begin());
    problems.clear();
    invocation.help = true;
    const size_t words = positional.empty() ? 0 : CommandWords(groups, positional);
    if (positional.size() > words) {
      problems.push_back("help takes one command name");
    } else if (!positional.empty()) {
      invocation.command = FindNamed(groups, positional, words, problems);
    }
    return invocation;
  }

  if (positional.empty()) {
    problems.push_back("no command given");
  } else {
    const size_t words = CommandWords(groups, positional);
    invocation.command = FindNamed(groups, positional, words, problems);
    if (invocation.command != nullptr && positional.size() > words) {
      problems.push_back(absl::StrCat("unexpected argument \"", positional[words],
                                      "\"; values go in flags, e.g. --meter=ID"));
    }
  }
  const Command* command = invocation.command;
  const std::vector<const FlagUse*> uses = UsesOf(command);
  absl::flat_hash_set<absl::string_view> written;
  // A misspelt flag counts as written under the name suggested for it, so
  // that its error is not followed by another saying the flag is missing.
  std::vector<std::string> suggested;
  for (const std::string& name : split.unknown) {
    std::string suggestion = Suggest(name, NamesOf(uses));
    problems.push_back(absl::StrCat("unknown flag --", name, DidYouMean("--", suggestion)));
    if (!suggestion.empty()) suggested.push_back(std::move(suggestion));
  }
  // Without a command there is nothing to check the flags against.
  if (command == nullptr) return invocation;
  for (WrittenFlag& flag : split.flags) {
    const absl::string_view name = flag.spec->name;
    flag.spec = SpecIn(uses, name);
    if (flag.spec == nullptr) {
      problems.push_back(absl::StrCat("--", name, " does not apply to ", command->name,
                                      DidYouMean("--", Suggest(name, NamesOf(uses)))));
      continue;
    }
    written.insert(flag.spec->name);
    absl::StatusOr<FlagValue> value = ValueOf(flag);
    if (!value.ok()) {
      problems.push_back(absl::StrCat("--", flag.spec->name, ": ", value.status().message()));
      continue;
    }
    invocation.args.Set(flag.spec->name, *std::move(value));
  }
  for (const std::string& name : suggested) written.insert(name);
  for (const FlagUse* use : uses) CheckUse(*use, written, invocation.args, problems);
  return invocation;
}

}  // namespace walletctl
