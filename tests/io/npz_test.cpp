// .npz archives: numpy.load reads what save_npz writes (plain and ZIP64, every dtype), load_npz
// reads what numpy.savez writes, and damaged or unsupported archives are refused by name.
#include "vidrep/error.h"
#include "vidrep/io/npz.h"
#include "vidrep/tensor.h"

#include "support/fixtures.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace vidrep {
namespace {

// numpy.load's view of an archive: name -> (dtype, shape, values as float64 list).
nlohmann::json numpy_view(const std::string& path) {
  const std::string script =
      "import json, sys, zipfile, numpy as np\n"
      "assert zipfile.ZipFile(sys.argv[1]).testzip() is None  # every CRC-32 checks\n"
      "z = np.load(sys.argv[1])\n"
      "print(json.dumps({k: [z[k].dtype.str, list(z[k].shape), z[k].astype('f8').ravel().tolist()] for k in z.files}))\n";
  const std::string dir = test::scratch_dir("tokens_npz_py");
  std::ofstream(dir + "/view.py") << script;
  std::string out;
  EXPECT_EQ(test::run("/usr/bin/python3 " + dir + "/view.py '" + path + "'", &out), 0) << out;
  return nlohmann::json::parse(out);
}

using Tensors = std::vector<std::pair<std::string, at::Tensor>>;

io::NpzArrays arrays_of(const Tensors& tensors) {
  io::NpzArrays arrays;
  for (const auto& [name, t] : tensors) arrays.emplace_back(name, to_array(t));
  return arrays;
}

Tensors sample_arrays() {
  at::manual_seed(4);
  return {{"tokens", at::rand({5, 7})},
          {"pixels", at::randint(0, 256, {2, 3, 4}, at::kByte)},
          {"positions", at::randint(-100, 100, {6, 3}, at::kInt)},
          {"big", at::tensor(std::vector<int64_t>{int64_t(1) << 40, -3})},
          {"mask", at::rand({4}).gt(0.5)},
          {"small", at::randint(-128, 128, {3}, at::kChar)},
          {"short", at::randint(-1000, 1000, {2, 2}, at::kShort)},
          {"exact", at::randn({2, 2}, at::kDouble)},
          {"scalar", at::tensor(2.5f).reshape({})},
          {"empty", at::zeros({0, 3})}};
}

void expect_numpy_reads(const std::string& path, const Tensors& arrays) {
  const nlohmann::json view = numpy_view(path);
  ASSERT_EQ(view.size(), arrays.size()) << view.dump();
  for (const auto& [name, t] : arrays) {
    ASSERT_TRUE(view.contains(name)) << name;
    EXPECT_EQ(view[name][1].get<std::vector<int64_t>>(), t.sizes().vec()) << name;
    const std::vector<double> values = view[name][2];
    const at::Tensor expected = t.to(at::kDouble).flatten();
    ASSERT_EQ(int64_t(values.size()), expected.numel()) << name;
    EXPECT_TRUE(at::equal(at::tensor(values, at::kDouble), expected)) << name;
  }
  EXPECT_EQ(view["tokens"][0], "<f4");
  EXPECT_EQ(view["pixels"][0], "|u1");
  EXPECT_EQ(view["positions"][0], "<i4");
  EXPECT_EQ(view["big"][0], "<i8");
  EXPECT_EQ(view["mask"][0], "|b1");
  EXPECT_EQ(view["small"][0], "|i1");
  EXPECT_EQ(view["exact"][0], "<f8");
}

TEST(TokensNpz, NumpyLoadReadsEveryArray) {
  const std::string dir = test::scratch_dir("tokens_npz");
  const Tensors arrays = sample_arrays();
  io::save_npz(dir + "/a.npz", arrays_of(arrays));
  expect_numpy_reads(dir + "/a.npz", arrays);
  io::save_npz(dir + "/z64.npz", arrays_of(arrays), {.zip64 = true});  // the records used past 4 GiB
  expect_numpy_reads(dir + "/z64.npz", arrays);

  for (const std::string file : {"a.npz", "z64.npz"}) {
    const io::NpzArrays back = io::load_npz(dir + "/" + file);
    ASSERT_EQ(back.size(), arrays.size());
    for (size_t i = 0; i < arrays.size(); ++i) {
      EXPECT_EQ(back[i].first, arrays[i].first);
      EXPECT_EQ(to_tensor(back[i].second).scalar_type(), arrays[i].second.scalar_type());
      EXPECT_TRUE(at::equal(to_tensor(back[i].second), arrays[i].second)) << arrays[i].first;
    }
  }
  // Fixed timestamps: the same arrays give the same bytes.
  io::save_npz(dir + "/b.npz", arrays_of(arrays));
  std::string a, b;
  test::run("md5sum < " + dir + "/a.npz", &a);
  test::run("md5sum < " + dir + "/b.npz", &b);
  EXPECT_EQ(a, b);
  // Non-contiguous inputs are written in logical (C) order.
  const at::Tensor t = at::arange(6, at::kFloat).view({2, 3}).t();
  io::save_npz(dir + "/t.npz", {{"t", to_array(t)}});
  EXPECT_TRUE(at::equal(to_tensor(io::load_npz(dir + "/t.npz")[0].second), t));
}

TEST(TokensNpz, StringColumnsAreNumpyUnicode) {
  const std::string dir = test::scratch_dir("npz_strings");
  // Plain ASCII, UTF-8 (2, 3 and 4 bytes) and a byte that is not UTF-8 (a Latin-1 file name).
  const std::vector<std::string> names = {"a.mp4", "caf\xc3\xa9/\xe2\x82\xac.mp4", "\xf0\x9f\x8e\xac", "x\xe9y", ""};
  io::save_npz(dir + "/s.npz", {{"n", to_array(at::arange(3, at::kInt))}}, {{"ids", names}}, {});
  const std::string script =
      "import sys, numpy as np\n"
      "z = np.load(sys.argv[1])\n"
      "ids = z['ids']\n"
      "print(ids.dtype.str, len(ids), z['n'].tolist())\n"
      "for s in ids: print(s.encode('utf-8', 'surrogateescape').hex())\n";
  std::ofstream(dir + "/read.py") << script;
  std::string out;
  ASSERT_EQ(test::run("/usr/bin/python3 " + dir + "/read.py " + dir + "/s.npz", &out), 0) << out;
  std::string expected = "<U10 5 [0, 1, 2]\n";  // the longest: 10 code points
  for (const std::string& n : names) {
    for (unsigned char c : n) expected += fmt::format("{:02x}", c);
    expected += "\n";
  }
  EXPECT_EQ(out, expected);
}

TEST(TokensNpz, ReadsNumpySavezAndRefusesWhatItCannotRead) {
  const std::string dir = test::scratch_dir("tokens_npz_savez");
  std::string out;
  ASSERT_EQ(test::run("/usr/bin/python3 -c \"import numpy as np; "
                      "np.savez('" + dir + "/np.npz', a=np.arange(12, dtype='<i4').reshape(3, 4), b=np.float32(0.5)); "
                      "np.savez_compressed('" + dir + "/c.npz', a=np.zeros(100))\"", &out), 0) << out;
  const io::NpzArrays np = io::load_npz(dir + "/np.npz");
  ASSERT_EQ(np.size(), 2u);
  EXPECT_EQ(np[0].first, "a");
  EXPECT_TRUE(at::equal(to_tensor(np[0].second), at::arange(12, at::kInt).view({3, 4})));
  EXPECT_EQ(to_tensor(np[1].second).item<float>(), 0.5f);

  const auto message = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no vidrep::Error)");
  };
  EXPECT_NE(message([&] { io::load_npz(dir + "/c.npz"); }).find("savez_compressed"), std::string::npos);
  EXPECT_NE(message([&] { io::load_npz(dir + "/missing.npz"); }).find("cannot open"), std::string::npos);

  // One flipped data byte: the CRC catches it.
  io::save_npz(dir + "/d.npz", {{"x", to_array(at::zeros({64}, at::kByte))}});
  {
    std::fstream f(dir + "/d.npz", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(30 + 5 + 128 + 10);  // local header + "x.npy" + .npy header + 10
    f.put('\x01');
  }
  EXPECT_NE(message([&] { io::load_npz(dir + "/d.npz"); }).find("CRC-32 mismatch"), std::string::npos);
  test::run("printf 'not a zip' > " + dir + "/e.npz");
  EXPECT_NE(message([&] { io::load_npz(dir + "/e.npz"); }).find("not a readable .npz"), std::string::npos);

  const Array one = to_array(at::zeros({1}));
  EXPECT_NE(message([&] { io::save_npz(dir + "/f.npz", {{"a/b", one}}); }).find("without '/'"), std::string::npos);
  EXPECT_NE(message([&] { io::save_npz(dir + "/f.npz", {{"a", one}, {"a", one}}); }).find("'a' is given twice"),
            std::string::npos);
  // float16 has no .npy dtype here: refused before any file is written.
  EXPECT_NE(message([&] { to_array(at::zeros({1}, at::kHalf), "npz member 'h'"); }).find("no .npy dtype"),
            std::string::npos);
  EXPECT_THROW(io::save_npz(dir + "/no/such/dir/f.npz", {{"a", one}}), WriteError);
  EXPECT_FALSE(std::filesystem::exists(dir + "/f.npz"));
}

}  // namespace
}  // namespace vidrep
