#include "vidrep/data/synth_dataset.h"

#include "vidrep/data/dataset.h"
#include "vidrep/data/synth_render.h"
#include "vidrep/error.h"
#include "vidrep/io/output_file.h"
#include "vidrep/io/video_writer.h"
#include "vidrep/random.h"
#include "vidrep/runtime.h"
#include "vidrep/tensor.h"
#include "vidrep/thread_pool.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

namespace vidrep::synth {

namespace fs = std::filesystem;

namespace {

constexpr std::array<const char*, 3> kSplits = {"train", "val", "test"};
// x264 quality: finer than the writer's default 23, so sub-pixel motion and textures survive at 32x32.
constexpr int kCrf = 18;

// Motion kind: label -> motion. Av: label = 2 * motion + (high ? 1 : 0), motions left..down.
ClipSpec clip_spec(const SynthOptions& o, int label, uint64_t video_seed) {
  ClipSpec spec;
  if (o.kind == Kind::Motion) {
    spec.motion = kMotions[static_cast<size_t>(label)];
  } else {
    spec.motion = kMotions[static_cast<size_t>(label / 2)];
    spec.tone = label % 2 == 0 ? Tone::Low : Tone::High;
  }
  spec.width = o.width;
  spec.height = o.height;
  spec.frames = o.frames;
  spec.fps = o.fps;
  spec.audio_rate = o.audio_rate;
  if (o.vary) {
    Rng rng(derive_seed(video_seed, 2));  // streams 0 and 1 are the clip's scene and sound
    spec.frames = rng.integer(o.frames, 2 * o.frames);
    spec.fps = std::clamp(std::round(rng.uniform(o.fps / 2, o.fps) * 100) / 100, o.fps / 2, o.fps);
  }
  return spec;
}

void write_clip(const std::string& path, const ClipSpec& spec, const Clip& clip) {
  WriterOptions wo;
  wo.fps = spec.fps;
  wo.audio_rate = spec.audio_rate;
  wo.audio_channels = 1;
  wo.threads = 1;  // parallel over files instead
  wo.crf = kCrf;
  VideoWriter writer(path, spec.width, spec.height, wo);
  writer.write_frames(to_array(clip.frames));
  writer.write_audio(to_array(clip.audio));
  writer.close();
}

nlohmann::json options_json(const SynthOptions& o, const std::vector<std::string>& classes) {
  return {{"generator", fmt::format("vidrep {} synth", VIDREP_VERSION)},
          {"kind", kind_name(o.kind)},
          {"classes", classes},
          {"per_class",
           {{"train", split_size(o, "train")}, {"val", split_size(o, "val")}, {"test", split_size(o, "test")}}},
          {"width", o.width},
          {"height", o.height},
          {"frames", o.frames},
          {"fps", o.fps},
          {"vary", o.vary},
          {"audio_rate", o.audio_rate},
          {"seed", o.seed},
          {"video", fmt::format("h264 yuv420p crf {}", kCrf)},
          {"audio", "aac mono"}};
}

fs::path normalised(const std::string& out) {
  fs::path p = fs::absolute(out).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();  // "data/motion/"
  return p;
}

// Moves the finished folder to `out`, replacing what is there (already checked to be allowed).
void move_into_place(const fs::path& tmp, const fs::path& out) {
  if (!fs::exists(out)) {
    fs::rename(tmp, out);
    return;
  }
  const fs::path old = out.parent_path() / fmt::format(".{}.old-{}", out.filename().string(), ::getpid());
  fs::remove_all(old);
  fs::rename(out, old);
  try {
    fs::rename(tmp, out);
  } catch (...) {
    fs::rename(old, out);
    throw;
  }
  std::error_code ignored;
  fs::remove_all(old, ignored);
}

// What a killed `vidrep synth` left beside `out`: its unfinished folder (removed) and, if it died
// while swapping folders, the dataset it was replacing (put back).
void clean_after_killed_runs(const fs::path& out) {
  const std::string name = out.filename().string();
  std::error_code ec;
  for (fs::directory_iterator it(out.parent_path(), ec), end; !ec && it != end; it.increment(ec)) {
    const std::string entry = it->path().filename().string();
    for (const std::string kind : {".synth-", ".old-"}) {
      const std::string prefix = "." + name + kind;
      if (entry.rfind(prefix, 0) != 0) continue;
      long pid = 0;
      const auto [p, err] = std::from_chars(entry.data() + prefix.size(), entry.data() + entry.size(), pid);
      if (err != std::errc() || p != entry.data() + entry.size() || !io::process_gone(pid)) continue;
      std::error_code ignored;
      if (kind == ".old-" && !fs::exists(out, ignored)) {
        fs::rename(it->path(), out, ignored);
      } else {
        fs::remove_all(it->path(), ignored);
      }
    }
  }
}

}  // namespace

std::vector<SynthVideo> plan_videos(const SynthOptions& options) {
  const std::vector<std::string> classes = class_names(options.kind);
  std::vector<SynthVideo> videos;
  for (const char* split : kSplits) {
    for (size_t c = 0; c < classes.size(); ++c) {
      for (int64_t i = 0; i < split_size(options, split); ++i) {
        SynthVideo v;
        v.split = split;
        v.label = static_cast<int>(c);
        v.path = fmt::format("videos/{}/{}_{:04d}.mp4", classes[c], split, i);
        v.seed = derive_seed(options.seed, videos.size());
        v.spec = clip_spec(options, v.label, v.seed);
        videos.push_back(std::move(v));
      }
    }
  }
  return videos;
}

Kind parse_kind(const std::string& text) {
  if (text == "motion") return Kind::Motion;
  if (text == "av") return Kind::Av;
  throw InvalidArgument(fmt::format("--kind: expected motion or av, got '{}'", text));
}

std::string kind_name(Kind kind) { return kind == Kind::Motion ? "motion" : "av"; }

std::vector<std::string> class_names(Kind kind) {
  std::vector<std::string> names;
  if (kind == Kind::Motion) {
    for (Motion m : kMotions) names.push_back(motion_name(m));
  } else {
    for (size_t i = 0; i < 4; ++i) {
      for (Tone t : {Tone::Low, Tone::High}) names.push_back(motion_name(kMotions[i]) + "_" + tone_name(t));
    }
  }
  return names;
}

int64_t split_size(const SynthOptions& options, const std::string& split) {
  return split == "train" ? options.per_class : std::max<int64_t>(2, options.per_class / 4);
}

void validate(const SynthOptions& o) {
  if (o.out.empty()) throw InvalidArgument("--out: no dataset folder given");
  if (o.width < 16 || o.height < 16 || o.width > 4096 || o.height > 4096) {
    throw InvalidArgument(fmt::format("--size: {}x{} is out of range (each side 16..4096)", o.width, o.height));
  }
  if (o.width % 2 != 0 || o.height % 2 != 0) {
    throw InvalidArgument(fmt::format("--size: {}x{} must be even on both sides (H.264 yuv420p)", o.width, o.height));
  }
  if (o.frames < 2 || o.frames > 100'000) {
    throw InvalidArgument(fmt::format("--frames: expected 2..100000, got {}", o.frames));
  }
  if (!(o.fps > 0) || !std::isfinite(o.fps) || o.fps > 1000) {
    throw InvalidArgument(fmt::format("--fps: expected a rate in (0, 1000], got {}", o.fps));
  }
  if (o.per_class < 1 || o.per_class > 1'000'000) {
    throw InvalidArgument(fmt::format("--per-class: expected 1..1000000, got {}", o.per_class));
  }
  if (o.threads < 0) throw InvalidArgument(fmt::format("--threads: expected >= 0, got {}", o.threads));
  if (o.audio_rate < 8000 || o.audio_rate > 96000) {
    throw InvalidArgument(fmt::format("audio_rate: expected 8000..96000 Hz, got {}", o.audio_rate));
  }
}

SynthSummary synth_dataset(const SynthOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  validate(options);
  const fs::path out = normalised(options.out);
  if (fs::exists(out)) {
    if (!fs::is_directory(out)) {
      throw InvalidArgument(fmt::format("--out: {} exists and is not a folder", out.string()));
    }
    if (!fs::is_empty(out) && !options.overwrite) {
      throw InvalidArgument(fmt::format("--out: {} is not empty (--overwrite replaces it)", out.string()));
    }
  }
  SynthSummary summary;
  summary.out = out.string();
  summary.kind = options.kind;
  summary.classes = class_names(options.kind);
  const std::vector<SynthVideo> jobs = plan_videos(options);
  const auto n = static_cast<int64_t>(jobs.size());
  summary.threads = static_cast<int>(std::min<int64_t>(options.threads > 0 ? options.threads : hardware_threads(), n));

  const fs::path tmp = out.parent_path() / fmt::format(".{}.synth-{}", out.filename().string(), ::getpid());
  try {
    fs::create_directories(out.parent_path());
    clean_after_killed_runs(out);
    fs::remove_all(tmp);
    for (const std::string& name : summary.classes) fs::create_directories(tmp / "videos" / name);

    parallel_for(
        n, summary.threads,
        [&](int64_t i) {
          const SynthVideo& v = jobs[static_cast<size_t>(i)];
          write_clip((tmp / v.path).string(), v.spec, render_clip(v.spec, v.seed));
        },
        options.progress);

    const std::array<int64_t*, 3> counts = {&summary.train, &summary.val, &summary.test};
    for (size_t s = 0; s < kSplits.size(); ++s) {
      std::vector<std::pair<std::string, std::string>> lines;
      for (const SynthVideo& job : jobs) {
        if (job.split == kSplits[s]) lines.emplace_back(job.path, summary.classes[static_cast<size_t>(job.label)]);
      }
      write_list_file(tmp.string(), kSplits[s], lines);
      *counts[s] = static_cast<int64_t>(lines.size());
    }
    write_classes_file(tmp.string(), summary.classes);
    std::ofstream json(tmp / "synth.json");
    json << options_json(options, summary.classes).dump(2) << "\n";
    json.close();
    if (!json) throw WriteError(fmt::format("{}: cannot write synth.json", tmp.string()));
    for (const SynthVideo& job : jobs) summary.bytes += static_cast<int64_t>(fs::file_size(tmp / job.path));
    move_into_place(tmp, out);
  } catch (const fs::filesystem_error& e) {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
    throw WriteError(fmt::format("{}: {}", out.string(), e.what()));
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
    throw;
  }
  summary.files = n + 5;  // three lists, classes.txt, synth.json
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace vidrep::synth
