#include "vidrep/track/synth_scene.h"

#include "vidrep/array.h"
#include "vidrep/error.h"
#include "vidrep/io/output_file.h"
#include "vidrep/io/video_writer.h"
#include "vidrep/runtime.h"
#include "vidrep/thread_pool.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>
#include <vector>

namespace vidrep::track {
namespace {

namespace fs = std::filesystem;
using Rgb = std::array<uint8_t, 3>;

// xorshift64*: the same scenes on every platform.
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull) {}
  uint64_t next() {
    s ^= s >> 12, s ^= s << 25, s ^= s >> 27;
    return s * 0x2545F4914F6CDD1Dull;
  }
  double uniform(double a, double b) { return a + (b - a) * static_cast<double>(next() >> 11) * 0x1.0p-53; }
  int integer(int a, int b) { return a + static_cast<int>(next() % static_cast<uint64_t>(b - a + 1)); }
};

enum class Kind { Person, Car, Bag };

struct Key {
  double t, x, y;  // feet (bottom centre), pixels
};

struct Agent {
  Kind kind = Kind::Person;
  std::vector<Key> path;   // piecewise linear; present from the first key to the last
  double w = 0, h = 0;     // upright size
  double fall_from = -1, fall_to = -1;  // lying in between
  Rgb colour{};
  bool truth = true;       // in the MOT ground truth

  bool present(double t) const { return t >= path.front().t && t <= path.back().t; }
  Key at(double t) const {
    if (t <= path.front().t) return path.front();
    for (size_t i = 1; i < path.size(); ++i) {
      if (t <= path[i].t) {
        const Key& a = path[i - 1];
        const Key& b = path[i];
        const double u = b.t > a.t ? (t - a.t) / (b.t - a.t) : 1.0;
        return {t, a.x + u * (b.x - a.x), a.y + u * (b.y - a.y)};
      }
    }
    return path.back();
  }
  bool lying(double t) const { return t >= fall_from && t < fall_to; }
  // The drawn extent: x, y, w, h.
  std::array<double, 4> box(double t) const {
    const Key k = at(t);
    if (lying(t)) return {k.x - h / 2, k.y - w, h, w};
    return {k.x - w / 2, k.y - h, w, h};
  }
};

struct Event {
  std::string type;
  double start, end;  // seconds
};

struct Scene {
  std::vector<Agent> agents;
  std::vector<Event> events;
};

class Canvas {
 public:
  Canvas(int w, int h) : w_(w), h_(h), px_(static_cast<size_t>(w) * h * 3) {}
  uint8_t* data() { return px_.data(); }
  std::vector<uint8_t>& pixels() { return px_; }
  void rect(double x0, double y0, double x1, double y1, Rgb c) {
    const int a = std::max(0, static_cast<int>(std::lround(x0))), b = std::min(w_, static_cast<int>(std::lround(x1)));
    const int top = std::max(0, static_cast<int>(std::lround(y0))), bottom = std::min(h_, static_cast<int>(std::lround(y1)));
    for (int y = top; y < bottom; ++y) {
      for (int x = a; x < b; ++x) std::copy(c.begin(), c.end(), px_.begin() + (static_cast<ptrdiff_t>(y) * w_ + x) * 3);
    }
  }
  void disc(double cx, double cy, double r, Rgb c) {
    for (int y = std::max(0, static_cast<int>(cy - r)); y <= std::min(h_ - 1, static_cast<int>(cy + r)); ++y) {
      for (int x = std::max(0, static_cast<int>(cx - r)); x <= std::min(w_ - 1, static_cast<int>(cx + r)); ++x) {
        if ((x + 0.5 - cx) * (x + 0.5 - cx) + (y + 0.5 - cy) * (y + 0.5 - cy) <= r * r) {
          std::copy(c.begin(), c.end(), px_.begin() + (static_cast<ptrdiff_t>(y) * w_ + x) * 3);
        }
      }
    }
  }

 private:
  int w_, h_;
  std::vector<uint8_t> px_;
};

