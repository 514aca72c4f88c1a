// Ready and key files: written whole with the asked mode, keys read without
// surrounding whitespace, each failure with its code.
#include "base/daemon_files.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace base {
namespace {

std::string Contents(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(DaemonFilesTest, WriteFileAtomicallyReplacesTheWholeFile) {
  wallet::testing::TempDir dir;
  const std::string path = dir.path() + "/ready";
  ASSERT_TRUE(WriteFileAtomically(path, "grpc_port=1\nhttp_port=2\n", 0600).ok());
  ASSERT_TRUE(WriteFileAtomically(path, "http_port=3\n", 0600).ok());
  EXPECT_EQ(Contents(path), "http_port=3\n");
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(stat((path + ".tmp").c_str(), &st), -1);  // renamed, not left behind

  EXPECT_EQ(WriteFileAtomically(dir.path() + "/missing/ready", "x", 0644).code(),
            absl::StatusCode::kUnavailable);
}

TEST(DaemonFilesTest, ReadApiKeyFileStripsWhitespaceAndNamesEachFailure) {
  wallet::testing::TempDir dir;
  const std::string path = dir.path() + "/gateway.key";
  ASSERT_TRUE(WriteFileAtomically(path, "  wk_0123456789abcdef\n\n", 0600).ok());
  absl::StatusOr<std::string> key = ReadApiKeyFile(path, 16);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(*key, "wk_0123456789abcdef");

  EXPECT_EQ(ReadApiKeyFile(path, 64).status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(WriteFileAtomically(path, " \n", 0600).ok());
  EXPECT_EQ(ReadApiKeyFile(path).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadApiKeyFile(dir.path() + "/none.key").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace base
