// synth_dataset(): a labelled synthetic dataset written as real mp4 files (H.264 + AAC), in the
// list-file layout load_dataset() reads. Used by `vidrep synth`, the demo and the tests.
//
//   vidrep::synth::SynthSummary s = vidrep::synth::synth_dataset({.kind = vidrep::synth::Kind::Motion,
//                                                                 .out = "data/motion"});
//
// Layout of `out`:
//   videos/<class>/<split>_<nnnn>.mp4   nnnn counts within (class, split) from 0000
//   train.txt, val.txt, test.txt        "videos/left/train_0000.mp4 left", class-major
//   classes.txt                         class names in label order
//   synth.json                          the options that made it (and the class names)
//
// Kinds (classes in label order; the motions and sounds are described in synth_render.h):
//   motion: left, right, up, down, rotate_cw, rotate_ccw, zoom_in, zoom_out; quiet-noise audio.
//           Each class is the time reversal of its partner in distribution: a model blind to frame
//           order cannot beat 50 % (up to codec artefacts: frame 0 is the only key frame).
//   av:     {left, right, up, down} x {low, high} = left_low, left_high, right_low, ... down_high:
//           a low (200-500 Hz) or high (1500-3000 Hz) tone in noise at ~10 dB SNR. Video alone
//           reaches at most 50 %, audio alone 25 %, both together 100 %.
//
// Defaults: 32x32 px, 16 frames at 8 fps (2 s), audio 16 kHz mono, 96 train videos per class and
// max(2, per_class / 4) each for val and test (1152 files per dataset: enough for the
// temporal models to pass 95 % on the test split; 48 per class left them near 94 %), seed 0. With `vary`, each
// video's frame count is drawn in [frames, 2 * frames] and its fps in [fps / 2, fps] (to 0.01).
//
// Determinism: video i (counted over splits train, val, test, then classes, then index) is drawn
// from derive_seed(seed, i) alone and each file is encoded on one thread (files in parallel), so
// the files are the same byte for byte whatever the thread count.
// Atomicity: the dataset is built in a hidden sibling folder ".<name>.synth-<pid>" and renamed to
// `out` when complete; on failure that folder is removed and `out` is left as it was. A non-empty
// `out` is refused unless `overwrite`, which replaces it.
#pragma once

#include "vidrep/data/synth_render.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace vidrep::synth {

enum class Kind { Motion, Av };
// "motion" | "av"; throws InvalidArgument naming --kind.
Kind parse_kind(const std::string& text);
std::string kind_name(Kind kind);
// Class names in label order.
std::vector<std::string> class_names(Kind kind);

struct SynthOptions {
  Kind kind = Kind::Motion;
  std::string out;               // the dataset folder
  int64_t per_class = 96;        // train videos per class
  int width = 32;                // even (H.264 yuv420p), >= 16
  int height = 32;
  int64_t frames = 16;           // >= 2
  double fps = 8;                // > 0
  uint64_t seed = 0;
  int threads = 0;               // encoding workers; 0 = one per core
  bool overwrite = false;        // replace a non-empty `out`
  bool vary = false;             // per-video frames in [frames, 2 frames], fps in [fps / 2, fps]
  int audio_rate = 16000;
  // Called after each video as (done, total), from worker threads but never concurrently. A callback
  // that throws stops the run like any other error (a way to cancel).
  std::function<void(int64_t, int64_t)> progress{};
};

// One video of the dataset: where it goes and what renders it.
struct SynthVideo {
  std::string split;  // "train" | "val" | "test"
  int label = 0;      // index into class_names(kind)
  std::string path;   // relative to `out`: "videos/left/train_0000.mp4"
  uint64_t seed = 0;  // derive_seed(options.seed, index in this list)
  ClipSpec spec;      // render_clip(spec, seed) is the file's content before encoding
};

// Every video in write order: split (train, val, test), then class, then index.
std::vector<SynthVideo> plan_videos(const SynthOptions& options);

// Videos per class in a split: per_class for train, max(2, per_class / 4) for val and test.
int64_t split_size(const SynthOptions& options, const std::string& split);

// Throws InvalidArgument naming the CLI option (--size, --frames, --fps, --per-class, --threads,
// --out) for a value synth_dataset() cannot use.
void validate(const SynthOptions& options);

struct SynthSummary {
  std::string out;
  Kind kind = Kind::Motion;
  std::vector<std::string> classes;
  int64_t train = 0, val = 0, test = 0;  // videos per split, all classes
  int64_t files = 0;                     // every file written (videos + lists + classes + json)
  int64_t bytes = 0;                     // of the videos
  int threads = 0;
  double seconds = 0;
};

// Validates, then writes the dataset. Throws InvalidArgument for bad options or a non-empty `out`
// without `overwrite`, WriteError when a file cannot be written (nothing is left behind).
SynthSummary synth_dataset(const SynthOptions& options);

}  // namespace vidrep::synth
