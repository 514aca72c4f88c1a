// HMAC-SHA256 against the RFC 4231 test vectors, the constant-time compare
// and the CSPRNG's hex.
#include "base/hmac.h"

#include <string>

#include "gtest/gtest.h"

namespace base {
namespace {

TEST(HmacSha256HexTest, MatchesRfc4231) {
  const std::string key_aa_131(131, '\xaa');
  struct Vector {
    std::string key;
    std::string data;
    std::string hmac;
  };
  const Vector vectors[] = {
      // Test case 1.
      {std::string(20, '\x0b'), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      // Test case 2: a key shorter than the output.
      {"Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      // Test case 3: bytes that are not text.
      {std::string(20, '\xaa'), std::string(50, '\xdd'),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      // Test case 4.
      {"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16"
       "\x17\x18\x19",
       std::string(50, '\xcd'), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      // Test case 6: a key longer than the block is hashed first.
      {key_aa_131, "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      // Test case 7: data longer than the block too.
      {key_aa_131,
       "This is a test using a larger than block-size key and a larger than block-size data. "
       "The key needs to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const Vector& vector : vectors) {
    EXPECT_EQ(HmacSha256Hex(vector.key, vector.data), vector.hmac) << vector.data;
  }
}

TEST(HmacSha256HexTest, AnEmptyKeyIsAllowed) {
  // HMAC of "" under "": a well-known value.
  EXPECT_EQ(HmacSha256Hex("", ""),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(ConstantTimeEqualsTest, ComparesEveryByteAndTheLength) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc123", "abc123"));
  EXPECT_FALSE(ConstantTimeEquals("abc123", "abc124"));
  EXPECT_FALSE(ConstantTimeEquals("xbc123", "abc123"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abc123"));
  EXPECT_FALSE(ConstantTimeEquals("abc123", ""));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(RandomHexTest, GivesTwoLowerCaseHexDigitsPerByteAndDiffers) {
  const std::string first = RandomHex(16);
  ASSERT_EQ(first.size(), 32u);
  EXPECT_EQ(first.find_first_not_of("0123456789abcdef"), std::string::npos) << first;
  // 128 random bits repeat with probability 2^-128.
  EXPECT_NE(RandomHex(16), first);
  EXPECT_EQ(RandomHex(0), "");
}

}  // namespace
}  // namespace base
