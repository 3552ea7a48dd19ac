// load_secret (environment first, then a 0600 file), Secret's handling and constant_time_equal.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <ostream>
#include <string>
#include <type_traits>

#include "keel/gateway/control/secret.hpp"

namespace {

using keel::gateway::constant_time_equal;
using keel::gateway::load_secret;
using keel::gateway::Secret;
using keel::gateway::SecretSource;

template <class T, class = void>
struct Streamable : std::false_type {};
template <class T>
struct Streamable<T, std::void_t<decltype(std::declval<std::ostream&>() << std::declval<const T&>())>>
    : std::true_type {};
static_assert(!Streamable<Secret>::value, "a Secret must not be printable");
static_assert(!std::is_convertible_v<Secret, std::string>);
static_assert(!std::is_convertible_v<Secret, std::string_view>);

class SecretTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "keel_secret_XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    ::unsetenv(kVar);
  }
  void TearDown() override {
    ::unsetenv(kVar);
    std::string cmd = "rm -rf '" + dir_ + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  std::string write(const std::string& name, const std::string& content, mode_t mode) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }

  static constexpr const char* kVar = "KEEL_TEST_CONTROL_SECRET";
  std::string dir_;
};

TEST_F(SecretTest, FileWithMode0600IsAcceptedAndLineEndsTrimmed) {
  const std::string path = write("token", "s3cr3t-token\r\n", 0600);
  const auto r = load_secret({kVar, path});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.secret.view(), "s3cr3t-token");
}

TEST_F(SecretTest, FileWithMode0400IsAccepted) {
  const auto r = load_secret({"", write("token", "abc\n", 0400)});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.secret.view(), "abc");
}

TEST_F(SecretTest, FileWithMode0644IsRefusedNamingPathAndModeNotContent) {
  const std::string path = write("token", "do-not-print-me\n", 0644);
  const auto r = load_secret({kVar, path});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.secret.empty());
  EXPECT_NE(r.error.find(path), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("0644"), std::string::npos) << r.error;
  EXPECT_EQ(r.error.find("do-not-print-me"), std::string::npos) << r.error;
}

TEST_F(SecretTest, AnyGroupOrOtherBitIsRefused) {
  for (const mode_t mode : {0640, 0604, 0610, 0601, 0620, 0602, 0700 | 0004}) {
    const auto r = load_secret({"", write("t" + std::to_string(mode), "x\n", mode)});
    EXPECT_FALSE(r.ok()) << std::oct << mode;
  }
}

TEST_F(SecretTest, EnvironmentVariableTakesPrecedenceOverTheFile) {
  const std::string path = write("token", "from-file\n", 0600);
  ASSERT_EQ(::setenv(kVar, "from-env\n", 1), 0);
  const auto r = load_secret({kVar, path});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.secret.view(), "from-env");
}

TEST_F(SecretTest, EnvironmentVariableWinsEvenOverAnUnsafeFile) {
  const std::string path = write("token", "from-file\n", 0644);
  ASSERT_EQ(::setenv(kVar, "from-env", 1), 0);
  const auto r = load_secret({kVar, path});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.secret.view(), "from-env");
}

TEST_F(SecretTest, EmptyEnvironmentVariableIsRefused) {
  ASSERT_EQ(::setenv(kVar, "\n", 1), 0);
  const auto r = load_secret({kVar, write("token", "from-file\n", 0600)});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find(kVar), std::string::npos) << r.error;
}

TEST_F(SecretTest, EmptyFileIsRefused) {
  EXPECT_FALSE(load_secret({"", write("empty", "", 0600)}).ok());
  EXPECT_FALSE(load_secret({"", write("newline", "\r\n\n", 0600)}).ok());
}

TEST_F(SecretTest, MissingFileDirectoryAndNothingConfiguredAreRefused) {
  const auto missing = load_secret({kVar, dir_ + "/nope"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error.find(dir_ + "/nope"), std::string::npos);
  ASSERT_EQ(::chmod(dir_.c_str(), 0700), 0);
  const auto directory = load_secret({"", dir_});
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.error.find("not a regular file"), std::string::npos) << directory.error;
  EXPECT_FALSE(load_secret({kVar, ""}).ok());
  EXPECT_FALSE(load_secret({"", ""}).ok());
}

TEST_F(SecretTest, OversizedFileIsRefused) {
  const std::string big(keel::gateway::kMaxSecretFileBytes + 1, 'a');
  EXPECT_FALSE(load_secret({"", write("big", big, 0600)}).ok());
}

TEST_F(SecretTest, FileOwnedByAnotherUserIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a file to another user";
  const std::string path = write("token", "x\n", 0600);
  ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
  const auto r = load_secret({"", path});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("owned by uid 65534"), std::string::npos) << r.error;
}

TEST(SecretValue, MoveLeavesTheSourceEmpty) {
  Secret a{std::string("value")};
  Secret b = std::move(a);
  EXPECT_EQ(b.view(), "value");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the contract under test
  Secret c;
  c = b;
  EXPECT_EQ(c.view(), "value");
  c = Secret{std::string("other")};
  EXPECT_EQ(c.view(), "other");
}

TEST(ConstantTimeEqual, Answers) {
  EXPECT_TRUE(constant_time_equal("token", "token"));
  EXPECT_FALSE(constant_time_equal("tokeN", "token"));
  EXPECT_FALSE(constant_time_equal("Token", "token"));
  EXPECT_FALSE(constant_time_equal("tok", "token"));       // a prefix
  EXPECT_FALSE(constant_time_equal("tokentoken", "token")); // the secret repeated (b is read cyclically)
  EXPECT_FALSE(constant_time_equal("", "token"));
  EXPECT_FALSE(constant_time_equal("token", ""));
  EXPECT_TRUE(constant_time_equal("", ""));
  const std::string nul_a("a\0b", 3);
  const std::string nul_b("a\0c", 3);
  EXPECT_FALSE(constant_time_equal(nul_a, nul_b));
  EXPECT_TRUE(constant_time_equal(nul_a, nul_a));
}

}  // namespace
