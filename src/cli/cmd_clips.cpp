// vidrep clips FILE --sampler uniform|random|regular --clips K --length L --out F.npy
#include "cli_common.h"

#include "vidrep/io/npy.h"
#include "vidrep/sample/clip_sampler.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>

namespace vidrep::cli {

void register_clips(CLI::App& app) {
  struct Args {
    std::string file, out, sampler = "uniform", policy = "repeat";
    int64_t clips = 1, length = 16, stride = 1;
    uint64_t seed = 0;
    ReaderFlags reader;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("clips", "Sample clips of frames to a uint8 [K,L,H,W,3] .npy");
  cmd->add_option("FILE", args->file, "Video file")->required();
  cmd->add_option("--sampler", args->sampler, "uniform (evenly spread), random (seeded), regular (consecutive)")
      ->capture_default_str();
  cmd->add_option("--clips", args->clips, "Number of clips K (regular: 0 = as many as fit)")->capture_default_str();
  cmd->add_option("--length", args->length, "Frames per clip L")->capture_default_str();
  cmd->add_option("--stride", args->stride, "Step between a clip's frames")->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed for the random sampler")->capture_default_str();
  cmd->add_option("--out-of-range", args->policy, "Video shorter than a clip: repeat (last frame), wrap, error")
      ->capture_default_str();
  add_reader_flags(cmd, args->reader);
  cmd->add_option("--out", args->out, "Output .npy")->required();
  cmd->add_flag("--json", args->json, "Print each clip's frame indices and times as JSON");
  cmd->callback([args] {
    const ClipSampler sampler({parse_sampler_kind(args->sampler), args->clips, args->length,
                               args->stride, args->seed, parse_out_of_range(args->policy)});
    VideoReader reader(args->file, reader_options(args->reader));
    const auto clips = sampler.sample(reader.num_frames());
    const at::Tensor x = read_clips(reader, clips);
    io::save_npy(args->out, x);
    if (args->json) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& clip : clips) {
        std::vector<double> times;
        for (int64_t i : clip) times.push_back(reader.frame_time(i));
        list.push_back({{"frames", clip}, {"times", times}});
      }
      fmt::print("{}\n", nlohmann::json{{"path", args->file}, {"out", args->out},
                                        {"shape", x.sizes().vec()}, {"clips", list}}
                             .dump());
    } else {
      fmt::print("{}: wrote {} clips of {} frames at {}x{} to {}\n", args->file, x.size(0), x.size(1),
                 x.size(3), x.size(2), args->out);
    }
  });
}

}  // namespace vidrep::cli
