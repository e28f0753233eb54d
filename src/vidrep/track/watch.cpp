#include "vidrep/track/watch.h"

#include "vidrep/error.h"
#include "vidrep/io/image_writer.h"
#include "vidrep/io/live_reader.h"
#include "vidrep/track/anomaly.h"
#include "vidrep/track/track_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

namespace vidrep::track {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

void check_options(const WatchOptions& o) {
  if (!(o.pre_roll >= 0 && o.pre_roll <= 600)) throw InvalidArgument(fmt::format("--pre-roll {}: expected 0..600 seconds", o.pre_roll));
  if (!(o.post_roll >= 0 && o.post_roll <= 600)) throw InvalidArgument(fmt::format("--post-roll {}: expected 0..600 seconds", o.post_roll));
  if (o.timeout.count() < 100) throw InvalidArgument(fmt::format("--timeout {} ms: expected at least 100 ms", o.timeout.count()));
  if (!(o.max_backoff > 0)) throw InvalidArgument(fmt::format("--max-backoff {}: expected > 0 seconds", o.max_backoff));
  if (!(o.alert_gap >= 0)) throw InvalidArgument(fmt::format("alert gap {}: expected >= 0 seconds", o.alert_gap));
  validate(o.track);
}

// The analysed frame with the alert's objects boxed in red, as the thumbnail.
std::vector<uint8_t> boxed(const io::LiveFrame& f, const std::vector<Box>& boxes, float sx, float sy) {
  std::vector<uint8_t> rgb(f.rgb, f.rgb + static_cast<ptrdiff_t>(f.width) * f.height * 3);
  const auto paint = [&](int x, int y) {
    if (x < 0 || y < 0 || x >= f.width || y >= f.height) return;
    uint8_t* p = rgb.data() + (static_cast<ptrdiff_t>(y) * f.width + x) * 3;
    p[0] = 255, p[1] = 0, p[2] = 0;
  };
  for (const Box& b : boxes) {
    const int x0 = static_cast<int>(b.x / sx), y0 = static_cast<int>(b.y / sy);
    const int x1 = static_cast<int>((b.x + b.w) / sx), y1 = static_cast<int>((b.y + b.h) / sy);
    for (int d = 0; d < 2; ++d) {
      for (int x = x0 - d; x <= x1 + d; ++x) paint(x, y0 - d), paint(x, y1 + d);
      for (int y = y0 - d; y <= y1 + d; ++y) paint(x0 - d, y), paint(x1 + d, y);
    }
  }
  return rgb;
}

// Sleeps `seconds` unless asked to stop; returns false when asked.
bool wait(double seconds, const std::function<bool()>& stop) {
  const auto until = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < until) {
    if (stop && stop()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return !(stop && stop());
}

// The highest alert number of the evidence already in `dir` (NNNNNN-TYPE.*), so that a new watch
// writing there continues after it instead of replacing it.
int64_t last_alert_number(const std::string& dir) {
  int64_t last = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() < 8 || name[6] != '-' || !std::all_of(name.begin(), name.begin() + 6, [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) continue;
    last = std::max<int64_t>(last, std::stoll(name.substr(0, 6)));
  }
  return last;
}

}  // namespace

WatchResult watch(const std::string& source, const WatchOptions& o, const WatchCallbacks& cb) {
  check_options(o);
  if (!o.alerts_dir.empty()) {
    std::error_code ec;
    fs::create_directories(o.alerts_dir, ec);
    if (ec || !fs::is_directory(o.alerts_dir)) throw WriteError(fmt::format("{}: cannot make the alerts folder", o.alerts_dir));
  }
  // The evidence's log: one alert_json() line per alert, appended and flushed as it is raised (what
  // `vidrep serve --alerts` follows).
  std::ofstream log;
  int64_t number = 0;
  if (!o.alerts_dir.empty()) {
    number = last_alert_number(o.alerts_dir);
    const std::string log_path = (fs::path(o.alerts_dir) / kAlertLog).string();
    log.open(log_path, std::ios::app);
    if (!log) throw WriteError(fmt::format("{}: cannot open the alert log", log_path));
  }
  const bool live = io::LiveReader::is_url(source);
  std::optional<AnomalyModel> model;
  TrackFileOptions track_options = o.track;
  if (!o.model.empty()) {
    model = AnomalyModel::load(o.model, o.frame_models);
    track_options = model->track_options();
    track_options.threads = o.track.threads;
  }
  const io::LiveOptions lo{.short_side = track_options.short_side,
                           .threads = track_options.threads,
                           .timeout = o.timeout,
                           .keep_seconds = o.alerts_dir.empty() ? 0.0 : o.pre_roll + 1.0};
  const auto status = [&](const char* event, const std::string& message, double t) {
    if (cb.on_status) cb.on_status({event, message, t});
  };
  auto reader = std::make_unique<io::LiveReader>(source, lo);
  status("connected", fmt::format("{}: {}x{} at {:.3g} fps", source, reader->native_width(), reader->native_height(), reader->fps()), 0);

  WatchResult r;
  std::optional<RuleEngine> rules;
  if (o.rules) rules.emplace(*o.rules, reader->native_width(), reader->native_height());
  std::unique_ptr<ObjectTracker> tracker;
  std::unique_ptr<AnomalyScorer> scorer;  // with a model; one per connection, as the tracker
  int64_t id_base = 0, max_id = 0;  // ids stay unique across reconnects (each starts a tracker)
  double offset = 0;                // watch time = offset + the connection's stream time
  bool synced = false;              // offset set for this connection
  double last_time = 0;
  Clock::time_point dropped_at;
  // The second being gathered.
  int64_t second = -1;
  WatchSecond acc;
  double last_anomaly = -1e300;
  const auto flush_second = [&] {
    if (second >= 0 && cb.on_second) cb.on_second(acc);
  };
  io::LiveFrame f;
  for (;;) {
    bool more = false;
    std::string why;
    try {
      more = reader->next(f);
    } catch (const DecodeError& e) {
      if (!live) throw;
      why = e.what();
    }
    if (more) {
      if (!tracker) {
        tracker = std::make_unique<ObjectTracker>(f.width, f.height, reader->native_width(), reader->native_height(),
                                                  reader->fps(), track_options);
        if (model) scorer = std::make_unique<AnomalyScorer>(*model, reader->native_width(), reader->native_height());
      }
      if (!synced) {
        offset = r.frames == 0 ? -f.time
                               : last_time + std::chrono::duration<double>(Clock::now() - dropped_at).count() - f.time;
        synced = true;
      }
      const double t = offset + f.time;
      last_time = t;
      ++r.frames;
      std::vector<Tracked> objects = tracker->update(f.rgb);
      for (Tracked& obj : objects) {
        obj.id += id_base;
        max_id = std::max(max_id, obj.id);
      }
      std::optional<double> learned;
      if (scorer) learned = scorer->update(t, objects, tracker->absorbed(), f.rgb, f.width, f.height);
      const double score = learned.value_or(tracker->activity());
      const auto s = static_cast<int64_t>(std::floor(t));
      if (s != second) {
        flush_second();
        second = s;
        acc = {static_cast<double>(s), score, 0, {}};
      }
      acc.score = std::max(acc.score, score);
      ++acc.frames;
      acc.objects = objects;

      std::vector<Alert> alerts = rules ? rules->update(t, objects) : std::vector<Alert>{};
      if (learned && *learned > model->threshold && t - last_anomaly > o.alert_gap) {
        // The object (or the stopped one's box, id 0) that scored highest.
        Alert a{"anomaly", "", t, t, *learned, {}, {}};
        if (scorer->top_id() >= 0) a.track_ids.push_back(scorer->top_id()), a.boxes.push_back(scorer->top_box());
        alerts.push_back(std::move(a));
      }
      if (learned && *learned > model->threshold) last_anomaly = t;
      for (Alert& a : alerts) {
        WatchAlert w;
        static_cast<Alert&>(w) = std::move(a);
        ++r.alerts;
        if (!o.alerts_dir.empty()) {
          const std::string stem = (fs::path(o.alerts_dir) / fmt::format("{:06d}-{}", ++number, w.type)).string();
          // The reader's clock: this connection's stream time.
          w.clip = reader->record(stem + ".mp4", w.start - offset - o.pre_roll, w.end - offset + o.post_roll);
          const float sx = static_cast<float>(reader->native_width()) / static_cast<float>(f.width);
          const float sy = static_cast<float>(reader->native_height()) / static_cast<float>(f.height);
          io::write_png(stem + ".png", boxed(f, w.boxes, sx, sy).data(), f.width, f.height);
          w.thumbnail = stem + ".png";
          log << alert_json(w, w.clip, w.thumbnail).dump() << std::endl;
          if (!log) throw WriteError(fmt::format("{}: cannot write the alert log", (fs::path(o.alerts_dir) / kAlertLog).string()));
        }
        if (cb.on_alert) cb.on_alert(w);
      }
      if (o.stop && o.stop()) {
        r.stopped = true;
        status("stopped", fmt::format("{}: stopped after {} frames", source, r.frames), t);
        break;
      }
      continue;
    }
    if (!live) {
      status("end", fmt::format("{}: end of the file after {} frames", source, r.frames), last_time);
      break;
    }
    // A live stream dropped (an error, silence past the timeout, or its end): reopen it, the old
    // connection closed first (a UDP port is held by its socket).
    reader->close();
    reader.reset();
    dropped_at = Clock::now();
    status("dropped", why.empty() ? fmt::format("{}: the stream ended", source) : why, last_time);
    double backoff = 0.5;
    int tries = 0;
    while (!reader) {
      if (o.reconnects >= 0 && tries >= o.reconnects) break;
      if (!wait(backoff, o.stop)) break;
      ++tries;
      try {
        reader = std::make_unique<io::LiveReader>(source, lo);
      } catch (const Error& e) {
        backoff = std::min(backoff * 2, o.max_backoff);
        status("dropped", fmt::format("try {} failed: {}; next in {:.3g} s", tries, e.what(), backoff), last_time);
      }
    }
    if (!reader) {
      r.stopped = o.stop && o.stop();
      status(r.stopped ? "stopped" : "gave_up",
             r.stopped ? fmt::format("{}: stopped while reconnecting", source)
                       : fmt::format("{}: gave up after {} tries", source, tries),
             last_time);
      break;
    }
    ++r.reconnects;
    tracker.reset();
    scorer.reset();
    id_base = max_id;
    synced = false;
    status("reconnected", fmt::format("{}: reconnected after {} tries", source, tries), last_time);
  }
  if (reader) reader->close();
  flush_second();
  r.seconds = last_time;
  return r;
}

}  // namespace vidrep::track
