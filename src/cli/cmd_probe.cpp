// vidrep probe [--json] FILE...
#include "cli_common.h"

#include "vidrep/error.h"
#include "vidrep/io/probe.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

namespace vidrep::cli {

namespace {

nlohmann::json to_json(const MediaInfo& info) {
  nlohmann::json streams = nlohmann::json::array();
  for (const StreamInfo& s : info.streams) {
    nlohmann::json j = {{"index", s.index}, {"type", s.type}, {"codec", s.codec}, {"time_base", s.time_base}};
    if (!s.profile.empty()) j["profile"] = s.profile;
    if (s.duration > 0) j["duration"] = s.duration;
    if (s.bit_rate > 0) j["bit_rate"] = s.bit_rate;
    if (s.type == "video") {
      j.update({{"width", s.width}, {"height", s.height}, {"coded_width", s.coded_width},
                {"coded_height", s.coded_height}, {"rotation", s.rotation}, {"fps", s.fps},
                {"frames", s.frames}, {"pix_fmt", s.pix_fmt}, {"bit_depth", s.bit_depth}});
    } else if (s.type == "audio") {
      j.update({{"sample_rate", s.sample_rate}, {"channels", s.channels}, {"sample_fmt", s.sample_fmt}});
    }
    streams.push_back(std::move(j));
  }
  return {{"path", info.path},         {"format", info.format},         {"duration", info.duration},
          {"size", info.size_bytes},   {"bit_rate", info.bit_rate},     {"streams", std::move(streams)},
          {"warnings", info.warnings}};
}

void print_text(const MediaInfo& info) {
  fmt::print("{}: {}, {:.3f} s, {} bytes, {} kb/s\n", info.path, info.format, info.duration,
             info.size_bytes, info.bit_rate / 1000);
  for (const StreamInfo& s : info.streams) {
    std::string profile = s.profile.empty() ? "" : fmt::format(" ({})", s.profile);
    if (s.type == "video") {
      fmt::print("  stream {}: video {}{} {} {}-bit {}x{} (coded {}x{}, rotation {}), {:.3f} fps, {} frames, time base {}\n",
                 s.index, s.codec, profile, s.pix_fmt, s.bit_depth, s.width, s.height, s.coded_width,
                 s.coded_height, s.rotation, s.fps, s.frames, s.time_base);
    } else if (s.type == "audio") {
      fmt::print("  stream {}: audio {}{} {} Hz, {} channels, {}\n", s.index, s.codec, profile,
                 s.sample_rate, s.channels, s.sample_fmt);
    } else {
      fmt::print("  stream {}: {} {}\n", s.index, s.type, s.codec);
    }
  }
  for (const std::string& w : info.warnings) fmt::print("  warning: {}\n", w);
}

}  // namespace

void register_probe(CLI::App& app) {
  struct Args {
    std::vector<std::string> files;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "probe", "Describe media files: container, streams, exact frame counts (from a packet scan)");
  cmd->add_option("FILE", args->files, "Media files")->required();
  cmd->add_flag("--json", args->json, "One JSON object per file per line");
  cmd->callback([args] {
    int failures = 0;
    for (const std::string& path : args->files) {
      try {
        const MediaInfo info = probe(path);
        if (args->json) {
          fmt::print("{}\n", to_json(info).dump());
        } else {
          print_text(info);
        }
      } catch (const Error& e) {
        std::fflush(stdout);
        fmt::print(stderr, "vidrep: {}\n", e.what());
        ++failures;
      }
    }
    if (failures > 0) throw ExitStatus{2};
  });
}

}  // namespace vidrep::cli
