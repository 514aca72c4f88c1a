// FromText: a message written in protobuf text format, for tests that state
// their inputs (tariffs, policies, wire records) the way an operator writes
// them.
#ifndef TESTS_TESTING_TEXT_PROTO_H_
#define TESTS_TESTING_TEXT_PROTO_H_

#include <string>

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace wallet::testing {

// FromText parses `text` as a T; a parse error fails the calling test (and
// names the text) and yields what was parsed so far.
template <typename T>
T FromText(const std::string& text) {
  T message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

}  // namespace wallet::testing

#endif  // TESTS_TESTING_TEXT_PROTO_H_
