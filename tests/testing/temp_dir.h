// TempDir: a fresh directory under $TMPDIR (or /tmp), removed with its
// contents when the object goes away.
#ifndef TESTS_TESTING_TEMP_DIR_H_
#define TESTS_TESTING_TEMP_DIR_H_

#include <cstdlib>
#include <filesystem>
#include <string>

namespace wallet::testing {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/wallet-test-XXXXXX";
    path_ = mkdtemp(pattern.data()) ? pattern : "";
  }
  ~TempDir() {
    if (keep_) return;
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  // Keep leaves the directory in place (e.g. the logs of a failed test).
  void Keep() { keep_ = true; }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool keep_ = false;
};

}  // namespace wallet::testing

#endif  // TESTS_TESTING_TEMP_DIR_H_
