#include "vidrep/features/log_mel.h"

#include "vidrep/error.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace vidrep {
namespace {

at::Tensor sine(double hz, int64_t samples, double amplitude = 0.5, double phase = 0, int rate = 16000) {
  return (amplitude * at::sin(2 * std::numbers::pi * hz * at::arange(samples, at::kDouble) / rate + phase)).to(at::kFloat);
}

// The mel filter whose centre is nearest `hz`.
int64_t nearest_bin(const MelOptions& mel, double hz) {
  const std::vector<double> centres = mel_center_frequencies(mel);
  int64_t best = 0;
  for (size_t i = 1; i < centres.size(); ++i) {
    if (std::abs(centres[i] - hz) < std::abs(centres[best] - hz)) best = static_cast<int64_t>(i);
  }
  return best;
}

TEST(LogMel, DefaultFramesMatchTheModelConfig) {
  const MelOptions mel;
  EXPECT_EQ(mel_samples(mel), 32000);
  EXPECT_EQ(mel_frames(mel), 124);  // 1 + (32000 - 512) / 256; models/config.h relies on it
  EXPECT_EQ(log_mel(at::zeros({32000}), mel).sizes(), (std::vector<int64_t>{124, 40}));
  EXPECT_EQ(mel_frames({.audio_seconds = 0.5}), 30);
  EXPECT_EQ(mel_frames({.n_fft = 400, .hop = 160, .mel_bins = 64, .audio_seconds = 1.0}), 98);
}

TEST(LogMel, SilenceIsTheLogOfTheFloor) {
  const at::Tensor x = log_mel(at::zeros({8000}), {});
  EXPECT_EQ(x.scalar_type(), at::kFloat);
  EXPECT_NEAR(x.min().item<double>(), std::log(1e-6), 1e-5);
  EXPECT_NEAR(x.max().item<double>(), std::log(1e-6), 1e-5);
}

TEST(LogMel, SinePeaksInTheBinOfItsFrequency) {
  const MelOptions mel;
  for (double hz : {1000.0, 4000.0}) {
    const at::Tensor x = log_mel(sine(hz, 32000), mel);
    const at::Tensor per_bin = x.mean(0);
    EXPECT_EQ(per_bin.argmax().item<int64_t>(), nearest_bin(mel, hz)) << hz << " Hz";
    // Every frame agrees (a steady tone), and the peak stands far above the floor.
    EXPECT_TRUE(at::all(x.argmax(1) == nearest_bin(mel, hz)).item<bool>()) << hz << " Hz";
    EXPECT_GT(per_bin.max().item<double>(), 5.0);
  }
  EXPECT_EQ(nearest_bin(mel, 1000), 13);  // centres 955 and 1060 Hz straddle 1 kHz
}

TEST(LogMel, MatchesAnIndependentReference) {
  // Values from a NumPy transcription of the definition in log_mel.h (periodic Hann, |rfft|^2,
  // HTK triangles peaking at 1, log(x + 1e-6)), for 0.3 sin(440 Hz) + 0.2 sin(3 kHz + 0.5).
  const at::Tensor x = sine(440, 4000, 0.3) + sine(3000, 4000, 0.2, 0.5);
  const at::Tensor y = log_mel(x, {});
  ASSERT_EQ(y.sizes(), (std::vector<int64_t>{14, 40}));
  EXPECT_NEAR(y[3][7].item<double>(), 7.46442, 1e-3);
  EXPECT_NEAR(y[3][26].item<double>(), 6.78180, 1e-3);
  EXPECT_NEAR(y[3][5].item<double>(), -4.30719, 2e-2);
  EXPECT_NEAR(y[3][24].item<double>(), -13.81499, 1e-3);
}

TEST(LogMel, FiltersAreHtkTrianglesUpToNyquist) {
  const MelOptions mel;
  const LogMel make(mel);
  const at::Tensor f = make.filters();
  ASSERT_EQ(f.sizes(), (std::vector<int64_t>{40, 257}));
  const std::vector<double> centres = mel_center_frequencies(mel);
  EXPECT_NEAR(centres[0], 44.374, 1e-2);   // 700 (10^(m/2595) - 1) at 1/41 of mel(8 kHz)
  EXPECT_NEAR(centres[39], 7481.37, 1e-1);
  EXPECT_LE(f.max().item<double>(), 1.0 + 1e-6);
  EXPECT_GE(f.min().item<double>(), 0.0);
  EXPECT_EQ(f.select(1, 0).sum().item<double>(), 0.0);    // 0 Hz is the first filter's foot
  EXPECT_EQ(f.select(1, 256).sum().item<double>(), 0.0);  // so is Nyquist for the last
  // Each filter peaks at the FFT bin nearest its centre (31.25 Hz bins).
  for (int64_t m = 0; m < 40; m += 13) {
    EXPECT_EQ(f[m].argmax().item<int64_t>(), std::llround(centres[m] / 31.25)) << "filter " << m;
  }
  // The reusable form and the one-off function agree.
  const at::Tensor x = sine(700, 5000);
  EXPECT_TRUE(at::equal(make(x), log_mel(x, mel)));
}

TEST(LogMel, ShortSignalsPadToOneFrameAndBadInputThrows) {
  EXPECT_EQ(log_mel(sine(1000, 100), {}).sizes(), (std::vector<int64_t>{1, 40}));
  EXPECT_EQ(mel_frames({.audio_seconds = 0.01}), 1);
  EXPECT_THROW(log_mel(at::zeros({2, 100}), {}), InvalidArgument);
  EXPECT_THROW(log_mel(at::zeros({100}, at::kDouble), {}), InvalidArgument);
  EXPECT_THROW(LogMel({.hop = 0}), InvalidArgument);
  EXPECT_THROW(LogMel({.n_fft = 64, .mel_bins = 40}), InvalidArgument);
}

}  // namespace
}  // namespace vidrep
