#include "vidrep/shots/detector.h"

#include "vidrep/error.h"
#include "vidrep/sample/frame_stream.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace vidrep::shots {

namespace {

void check(const ShotOptions& o) {
  if (o.size < kGrid || o.size > 1024)
    throw InvalidArgument(fmt::format("shots: size {}: expected {}..1024", o.size, kGrid));
  if (!(o.ratio >= 1)) throw InvalidArgument(fmt::format("shots: ratio {}: expected >= 1", o.ratio));
  if (!(o.min_distance > 0 && o.min_distance <= 1))
    throw InvalidArgument(fmt::format("shots: min_distance {}: expected in (0,1]", o.min_distance));
  if (o.window < 1) throw InvalidArgument(fmt::format("shots: window {}: expected >= 1", o.window));
  if (!(o.flash_seconds >= 0) || !(o.min_shot_seconds >= 0))
    throw InvalidArgument("shots: flash_seconds and min_shot_seconds must be >= 0");
}

// Frames in `seconds` at `fps`, at least `low`.
int64_t frames_in(double seconds, double fps, int64_t low) {
  return std::max<int64_t>(low, std::llround(seconds * fps));
}

// Longest a fade's darkening (or brightening) may last.
constexpr double kMaxFadeSeconds = 2.0;
// A black frame's luma spread at most (0..255).
constexpr float kBlackStd = 8.0f;
// Luma steps smaller than this do not continue a fade.
constexpr float kFadeStep = 0.5f;
// Longest dissolve, in blended frames.
constexpr int64_t kMaxDissolve = 32;
// A dissolve's change (frame distance of its ends) is at least this times min_distance.
constexpr double kDissolveChange = 1.5;
// Largest mean residual of a blend (relative to the change), and how far blend weights may fall back.
constexpr double kBlendResidual = 0.08;
constexpr double kBlendSlack = 0.15;
// Largest change over as many frames before and after a dissolve, relative to its own.
constexpr double kOutsideChange = 0.5;

class Detector {
 public:
  Detector(const std::vector<FrameSignature>& f, const std::vector<double>& times, double fps, const ShotOptions& o)
      : f_(f), times_(times), n_(static_cast<int64_t>(f.size())), fps_(fps), o_(o) {}

  std::vector<Transition> run() {
    std::vector<Transition> out = fades();
    for (Transition& cut : cuts()) {
      const bool inside_fade = std::any_of(out.begin(), out.end(), [&](const Transition& t) {
        return t.type == "fade" && cut.end_frame > t.start_frame && cut.end_frame <= t.end_frame;
      });
      if (!inside_fade) out.push_back(std::move(cut));
    }
    for (Transition& d : dissolves(out)) out.push_back(std::move(d));
    std::sort(out.begin(), out.end(), [](const Transition& a, const Transition& b) { return a.start_frame < b.start_frame; });
    return out;
  }

 private:
  double d(int64_t a, int64_t b) const { return frame_distance(f_[a], f_[b]); }

  // Cuts before frame t: the adaptive ratio, the flash check, then the shortest shot.
  std::vector<Transition> cuts() const {
    std::vector<double> step(static_cast<size_t>(n_), 0.0);  // step[t]: distance from frame t-1 to t
    for (int64_t t = 1; t < n_; ++t) step[t] = d(t - 1, t);
    const int64_t flash = frames_in(o_.flash_seconds, fps_, 1);
    std::vector<Transition> found;
    for (int64_t t = 1; t < n_; ++t) {
      if (step[t] < o_.min_distance) continue;
      double sum = 0;
      int count = 0;
      for (int64_t k = 1; k <= o_.window; ++k) {
        if (t - k >= 1) sum += step[t - k], ++count;
        if (t + k < n_) sum += step[t + k], ++count;
      }
      const double mean = count > 0 ? sum / count : 0.0;
      if (step[t] < o_.ratio * mean) continue;
      if (comes_back(t, flash, step[t])) continue;
      found.push_back({"cut", t - 1, t, times_[t], times_[t], step[t]});
    }
    // Shots shorter than min_shot_seconds: of two cuts that close, the stronger stays.
    const int64_t shortest = frames_in(o_.min_shot_seconds, fps_, 1);
    std::vector<Transition> kept;
    for (Transition& c : found) {
      if (!kept.empty() && c.end_frame - kept.back().end_frame < shortest) {
        if (c.score > kept.back().score) kept.back() = std::move(c);
        continue;
      }
      kept.push_back(std::move(c));
    }
    // Nor a shot that short at either end of the video (a black first frame, a last flash).
    std::erase_if(kept, [&](const Transition& c) { return c.end_frame < shortest || n_ - c.end_frame < shortest; });
    return kept;
  }

