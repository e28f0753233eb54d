// vidrep frames FILE (--indices I,J | --range A:B[:STEP] | --times T1,T2) --out F.npy
#include "cli_common.h"

#include "vidrep/error.h"
#include "vidrep/sample/save_frames.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>

namespace vidrep::cli {

void register_frames(CLI::App& app) {
  struct Args {
    std::string file, indices, range, times, out;
    ReaderFlags reader;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "frames", "Decode frames by index, range or time to an RGB uint8 [N,H,W,3] .npy");
  cmd->add_option("FILE", args->file, "Video file")->required();
  auto* by_index = cmd->add_option("--indices", args->indices, "Frame indices, e.g. 0,10,20 (any order, repeats allowed)");
  auto* by_range = cmd->add_option("--range", args->range, "Frames A:B[:STEP], B exclusive, empty B = to the end");
  auto* by_time = cmd->add_option("--times", args->times, "Seconds from the start; each gives the frame on screen then");
  by_index->excludes(by_range, by_time);
  by_range->excludes(by_time);
  add_reader_flags(cmd, args->reader);
  cmd->add_option("--out", args->out, "Output .npy")->required();
  cmd->add_flag("--json", args->json, "Print the decoded frame indices and times as JSON");
  cmd->callback([args] {
    if (args->indices.empty() && args->range.empty() && args->times.empty()) {
      throw InvalidArgument("frames: give one of --indices, --range or --times");
    }
    VideoReader reader(args->file, reader_options(args->reader));
    std::vector<int64_t> indices;
    if (!args->indices.empty()) {
      indices = parse_indices(args->indices, "--indices");
    } else if (!args->range.empty()) {
      indices = parse_range(args->range, reader.num_frames(), "--range");
    } else {
      for (double t : parse_times(args->times, "--times")) indices.push_back(reader.frame_at_time(t));
    }
    save_frames(reader, indices, args->out);
    const std::vector<int64_t> shape = {static_cast<int64_t>(indices.size()), reader.height(), reader.width(), 3};
    if (args->json) {
      std::vector<double> times;
      for (int64_t i : indices) times.push_back(reader.frame_time(i));
      nlohmann::json j = {{"path", args->file}, {"out", args->out}, {"shape", shape},
                          {"indices", indices}, {"times", times}};
      fmt::print("{}\n", j.dump());
    } else {
      fmt::print("{}: wrote {} frames of {}x{} to {}\n", args->file, indices.size(), reader.width(),
                 reader.height(), args->out);
    }
  });
}

}  // namespace vidrep::cli
