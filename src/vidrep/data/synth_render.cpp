#include "vidrep/data/synth_render.h"

#include "vidrep/error.h"
#include "vidrep/random.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace vidrep::synth {

namespace {

constexpr double kPi = std::numbers::pi;
constexpr int kSupersample = 4;  // per side: 16 samples per pixel on the object's bounding box

// --- shapes, in object units (inside the unit disc), y down ---

struct Point {
  double x, y;
};

constexpr Point kTriangle[] = {{-0.85, -0.45}, {0.9, -0.2}, {-0.3, 0.85}};
constexpr Point kArrow[] = {{-0.9, -0.25}, {0.1, -0.25}, {0.1, -0.6}, {0.9, 0.0},
                            {0.1, 0.6},    {0.1, 0.25},  {-0.9, 0.25}};
constexpr Point kLShape[] = {{-0.6, -0.72}, {-0.17, -0.72}, {-0.17, 0.3}, {0.6, 0.3}, {0.6, 0.72}, {-0.6, 0.72}};
const double kNotchTan = std::tan(28.0 * kPi / 180);  // half-angle of NotchedDisc's wedge

// Even-odd crossing rule: also right for the non-convex arrow and L.
template <size_t N>
bool inside(const Point (&poly)[N], double x, double y) {
  bool in = false;
  for (size_t i = 0, j = N - 1; i < N; j = i++) {
    const Point& a = poly[i];
    const Point& b = poly[j];
    if ((a.y > y) != (b.y > y) && x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x) in = !in;
  }
  return in;
}

// 0: outside, 1: the body, 2: the marker.
int shape_label(Shape shape, double x, double y) {
  switch (shape) {
    case Shape::Triangle: return inside(kTriangle, x, y) ? 1 : 0;
    case Shape::Arrow: return inside(kArrow, x, y) ? 1 : 0;
    case Shape::LShape: return inside(kLShape, x, y) ? 1 : 0;
    case Shape::NotchedDisc:
      if (x * x + y * y > 0.81) return 0;
      return x > 0 && std::abs(y) < x * kNotchTan ? 0 : 1;
    case Shape::MarkedRect:
      if (std::abs(x) > 0.8 || std::abs(y) > 0.5) return 0;
      return x >= 0.3 && x <= 0.7 && y >= -0.4 && y <= 0.0 ? 2 : 1;
  }
  return 0;
}

// --- colours and noise ---

double luma(const Colour& c) { return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]; }

// A random hue moved to a luma drawn in [lo, hi]: towards white when too dark, black when too bright.
Colour colour_with_luma(Rng& rng, double lo, double hi) {
  Colour c{static_cast<float>(rng.uniform()), static_cast<float>(rng.uniform()), static_cast<float>(rng.uniform())};
  const double target = rng.uniform(lo, hi);
  const double l = luma(c);
  for (float& v : c) {
    v = static_cast<float>(l < target ? v + (1 - v) * (target - l) / (1 - l) : v * target / std::max(l, 1e-9));
  }
  return c;
}

Colour mix(const Colour& a, const Colour& b, double t) {
  const auto f = static_cast<float>(t);
  return {a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f};
}

uint8_t to_byte(float v) { return static_cast<uint8_t>(std::lround(std::clamp(v, 0.0F, 1.0F) * 255)); }

// Random values on an nx x ny grid, read back with bilinear interpolation.
class ValueNoise {
 public:
  ValueNoise(int nx, int ny, uint64_t seed) : nx_(std::max(nx, 2)), ny_(std::max(ny, 2)), v_(nx_ * ny_) {
    Rng rng(seed);
    for (float& x : v_) x = static_cast<float>(rng.uniform());
  }
  // In grid units, clamped to the grid.
  double at(double gx, double gy) const {
    gx = std::clamp(gx, 0.0, nx_ - 1.0);
    gy = std::clamp(gy, 0.0, ny_ - 1.0);
    const int x0 = std::min(static_cast<int>(gx), nx_ - 2), y0 = std::min(static_cast<int>(gy), ny_ - 2);
    const double fx = gx - x0, fy = gy - y0;
    const float* r0 = &v_[static_cast<size_t>(y0 * nx_ + x0)];
    const float* r1 = r0 + nx_;
    return (r0[0] * (1 - fx) + r0[1] * fx) * (1 - fy) + (r1[0] * (1 - fx) + r1[1] * fx) * fy;
  }

 private:
  int nx_, ny_;
  std::vector<float> v_;
};