constexpr Rgb kSkin{224, 172, 105};
constexpr std::array<Rgb, 10> kClothes{{{200, 40, 40}, {40, 60, 190}, {30, 140, 60}, {230, 200, 40}, {120, 40, 140},
                                        {20, 20, 20}, {240, 240, 240}, {230, 120, 30}, {40, 170, 190}, {130, 90, 60}}};

// Ground with a coarse texture, the walkway (between 46 % and 76 % of the height) with slab
// joints, and two benches behind it.
std::vector<uint8_t> background(int w, int h, Rng& rng) {
  Canvas c(w, h);
  const int gx = 17, gy = 10;
  std::vector<double> coarse(gx * gy);
  for (double& v : coarse) v = rng.uniform(-18, 18);
  std::vector<uint8_t>& px = c.pixels();
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const double fx = static_cast<double>(x) / w * (gx - 1), fy = static_cast<double>(y) / h * (gy - 1);
      const int ix = std::min(gx - 2, static_cast<int>(fx)), iy = std::min(gy - 2, static_cast<int>(fy));
      const double u = fx - ix, v = fy - iy;
      const double low = (1 - u) * (1 - v) * coarse[iy * gx + ix] + u * (1 - v) * coarse[iy * gx + ix + 1] +
                         (1 - u) * v * coarse[(iy + 1) * gx + ix] + u * v * coarse[(iy + 1) * gx + ix + 1];
      const bool walkway = y >= 0.46 * h && y < 0.76 * h;
      const bool joint = walkway && (x % std::max(8, w / 12) < 2 || (y - static_cast<int>(0.46 * h)) % std::max(6, h / 14) < 1);
      const Rgb base = walkway ? (joint ? Rgb{120, 116, 112} : Rgb{158, 152, 146}) : Rgb{96, 118, 84};
      const double fine = rng.uniform(-7, 7);
      for (int k = 0; k < 3; ++k) {
        px[(static_cast<size_t>(y) * w + x) * 3 + k] = static_cast<uint8_t>(std::clamp(base[k] + low + fine, 0.0, 255.0));
      }
    }
  }
  for (const double bx : {0.2, 0.65}) {
    c.rect(bx * w, 0.36 * h, (bx + 0.12) * w, 0.40 * h, {90, 60, 40});
    c.rect(bx * w + 2, 0.40 * h, bx * w + 5, 0.44 * h, {60, 40, 30});
    c.rect((bx + 0.12) * w - 5, 0.40 * h, (bx + 0.12) * w - 2, 0.44 * h, {60, 40, 30});
  }
  return px;
}

