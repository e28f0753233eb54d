// DataLoader: batches of decoded, transformed clips (and log-mel audio) from a Dataset, made by
// worker threads ahead of the consumer.
//
//   vidrep::DataLoader loader(dataset, {.batch_size = 16, .workers = 2, .seed = 7, .clip_len = 16,
//                                       .width = 32, .height = 32});
//   loader.start_epoch(0);
//   while (auto batch = loader.next()) { model(batch->video, batch->audio); ... }
//
// Each sample gives one clip of `clip_len` frames (stride `frame_stride`) from the sample's time
// range: a seeded random start when `random_clip`, else the centred clip; short videos repeat
// their last frame. Frames are resized on decode to width x height, then `transform` (a
// transform::Pipeline text, e.g. "hflip,color_jitter=0.2") is applied with a per-sample seed,
// then the clip becomes float32 [3,T,H,W]: a uint8 result as rgb / 255 in [0,1], a float32 one as
// it is. Nothing is normalised behind the transform's back: a run's normalisation is an item of
// its transform text (train/inference.h: run_loader_options, e.g. "normalize=0.45:0.225").
// A sample's start/end restrict the frames its clip is drawn from. Audio (when `audio`) is the
// mono signal at mel.sample_rate from the clip's first frame time for `audio_seconds`, as a
// log-mel spectrogram [mel_frames, mel_bins] (features/log_mel.h); zeros pad it where the file's
// audio ends, and a file without an audio stream gives silence, not an error.
//
// Order: the batch sampler (data/batch_sampler.h) says which samples make each batch of an epoch
// and at what clip shape: by default a shuffle seeded by derive_seed(seed, epoch) (or dataset
// order when !shuffle) cut into batch_size pieces; a bucketed sampler gives batches of one shape
// each (frames x height x width of their bucket: the clip is resized on decode to cover it, then
// centre-cropped), a distributed one this rank's share. Every random draw of a sample depends only on (seed, epoch, sample
// index), so batches are identical whatever the worker count. Each worker makes whole batches;
// at most max(prefetch, workers) batches are made or waiting ahead of the consumer (bounded
// memory). Workers run LibTorch ops single-threaded (they are the parallelism). A file the
// readers reject (a vidrep::Error while decoding) is reported once (skipped()) and that sample
// is left out of every batch, never opened again (another time range of the same file still
// is); a batch may then be smaller, and one left empty is not returned. Any other error (a transform that cannot apply, a bug) is rethrown by next().
// Not thread-safe: one consumer thread calls start_epoch/next.
#pragma once

#include "vidrep/data/batch_sampler.h"
#include "vidrep/data/dataset.h"
#include "vidrep/features/log_mel.h"  // MelOptions, mel_frames()
#include "vidrep/io/frame_index_cache.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vidrep {

struct LoaderOptions {
  int64_t batch_size = 16;
  int workers = 2;            // decoding threads; 0 decodes on the caller's thread
  int prefetch = 4;           // batches made ahead (at least `workers` are)
  bool shuffle = true;
  bool drop_last = false;
  // Which samples make each batch (data/batch_sampler.h); null: ShuffledBatches from batch_size,
  // drop_last, shuffle and seed.
  std::shared_ptr<const BatchSampler> batch_sampler;
  // A planned batch that ends up with no sample (an empty part of a distributed batch, or every
  // file unreadable) is returned as a Batch without samples (no indices, undefined tensors)
  // instead of being skipped, so that distributed ranks stay in step.
  bool empty_batches = false;
  uint64_t seed = 0;
  int64_t clip_len = 16;
  int64_t frame_stride = 1;
  int width = 32;
  int height = 32;
  bool random_clip = true;    // false: the centred clip (evaluation)
  std::string transform;      // empty: none
  bool video = true;
  bool audio = false;
  MelOptions mel;
  int decoder_threads = 1;    // per worker
  // Transformed views of each clip (DataLoader only; load_sample makes one): the views share the
  // decoded frames and draw their transforms apart, and Batch::video holds views * B clips, view v
  // of the batch's sample i at row v * B + i (the positive pairs of contrastive training).
  int views = 1;
  // Frame indexes of the files already opened, so later epochs skip each file's packet scan
  // (io/frame_index_cache.h); null: the loader keeps its own, in memory.
  std::shared_ptr<io::FrameIndexCache> index_cache;
  // Decoded clips kept in memory (before the transform) for later epochs, up to this many bytes,
  // when a sample's frames do not depend on the seed (videos no longer than a clip, or centred
  // clips). Small datasets are then decoded once; 0 turns it off.
  int64_t cache_bytes = int64_t{1} << 30;
};

struct Batch {
  at::Tensor video;              // float32 [B,3,T,H,W] ([views*B,...] for several views; undefined when !video)
  at::Tensor audio;              // float32 [B,mel_frames,mel_bins] (undefined when !audio)
  at::Tensor labels;             // int64 [B] single-label; float32 [B,K] multi-hot when multi_label; undefined unlabelled
  std::vector<int64_t> indices;  // sample indices in the Dataset
  std::vector<double> clip_starts;  // seconds: time of each clip's first frame
};

// One sample as the loader makes it (also used by predict on files outside a dataset):
// video [3,T,H,W], audio [mel_frames, mel_bins] (each undefined when not asked for). `clip_index`
// of `num_clips` evenly spread clips when !options.random_clip and num_clips > 1. The clip's
// start and transform draw from `sample_seed` only. Throws the reader's errors (vidrep::Error),
// InvalidArgument for bad options or a time range with no frames.
struct SampleTensors {
  at::Tensor video;
  at::Tensor audio;
  double clip_start = 0;  // seconds: time of the clip's first frame
};
SampleTensors load_sample(const Sample& sample, const LoaderOptions& options, uint64_t sample_seed,
                          int64_t clip_index = 0, int64_t num_clips = 1);

class DataLoader {
 public:
  // Checks the options (InvalidArgument naming the field or transform item) and starts the workers.
  DataLoader(Dataset dataset, LoaderOptions options);
  ~DataLoader();  // stops and joins the workers
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  const Dataset& dataset() const;
  const LoaderOptions& options() const;
  int64_t batches_per_epoch() const;

  // Starts (or restarts) producing epoch `epoch`; discards what remained of the previous one
  // (workers busy on it give up at their next sample).
  void start_epoch(int64_t epoch);
  // The next batch of the current epoch; nullopt at its end. Rethrows a worker's unexpected error
  // (anything other than an unreadable file) in place of the batch it broke; the epoch goes on
  // after it. std::logic_error before the first start_epoch.
  std::optional<Batch> next();

  // "path: reason" of every file left out so far, each once (in the order found). Thread-safe.
  std::vector<std::string> skipped() const;

  // The seed of sample `index`'s draws in `epoch` (what load_sample gets from the loader).
  static uint64_t sample_seed(uint64_t seed, int64_t epoch, int64_t index);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vidrep
