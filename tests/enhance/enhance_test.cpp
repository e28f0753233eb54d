// Enhancement: denoising recovers a clean picture from Gaussian noise (better with neighbouring
// frames than without), the noise level is measured, contrast grows without flicker, sharpening
// leaves flat areas alone, and `vidrep enhance` keeps frame count, frame times and audio.
#include "vidrep/enhance/contrast.h"
#include "vidrep/enhance/denoise.h"
#include "vidrep/enhance/enhance_file.h"
#include "vidrep/error.h"
#include "vidrep/io/audio_reader.h"
#include "vidrep/io/probe.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/tensor.h"

#include "support/fixtures.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <random>

namespace vidrep {
namespace {

namespace fs = std::filesystem;
using enhance::Plane;

constexpr int kW = 96, kH = 64;

// A clean picture with edges, gradients and texture at several scales.
std::vector<uint8_t> clean_picture() {
  std::vector<uint8_t> p(static_cast<size_t>(kW * kH));
  for (int y = 0; y < kH; ++y) {
    for (int x = 0; x < kW; ++x) {
      double v = 60 + 1.2 * x + 0.6 * y;
      if ((x / 16 + y / 16) % 2 == 0) v += 50;
      v += 20 * std::sin(x * 0.4) * std::cos(y * 0.3);
      p[static_cast<size_t>(y * kW + x)] = static_cast<uint8_t>(std::clamp(v, 0.0, 255.0));
    }
  }
  return p;
}

Plane noisy_plane(const std::vector<uint8_t>& clean, double sigma, unsigned seed, int border) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, sigma);
  std::vector<uint8_t> n(clean.size());
  for (size_t i = 0; i < clean.size(); ++i) n[i] = static_cast<uint8_t>(std::clamp(std::lround(clean[i] + noise(rng)), 0L, 255L));
  Plane p;
  p.load(n.data(), kW, kW, kH, border);
  return p;
}

double psnr(const Plane& p, const std::vector<uint8_t>& clean) {
  double se = 0;
  for (int y = 0; y < kH; ++y) {
    for (int x = 0; x < kW; ++x) {
      const double d = p.row(y)[x] - clean[static_cast<size_t>(y * kW + x)];
      se += d * d;
    }
  }
  return 10 * std::log10(255.0 * 255.0 / (se / (kW * kH)));
}

TEST(Denoise, RemovesGaussianNoiseAndNeighbouringFramesHelp) {
  const auto clean = clean_picture();
  std::vector<Plane> frames;
  for (unsigned s = 0; s < 3; ++s) frames.push_back(noisy_plane(clean, 20, 11 + s, 6));
  const double noisy = psnr(frames[1], clean);
  EXPECT_NEAR(enhance::estimate_noise(frames[1]), 20, 4);
  EXPECT_LT(enhance::estimate_noise(noisy_plane(clean, 0, 1, 6)), 6);

  Plane alone, together;
  enhance::denoise_plane({&frames[1]}, 0, alone, {.sigma = 20});
  enhance::denoise_plane({&frames[0], &frames[1], &frames[2]}, 1, together, {.sigma = 20});
  EXPECT_GT(psnr(alone, clean), noisy + 4) << "noisy " << noisy;
  EXPECT_GT(psnr(together, clean), psnr(alone, clean) + 1) << "three frames of a still scene beat one";
  Plane off;
  enhance::denoise_plane({&frames[1]}, 0, off, {.sigma = 0});
  EXPECT_DOUBLE_EQ(psnr(off, clean), noisy);
  EXPECT_THROW(enhance::denoise_plane({&frames[1]}, 0, off, {.sigma = 20, .search = 4}), InvalidArgument);  // border too small (7)
}

