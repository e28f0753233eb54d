#include "vidrep/curate/curate.h"

#include "vidrep/curate/stage.h"
#include "vidrep/error.h"
#include "vidrep/io/output_file.h"
#include "vidrep/io/tar_writer.h"
#include "vidrep/thread_pool.h"
#include "vidrep/runtime.h"
#include "vidrep/tokens/bucket_config.h"
#include "vidrep/tokens/bucketer.h"

#include <faiss/IndexFlat.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>

namespace vidrep::curate {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw OpenError(fmt::format("{}: cannot open", path));
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

std::pair<int, int> parse_shard(const std::string& text) {
  const size_t slash = text.find('/');
  int i = -1, n = 0;
  try {
    if (slash != std::string::npos) {
      size_t a = 0, b = 0;
      i = std::stoi(text.substr(0, slash), &a);
      n = std::stoi(text.substr(slash + 1), &b);
      if (a != slash || b != text.size() - slash - 1) i = -1;
    }
  } catch (const std::exception&) {
    i = -1;
  }
  if (i < 0 || n < 1 || i >= n) throw InvalidArgument(fmt::format("--shard '{}': expected I/N with 0 <= I < N", text));
  return {i, n};
}

CurateResult curate(const CurateOptions& o) {
  o.config.validate();
  if (o.shard_count < 1 || o.shard_index < 0 || o.shard_index >= o.shard_count) {
    throw InvalidArgument(fmt::format("curate: shard {}/{}: expected 0 <= I < N", o.shard_index, o.shard_count));
  }
  std::vector<std::string> inputs = o.inputs;
  std::sort(inputs.begin(), inputs.end());
  inputs.erase(std::unique(inputs.begin(), inputs.end()), inputs.end());
  std::vector<std::string> mine;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (static_cast<int>(i % static_cast<size_t>(o.shard_count)) == o.shard_index) mine.push_back(inputs[i]);
  }
  // Largest first, so that no long video starts last while the other threads idle (the order
  // of staging changes nothing in the outputs).
  std::vector<std::pair<int64_t, std::string>> by_size;
  for (const std::string& path : mine) {
    std::error_code ec;
    const auto bytes = fs::file_size(path, ec);
    by_size.emplace_back(ec ? 0 : -static_cast<int64_t>(bytes), path);
  }
  std::sort(by_size.begin(), by_size.end());
  for (size_t i = 0; i < mine.size(); ++i) mine[i] = by_size[i].second;
  const std::string work = (fs::path(o.out_dir) / "work").string();
  fs::create_directories(work);
  CurateResult r;
  const auto started = Clock::now();
  std::mutex mu;
  int64_t done = 0;
  std::exception_ptr error;
  const int threads = o.threads > 0 ? o.threads : hardware_threads();
  const auto guarded = [&](const std::function<void()>& job) {
    return [&mu, &error, job] {
      {
        const std::lock_guard lock(mu);
        if (error) return;  // a failure stops what has not started
      }
      try {
        job();
      } catch (...) {
        const std::lock_guard lock(mu);
        if (!error) error = std::current_exception();
      }
    };
  };
  const auto finished = [&](StagedVideo& v) {
    const nlohmann::json unit = v.finish();
    const std::lock_guard lock(mu);
    ++done;
    if (v.resumed()) {
      ++r.resumed;
    } else {
      const nlohmann::json seconds = unit.value("seconds", nlohmann::json::object());
      for (const auto& [stage, s] : seconds.items()) r.stage_seconds[stage] += s.get<double>();
      r.input_seconds += unit.value("duration", 0.0);
    }
    if (o.progress) o.progress(done, static_cast<int64_t>(mine.size()), v.path(), v.resumed());
  };
  std::optional<LatentEncoderFn> latents;
  if (!o.config.ae.empty()) {
    if (!o.latents) {
      throw InvalidArgument(fmt::format("curate: latents of {} (ae) need the LibTorch side of vidrep: none was given",
                                        o.config.ae));
    }
    latents = o.latents(o.config.ae);
  }
  {
    // Each video is probed and analysed as one task; its clips are then cut as runs of neighbouring
    // clips queued ahead of the videos not yet started (so that few analyses wait in memory, and
    // every thread helps cut a long video at the end); the last run to finish writes the unit.
    ThreadPool pool(threads);
    for (const std::string& path : mine) {
      pool.run(guarded([&, path] {
        auto video = std::make_shared<StagedVideo>(path, work, o.config, threads, latents ? &*latents : nullptr);
        if (video->groups() == 0) {
          finished(*video);
          return;
        }
        auto left = std::make_shared<std::atomic<int>>(video->groups());
        for (int g = video->groups(); g-- > 0;) {
          pool.run_first(guarded([&, video, left, g] {
            video->cut(g);
            if (--*left == 0) finished(*video);
          }));
        }
      }));
    }
    pool.wait();
  }
  if (error) std::rethrow_exception(error);
  r.videos = static_cast<int64_t>(mine.size()) - r.resumed;
  r.stage_seconds["staging"] = seconds_since(started);
  if (o.shard_count == 1) {
    const CurateResult f = finish(o.out_dir, o.config);
    r.accepted = f.accepted;
    r.rejected = f.rejected;
    r.clips = f.clips;
    r.duplicates = f.duplicates;
    r.shards = f.shards;
    r.finished = true;
    r.stage_seconds["finishing"] = f.stage_seconds.at("finishing");
  }
  return r;
}