// [H*W*3] floats, evaluated at pixel centres.
std::vector<float> background_image(const Scene& s) {
  const int w = s.width, h = s.height;
  const double ca = std::cos(s.bg_angle), sa = std::sin(s.bg_angle);
  const ValueNoise noise(static_cast<int>(w / s.bg_period) + 3, static_cast<int>(h / s.bg_period) + 3,
                         derive_seed(s.noise_seed, 1));
  std::vector<float> out(static_cast<size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const double px = x + 0.5, py = y + 0.5;
      double t = 0;
      switch (s.background) {
        case Background::Solid: break;
        case Background::Gradient:
          t = 0.5 + ((px - w / 2.0) * ca + (py - h / 2.0) * sa) / (std::abs(ca) * w + std::abs(sa) * h);
          break;
        case Background::Noise: t = noise.at(px / s.bg_period, py / s.bg_period); break;
        case Background::Stripes: t = 0.5 + 0.5 * std::sin(2 * kPi * (px * ca + py * sa) / s.bg_period); break;
      }
      const Colour c = mix(s.bg_a, s.bg_b, t);
      std::copy(c.begin(), c.end(), out.begin() + (static_cast<ptrdiff_t>(y) * w + x) * 3);
    }
  }
  return out;
}

// Paints the object over a frame already holding the background.
class ObjectPainter {
 public:
  explicit ObjectPainter(const Scene& s)
      : s_(s), tex_cos_(std::cos(s.texture_angle)), tex_sin_(std::sin(s.texture_angle)),
        noise_(8, 8, derive_seed(s.noise_seed, 0)) {}

  void paint(const ObjectState& st, const std::vector<float>& background, uint8_t* frame) const {
    const double c = std::cos(st.angle * kPi / 180), sn = std::sin(st.angle * kPi / 180);
    const double inv_r = 1 / st.radius;
    const int x0 = std::max(0, static_cast<int>(std::floor(st.cx - st.radius - 1)));
    const int x1 = std::min(s_.width, static_cast<int>(std::ceil(st.cx + st.radius + 1)));
    const int y0 = std::max(0, static_cast<int>(std::floor(st.cy - st.radius - 1)));
    const int y1 = std::min(s_.height, static_cast<int>(std::ceil(st.cy + st.radius + 1)));
    for (int y = y0; y < y1; ++y) {
      for (int x = x0; x < x1; ++x) {
        const size_t p = (static_cast<size_t>(y) * s_.width + x) * 3;
        float acc[3] = {0, 0, 0};
        for (int j = 0; j < kSupersample; ++j) {
          for (int i = 0; i < kSupersample; ++i) {
            const double dx = x + (i + 0.5) / kSupersample - st.cx, dy = y + (j + 0.5) / kSupersample - st.cy;
            // Image -> object coordinates: the inverse of "rotate clockwise by angle, scale by radius".
            const double lx = (c * dx + sn * dy) * inv_r, ly = (-sn * dx + c * dy) * inv_r;
            const int label = shape_label(s_.shape, s_.mirrored ? -lx : lx, ly);
            const Colour col = label == 0   ? Colour{background[p], background[p + 1], background[p + 2]}
                               : label == 2 ? s_.marker
                                            : texture(lx, ly);
            for (int k = 0; k < 3; ++k) acc[k] += col[k];
          }
        }
        for (int k = 0; k < 3; ++k) frame[p + k] = to_byte(acc[k] / (kSupersample * kSupersample));
      }
    }
  }

 private:
  Colour texture(double lx, double ly) const {
    const double a = (lx * tex_cos_ + ly * tex_sin_) / s_.texture_period;
    const double b = (-lx * tex_sin_ + ly * tex_cos_) / s_.texture_period;
    switch (s_.texture) {
      case Texture::Solid: return s_.fg_a;
      case Texture::Stripes: return (static_cast<int64_t>(std::floor(a)) & 1) ? s_.fg_b : s_.fg_a;
      case Texture::Checker:
        return ((static_cast<int64_t>(std::floor(a)) + static_cast<int64_t>(std::floor(b))) & 1) ? s_.fg_b : s_.fg_a;
      case Texture::Noise: return mix(s_.fg_a, s_.fg_b, noise_.at((lx + 1) * 3.5, (ly + 1) * 3.5));
    }
    return s_.fg_a;
  }

  const Scene& s_;
  double tex_cos_, tex_sin_;
  ValueNoise noise_;
};

// +1 for the motion that moves right / down / clockwise / larger, -1 for its partner.
bool forward(Motion m) {
  return m == Motion::Right || m == Motion::Down || m == Motion::RotateCw || m == Motion::ZoomIn;
}

}  // namespace

std::string motion_name(Motion motion) {
  switch (motion) {
    case Motion::Left: return "left";
    case Motion::Right: return "right";
    case Motion::Up: return "up";
    case Motion::Down: return "down";
    case Motion::RotateCw: return "rotate_cw";
    case Motion::RotateCcw: return "rotate_ccw";
    case Motion::ZoomIn: return "zoom_in";
    case Motion::ZoomOut: return "zoom_out";
  }
  return "?";
}

