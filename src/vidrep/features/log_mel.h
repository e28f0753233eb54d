// Log-mel spectrogram: the audio input of the audio and audio-visual models.
//
//   vidrep::MelOptions mel;                                   // 16 kHz, n_fft 512, hop 256, 40 bins, 2 s
//   at::Tensor x = vidrep::log_mel(samples, mel);             // float32 [S] -> [frames, 40]
//   vidrep::LogMel make(mel);  at::Tensor y = make(samples);  // the same, filters built once
//
// Frames are taken without centring or padding: frame f covers samples [f*hop, f*hop + n_fft),
// so S samples give 1 + (S - n_fft) / hop frames (a signal shorter than n_fft is zero-padded to one
// frame). Each frame is multiplied by a periodic Hann window, its power |rfft|^2 (no scaling) is
// summed by `mel_bins` triangular filters on the HTK mel scale (mel = 2595 log10(1 + f / 700)),
// spaced evenly from 0 Hz to sample_rate / 2 and peaking at 1 (no area normalisation), and the
// result is log(power + 1e-6): silence gives log(1e-6) = -13.8155 everywhere.
// Pure functions; LogMel is immutable after construction and may be used from several threads.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace vidrep {

struct MelOptions {
  int sample_rate = 16000;
  int n_fft = 512;       // window length in samples (Hann)
  int hop = 256;         // 16 ms
  int mel_bins = 40;
  double audio_seconds = 2.0;
};

inline constexpr double kLogMelFloor = 1e-6;  // added to the power before the log

// Samples in `audio_seconds`: round(audio_seconds * sample_rate).
int64_t mel_samples(const MelOptions& mel);
// Frames of a log-mel spectrogram of `audio_seconds` (centre-free framing: 1 + (S - n_fft) / hop);
// 124 for the defaults.
int64_t mel_frames(const MelOptions& mel);
// Centre frequency (Hz) of each mel filter, ascending.
std::vector<double> mel_center_frequencies(const MelOptions& mel);
// Throws InvalidArgument naming the field for a non-positive size/rate or too many bins for n_fft.
void validate(const MelOptions& mel);

class LogMel {
 public:
  // Builds the window and the filterbank. Throws InvalidArgument (validate()).
  explicit LogMel(const MelOptions& mel);

  const MelOptions& options() const { return mel_; }
  // float32 [mel_bins, n_fft / 2 + 1]: filter m's weight of each rfft bin.
  const at::Tensor& filters() const { return filters_; }

  // float32 [S] mono samples (any S; `audio_seconds` is not applied) -> float32 [frames, mel_bins].
  // Throws InvalidArgument for another shape or dtype.
  at::Tensor operator()(const at::Tensor& samples) const;

 private:
  MelOptions mel_;
  at::Tensor window_;   // float32 [n_fft]
  at::Tensor filters_;  // float32 [mel_bins, n_fft / 2 + 1]
};

// One-off form of LogMel(mel)(samples).
at::Tensor log_mel(const at::Tensor& samples, const MelOptions& mel);

}  // namespace vidrep
