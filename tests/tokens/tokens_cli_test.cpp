// `vidrep tokens` end to end: the .npz holds the library's tokens for the same frames, numpy
// reads it, --pad / --size work, and bad input exits 2 with one line and no output file.
#include "vidrep/io/npz.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/tensor.h"
#include "vidrep/tokens/patchify.h"

#include "support/codec_fixtures.h"
#include "support/fixtures.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>

namespace vidrep {
namespace {

using test::cli;
using test::run;

std::map<std::string, at::Tensor> load(const std::string& path) {
  std::map<std::string, at::Tensor> m;
  for (auto& [name, t] : io::load_npz(path)) m[name] = to_tensor(t);
  return m;
}

TEST(TokensCli, WritesTokensPositionsAndGridAtNativeSize) {
  const std::string path = test::codec_fixture("h264_bframes");  // 160x120, 100 frames
  const std::string dir = test::scratch_dir("tokens_cli");
  std::string out;
  ASSERT_EQ(run(cli() + " tokens '" + path + "' --patch 2x8x8 --start 10 --frames 8 --json --out " + dir + "/a.npz",
                &out), 0) << out;
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["grid"], (std::vector<int64_t>{4, 15, 20}));
  EXPECT_EQ(j["tokens"], (std::vector<int64_t>{1200, 384}));

  auto a = load(dir + "/a.npz");
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(a["tokens"].scalar_type(), at::kFloat);
  EXPECT_EQ(a["positions"].scalar_type(), at::kInt);
  EXPECT_TRUE(at::equal(a["grid"], at::tensor(std::vector<int32_t>{4, 15, 20})));
  EXPECT_TRUE(at::equal(a["shape"], at::tensor(std::vector<int32_t>{8, 120, 160, 3})));
  VideoReader reader(path);
  const at::Tensor frames = to_tensor(reader.read_range(10, 18));
  const Patches p = patchify(to_array(frames, "frames"), {2, 8, 8});
  EXPECT_TRUE(at::allclose(a["tokens"], to_tensor(p.tokens).to(at::kFloat).div_(255.0f), 0, 1e-7));
  EXPECT_TRUE(at::equal(a["positions"], to_tensor(p.positions)));

  ASSERT_EQ(run("/usr/bin/python3 -c \"import numpy as np; z = np.load('" + dir + "/a.npz'); "
                "t, p, g = z['tokens'], z['positions'], z['grid']; "
                "assert t.dtype == np.float32 and t.shape == (1200, 384) and 0 <= t.min() and t.max() <= 1; "
                "assert p.dtype == np.int32 and p.shape == (1200, 3) and (p.max(0) + 1 == g).all(); "
                "assert g.dtype == np.int32 and g.tolist() == [4, 15, 20]\"", &out), 0) << out;
}

TEST(TokensCli, PadAndSize) {
  const std::string path = test::codec_fixture("h264_bframes");
  const std::string dir = test::scratch_dir("tokens_cli_pad");
  std::string out;
  ASSERT_EQ(run(cli() + " tokens '" + path + "' --patch 2x16x16 --frames 7 --pad --out " + dir + "/p.npz", &out), 0)
      << out;
  auto p = load(dir + "/p.npz");
  EXPECT_TRUE(at::equal(p["grid"], at::tensor(std::vector<int32_t>{4, 8, 10})));  // 7->8 frames, 120->128 rows
  EXPECT_TRUE(at::equal(p["shape"], at::tensor(std::vector<int32_t>{7, 120, 160, 3})));
  VideoReader reader(path);
  const at::Tensor back = to_tensor(unpatchify(to_array(p["tokens"], "tokens"), {4, 8, 10}, {2, 16, 16}, 3, {7, 120, 160}));
  EXPECT_TRUE(at::equal(back.mul(255.0f).round().to(at::kByte), to_tensor(reader.read_range(0, 7))));

  ASSERT_EQ(run(cli() + " tokens '" + path + "' --patch 1x16x16 --frames 3 --size 64x48 --out " + dir + "/s.npz",
                &out), 0) << out;
  EXPECT_TRUE(at::equal(load(dir + "/s.npz")["grid"], at::tensor(std::vector<int32_t>{3, 3, 4})));
}

TEST(TokensCli, BadInputExitsTwoWithOneLineAndNoOutput) {
  const std::string path = test::codec_fixture("h264_bframes");
  const std::string dir = test::scratch_dir("tokens_cli_bad");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--patch 2x16x16 --frames 8", "height 120 is not a multiple of patch height 16; use --pad"},
      {"--patch 2x8x8 --frames 7", "frame count 7 is not a multiple of patch length 2; use --pad"},
      {"--patch 2x8", "--patch: expected PTxPHxPW with positive integers (e.g. 2x16x16), got '2x8'"},
      {"--patch 0x8x8", "--patch: expected PTxPHxPW"},
      {"--patch 1x8x8 --start 100", "start frame: expected 0..99, got 100"},
      {"--patch 1x8x8 --start 98 --frames 4", "frames: expected 1..2 from frame 98, got 4"},
      {"--patch 1x8x8 --native --size 64x48", "excludes"},
  };
  for (const auto& [args, message] : cases) {
    std::string out;
    EXPECT_EQ(run(cli() + " tokens '" + path + "' " + args + " --out " + dir + "/x.npz", &out), 2) << args;
    EXPECT_NE(out.find(message), std::string::npos) << args << "\n" << out;
    if (message != "excludes") {  // CLI11's own usage errors add a "Run with --help" line
      EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << args << "\n" << out;
    }
    EXPECT_FALSE(std::filesystem::exists(dir + "/x.npz")) << args;
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir));  // no temporary files left behind either
}

}  // namespace
}  // namespace vidrep