  // The picture before the change at t returns within `frames` after it, or the picture after
  // it was there within `frames` before it.
  bool comes_back(int64_t t, int64_t frames, double across) const {
    for (int64_t k = 1; k <= frames; ++k) {
      if (t + k < n_ && d(t - 1, t + k) < 0.5 * across) return true;
      if (t - 1 - k >= 0 && d(t - 1 - k, t) < 0.5 * across) return true;
    }
    return false;
  }

  bool black(int64_t i) const { return f_[i].mean_luma <= o_.dark_luma && f_[i].luma_std <= kBlackStd; }

  // Runs of black frames with pictures on both sides, widened to the darkening before and the
  // brightening after.
  std::vector<Transition> fades() const {
    std::vector<Transition> out;
    const int64_t longest = frames_in(kMaxFadeSeconds, fps_, 1);
    for (int64_t i = 0; i < n_;) {
      if (!black(i)) {
        ++i;
        continue;
      }
      int64_t last = i;
      while (last + 1 < n_ && black(last + 1)) ++last;
      const int64_t first = i;
      i = last + 1;
      if (first == 0 || last == n_ - 1) continue;  // the video starts or ends black
      int64_t s = first - 1, e = last + 1;
      while (s > 0 && first - s < longest && f_[s - 1].mean_luma > f_[s].mean_luma + kFadeStep) --s;
      while (e + 1 < n_ && e - last < longest && f_[e + 1].mean_luma > f_[e].mean_luma + kFadeStep) ++e;
      out.push_back({"fade", s, e, times_[s + 1], times_[e], d(s, e)});
    }
    return out;
  }

  // Frame i's luma picture as block means (0..255), rebuilt from its signature.
  std::array<float, kGrid * kGrid> blocks(int64_t i) const {
    std::array<float, kGrid * kGrid> x{};
    const float scale = f_[i].luma_std * kGrid;  // the norm the zero-mean picture was divided by
    for (int k = 0; k < kGrid * kGrid; ++k) x[k] = f_[i].mean_luma + f_[i].luma[k] * scale;
    return x;
  }

  // How well frames s+1 .. e-1 are blends of frames s and e: each frame's least-squares blend
  // weight, and the mean squared residual over |x_e - x_s|^2. +inf when the weights do not rise.
  double blend_residual(int64_t s, int64_t e) const {
    const auto a = blocks(s), b = blocks(e);
    std::array<float, kGrid * kGrid> diff{};
    double span = 0;
    for (int k = 0; k < kGrid * kGrid; ++k) diff[k] = b[k] - a[k], span += static_cast<double>(diff[k]) * diff[k];
    if (span <= 0) return std::numeric_limits<double>::infinity();
    double total = 0, previous = -1;
    for (int64_t t = s + 1; t < e; ++t) {
      const auto x = blocks(t);
      double dot = 0;
      for (int k = 0; k < kGrid * kGrid; ++k) dot += (x[k] - a[k]) * static_cast<double>(diff[k]);
      const double alpha = dot / span;
      if (alpha < previous - kBlendSlack || alpha < -kBlendSlack || alpha > 1 + kBlendSlack) {
        return std::numeric_limits<double>::infinity();
      }
      previous = alpha;
      double residual = 0;
      for (int k = 0; k < kGrid * kGrid; ++k) {
        const double r = x[k] - a[k] - alpha * diff[k];
        residual += r * r;
      }
      total += residual / span;
    }
    return total / static_cast<double>(e - s - 1);
  }

  // Dissolves: windows s..e of 2 to kMaxDissolve blended frames over which the picture changes
  // by at least 1.5 min_distance in small steps (no cut) and much less over as many frames before
  // and after, every frame inside a blend of frames s and e with rising weights (a pan or a zoom
  // moves things, which no blend explains). Of
  // overlapping windows, the shortest that reaches nine tenths of the group's largest change.
  std::vector<Transition> dissolves(const std::vector<Transition>& found) const {
    struct Window {
      int64_t s, e;
      double change;
    };
    std::vector<Window> passing;
    for (int64_t e = 3; e < n_; ++e) {
      for (int64_t s = std::max<int64_t>(0, e - kMaxDissolve - 1); s <= e - 3; ++s) {
        const double change = d(s, e);
        if (change < o_.min_distance * kDissolveChange) continue;
        bool step_too_large = false;
        for (int64_t t = s + 1; t <= e && !step_too_large; ++t) step_too_large = d(t - 1, t) > 0.6 * change;
        if (step_too_large) continue;
        // The pictures on either side hold still compared with the change (a scene that keeps
        // changing gradually, such as a visualiser, changes as much outside the window).
        const int64_t span = e - s;
        if (d(std::max<int64_t>(0, s - span), s) > kOutsideChange * change ||
            d(e, std::min(n_ - 1, e + span)) > kOutsideChange * change) {
          continue;
        }
        const bool taken = std::any_of(found.begin(), found.end(), [&](const Transition& t) {
          return t.end_frame > s && t.start_frame < e;
        });
        if (taken) continue;
        if (blend_residual(s, e) > kBlendResidual) continue;
        passing.push_back({s, e, change});
      }
    }
    std::sort(passing.begin(), passing.end(), [](const Window& a, const Window& b) { return a.s < b.s; });
    std::vector<Transition> out;
    for (size_t i = 0; i < passing.size();) {
      size_t j = i + 1;
      int64_t end = passing[i].e;
      double largest = passing[i].change;
      while (j < passing.size() && passing[j].s < end) end = std::max(end, passing[j].e), largest = std::max(largest, passing[j].change), ++j;
      const Window* best = nullptr;
      for (size_t k = i; k < j; ++k) {
        const Window& w = passing[k];
        if (w.change < 0.9 * largest) continue;
        if (best == nullptr || w.e - w.s < best->e - best->s) best = &w;
      }
      out.push_back({"dissolve", best->s, best->e, times_[best->s + 1], times_[best->e], best->change});
      i = j;
    }
    return out;
  }