TEST(Denoise, StreamsWithABoundedWindow) {
  const auto clean = clean_picture();
  enhance::Denoiser d({.sigma = 15, .frames = 2});
  std::vector<int64_t> out;
  for (int64_t t = 0; t < 7; ++t) {
    enhance::Picture p;
    p.pts = t * 10;
    p.planes.push_back(noisy_plane(clean, 15, static_cast<unsigned>(t), d.border()));
    d.push(std::move(p), [&](enhance::Picture& q) { out.push_back(q.pts); });
    EXPECT_EQ(static_cast<int64_t>(out.size()), std::max<int64_t>(t - 1, 0)) << "two pictures behind";
  }
  d.finish([&](enhance::Picture& q) { out.push_back(q.pts); });
  EXPECT_EQ(out, (std::vector<int64_t>{0, 10, 20, 30, 40, 50, 60}));
  EXPECT_THROW(enhance::Denoiser({.sigma = -1}), InvalidArgument);
}

double mean_of(const Plane& p) {
  double s = 0;
  for (int y = 0; y < p.height(); ++y) {
    for (int x = 0; x < p.width(); ++x) s += p.row(y)[x];
  }
  return s / (p.width() * p.height());
}

double spread_of(const Plane& p) {
  const double m = mean_of(p);
  double s = 0;
  for (int y = 0; y < p.height(); ++y) {
    for (int x = 0; x < p.width(); ++x) s += (p.row(y)[x] - m) * (p.row(y)[x] - m);
  }
  return std::sqrt(s / (p.width() * p.height()));
}

TEST(Contrast, RaisesContrastWithoutFlicker) {
  // A dull picture (values squeezed into 100..140) under changing noise.
  auto dull = clean_picture();
  for (uint8_t& v : dull) v = static_cast<uint8_t>(100 + v * 40 / 255);
  for (const char* mode : {"equalize", "clahe"}) {
    enhance::ContrastEnhancer c({.mode = enhance::parse_contrast_mode(mode)});
    std::vector<double> means;
    double spread_in = 0, spread_out = 0;
    for (unsigned t = 0; t < 20; ++t) {
      Plane p = noisy_plane(dull, 3, t, 1);
      spread_in = spread_of(p);
      c.apply(p);
      spread_out = spread_of(p);
      means.push_back(mean_of(p));
      for (int y = 0; y < p.height(); ++y) {
        for (int x = 0; x < p.width(); ++x) {
          ASSERT_GE(p.row(y)[x], 16);
          ASSERT_LE(p.row(y)[x], 235);
        }
      }
    }
    // (CLAHE limits the gain by design)
    EXPECT_GT(spread_out, (std::string(mode) == "clahe" ? 1.3 : 2.0) * spread_in) << mode;
    const double lo = *std::min_element(means.begin(), means.end()), hi = *std::max_element(means.begin(), means.end());
    EXPECT_LT(hi - lo, 1.5) << mode << ": the mean brightness flickers";
  }
  EXPECT_THROW(enhance::parse_contrast_mode("gamma"), InvalidArgument);
}

TEST(Sharpen, SteepensEdgesAndLeavesFlatAreas) {
  std::vector<uint8_t> edge(static_cast<size_t>(kW * kH));
  for (int y = 0; y < kH; ++y) {
    for (int x = 0; x < kW; ++x) edge[static_cast<size_t>(y * kW + x)] = x < kW / 2 ? 80 : 160;
  }
  Plane p;
  p.load(edge.data(), kW, kW, kH, 1);
  enhance::sharpen(p, 1.0);
  EXPECT_EQ(p.row(10)[5], 80);
  EXPECT_EQ(p.row(10)[kW - 5], 160);
  EXPECT_LT(p.row(10)[kW / 2 - 1], 80);   // undershoot before the edge
  EXPECT_GT(p.row(10)[kW / 2], 160);      // overshoot after it
}