CurateResult finish(const std::string& out_dir, const CurateConfig& c) {
  c.validate();
  const auto started = Clock::now();
  const fs::path out(out_dir), work = out / "work";
  if (!fs::is_directory(work)) throw OpenError(fmt::format("{}: no work units (run curate first)", work.string()));
  std::vector<nlohmann::json> units;
  for (const auto& e : fs::directory_iterator(work)) {
    if (e.path().extension() != ".json" || e.path().filename().string().front() == '.') continue;
    try {
      units.push_back(nlohmann::json::parse(read_text(e.path().string())));
    } catch (const nlohmann::json::exception& err) {  // a syntax error, or a number out of range
      throw InvalidArgument(fmt::format("{}: not a work unit: {}", e.path().string(), err.what()));
    }
  }
  std::sort(units.begin(), units.end(),
            [](const nlohmann::json& a, const nlohmann::json& b) { return a["source"].get<std::string>() < b["source"].get<std::string>(); });
  const Bucketer bucketer(c.buckets.empty() ? BucketConfig::defaults() : BucketConfig::load(c.buckets));

  CurateResult r;
  std::string rejected_lines;
  std::map<std::string, int64_t> reasons, buckets;
  double input_seconds = 0, clip_seconds = 0;
  struct Kept {
    nlohmann::json line;
    fs::path file, latent;  // latent: "" without
  };
  std::vector<Kept> kept;
  // Kept clips' descriptors (faiss, exact inner products), searched with each video's clips at
  // once: a video's clips are compared with the clips kept from the videos before it, never with
  // each other (pieces of one long shot look alike without being copies).
  std::unique_ptr<faiss::IndexFlatIP> index;
  const auto radius = std::nextafter(static_cast<float>(c.dedup_threshold), -1.0f);  // faiss keeps ip > radius
  for (const nlohmann::json& u : units) {
    input_seconds += u.value("duration", 0.0);
    if (u["status"] != "ok") {
      ++r.rejected;
      const std::string reason = u["reason"].get<std::string>();
      ++reasons[reason.substr(0, reason.find(':'))];
      rejected_lines += nlohmann::json{{"source", u["source"]}, {"reason", reason}}.dump() + "\n";
      continue;
    }
    ++r.accepted;
    const nlohmann::json& clips = u["clips"];
    const auto dim = clips.empty() ? 0 : static_cast<int64_t>(clips[0]["descriptor"].size());
    std::vector<float> queries;
    for (const nlohmann::json& clip : clips) {
      if (static_cast<int64_t>(clip["descriptor"].size()) != dim) {
        throw InvalidArgument(fmt::format("{}: descriptors of different lengths", u["source"].get<std::string>()));
      }
      for (const auto& v : clip["descriptor"]) queries.push_back(v.get<float>());
    }
    if (!index && dim > 0) index = std::make_unique<faiss::IndexFlatIP>(dim);
    if (dim > 0 && dim != static_cast<int64_t>(index->d)) throw InvalidArgument(fmt::format("{}: descriptors of {} values, others have {}",
                                                                     u["source"].get<std::string>(), dim, index->d));
    faiss::RangeSearchResult found(static_cast<faiss::Index::idx_t>(clips.size()));
    const bool search = dim > 0 && index->ntotal > 0;
    if (search) index->range_search(static_cast<faiss::Index::idx_t>(clips.size()), queries.data(), radius, &found);
    std::vector<float> kept_now;
    for (size_t q = 0; q < clips.size(); ++q) {
      const nlohmann::json& clip = clips[q];
      const std::string key = fs::path(clip["file"].get<std::string>()).stem().string();
      // A near-copy of a clip kept before (in source order) is left out, as a duplicate of the
      // most similar one.
      const Kept* original = nullptr;
      float best = -2;
      faiss::Index::idx_t best_label = -1;
      for (size_t j = search ? found.lims[q] : 0; search && j < found.lims[q + 1]; ++j) {
        if (found.distances[j] > best || (found.distances[j] == best && found.labels[j] < best_label)) {
          best = found.distances[j];
          best_label = found.labels[j];
        }
      }
      if (best_label >= 0) original = &kept[static_cast<size_t>(best_label)];
      if (original != nullptr) {
        ++r.duplicates;
        rejected_lines += nlohmann::json{{"source", u["source"]}, {"clip", key},
                                         {"reason", fmt::format("duplicate of {} ({})", original->line["key"].get<std::string>(),
                                                                original->line["source"].get<std::string>())}}
                              .dump() +
                          "\n";
        continue;
      }
      const int64_t frames = clip["frames"].get<int64_t>();
      const auto bucket = bucketer.assign(u["height"].get<int64_t>(), u["width"].get<int64_t>(), frames);
      if (bucket) ++buckets[bucket->key];
      const double seconds = clip["end"].get<double>() - clip["start"].get<double>();
      clip_seconds += seconds;
      nlohmann::json line = {{"key", key},
                             {"source", u["source"]},
                             {"first_frame", clip["first_frame"]},
                             {"last_frame", clip["last_frame"]},
                             {"frames", frames},
                             {"start", clip["start"]},
                             {"end", clip["end"]},
                             {"width", u["width"]},
                             {"height", u["height"]},
                             {"fps", u["fps"]},
                             {"scores", clip["scores"]},
                             {"bucket", bucket ? nlohmann::json(bucket->key) : nlohmann::json(nullptr)}};
      fs::path latent;
      if (!c.ae.empty()) {
        if (!clip.contains("latent")) {
          throw InvalidArgument(fmt::format("{}: clip {} has no latents: stage its video with --ae {} (or finish without --ae)",
                                            u["source"].get<std::string>(), key, c.ae));
        }
        latent = work / clip["latent"].get<std::string>();
      }
      kept.push_back({line, work / clip["file"].get<std::string>(), latent});
      kept_now.insert(kept_now.end(), queries.begin() + static_cast<std::ptrdiff_t>(q * dim),
                      queries.begin() + static_cast<std::ptrdiff_t>((q + 1) * dim));
    }
    if (!kept_now.empty()) index->add(static_cast<faiss::Index::idx_t>(kept_now.size() / dim), kept_now.data());
  }
  // Shards of shard_clips clips each, in order; the manifest says which shard holds each clip.
  fs::create_directories(out / "shards");
  std::string manifest;
  r.clips = static_cast<int64_t>(kept.size());
  r.shards = (r.clips + c.shard_clips - 1) / c.shard_clips;
  for (int64_t s = 0; s < r.shards; ++s) {
    const std::string name = fmt::format("{:05}.tar", s);
    io::TarWriter tar((out / "shards" / name).string());
    for (int64_t i = s * c.shard_clips; i < std::min(r.clips, (s + 1) * c.shard_clips); ++i) {
      Kept& k = kept[static_cast<size_t>(i)];
      k.line["shard"] = "shards/" + name;
      const std::string key = k.line["key"].get<std::string>();
      tar.add(key + ".mp4", read_text(k.file.string()));
      tar.add(key + ".json", k.line.dump());
      if (!k.latent.empty()) tar.add(key + ".latent.npy", read_text(k.latent.string()));
      manifest += k.line.dump() + "\n";
    }
    tar.close();
  }
  // Shards a previous, larger run left behind are not part of this set.
  for (const auto& e : fs::directory_iterator(out / "shards")) {
    const std::string stem = e.path().stem().string();
    if (e.path().extension() == ".tar" && std::all_of(stem.begin(), stem.end(), ::isdigit) && std::stoll(stem) >= r.shards) {
      fs::remove(e.path());
    }
  }
  io::write_file((out / "manifest.jsonl").string(), manifest);
  io::write_file((out / "rejected.jsonl").string(), rejected_lines);
  const nlohmann::json stats = {{"inputs", static_cast<int64_t>(units.size())},
                                {"accepted_videos", r.accepted},
                                {"rejected_videos", r.rejected},
                                {"rejected_by_reason", reasons},
                                {"clips", r.clips},
                                {"duplicate_clips", r.duplicates},
                                {"shards", r.shards},
                                {"input_seconds", std::round(input_seconds * 1e3) / 1e3},
                                {"clip_seconds", std::round(clip_seconds * 1e3) / 1e3},
                                {"buckets", buckets},
                                {"config", nlohmann::json::parse(c.to_json())}};
  io::write_file((out / "stats.json").string(), stats.dump(2) + "\n");
  r.finished = true;
  r.stage_seconds["finishing"] = seconds_since(started);
  return r;
}

}  // namespace vidrep::curate
