// vidrep audio FILE [--rate R] [--mono] [--start S] [--end E] [--stream N] [--json] --out F.npy
#include "cli_common.h"

#include "vidrep/io/audio_reader.h"
#include "vidrep/io/npy.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>

namespace vidrep::cli {

void register_audio(CLI::App& app) {
  struct Args {
    std::string file;
    std::string out;
    AudioOptions options;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "audio", "Decode an audio stream to a float32 [channels, samples] .npy, resampled and cut to a time range");
  cmd->add_option("FILE", args->file, "Media file")->required();
  cmd->add_option("--out,-o", args->out, "Output .npy file")->required();
  cmd->add_option("--rate", args->options.sample_rate, "Output sample rate in Hz (default: the stream's)");
  cmd->add_flag("--mono", args->options.mono, "Downmix to one channel (as ffmpeg -ac 1)");
  cmd->add_option("--start", args->options.start, "First second to read, from the file's start (default 0)");
  cmd->add_option("--end", args->options.end, "Second to stop before (default: the end of the stream)");
  cmd->add_option("--stream", args->options.stream, "Audio stream index (default: FFmpeg's best)");
  cmd->add_flag("--lenient", [args](int64_t) { args->options.strict = false; },
                "Skip damaged audio packets (their time stays silent) instead of failing");
  cmd->add_flag("--json", args->json, "Print a JSON summary instead of a sentence");
  cmd->callback([args] {
    AudioReader reader(args->file, args->options);
    const Array samples = reader.read();
    io::save_npy(args->out, samples);
    const int64_t count = samples.size(1);
    const double end = args->options.start + static_cast<double>(count) / reader.sample_rate();
    if (args->json) {
      const nlohmann::json j = {{"path", args->file}, {"rate", reader.sample_rate()},
                                {"channels", reader.channels()}, {"samples", count},
                                {"start", args->options.start}, {"end", end}, {"out", args->out}};
      fmt::print("{}\n", j.dump());
    } else {
      fmt::print("{}: {} channels x {} samples at {} Hz ({:.3f}-{:.3f} s) -> {}\n", args->file,
                 reader.channels(), count, reader.sample_rate(), args->options.start, end, args->out);
    }
  });
}

}  // namespace vidrep::cli
