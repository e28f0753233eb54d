#include "vidrep/io/npy.h"

#include "vidrep/tensor.h"

#include "support/fixtures.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace vidrep {
namespace {

namespace fs = std::filesystem;

std::string tone_mp4() {
  return test::make_video("audio_cli_tone.mp4",
                          "-f lavfi -i sine=frequency=440:sample_rate=44100:duration=2 -f lavfi -i "
                          "testsrc2=size=64x48:rate=25:duration=2 -c:v libx264 -preset ultrafast -c:a aac -ac 2 "
                          "-shortest");
}

// Runs the vidrep binary; returns its exit status with stdout+stderr in `out`.
int vidrep(const std::string& args, std::string* out) { return test::run(test::cli() + " " + args, out); }

TEST(AudioCli, WritesNpyAndJsonSummary) {
  const std::string dir = test::scratch_dir("audio_cli");
  std::string out;
  ASSERT_EQ(vidrep("audio '" + tone_mp4() + "' --rate 16000 --mono --start 0.5 --end 1.5 --json --out " + dir +
                       "/a.npy",
                   &out),
            0)
      << out;
  const nlohmann::json j = nlohmann::json::parse(out);
  EXPECT_EQ(j["rate"], 16000);
  EXPECT_EQ(j["channels"], 1);
  EXPECT_EQ(j["samples"], 16000);
  EXPECT_DOUBLE_EQ(j["start"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(j["end"].get<double>(), 1.5);
  const at::Tensor a = to_tensor(io::load_npy(dir + "/a.npy"));
  EXPECT_EQ(a.sizes(), (at::IntArrayRef{1, 16000}));
  EXPECT_EQ(a.scalar_type(), at::kFloat);

  ASSERT_EQ(vidrep("audio '" + tone_mp4() + "' --out " + dir + "/b.npy", &out), 0) << out;
  EXPECT_NE(out.find("2 channels"), std::string::npos) << out;
  EXPECT_EQ(to_tensor(io::load_npy(dir + "/b.npy")).size(0), 2);
}

TEST(AudioCli, ErrorsExitWithStatus2) {
  const std::string dir = test::scratch_dir("audio_cli_err");
  const std::string silent = test::make_video("audio_cli_silent.mp4",
                                              "-f lavfi -i testsrc2=size=64x48:rate=25:duration=1 -c:v libx264 "
                                              "-preset ultrafast");
  std::string out;
  EXPECT_EQ(vidrep("audio '" + silent + "' --out " + dir + "/a.npy", &out), 2);
  EXPECT_NE(out.find("vidrep: "), std::string::npos) << out;
  EXPECT_NE(out.find("no audio stream"), std::string::npos) << out;
  EXPECT_EQ(vidrep("audio '" + tone_mp4() + "' --start 1 --end 0.5 --out " + dir + "/a.npy", &out), 2);
  EXPECT_NE(out.find("end"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir + "/a.npy"));
  ASSERT_EQ(vidrep("audio --help", &out), 0);
  EXPECT_NE(out.find("float32"), std::string::npos) << out;
  EXPECT_NE(out.find("--mono"), std::string::npos) << out;
}

TEST(WriterCli, EncodesNpyFramesAndAudio) {
  const std::string dir = test::scratch_dir("encode_cli");
  const at::Tensor frames = at::randint(0, 255, {8, 48, 64, 3}, at::kByte);
  io::save_npy(dir + "/f.npy", to_array(frames));
  io::save_npy(dir + "/a.npy", to_array(at::sin(at::arange(16000, at::kFloat) * 0.1) * 0.3));
  std::string out;
  ASSERT_EQ(vidrep("encode " + dir + "/f.npy --fps 8 --audio " + dir + "/a.npy --rate 16000 --json --out " + dir +
                       "/v.webm",
                   &out),
            0)
      << out;
  const nlohmann::json j = nlohmann::json::parse(out);
  EXPECT_EQ(j["frames"], 8);
  EXPECT_EQ(j["audio_samples"], 16000);
  EXPECT_EQ(test::ffprobe_frame_count(dir + "/v.webm"), 8);
  EXPECT_NEAR(test::ffmpeg_audio(dir + "/v.webm", 16000).size(0), 16000, 1024);
}

TEST(WriterCli, ErrorsExitWithStatus2) {
  const std::string dir = test::scratch_dir("encode_cli_err");
  io::save_npy(dir + "/float.npy", to_array(at::zeros({2, 48, 64, 3})));
  io::save_npy(dir + "/ok.npy", to_array(at::zeros({2, 48, 64, 3}, at::kByte)));
  io::save_npy(dir + "/a64.npy", to_array(at::zeros({100}, at::kDouble)));
  std::string out;
  EXPECT_EQ(vidrep("encode " + dir + "/float.npy --fps 10 --out " + dir + "/v.mp4", &out), 2);
  EXPECT_NE(out.find("expected [N,H,W,3] uint8 frames, got [2,48,64,3] float32"), std::string::npos) << out;
  EXPECT_EQ(vidrep("encode " + dir + "/ok.npy --fps 10 --out " + dir + "/v.mov", &out), 2);
  EXPECT_NE(out.find("unknown extension '.mov'"), std::string::npos) << out;
  EXPECT_EQ(vidrep("encode " + dir + "/ok.npy --fps 10 --audio " + dir + "/a64.npy --rate 8000 --out " + dir +
                       "/v.mp4",
                   &out),
            2);
  EXPECT_NE(out.find("float32"), std::string::npos) << out;
  EXPECT_EQ(vidrep("encode " + dir + "/ok.npy --fps 10 --audio " + dir + "/a64.npy --out " + dir + "/v.mp4", &out),
            2);  // --audio needs --rate
  EXPECT_FALSE(fs::exists(dir + "/v.mp4"));
  ASSERT_EQ(vidrep("encode --help", &out), 0);
  EXPECT_NE(out.find(".webm"), std::string::npos) << out;
}

}  // namespace
}  // namespace vidrep