Motion partner(Motion motion) {
  switch (motion) {
    case Motion::Left: return Motion::Right;
    case Motion::Right: return Motion::Left;
    case Motion::Up: return Motion::Down;
    case Motion::Down: return Motion::Up;
    case Motion::RotateCw: return Motion::RotateCcw;
    case Motion::RotateCcw: return Motion::RotateCw;
    case Motion::ZoomIn: return Motion::ZoomOut;
    case Motion::ZoomOut: return Motion::ZoomIn;
  }
  return motion;
}

std::string tone_name(Tone tone) {
  switch (tone) {
    case Tone::None: return "none";
    case Tone::Low: return "low";
    case Tone::High: return "high";
  }
  return "?";
}

Scene draw_scene(Motion motion, int width, int height, int64_t frames, uint64_t seed) {
  if (width < 8 || height < 8 || frames < 1) {
    throw InvalidArgument(
        fmt::format("synthetic scene: need at least 8x8 pixels and 1 frame, got {}x{} and {}", width, height, frames));
  }
  Rng rng(seed);
  Scene s;
  s.width = width;
  s.height = height;
  s.frames = frames;
  // Appearance: drawn first and identically for every motion.
  s.shape = static_cast<Shape>(rng.integer(0, 4));
  s.mirrored = rng.uniform() < 0.5;
  s.texture = static_cast<Texture>(rng.integer(0, 3));
  s.texture_period = rng.uniform(0.4, 0.8);
  s.texture_angle = rng.uniform(0, 2 * kPi);
  s.background = static_cast<Background>(rng.integer(0, 3));
  s.bg_angle = rng.uniform(0, 2 * kPi);
  s.bg_period = s.background == Background::Noise ? rng.uniform(2.5, 5) : rng.uniform(5, 10);
  const bool dark_background = rng.uniform() < 0.5;
  const double bg_lo = dark_background ? 0.08 : 0.6, bg_hi = dark_background ? 0.35 : 0.92;
  const double fg_lo = dark_background ? 0.6 : 0.08, fg_hi = dark_background ? 0.92 : 0.35;
  s.bg_a = colour_with_luma(rng, bg_lo, bg_hi);
  s.bg_b = colour_with_luma(rng, bg_lo, bg_hi);
  s.fg_a = colour_with_luma(rng, fg_lo, fg_hi);
  s.fg_b = colour_with_luma(rng, fg_lo, fg_hi);
  s.marker = colour_with_luma(rng, bg_lo, bg_hi);
  s.noise_seed = rng.next();

  // Trajectory: only the pair matters here, never the direction.
  const double size = std::min(width, height);
  const double steps = static_cast<double>(std::max<int64_t>(frames - 1, 1));
  ObjectState& mid = s.mid;
  mid.angle = rng.uniform(0, 360);
  switch (motion) {
    case Motion::Left:
    case Motion::Right:
    case Motion::Up:
    case Motion::Down: {
      const bool horizontal = motion == Motion::Left || motion == Motion::Right;
      const double along = horizontal ? width : height, across = horizontal ? height : width;
      mid.radius = rng.uniform(0.17, 0.24) * size;
      const double room = std::max(0.0, along - 2 * mid.radius - 1);  // travel that keeps the shape inside
      s.rate = std::min(rng.uniform(0.6, 1.2) * size / 32, room / steps);
      const double half = s.rate * steps / 2;
      const double a = rng.uniform(mid.radius + 0.5 + half, along - mid.radius - 0.5 - half);
      const double b = rng.uniform(mid.radius + 0.5, across - mid.radius - 0.5);
      mid.cx = horizontal ? a : b;
      mid.cy = horizontal ? b : a;
      break;
    }
    case Motion::RotateCw:
    case Motion::RotateCcw:
      mid.radius = rng.uniform(0.26, 0.36) * size;
      s.rate = rng.uniform(6, 12);
      mid.cx = rng.uniform(mid.radius + 0.5, width - mid.radius - 0.5);
      mid.cy = rng.uniform(mid.radius + 0.5, height - mid.radius - 0.5);
      break;
    case Motion::ZoomIn:
    case Motion::ZoomOut: {
      const double zoom = rng.uniform(1.6, 2.2);
      const double largest = rng.uniform(0.36, 0.44) * size;
      mid.radius = largest / std::sqrt(zoom);
      s.rate = std::log(zoom) / steps;
      mid.cx = rng.uniform(largest + 0.5, width - largest - 0.5);
      mid.cy = rng.uniform(largest + 0.5, height - largest - 0.5);
      break;
    }
  }
  return s;
}