// The scene's people (and its anomalies for a test scene).
Scene plan_scene(const SceneOptions& o, Rng& rng, bool anomalies) {
  Scene s;
  const double W = o.width, H = o.height, unit = H / 360.0;  // sizes and speeds are for 360 lines
  const double pw = 14 * unit, ph = 40 * unit;
  const auto lower = [&] { return rng.uniform(0.64, 0.73) * H; };
  const auto upper = [&] { return rng.uniform(0.50, 0.58) * H; };
  const auto person = [&](double y, double x0, double x1, double t0, double speed) {
    Agent a;
    a.w = pw * rng.uniform(0.9, 1.15);
    a.h = ph * rng.uniform(0.9, 1.12);
    a.colour = kClothes[rng.next() % kClothes.size()];
    const double drift = rng.uniform(-0.02, 0.02) * H;
    a.path = {{t0, x0, y}, {t0 + std::abs(x1 - x0) / speed, x1, y + drift}};
    return a;
  };
  // Walkers: rightwards on the lower lane, leftwards on the upper one, entering every 1.5-4 s.
  for (double t = -12; t < o.seconds; t += rng.uniform(1.5, 4.0)) {
    const bool right = rng.next() % 2 == 0;
    const double speed = rng.uniform(25, 50) * unit;
    s.agents.push_back(right ? person(lower(), -pw, W + pw, t, speed) : person(upper(), W + pw, -pw, t, speed));
  }
  if (!anomalies) return s;
  std::vector<std::string> types = {"running", "wrong_direction", "loitering", "fall", "object_left", "vehicle"};
  for (size_t i = types.size(); i > 1; --i) std::swap(types[i - 1], types[rng.next() % i]);
  size_t next = 0;
  for (double t = 8; t < o.seconds - 12; t += rng.uniform(15, 25)) {
    const std::string type = types[next++ % types.size()];
    const double walk = rng.uniform(30, 45) * unit;
    const double y = lower();
    const double stop_x = rng.uniform(0.3, 0.7) * W;
    const double enter = t - (stop_x + pw) / walk;  // when a walker heading for stop_x enters
    if (type == "running") {
      const double speed = walk * rng.uniform(4, 5);
      Agent a = rng.next() % 2 ? person(y, -pw, W + pw, t, speed) : person(upper(), W + pw, -pw, t, speed);
      s.events.push_back({type, t, a.path.back().t});
      s.agents.push_back(a);
    } else if (type == "wrong_direction") {
      Agent a = person(y, W + pw, -pw, t, walk);
      s.events.push_back({type, t, a.path.back().t});
      s.agents.push_back(a);
    } else if (type == "loitering") {
      Agent a = person(y, -pw, stop_x, enter, walk);
      double at = t, x = stop_x, fy = a.path.back().y;
      while (at < t + 15) {  // wander near the stop, a new point every 1.5 s
        at += 1.5;
        a.path.push_back({at, stop_x + rng.uniform(-0.04, 0.04) * W, fy + rng.uniform(-0.015, 0.015) * H});
        x = a.path.back().x;
      }
      a.path.push_back({at + (W + pw - x) / walk, W + pw, a.path.back().y});
      s.events.push_back({type, t, t + 15});
      s.agents.push_back(a);
    } else if (type == "fall") {
      Agent a = person(y, -pw, stop_x, enter, walk);
      a.fall_from = t;
      a.fall_to = t + 6;
      const double fy = a.path.back().y;
      a.path.push_back({t + 7, stop_x, fy});  // lies 6 s, stands for 1 s, walks on
      a.path.push_back({t + 7 + (W + pw - stop_x) / walk, W + pw, fy});
      s.events.push_back({type, t, t + 6});
      s.agents.push_back(a);
    } else if (type == "object_left") {
      Agent a = person(y, -pw, W + pw, enter, walk);
      Agent bag;
      bag.kind = Kind::Bag;
      bag.w = 18 * unit;  // a suitcase: big enough to be found at 240 lines
      bag.h = 16 * unit;
      bag.colour = {50, 35, 25};
      bag.truth = false;  // part of its carrier's box while carried, then still
      const Key drop = a.at(t);
      bag.path = {{enter, -pw + 0.6 * pw, a.path.front().y}, {t, drop.x + 0.6 * pw, drop.y}, {o.seconds + 1, drop.x + 0.6 * pw, drop.y}};
      s.events.push_back({type, t, t + 8});
      s.agents.push_back(a);
      s.agents.push_back(bag);
    } else {  // vehicle
      Agent car;
      car.kind = Kind::Car;
      car.w = 90 * unit;
      car.h = 42 * unit;
      car.colour = kClothes[rng.next() % kClothes.size()];
      const double speed = rng.uniform(110, 150) * unit;
      car.path = {{t, -car.w, y}, {t + (W + 2 * car.w) / speed, W + car.w, y}};
      s.events.push_back({type, t, car.path.back().t});
      s.agents.push_back(car);
    }
  }
  return s;
}

