// What `vidrep curate` keeps, as JSON users edit (every key optional; the defaults below):
//
//   {"min_seconds": 2, "min_side": 64, "dark_luma": 24, "flat_std": 6, "bad_fraction": 0.9,
//    "static_motion": 0.3, "clip_min_seconds": 1, "clip_max_seconds": 10,
//    "dedup_threshold": 0.97, "shard_clips": 100, "buckets": "buckets.json",
//    "clip_preset": "ultrafast", "clip_crf": 18, "ae": ""}
#pragma once

#include "vidrep/array.h"

#include <cstdint>
#include <functional>
#include <string>

namespace vidrep::curate {

struct CurateConfig {
  double min_seconds = 2;           // shorter videos are rejected ("too short")
  int64_t min_side = 64;            // videos whose shorter side is smaller ("too small")
  double dark_luma = 24;            // a frame whose mean luma (0..255) is at most this is dark
  double flat_std = 6;              // ... or whose luma spread is below this is blank
  double bad_fraction = 0.9;        // this share of dark or blank sampled frames: "mostly black or blank"
  double static_motion = 0.3;       // mean frame-to-frame luma change (0..255) below this: "static"
  double clip_min_seconds = 1;      // shots shorter than this give no clip
  double clip_max_seconds = 10;     // longer shots are cut into pieces of at most this
  double dedup_threshold = 0.97;    // clip descriptors this similar (cosine) are duplicates
  int64_t shard_clips = 100;        // clips per tar shard
  std::string buckets;              // bucket table (tokens/bucket_config.h); empty: the default one
  // libx264 settings of the re-encoded frames of clips (the partial GOPs at their edges, or whole
  // clips where nothing can be copied). Measured on a 720p clip against its source: ultrafast at
  // crf 18 is closer to it (PSNR 49.1 dB) than veryfast at crf 16 (48.7 dB), at 2.4x the encoding
  // speed and 1.34x the bytes.
  std::string clip_preset = "ultrafast";
  int64_t clip_crf = 18;
  // An autoencoder run (`vidrep ae train`; `vidrep curate --ae RUN`): each clip's latents are
  // shipped beside it as KEY.latent.npy (made by a LatentEncoderFactory, below). "": none.
  std::string ae;

  // Throws ConfigError naming the key; load() names the file.
  static CurateConfig from_json(const std::string& text);
  static CurateConfig load(const std::string& path);
  std::string to_json() const;
  void validate() const;
};

// Curation is free of LibTorch; the latents of --ae come from the LibTorch side of the library,
// which passes a factory in (apps/autoencoder.h's curation_latents): run folder -> a function
// from a clip file to its float32 latents [K,C,t,h,w], callable from several threads at once.
using LatentEncoderFn = std::function<Array(const std::string& clip)>;
using LatentEncoderFactory = std::function<LatentEncoderFn(const std::string& run_dir)>;

}  // namespace vidrep::curate