ObjectState object_state(const Scene& scene, Motion motion, int64_t t) {
  // u(T-1-t) = -u(t) exactly, and rate * -u = -(rate * u) exactly: partners mirror bit for bit.
  const double u = static_cast<double>(t) - static_cast<double>(scene.frames - 1) / 2;
  const double step = scene.rate * u;
  const double d = forward(motion) ? step : -step;
  ObjectState st = scene.mid;
  switch (motion) {
    case Motion::Left:
    case Motion::Right: st.cx += d; break;
    case Motion::Up:
    case Motion::Down: st.cy += d; break;
    case Motion::RotateCw:
    case Motion::RotateCcw: st.angle += d; break;
    case Motion::ZoomIn:
    case Motion::ZoomOut: st.radius = scene.mid.radius * std::exp(d); break;
  }
  return st;
}

std::vector<ObjectState> trajectory(const Scene& scene, Motion motion) {
  std::vector<ObjectState> out;
  out.reserve(static_cast<size_t>(scene.frames));
  for (int64_t t = 0; t < scene.frames; ++t) out.push_back(object_state(scene, motion, t));
  return out;
}

at::Tensor render_frames(const Scene& scene, Motion motion) {
  const std::vector<float> background = background_image(scene);
  std::vector<uint8_t> first(background.size());
  std::transform(background.begin(), background.end(), first.begin(), to_byte);
  const ObjectPainter painter(scene);
  at::Tensor out = at::empty({scene.frames, scene.height, scene.width, 3}, at::kByte);
  uint8_t* data = out.data_ptr<uint8_t>();
  for (int64_t t = 0; t < scene.frames; ++t) {
    uint8_t* frame = data + t * static_cast<int64_t>(first.size());
    std::copy(first.begin(), first.end(), frame);
    painter.paint(object_state(scene, motion, t), background, frame);
  }
  return out;
}

Sound draw_sound(Tone tone, uint64_t seed) {
  Rng rng(seed);
  Sound s;
  s.tone = tone;
  if (tone != Tone::None) {
    s.hz = tone == Tone::Low ? rng.uniform(200, 500) : rng.uniform(1500, 3000);
    s.amplitude = rng.uniform(0.2, 0.4);
    s.phase = rng.uniform(0, 2 * kPi);
    const double snr_db = rng.uniform(8, 12);
    s.noise = s.amplitude / std::sqrt(2.0) / std::pow(10.0, snr_db / 20);  // sine power a^2/2
  }
  s.noise_seed = rng.next();
  return s;
}

at::Tensor render_sound(const Sound& sound, int64_t samples, int rate) {
  if (samples < 0 || rate <= 0) {
    throw InvalidArgument(fmt::format("synthetic sound: bad length {} or rate {}", samples, rate));
  }
  at::Tensor out = at::empty({1, samples}, at::kFloat);
  float* x = out.data_ptr<float>();
  Rng rng(sound.noise_seed);
  for (int64_t k = 0; k < samples; k += 2) {
    // Box-Muller: two Gaussian samples per pair of uniforms.
    const double r = std::sqrt(-2 * std::log(1 - rng.uniform())), theta = 2 * kPi * rng.uniform();
    x[k] = static_cast<float>(sound.noise * r * std::cos(theta));
    if (k + 1 < samples) x[k + 1] = static_cast<float>(sound.noise * r * std::sin(theta));
  }
  if (sound.tone != Tone::None) {
    const double w = 2 * kPi * sound.hz / rate;
    for (int64_t k = 0; k < samples; ++k) x[k] += static_cast<float>(sound.amplitude * std::sin(w * k + sound.phase));
  }
  return out;
}

Clip render_clip(const ClipSpec& spec, uint64_t seed) {
  if (!(spec.fps > 0) || spec.audio_rate <= 0) {
    throw InvalidArgument(fmt::format("synthetic clip: need fps > 0 and audio_rate > 0, got {} and {}", spec.fps,
                                      spec.audio_rate));
  }
  Clip clip;
  clip.scene = draw_scene(spec.motion, spec.width, spec.height, spec.frames, derive_seed(seed, 0));
  clip.sound = draw_sound(spec.tone, derive_seed(seed, 1));
  clip.frames = render_frames(clip.scene, spec.motion);
  const double seconds = static_cast<double>(spec.frames) / spec.fps;
  const auto samples = static_cast<int64_t>(std::llround(seconds * spec.audio_rate));
  clip.audio = render_sound(clip.sound, samples, spec.audio_rate);
  clip.truth = trajectory(clip.scene, spec.motion);
  return clip;
}

}  // namespace vidrep::synth
