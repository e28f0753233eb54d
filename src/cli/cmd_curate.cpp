// vidrep curate INPUT... --out DIR [--config curate.json] [--shard I/N] [--ae RUN] [--json]
// vidrep curate merge DIR [--config curate.json] [--ae RUN] [--json]
#include "cli_common.h"
#include "progress.h"

#include "vidrep/curate/curate.h"
#include "vidrep/error.h"
#include "vidrep/video_files.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>

namespace vidrep::cli {
namespace {

struct CurateArgs {
  std::vector<std::string> inputs;
  std::string out, config, shard = "0/1", merge_dir, ae;
  int threads = 0;
  bool json = false;
};

curate::CurateConfig config_of(const CurateArgs& a) {
  curate::CurateConfig c = a.config.empty() ? curate::CurateConfig{} : curate::CurateConfig::load(a.config);
  if (!a.ae.empty()) c.ae = a.ae;
  return c;
}

void report(const curate::CurateResult& r, const std::string& out, bool json) {
  if (json) {
    fmt::print("{}\n", nlohmann::json{{"out", out},           {"videos", r.videos},       {"resumed", r.resumed},
                                      {"finished", r.finished}, {"accepted", r.accepted}, {"rejected", r.rejected},
                                      {"clips", r.clips},       {"duplicates", r.duplicates}, {"shards", r.shards},
                                      {"input_seconds", r.input_seconds}, {"seconds", r.stage_seconds}}
                           .dump());
    return;
  }
  if (!r.finished) {
    fmt::print("{}: staged {} videos ({} already done); run `vidrep curate merge {}` once every shard is done\n", out,
               r.videos, r.resumed, out);
    return;
  }
  fmt::print("{}: {} videos kept, {} rejected; {} clips in {} shards, {} duplicates left out (rejected.jsonl)\n", out,
             r.accepted, r.rejected, r.clips, r.shards, r.duplicates);
}

}  // namespace

void register_curate(CLI::App& app, curate::LatentEncoderFactory latents) {
  auto args = std::make_shared<CurateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "curate", "Raw videos to a curated clip set: reject, split into shots, cut, score, dedup, bucket, shard (resumable)");
  cmd->add_option("paths", args->inputs, "Video files, folders (searched recursively) or list files (.txt)");
  cmd->add_option("--out", args->out, "Output folder: shards/NNNNN.tar, manifest.jsonl, rejected.jsonl, stats.json, work/");
  cmd->add_option("--config", args->config, "Curate config JSON (thresholds, clip lengths, shard size, bucket table)");
  cmd->add_option("--shard", args->shard, "Stage every N-th video from I (I/N); then `vidrep curate merge OUT`")
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "Videos staged at once (0: one per core)")->capture_default_str();
  cmd->add_option("--ae", args->ae, "Autoencoder run: each clip's latents as KEY.latent.npy in the shards (config key \"ae\")");
  cmd->add_flag("--json", args->json,
                "One JSON line at the end: {out, videos, resumed, finished, accepted, rejected, clips, duplicates, "
                "shards, seconds}");
  CLI::App* merge = cmd->add_subcommand("merge", "Finish a sharded run: dedup, buckets and shards from every work unit");
  merge->add_option("dir", args->merge_dir, "The --out folder the shards staged into")->required();
  merge->add_option("--config", args->config, "The curate config the shards used");
  merge->add_option("--ae", args->ae, "The autoencoder run the shards used (their latents go into the shards)");
  merge->add_flag("--json", args->json, "One JSON line");
  merge->callback([args] { report(curate::finish(args->merge_dir, config_of(*args)), args->merge_dir, args->json); });
  cmd->callback([args, merge, latents] {
    if (merge->parsed()) return;
    if (args->inputs.empty()) throw InvalidArgument("curate: no input videos given");
    if (args->out.empty()) throw InvalidArgument("curate: --out DIR is required");
    const auto [index, count] = curate::parse_shard(args->shard);
    const std::vector<std::string> videos = collect_videos(args->inputs);
    if (videos.empty()) throw InvalidArgument("curate: no video files in the paths given");
    ProgressBar bar;
    const auto started = std::chrono::steady_clock::now();
    curate::CurateOptions o;
    o.inputs = videos;
    o.out_dir = args->out;
    o.config = config_of(*args);
    o.shard_index = index;
    o.shard_count = count;
    o.threads = args->threads;
    o.latents = latents;
    o.progress = [&](int64_t done, int64_t total, const std::string& path, bool) {
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      const double eta = s * static_cast<double>(total - done) / static_cast<double>(std::max<int64_t>(done, 1));
      bar.update(static_cast<double>(done) / static_cast<double>(total),
                 fmt::format("video {}/{}  ETA {}  {}", done, total, format_duration(eta), path));
    };
    const curate::CurateResult r = curate::curate(o);
    bar.clear();
    report(r, args->out, args->json);
  });
}

}  // namespace vidrep::cli