  const std::vector<FrameSignature>& f_;
  const std::vector<double>& times_;
  int64_t n_;
  double fps_;
  ShotOptions o_;
};

// Shots between the transitions: a cut's starts at its end frame, a fade's at its middle frame.
std::vector<Shot> shots_between(const std::vector<Transition>& transitions, const std::vector<double>& times,
                                double duration) {
  std::vector<Shot> shots;
  const auto n = static_cast<int64_t>(times.size());
  if (n == 0) return shots;
  int64_t first = 0;
  auto close = [&](int64_t next) {
    shots.push_back({first, next - 1, times[first], next < n ? times[next] : duration});
    first = next;
  };
  for (const Transition& t : transitions) {
    const int64_t next = t.type == "cut" ? t.end_frame : (t.start_frame + t.end_frame + 1) / 2;
    if (next > first && next < n) close(next);
  }
  close(n);
  return shots;
}

std::string timecode(double seconds) {
  const auto ms = static_cast<int64_t>(std::llround(std::max(0.0, seconds) * 1000));
  return fmt::format("{:02}:{:02}:{:02}.{:03}", ms / 3'600'000, ms / 60'000 % 60, ms / 1000 % 60, ms % 1000);
}

}  // namespace

ShotList detect_shots(const std::vector<FrameSignature>& frames, const std::vector<double>& times, double duration,
                      const ShotOptions& options) {
  check(options);
  if (frames.size() != times.size())
    throw InvalidArgument(fmt::format("shots: {} signatures for {} frame times", frames.size(), times.size()));
  ShotList list;
  list.frames = static_cast<int64_t>(frames.size());
  list.duration = duration;
  if (list.frames > 1 && times.back() > times.front())
    list.fps = static_cast<double>(list.frames - 1) / (times.back() - times.front());
  list.transitions = Detector(frames, times, list.fps > 0 ? list.fps : 25.0, options).run();
  list.shots = shots_between(list.transitions, times, duration);
  return list;
}

ShotList detect_shots(const std::string& path, const ShotOptions& options) {
  check(options);
  FrameStream stream(path, {.reader = {.width = options.size, .height = options.size, .threads = options.threads},
                            .batch = 64});
  std::vector<FrameSignature> signatures;
  std::vector<double> times;
  signatures.reserve(static_cast<size_t>(stream.size()));
  while (auto batch = stream.next()) {
    const uint8_t* rgb = batch->frames.data<uint8_t>();
    const size_t frame_bytes = static_cast<size_t>(options.size) * options.size * 3;
    for (size_t i = 0; i < batch->times.size(); ++i) {
      signatures.push_back(frame_signature(rgb + i * frame_bytes, options.size, options.size));
      times.push_back(batch->times[i]);
    }
  }
  ShotList list = detect_shots(signatures, times, stream.reader().duration(), options);
  list.path = path;
  return list;
}

std::string scenes_csv(const ShotList& list) {
  std::string out = "Timecode List:";
  for (size_t i = 1; i < list.shots.size(); ++i) {
    out += ',';
    out += timecode(list.shots[i].start);
  }
  out += "\nScene Number,Start Frame,Start Timecode,Start Time (seconds),End Frame,End Timecode,End Time (seconds),"
         "Length (frames),Length (timecode),Length (seconds)\n";
  for (size_t i = 0; i < list.shots.size(); ++i) {
    const Shot& s = list.shots[i];
    const double length = s.end - s.start;
    out += fmt::format("{},{},{},{:.3f},{},{},{:.3f},{},{},{:.3f}\n", i + 1, s.start_frame + 1, timecode(s.start), s.start,
                       s.end_frame + 1, timecode(s.end), s.end, s.end_frame - s.start_frame + 1, timecode(length), length);
  }
  return out;
}

}  // namespace vidrep::shots
