#include "vidrep/features/log_mel.h"

#include "vidrep/describe.h"
#include "vidrep/error.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <cmath>
#include <numbers>

namespace vidrep {

namespace {

double hz_to_mel(double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); }
double mel_to_hz(double mel) { return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0); }

// mel_bins + 2 edges evenly spaced in mel from 0 Hz to Nyquist: filter m rises from edge m to
// edge m + 1 and falls to edge m + 2.
std::vector<double> mel_edges(const MelOptions& mel) {
  const double top = hz_to_mel(mel.sample_rate / 2.0);
  std::vector<double> edges(static_cast<size_t>(mel.mel_bins) + 2);
  for (size_t i = 0; i < edges.size(); ++i) edges[i] = mel_to_hz(top * double(i) / double(edges.size() - 1));
  edges.back() = mel.sample_rate / 2.0;  // exactly, not through the round trip
  return edges;
}

}  // namespace

void validate(const MelOptions& mel) {
  auto positive = [](const char* name, double value) {
    if (!(value > 0)) throw InvalidArgument(fmt::format("mel.{}: expected > 0, got {}", name, value));
  };
  positive("sample_rate", mel.sample_rate);
  positive("n_fft", mel.n_fft);
  positive("hop", mel.hop);
  positive("mel_bins", mel.mel_bins);
  positive("audio_seconds", mel.audio_seconds);
  if (mel.mel_bins > mel.n_fft / 2) {
    throw InvalidArgument(fmt::format("mel.mel_bins: expected at most n_fft / 2 = {}, got {}", mel.n_fft / 2, mel.mel_bins));
  }
}

int64_t mel_samples(const MelOptions& mel) { return std::llround(mel.audio_seconds * mel.sample_rate); }

int64_t mel_frames(const MelOptions& mel) {
  const int64_t samples = mel_samples(mel);
  return samples < mel.n_fft ? 1 : 1 + (samples - mel.n_fft) / mel.hop;
}

std::vector<double> mel_center_frequencies(const MelOptions& mel) {
  const std::vector<double> edges = mel_edges(mel);
  return {edges.begin() + 1, edges.end() - 1};
}

LogMel::LogMel(const MelOptions& mel) : mel_(mel) {
  validate(mel);
  // Periodic Hann, as STFTs use (torch.hann_window's default).
  window_ = at::empty({mel.n_fft}, at::kFloat);
  float* w = window_.data_ptr<float>();
  for (int i = 0; i < mel.n_fft; ++i) w[i] = static_cast<float>(0.5 - 0.5 * std::cos(2 * std::numbers::pi * i / mel.n_fft));

  const std::vector<double> edges = mel_edges(mel);
  const int64_t bins = mel.n_fft / 2 + 1;
  filters_ = at::zeros({mel.mel_bins, bins}, at::kFloat);
  float* f = filters_.data_ptr<float>();
  for (int m = 0; m < mel.mel_bins; ++m) {
    const double lo = edges[m], centre = edges[m + 1], hi = edges[m + 2];
    for (int64_t k = 0; k < bins; ++k) {
      const double hz = double(k) * mel.sample_rate / mel.n_fft;
      const double weight = std::min((hz - lo) / (centre - lo), (hi - hz) / (hi - centre));
      f[m * bins + k] = static_cast<float>(std::max(0.0, weight));
    }
  }
}

at::Tensor LogMel::operator()(const at::Tensor& samples) const {
  if (!samples.defined() || samples.dim() != 1 || samples.scalar_type() != at::kFloat) {
    throw InvalidArgument(fmt::format("log_mel: expected float32 [S] samples, got {}", describe(samples)));
  }
  at::Tensor x = samples.contiguous();
  if (x.size(0) < mel_.n_fft) x = at::constant_pad_nd(x, {0, mel_.n_fft - x.size(0)});
  const at::Tensor frames = x.unfold(0, mel_.n_fft, mel_.hop) * window_;  // [F, n_fft]
  const at::Tensor spectrum = at::view_as_real(at::fft_rfft(frames));       // [F, bins, 2]
  const at::Tensor power = spectrum.pow(2).sum(-1);                         // [F, bins]
  return at::log(at::matmul(power, filters_.t()) + kLogMelFloor);
}

at::Tensor log_mel(const at::Tensor& samples, const MelOptions& mel) { return LogMel(mel)(samples); }

}  // namespace vidrep