// 2 s of a moving test pattern with audio, and the same with strong temporal noise (lossless).
std::string clean_video() {
  return test::make_video("enhance_clean.mkv", "-f lavfi -i testsrc2=size=128x96:rate=25 -t 2 -c:v libx264 -qp 0 -pix_fmt yuv420p");
}
std::string noisy_video() {
  return test::make_video("enhance_noisy.mkv",
                          "-f lavfi -i testsrc2=size=128x96:rate=25 -f lavfi -i sine=frequency=300:sample_rate=16000 -t 2 "
                          "-vf noise=alls=24:allf=t -c:v libx264 -qp 0 -pix_fmt yuv420p -c:a aac");
}

double video_psnr(const std::string& a, const std::string& b) {
  VideoReader ra(a, {.threads = 1}), rb(b, {.threads = 1});
  const at::Tensor x = to_tensor(ra.read_range(0, ra.num_frames())).to(at::kFloat);
  const at::Tensor y = to_tensor(rb.read_range(0, rb.num_frames())).to(at::kFloat);
  const double mse = (x - y).pow(2).mean().item<double>();
  return 10 * std::log10(255.0 * 255.0 / mse);
}

TEST(EnhanceFile, DenoisesAndKeepsFramesTimesAndAudio) {
  const std::string dir = test::scratch_dir("enhance_file");
  const std::string out = dir + "/out.mp4";
  const auto r = enhance::enhance_file(noisy_video(), out, {.denoise = {.sigma = 12}, .crf = 10});
  EXPECT_EQ(r.frames, 50);
  EXPECT_GT(r.audio_packets, 0);
  VideoReader in(noisy_video(), {.threads = 1}), got(out, {.threads = 1});
  ASSERT_EQ(got.num_frames(), in.num_frames());
  EXPECT_NEAR(got.fps(), in.fps(), 1e-6);
  for (int64_t i : {0, 17, 49}) EXPECT_NEAR(got.frame_time(i), in.frame_time(i), 1e-3);
  const double before = video_psnr(noisy_video(), clean_video()), after = video_psnr(out, clean_video());
  EXPECT_GT(after, before + 3) << "noisy " << before << " dB";
  AudioReader audio_in(noisy_video(), {.sample_rate = 16000, .mono = true}), audio_out(out, {.sample_rate = 16000, .mono = true});
  const at::Tensor a = to_tensor(audio_in.read()), b = to_tensor(audio_out.read());
  EXPECT_EQ(a.size(1), b.size(1));
  EXPECT_TRUE(at::allclose(a, b)) << "the audio packets pass through";

  // Bad options fail before anything is written.
  EXPECT_THROW(enhance::enhance_file(noisy_video(), dir + "/bad.mp4", {.denoise = {.sigma = 500}}), InvalidArgument);
  EXPECT_THROW(enhance::enhance_file(noisy_video(), dir + "/bad.mp4", {.sharpen = -1}), InvalidArgument);
  EXPECT_FALSE(fs::exists(dir + "/bad.mp4"));
}

TEST(EnhanceCli, JsonLineAndClearErrors) {
  const std::string dir = test::scratch_dir("enhance_cli");
  std::string out;
  ASSERT_EQ(test::run(test::cli() + " enhance " + noisy_video() + " --out " + dir + "/e.mp4 --denoise auto --contrast clahe "
                                    "--sharpen 0.5 --json",
                      &out),
            0)
      << out;
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["frames"], 50);
  EXPECT_GT(j["sigma"].get<double>(), 5.0);
  EXPECT_EQ(probe(dir + "/e.mp4").streams.size(), 2u);
  EXPECT_EQ(test::run(test::cli() + " enhance " + noisy_video() + " --out " + dir + "/x.mp4 --contrast gamma", &out), 2);
  EXPECT_NE(out.find("gamma"), std::string::npos) << out;
  EXPECT_EQ(test::run(test::cli() + " enhance " + noisy_video() + " --out " + dir + "/x.mp4", &out), 2);
  EXPECT_NE(out.find("nothing to do"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir + "/x.mp4"));
}

}  // namespace
}  // namespace vidrep
