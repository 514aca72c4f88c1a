// Ready and key files: written whole with the asked mode, keys read without
// surrounding whitespace, each failure with its code.
#include "base/daemon_files.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace base {
namespace {

using ::wallet::testing::IsOk;
using ::wallet::testing::StatusIs;

std::string Contents(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(DaemonFilesTest, WriteFileAtomicallyReplacesTheWholeFile) {
  wallet::testing::TempDir dir;
  const std::string path = dir.path() + "/ready";
  ASSERT_THAT(WriteFileAtomically(path, "grpc_port=1\nhttp_port=2\n", 0600), IsOk());
  ASSERT_THAT(WriteFileAtomically(path, "http_port=3\n", 0600), IsOk());
  EXPECT_EQ(Contents(path), "http_port=3\n");
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(stat((path + ".tmp").c_str(), &st), -1);  // renamed, not left behind

  EXPECT_THAT(WriteFileAtomically(dir.path() + "/missing/ready", "x", 0644),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST(DaemonFilesTest, ReadApiKeyFileStripsWhitespaceAndNamesEachFailure) {
  wallet::testing::TempDir dir;
  const std::string path = dir.path() + "/gateway.key";
  ASSERT_THAT(WriteFileAtomically(path, " wk_0123456789abcdef\n\n", 0600), IsOk());
  absl::StatusOr<std::string> key = ReadApiKeyFile(path, 16);
  ASSERT_THAT(key, IsOk());
  EXPECT_EQ(*key, "wk_0123456789abcdef");

  EXPECT_THAT(ReadApiKeyFile(path, 64), StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_THAT(WriteFileAtomically(path, " \n", 0600), IsOk());
  EXPECT_THAT(ReadApiKeyFile(path), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ReadApiKeyFile(dir.path() + "/none.key"), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace base
