// `vidrep curate`: raw videos in, a curated clip set out (Open-Sora / video2dataset style).
//
//   probe -> reject (corrupt, too short, too small, mostly black or blank, static) -> shots ->
//   clips (frame-exact, io/cut.h) -> scores (motion, sharpness, brightness, contrast) ->
//   dedup (handcrafted clip descriptors) -> buckets (tokens/bucket_config.h) ->
//   OUT/shards/NNNNN.tar (webdataset: KEY.mp4 + KEY.json), OUT/manifest.jsonl (a line per clip),
//   OUT/rejected.jsonl (a line per rejected video or duplicate clip), OUT/stats.json
//
// Two phases. Staging (stage.h) makes one work unit per video in OUT/work/, any number of
// processes at once (`shard I/N` takes every N-th video from I), each unit written last and
// atomically, so a killed run continues where it stopped. Finishing reads every unit in the order
// of their source paths, deduplicates, buckets and writes the outputs, each through a temporary
// name; run again, it writes the same bytes. Nothing depends on the number of shards or threads:
// a run in one process, a run in N shards followed by `merge`, and a killed and continued run
// give byte-identical outputs.
//
//   curate::CurateResult r = curate::curate({.inputs = files, .out_dir = "out"});
#pragma once

#include "vidrep/curate/config.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace vidrep::curate {

struct CurateOptions {
  std::vector<std::string> inputs;  // video files
  std::string out_dir;
  CurateConfig config;
  int shard_index = 0, shard_count = 1;  // stage inputs i with i % shard_count == shard_index
  int threads = 0;                       // videos staged at once; 0: one per core
  // Makes the encoder of config.ae's latents (config.h); needed only when that is set.
  LatentEncoderFactory latents;
  // After each video staged: (done, total, path); `resumed` when its unit was already there.
  std::function<void(int64_t done, int64_t total, const std::string& path, bool resumed)> progress;
};

struct CurateResult {
  int64_t videos = 0, resumed = 0;                 // staged by this call, found done
  int64_t accepted = 0, rejected = 0, clips = 0, duplicates = 0, shards = 0;  // after finishing
  bool finished = false;                           // outputs written (not for a shard of several)
  double input_seconds = 0;                        // of the videos staged by this call
  // Where the time went: per stage of the videos staged by this call, summed over threads
  // (probe, analysis, shots, cut, latents), and the wall time of staging and finishing.
  std::map<std::string, double> stage_seconds;
};

// "I/N" -> (I, N); InvalidArgument unless 0 <= I < N.
std::pair<int, int> parse_shard(const std::string& text);

// Stages this shard's videos; with one shard, finishes too.
CurateResult curate(const CurateOptions& options);

// Finishes from the work units in OUT/work/ (every shard's): the outputs above.
CurateResult finish(const std::string& out_dir, const CurateConfig& config);

}  // namespace vidrep::curate
