// WriteFile: puts a test's input file (a tariff book, a policy, a dues file)
// on disk, usually in a TempDir, for the code under test to read.
#ifndef TESTS_TESTING_WRITE_FILE_H_
#define TESTS_TESTING_WRITE_FILE_H_

#include <fstream>
#include <string>

namespace wallet::testing {

// WriteFile replaces the file at `path` with `text`.
inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

}  // namespace wallet::testing

#endif  // TESTS_TESTING_WRITE_FILE_H_
