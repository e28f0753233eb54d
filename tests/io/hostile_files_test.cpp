// Files written by someone else cannot make vidrep allocate what they claim, read outside them or
// write anywhere but the output it was given: hostile .npy headers and .npz members are refused
// with a clear error before any allocation, and symlinks at an output's name are replaced, never
// followed.
#include "vidrep/error.h"
#include "vidrep/io/npy.h"
#include "vidrep/io/npy_format.h"
#include "vidrep/io/npz.h"
#include "vidrep/tensor.h"

#include "support/fixtures.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace vidrep {
namespace {

namespace fs = std::filesystem;

std::string write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string npy_with_dict(const std::string& dict, const std::string& data = "") {
  std::string h = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
  h.push_back(static_cast<char>(dict.size() & 0xFF));
  h.push_back(static_cast<char>(dict.size() >> 8));
  return h + dict + data;
}

std::string load_error(const std::string& path) {
  return test::error_message<InvalidArgument>([&] { to_tensor(io::load_npy(path)); });
}

TEST(HostileFiles, NpyHeadersClaimingTooMuchAreRefusedBeforeAllocating) {
  const std::string dir = test::scratch_dir("hostile_npy");
  // 8 EB of float32: refused by the shape check, not by a failed allocation.
  EXPECT_NE(load_error(write(dir + "/huge.npy", npy_with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2000000000, 2000000000, 2000000000), }\n"))).find("shape"),
            std::string::npos);
  // A plausible shape (4 GB) on a file of a few bytes: the sizes disagree, nothing is allocated.
  const std::string msg = load_error(write(dir + "/short.npy", npy_with_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000,), }\n", "abcd")));
  EXPECT_NE(msg.find("its shape says 4000000000"), std::string::npos) << msg;
  // Overflowing dimension text, a negative dimension, a big-endian dtype, garbage.
  for (const std::string& dict :
       {std::string("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }"),
        std::string("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"),
        std::string("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }"),
        std::string("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}"),
        std::string(200, '(')}) {
    EXPECT_NE(load_error(write(dir + "/bad.npy", npy_with_dict(dict, "abcd"))), "(no error)") << dict;
  }
}

TEST(HostileFiles, NpzMembersWithHostileNamesOrSizesAreRefused) {
  const std::string dir = test::scratch_dir("hostile_npz");
  const std::string good = dir + "/good.npz";
  io::save_npz(good, {{"abcdef", to_array(at::zeros({3}, at::kFloat))}});
  std::ifstream in(good, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Same-length replacements of the member name (in both the local and the central header).
  auto renamed = [&](const std::string& name) {
    std::string b = bytes;
    for (size_t at = b.find("abcdef.npy"); at != std::string::npos; at = b.find("abcdef.npy", at + 1)) {
      b.replace(at, 10, name);
    }
    return b;
  };
  for (const std::string& name : {std::string("../x/y.npy"), std::string("/etc/p.npy"), std::string("a\nbcde.npy"),
                                  std::string("a\\bcde.npy")}) {
    ASSERT_EQ(name.size(), 10u);
    const std::string path = write(dir + "/named.npz", renamed(name));
    const std::string msg = test::error_message<InvalidArgument>([&] { io::load_npz(path); });
    EXPECT_NE(msg.find("refused member name"), std::string::npos) << msg;
  }
  // Central directory offsets pointing far past the end (and wrapping around 2^64).
  std::string far = bytes;
  const size_t end = far.rfind(std::string("PK\x05\x06", 4));
  ASSERT_NE(end, std::string::npos);
  for (int i = 0; i < 4; ++i) far[end + 16 + i] = '\xFF';
  const std::string path = write(dir + "/far.npz", far);
  EXPECT_NE(test::error_message<InvalidArgument>([&] { io::load_npz(path); }).find("past the end"), std::string::npos);
}

TEST(HostileFiles, SymlinkAtAnOutputNameIsReplacedNotFollowed) {
  const std::string dir = test::scratch_dir("hostile_symlink");
  const std::string victim = write(dir + "/victim.txt", "keep me");
  fs::create_symlink(victim, dir + "/out.npy");
  io::save_npy(dir + "/out.npy", to_array(at::ones({2}, at::kFloat)));
  EXPECT_FALSE(fs::is_symlink(dir + "/out.npy"));
  EXPECT_TRUE(to_tensor(io::load_npy(dir + "/out.npy")).equal(at::ones({2}, at::kFloat)));
  std::ifstream v(victim);
  std::string text;
  std::getline(v, text);
  EXPECT_EQ(text, "keep me");
}

}  // namespace
}  // namespace vidrep
