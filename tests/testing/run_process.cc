#include "tests/testing/run_process.h"

#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "tests/testing/child_process.h"
#include "tests/testing/temp_dir.h"

namespace wallet::testing {
namespace {

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

absl::StatusOr<ProcessResult> RunProcess(
    const std::vector<std::string>& argv,
    const std::vector<std::pair<std::string, std::string>>& env, absl::Duration timeout) {
  if (argv.empty()) return absl::InvalidArgumentError("no program to run");
  // The output goes to files rather than pipes, so a child printing more
  // than a pipe holds never blocks.
  TempDir dir;
  if (dir.path().empty()) return absl::InternalError("cannot create a temporary directory");
  ChildOptions options;
  options.binary = argv[0];
  options.args.assign(argv.begin() + 1, argv.end());
  options.env = env;
  options.log_path = dir.path() + "/stderr";
  options.stdout_path = dir.path() + "/stdout";
  options.log_banner = false;  // what the program printed, nothing else
  absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::Start(std::move(options));
  if (!child.ok()) return child.status();
  absl::StatusOr<int> exit_code = (*child)->Wait(timeout);
  if (!exit_code.ok()) {
    (*child)->Kill().IgnoreError();
    return absl::DeadlineExceededError(
        absl::StrCat(argv[0], " did not exit within ", absl::FormatDuration(timeout),
                     "; stderr: ", ReadWhole(dir.path() + "/stderr")));
  }
  ProcessResult result;
  result.exit_code = *exit_code;
  result.out = ReadWhole(dir.path() + "/stdout");
  result.err = ReadWhole(dir.path() + "/stderr");
  return result;
}

}  // namespace wallet::testing