void draw(Canvas& c, const Agent& a, double t) {
  const Key k = a.at(t);
  switch (a.kind) {
    case Kind::Bag:
      c.rect(k.x - a.w / 2, k.y - a.h, k.x + a.w / 2, k.y, a.colour);
      break;
    case Kind::Car:
      c.rect(k.x - a.w / 2, k.y - a.h * 0.7, k.x + a.w / 2, k.y - a.h * 0.12, a.colour);
      c.rect(k.x - a.w * 0.3, k.y - a.h, k.x + a.w * 0.25, k.y - a.h * 0.65, {60, 70, 90});
      c.disc(k.x - a.w * 0.3, k.y - a.h * 0.12, a.h * 0.12, {20, 20, 20});
      c.disc(k.x + a.w * 0.3, k.y - a.h * 0.12, a.h * 0.12, {20, 20, 20});
      break;
    case Kind::Person: {
      const double r = a.w * 0.45;
      if (a.lying(t)) {
        c.rect(k.x - a.h / 2 + 2 * r, k.y - a.w, k.x + a.h / 2, k.y, a.colour);
        c.disc(k.x - a.h / 2 + r, k.y - a.w / 2, r, kSkin);
      } else {
        const double bob = std::sin(t * 12.0) * 0.6;
        c.rect(k.x - a.w / 2, k.y - a.h + 2 * r + bob, k.x + a.w / 2, k.y, a.colour);
        c.disc(k.x, k.y - a.h + r + bob, r, kSkin);
      }
      break;
    }
  }
}

struct Rendered {
  int64_t frames = 0, anomalous = 0;
  std::string truth;  // truth.tsv lines
};

Rendered render(const SceneOptions& o, const std::string& name, uint64_t seed, bool anomalies) {
  Rng rng(seed);
  const std::vector<uint8_t> ground = background(o.width, o.height, rng);
  Scene scene = plan_scene(o, rng, anomalies);
  const auto frames = static_cast<int64_t>(std::llround(o.seconds * o.fps));
  // Camera noise: a table read from a random place each frame.
  std::vector<int8_t> noise(ground.size() + 65536);
  for (int8_t& n : noise) n = static_cast<int8_t>(std::lround(rng.uniform(-6, 6)));
  const double phase = rng.uniform(0, 6.3);
  const fs::path video = fs::path(o.out) / (name + ".mp4");
  VideoWriter writer(video.string(), o.width, o.height, {.fps = o.fps, .crf = 20, .threads = 1});
  io::OutputFile gt_file((fs::path(o.out) / (name + ".gt.txt")).string());
  std::ofstream gt(gt_file.temp_path(), std::ios::binary);
  Canvas c(o.width, o.height);
  // Drawn far to near (by the feet's height).
  std::vector<size_t> order;
  Array frame = Array(DType::UInt8, {o.height, o.width, 3});
  for (int64_t f = 0; f < frames; ++f) {
    const double t = static_cast<double>(f) / o.fps;
    const double light = 1.0 + 0.06 * std::sin(phase + t * 2 * M_PI / 40.0);
    std::vector<uint8_t>& px = c.pixels();
    for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<uint8_t>(std::min(255.0, ground[i] * light));
    order.resize(scene.agents.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::erase_if(order, [&](size_t i) { return !scene.agents[i].present(t); });
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scene.agents[a].at(t).y < scene.agents[b].at(t).y; });
    for (size_t i : order) {
      const Agent& a = scene.agents[i];
      draw(c, a, t);
      if (!a.truth) continue;
      auto [x, y, w, h] = a.box(t);
      const double x0 = std::max(0.0, x), y0 = std::max(0.0, y);
      const double x1 = std::min<double>(o.width, x + w), y1 = std::min<double>(o.height, y + h);
      if (x1 - x0 >= 2 && y1 - y0 >= 2) {
        gt << fmt::format("{},{},{:.1f},{:.1f},{:.1f},{:.1f},1,-1,-1,-1\n", f + 1, i + 1, x0, y0, x1 - x0, y1 - y0);
      }
    }
    const size_t offset = rng.next() % 65536;
    uint8_t* out = frame.data<uint8_t>();
    for (size_t i = 0; i < px.size(); ++i) out[i] = static_cast<uint8_t>(std::clamp(px[i] + noise[offset + i], 0, 255));
    writer.write_frames(frame);
  }
  writer.close();
  gt.close();
  if (!gt) throw WriteError(fmt::format("{}: cannot write", gt_file.path()));
  gt_file.commit();
  Rendered r;
  r.frames = frames;
  std::vector<bool> marked(static_cast<size_t>(frames), false);
  for (const Event& e : scene.events) {
    const int64_t a = std::max<int64_t>(0, static_cast<int64_t>(std::ceil(e.start * o.fps)));
    const int64_t b = std::min<int64_t>(frames, static_cast<int64_t>(std::floor(e.end * o.fps)) + 1);
    if (b <= a) continue;
    r.truth += fmt::format("{}.mp4\t{}\t{}\t{}\n", name, a, b, e.type);
    for (int64_t i = a; i < b; ++i) marked[static_cast<size_t>(i)] = true;
  }
  r.anomalous = std::count(marked.begin(), marked.end(), true);
  return r;
}

