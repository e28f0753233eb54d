// `vidrep clips --transform --layout` end to end: the .npy has the promised shape and dtype, equals
// the library's pipeline on the same clips, reproduces for a seed, and bad specs exit 2 naming
// the item before anything is decoded or written.
#include "vidrep/io/npy.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/sample/clip_sampler.h"
#include "vidrep/tensor.h"
#include "vidrep/transform/convert.h"
#include "vidrep/transform/pipeline.h"

#include "support/codec_fixtures.h"
#include "support/fixtures.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace vidrep {
namespace {

using test::cli;
using test::run;

std::string quote(const std::string& s) { return "'" + s + "'"; }

TEST(TransformCli, ClipsWithTransformAndCthwLayout) {
  const std::string path = test::codec_fixture("h264_bframes");  // 160x120
  const std::string dir = test::scratch_dir("cli_clips_transform");
  const std::string spec = "resize_short=48,random_crop=40x32,hflip=0.5,normalize=imagenet";
  const std::string cmd = cli() + " clips " + quote(path) + " --sampler random --clips 3 --length 4 --stride 2" +
                          " --seed 5 --transform " + quote(spec) + " --layout cthw --json --out ";
  std::string out;
  ASSERT_EQ(run(cmd + dir + "/a.npy", &out), 0) << out;
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["dtype"], "float32");
  EXPECT_EQ(j["layout"], "cthw");
  const at::Tensor a = to_tensor(io::load_npy(dir + "/a.npy"));
  ASSERT_EQ(a.sizes(), (at::IntArrayRef{3, 3, 4, 32, 40}));
  ASSERT_EQ(a.scalar_type(), at::kFloat);

  // The library on the same clips gives the same array.
  VideoReader reader(path);
  std::vector<std::vector<int64_t>> clips;
  for (const auto& c : j["clips"]) clips.push_back(c["frames"].get<std::vector<int64_t>>());
  const at::Tensor expected =
      transform::to_cthw(transform::Pipeline::parse(spec).apply_batch(to_tensor(read_clips(reader, clips)), 5));
  EXPECT_TRUE(at::allclose(a, expected, 1e-6, 1e-6));

  // Same seed, same bytes; another seed, other clips and crops.
  ASSERT_EQ(run(cmd + dir + "/b.npy", &out), 0) << out;
  EXPECT_TRUE(at::equal(a, to_tensor(io::load_npy(dir + "/b.npy"))));
  std::string other = cmd + dir + "/c.npy";
  other.replace(other.find("--seed 5"), 8, "--seed 6");
  ASSERT_EQ(run(other, &out), 0) << out;
  EXPECT_FALSE(at::equal(a, to_tensor(io::load_npy(dir + "/c.npy"))));
}

TEST(TransformCli, JsonFileAndThwcLayout) {
  const std::string path = test::codec_fixture("h264_bframes");
  const std::string dir = test::scratch_dir("cli_clips_transform_json");
  std::ofstream(dir + "/t.json") << R"([{"name": "resize", "value": "64x48"}, {"name": "equalize"}])";
  std::string out;
  ASSERT_EQ(run(cli() + " clips " + quote(path) + " --clips 2 --length 3 --transform @" + dir +
                    "/t.json --out " + dir + "/a.npy",
                &out),
            0)
      << out;
  const at::Tensor a = to_tensor(io::load_npy(dir + "/a.npy"));
  EXPECT_EQ(a.sizes(), (at::IntArrayRef{2, 3, 48, 64, 3}));
  EXPECT_EQ(a.scalar_type(), at::kByte);
  // --layout alone reorders the raw uint8 clips.
  ASSERT_EQ(run(cli() + " clips " + quote(path) + " --clips 2 --length 3 --layout cthw --out " + dir + "/b.npy", &out),
            0)
      << out;
  EXPECT_EQ(to_tensor(io::load_npy(dir + "/b.npy")).sizes(), (at::IntArrayRef{2, 3, 3, 120, 160}));
}

TEST(TransformCli, BadSpecsExitTwoNamingTheItem) {
  const std::string path = test::codec_fixture("h264_bframes");
  const std::string dir = test::scratch_dir("cli_clips_transform_bad");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--transform 'resize_short=72,center_crop=500'",
       "--transform item 2 'center_crop=500': crop 500x500 larger than frame 96x72"},
      {"--transform 'flip=1'", "--transform item 1 'flip=1': unknown transform 'flip'"},
      {"--transform 'hflip=2'", "--transform item 1 'hflip=2': expected a probability in [0,1], got 2"},
      {"--transform @" + dir + "/missing.json", "missing.json: cannot read the transform file"},
      {"--layout chwt", "--layout: expected thwc or cthw, got 'chwt'"},
  };
  for (const auto& [flags, message] : cases) {
    std::string err;
    // Only stderr reaches `err`: the subshell sends stdout away and stderr into the pipe.
    const int status =
        run(fmt::format("({} clips {} --length 2 {} --out {}/x.npy 2>&1 >/dev/null)", cli(), quote(path), flags, dir),
            &err);
    EXPECT_EQ(status, 2) << flags << "\n" << err;
    EXPECT_NE(err.find(message), std::string::npos) << flags << "\n" << err;
    EXPECT_FALSE(std::filesystem::exists(dir + "/x.npy")) << flags;
  }
}

}  // namespace
}  // namespace vidrep
