// vidrep watch SOURCE [--model RUN] [--zones Z.json] [--alerts-dir D] [--json]
#include "cli_common.h"

#include "vidrep/error.h"
#include "vidrep/track/track_json.h"
#include "vidrep/track/watch.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <memory>

namespace vidrep::cli {
namespace {

struct WatchArgs {
  std::string source, zones;
  bool json = false;
  double timeout = 5;
  track::WatchOptions options;
};

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop = true; }

nlohmann::json objects_json(const std::vector<track::Tracked>& objects) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : objects) out.push_back({{"id", t.id}, {"box", track::box_json(t.box)}});
  return out;
}

}  // namespace

void register_watch(CLI::App& app, const track::FrameModelLoader& frame_models) {
  auto args = std::make_shared<WatchArgs>();
  args->options.frame_models = frame_models;
  CLI::App* cmd = app.add_subcommand(
      "watch", "Analyse a camera's video as it arrives (a file or a udp/rtsp/http/srt stream): tracks, rule alerts, evidence");
  cmd->add_option("source", args->source, "Video file or stream URL (udp://, rtp://, rtsp://, http://, srt://, tcp://)")
      ->required();
  cmd->add_option("--model", args->options.model,
                  "Anomaly run (vidrep anomaly train): the per-second score and \"anomaly\" alerts above its threshold; "
                  "its analysis settings replace --size, --min-area and --still");
  cmd->add_option("--zones", args->zones,
                  "Alert rules as JSON: zones (polygons) with intrusion, loiter_seconds, direction, max_speed (README)");
  cmd->add_option("--alerts-dir", args->options.alerts_dir,
                  "Folder for each alert's evidence: NNNNNN-TYPE.mp4 (pre/post-roll, copied), NNNNNN-TYPE.png and a line in "
                  "alerts.jsonl (as --json prints it); numbering continues after what is there");
  cmd->add_flag("--json", args->json,
                "JSON lines: per second {kind: second, time, score, frames, objects}, per alert {kind: alert, type, zone, "
                "start, end, score, track_ids, boxes, clip, thumbnail}, per connection event {kind: status, event, message}");
  track::WatchOptions& o = args->options;
  cmd->add_option("--pre-roll", o.pre_roll, "Seconds of evidence before an alert")->capture_default_str();
  cmd->add_option("--post-roll", o.post_roll, "Seconds of evidence after an alert")->capture_default_str();
  cmd->add_option("--timeout", args->timeout, "Seconds without data before a live stream counts as dropped")
      ->capture_default_str();
  cmd->add_option("--reconnects", o.reconnects, "Tries in a row to reopen a dropped stream (-1: no limit)")
      ->capture_default_str();
  cmd->add_option("--max-backoff", o.max_backoff, "Longest wait between tries, seconds")->capture_default_str();
  cmd->add_option("--size", o.track.short_side, "Analysis size: the shorter side, pixels")->capture_default_str();
  cmd->add_option("--min-area", o.track.min_area, "Smallest object, as a share of the frame")->capture_default_str();
  cmd->add_option("--still", o.track.still_seconds, "Seconds a track may stand still before it becomes background")
      ->capture_default_str();
  cmd->add_option("--threads", o.track.threads, "Decoder threads (0: one per core)")->capture_default_str();
  cmd->callback([args] {
    track::WatchOptions o = args->options;
    if (!(args->timeout >= 0.1 && args->timeout <= 3600)) {
      throw InvalidArgument(fmt::format("--timeout {}: expected 0.1..3600 seconds", args->timeout));
    }
    o.timeout = std::chrono::milliseconds(static_cast<int64_t>(args->timeout * 1000));
    if (!args->zones.empty()) o.rules = track::RuleConfig::load(args->zones);
    g_stop = false;
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
    o.stop = [] { return g_stop.load(); };
    const bool json = args->json;
    track::WatchCallbacks cb;
    cb.on_second = [json](const track::WatchSecond& s) {
      if (json) {
        fmt::print("{}\n", nlohmann::json{{"kind", "second"}, {"time", s.time}, {"score", std::round(s.score * 1e5) / 1e5},
                                          {"frames", s.frames}, {"objects", objects_json(s.objects)}}
                               .dump());
      } else {
        std::string line = fmt::format("{:8.0f} s  score {:.4f}  {} objects", s.time, s.score, s.objects.size());
        for (const auto& t : s.objects) line += fmt::format("  #{} ({:.0f},{:.0f} {:.0f}x{:.0f})", t.id, t.box.x, t.box.y, t.box.w, t.box.h);
        fmt::print("{}\n", line);
      }
      std::fflush(stdout);
    };
    cb.on_alert = [json](const track::WatchAlert& a) {
      if (json) {
        fmt::print("{}\n", track::alert_json(a, a.clip, a.thumbnail).dump());
      } else {
        std::string ids;
        for (int64_t id : a.track_ids) ids += fmt::format(" #{}", id);
        fmt::print("ALERT {} {}{:.2f}-{:.2f} s  score {:.2f}  objects{}{}\n", a.type, a.zone.empty() ? "" : "in " + a.zone + "  ",
                   a.start, a.end, a.score, ids, a.clip.empty() ? "" : "  -> " + a.clip);
      }
      std::fflush(stdout);
    };
    cb.on_status = [json](const track::WatchStatus& s) {
      fmt::print(stderr, "watch: {}\n", s.message);
      if (json) fmt::print("{}\n", nlohmann::json{{"kind", "status"}, {"event", s.event}, {"message", s.message}, {"time", track::round2(s.time)}}.dump());
      std::fflush(stdout);
    };
    const track::WatchResult r = track::watch(args->source, o, cb);
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    if (!json) {
      fmt::print("{}: {} frames, {:.1f} s, {} alerts, {} reconnects{}\n", args->source, r.frames, r.seconds, r.alerts,
                 r.reconnects, r.stopped ? " (stopped)" : "");
    }
  });
}

}  // namespace vidrep::cli