void write_text(const fs::path& path, const std::string& text) {
  io::OutputFile file(path.string());
  std::ofstream f(file.temp_path(), std::ios::binary);
  f << text;
  f.close();
  if (!f) throw WriteError(fmt::format("{}: cannot write", path.string()));
  file.commit();
}

}  // namespace

SceneSummary synth_surveillance(const SceneOptions& o) {
  if (o.out.empty()) throw InvalidArgument("--out: a folder is required");
  if (o.width < 160 || o.height < 90 || o.width > 4096 || o.height > 4096 || o.width % 2 || o.height % 2) {
    throw InvalidArgument(fmt::format("--size {}x{}: expected even sizes from 160x90 to 4096x4096", o.width, o.height));
  }
  if (!(o.fps >= 5 && o.fps <= 120)) throw InvalidArgument(fmt::format("--fps {}: expected 5..120", o.fps));
  if (!(o.seconds >= 20 && o.seconds <= 3600)) throw InvalidArgument(fmt::format("--seconds {}: expected 20..3600", o.seconds));
  if (o.normal < 0 || o.test < 0 || o.normal + o.test == 0) throw InvalidArgument("--normal/--test: expected at least one scene");
  const fs::path out(o.out);
  std::error_code ec;
  if (fs::exists(out) && !fs::is_empty(out, ec) && !o.overwrite) {
    throw InvalidArgument(fmt::format("--out: {} is not empty (--overwrite replaces it)", out.string()));
  }
  if (o.overwrite) fs::remove_all(out, ec);
  fs::create_directories(out / "normal", ec);
  fs::create_directories(out / "test", ec);
  if (ec) throw WriteError(fmt::format("{}: cannot make the folder: {}", out.string(), ec.message()));
  const int total = o.normal + o.test;
  std::vector<Rendered> done(static_cast<size_t>(total));
  const auto name = [&](int i) {
    return i < o.normal ? fmt::format("normal/normal_{:03d}", i) : fmt::format("test/test_{:03d}", i - o.normal);
  };
  const int threads = o.threads > 0 ? o.threads : hardware_threads();
  parallel_for(total, threads, [&](int64_t i) {
    const int k = static_cast<int>(i);
    SceneOptions one = o;
    done[static_cast<size_t>(k)] = render(one, name(k), o.seed * 7919 + static_cast<uint64_t>(k), k >= o.normal);
  });
  SceneSummary s;
  s.out = o.out;
  s.normal = o.normal;
  s.test = o.test;
  std::string truth = "# video\tstart_frame\tend_frame\ttype (frames from 0, end exclusive)\n# videos:";
  std::string normal_list, test_list;
  for (int i = 0; i < total; ++i) {
    (i < o.normal ? normal_list : test_list) += name(i) + ".mp4\n";
    if (i >= o.normal) truth += " " + name(i) + ".mp4";
  }
  truth += "\n";
  for (int i = o.normal; i < total; ++i) {
    const Rendered& r = done[static_cast<size_t>(i)];
    truth += r.truth;
    s.frames += r.frames;
    s.anomalous_frames += r.anomalous;
    std::istringstream lines(r.truth);
    std::string line;
    while (std::getline(lines, line)) ++s.anomalies[line.substr(line.rfind('\t') + 1)];
  }
  write_text(out / "truth.tsv", truth);
  write_text(out / "normal.txt", normal_list);
  write_text(out / "test.txt", test_list);
  return s;
}

}  // namespace vidrep::track
