// vidrep clips FILE --sampler uniform|random|regular|sliding --clips K --length L [--transform SPEC]
//              [--layout thwc|cthw] --out F.npy
#include "cli_common.h"

#include "vidrep/error.h"
#include "vidrep/io/npy.h"
#include "vidrep/sample/clip_sampler.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>

namespace vidrep::cli {

void register_clips(CLI::App& app, ClipTransformParser parse_transform) {
  struct Args {
    std::string file, out, sampler = "uniform", policy = "repeat", transform, layout = "thwc";
    int64_t clips = 1, length = 16, stride = 1, step = 0;
    uint64_t seed = 0;
    ReaderFlags reader;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "clips", "Sample clips of frames to a uint8 [K,L,H,W,3] .npy (float32 once transformed to float)");
  cmd->add_option("FILE", args->file, "Video file")->required();
  cmd->add_option("--sampler", args->sampler,
                  "uniform (evenly spread), random (seeded), regular (consecutive), sliding (a clip every --step frames)")
      ->capture_default_str();
  cmd->add_option("--clips", args->clips, "Number of clips K (regular, sliding: 0 = as many as fit)")->capture_default_str();
  cmd->add_option("--step", args->step, "sliding: frames between clip starts (0: one clip span)")->capture_default_str();
  cmd->add_option("--length", args->length, "Frames per clip L")->capture_default_str();
  cmd->add_option("--stride", args->stride, "Step between a clip's frames")->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed for the random sampler and the random transforms")
      ->capture_default_str();
  cmd->add_option("--out-of-range", args->policy,
                  "Video shorter than a clip: repeat (last frame), wrap, shorten (one clip of all frames), error")
      ->capture_default_str();
  cmd->add_option("--transform", args->transform,
                  "Preprocessing applied to each clip, items in order, e.g. "
                  "'resize_short=128,center_crop=112,hflip=0.5,normalize=imagenet'; @FILE.json for the JSON form");
  cmd->add_option("--layout", args->layout, "thwc: [K,L,H,W,3]; cthw: [K,3,L,H,W]")->capture_default_str();
  add_reader_flags(cmd, args->reader);
  cmd->add_option("--out", args->out, "Output .npy")->required();
  cmd->add_flag("--json", args->json, "Print each clip's frame indices and times as JSON");
  cmd->callback([args, parse_transform] {
    const ClipSampler sampler({.kind = parse_sampler_kind(args->sampler),
                               .clips = args->clips,
                               .length = args->length,
                               .stride = args->stride,
                               .step = args->step,
                               .seed = args->seed,
                               .policy = parse_out_of_range(args->policy)});
    // Options are checked before any decoding.
    ClipTransform transform;
    if (parse_transform != nullptr) {
      transform = parse_transform(args->transform, args->layout, args->reader.threads);
    } else if (!args->transform.empty() || args->layout != "thwc") {
      throw std::logic_error("clips: --transform and --layout run in vidrep-torch");
    }
    VideoReader reader(args->file, reader_options(args->reader));
    const auto clips = sampler.sample(reader.num_frames());
    Array x = read_clips(reader, clips);
    if (transform.apply) x = transform.apply(x, args->seed);
    io::save_npy(args->out, x);
    const bool cthw = args->layout == "cthw";
    const int64_t frames = x.size(cthw ? 2 : 1), height = x.size(cthw ? 3 : 2), width = x.size(cthw ? 4 : 3);
    const std::string dtype(dtype_name(x.dtype()));
    if (args->json) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& clip : clips) {
        std::vector<double> times;
        for (int64_t i : clip) times.push_back(reader.frame_time(i));
        list.push_back({{"frames", clip}, {"times", times}});
      }
      fmt::print("{}\n", nlohmann::json{{"path", args->file}, {"out", args->out}, {"shape", x.shape()},
                                        {"dtype", dtype}, {"layout", args->layout},
                                        {"transform", transform.text}, {"clips", list}}
                             .dump());
    } else {
      fmt::print("{}: wrote {} clips of {} frames at {}x{} ({} {}) to {}\n", args->file, x.size(0), frames, width,
                 height, dtype, args->layout, args->out);
    }
  });
}

}  // namespace vidrep::cli
