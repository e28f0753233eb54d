// `vidrep features` end to end: the .npy has the shape --json describes, the groups tile it, and a
// row equals the library's descriptor of the same frames.
#include "vidrep/features/feature_extractor.h"
#include "vidrep/io/npy.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/tensor.h"

#include "support/codec_fixtures.h"
#include "support/fixtures.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace vidrep {
namespace {

std::string quote(const std::string& s) { return "'" + s + "'"; }

TEST(FeaturesCli, JsonDescribesTheOutput) {
  const std::string path = test::codec_fixture("h264_bframes");  // 100 frames of 160x120
  const std::string dir = test::scratch_dir("features_cli");
  std::string out;
  ASSERT_EQ(test::run(test::cli() + " features " + quote(path) +
                          " --kinds all --stpp 1,2 --clip-len 8 --stride 12 --threads 2 --json --out " + dir + "/f.npy",
                      &out),
            0)
      << out;
  const auto j = nlohmann::json::parse(out);
  const at::Tensor f = to_tensor(io::load_npy(dir + "/f.npy"));
  ASSERT_EQ(f.dim(), 2);
  EXPECT_EQ(f.scalar_type(), at::kFloat);
  const int64_t clips = (100 - 8) / 12 + 1;
  EXPECT_EQ(f.size(0), clips);
  EXPECT_EQ(j["shape"], nlohmann::json({clips, f.size(1)}));
  EXPECT_EQ(j["dim"].get<int64_t>(), f.size(1));
  EXPECT_EQ(j["cells"].get<int64_t>(), (1 + 2) * (1 + 4));  // --temporal defaults to 1,2 with --stpp
  EXPECT_EQ(j["height"].get<int>(), 112);                   // default short side 112
  int64_t offset = 0;
  for (const auto& g : j["groups"]) {
    EXPECT_EQ(g["offset"].get<int64_t>(), offset) << g["name"];
    EXPECT_EQ(g["length"].get<int64_t>(), g["cells"].get<int64_t>() * static_cast<int64_t>(g["channels"].size()));
    offset += g["length"].get<int64_t>();
  }
  EXPECT_EQ(offset, f.size(1));
  ASSERT_EQ(j["clips"].size(), static_cast<size_t>(clips));
  EXPECT_EQ(j["clips"][1]["begin"], 12);
  EXPECT_EQ(j["clips"][1]["end"], 20);
  EXPECT_TRUE(at::isfinite(f).all().item<bool>());

  // Row 1 is the library's descriptor of frames [12, 20) at the reported size.
  VideoReader reader(path, {.width = j["width"].get<int>(), .height = j["height"].get<int>()});
  const features::FeatureExtractor fx({.stpp = {.spatial = {1, 2}, .temporal = {1, 2}}});
  EXPECT_TRUE(at::allclose(f[1], to_tensor(fx.extract(reader.read_range(12, 20))), 1e-4, 1e-5));
}

TEST(FeaturesCli, BadOptionsExitTwoWithoutOutput) {
  const std::string path = test::codec_fixture("h264_bframes");
  const std::string dir = test::scratch_dir("features_cli_bad");
  for (const std::string args : {"--kinds color,lbp", "--stpp 1,0", "--clip-len 0", "--kinds motion --clip-len 1",
                                 "--hsv-bins 8x4"}) {
    std::string out;
    EXPECT_EQ(test::run(test::cli() + " features " + quote(path) + " " + args + " --out " + dir + "/f.npy 2>&1", &out), 2)
        << args << ": " << out;
    EXPECT_NE(out.find("vidrep: "), std::string::npos) << out;
    EXPECT_FALSE(std::filesystem::exists(dir + "/f.npy")) << args;
  }
}

}  // namespace
}  // namespace vidrep
