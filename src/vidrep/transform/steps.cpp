#include "vidrep/transform/steps.h"

#include "vidrep/error.h"
#include "vidrep/transform/color.h"
#include "vidrep/transform/convert.h"
#include "vidrep/transform/edits.h"
#include "vidrep/transform/geometry.h"
#include "vidrep/random.h"

#include <ATen/core/Tensor.h>
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <map>

namespace vidrep::transform::detail {

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == sep) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

double number(const std::string& text, const char* what) {
  double v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(v)) {
    throw InvalidArgument(fmt::format("expected {}, got '{}'", what, text));
  }
  return v;
}

int64_t integer(const std::string& text, const char* what, int64_t lo, int64_t hi) {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end || v < lo || v > hi) {
    throw InvalidArgument(fmt::format("expected {} ({}..{}), got '{}'", what, lo, hi, text));
  }
  return v;
}

// "WxH" or "N" (square).
FrameSize size(const std::string& text) {
  const auto x = text.find('x');
  if (x == std::string::npos) {
    const int64_t n = integer(text, "a size WxH or N", 1, 16384);
    return {n, n};
  }
  return {integer(text.substr(0, x), "a size WxH or N", 1, 16384),
          integer(text.substr(x + 1), "a size WxH or N", 1, 16384)};
}

// "LO-HI" or a single value; the '-' of an exponent (1e-3) is not a separator.
std::pair<double, double> range(const std::string& text, const char* what) {
  for (size_t i = 1; i < text.size(); ++i) {
    if (text[i] == '-' && text[i - 1] != 'e' && text[i - 1] != 'E') {
      const double lo = number(text.substr(0, i), what), hi = number(text.substr(i + 1), what);
      if (lo > hi) throw InvalidArgument(fmt::format("expected {} with LO <= HI, got '{}'", what, text));
      return {lo, hi};
    }
  }
  const double v = number(text, what);
  return {v, v};
}

std::string fmt_size(FrameSize s) { return fmt::format("{}x{}", s.width, s.height); }
std::string fmt_range(std::pair<double, double> r) {
  return r.first == r.second ? fmt::format("{}", r.first) : fmt::format("{}-{}", r.first, r.second);
}
std::string fmt_list(const std::vector<double>& v) {
  std::string out;
  for (double x : v) {
    if (!out.empty()) out += ';';
    out += fmt::format("{}", x);
  }
  return out;
}

void expect_fields(const std::vector<std::string>& fields, size_t lo, size_t hi, const char* syntax) {
  if (fields.size() < lo || fields.size() > hi) {
    throw InvalidArgument(fmt::format("expected {}, got {} ':'-separated fields", syntax, fields.size()));
  }
}

using Parser = ParsedStep (*)(const std::string& value, bool has_value);

ParsedStep parse_resize(const std::string& v, bool) {
  const FrameSize s = size(v);
  return {fmt_size(s), [s](const at::Tensor& x, uint64_t) { return resize(x, s.width, s.height); },
          ResizeSpec{s.width, s.height, 0}, std::nullopt};
}

ParsedStep parse_resize_short(const std::string& v, bool) {
  const int64_t n = integer(v, "a short side N", 1, 16384);
  return {std::to_string(n), [n](const at::Tensor& x, uint64_t) { return resize_short(x, n); },
          ResizeSpec{0, 0, n}, std::nullopt};
}

ParsedStep parse_center_crop(const std::string& v, bool) {
  const FrameSize s = size(v);
  return {fmt_size(s), [s](const at::Tensor& x, uint64_t) { return center_crop(x, s.width, s.height); },
          std::nullopt, CropSpec{s.width, s.height, false}};
}

ParsedStep parse_random_crop(const std::string& v, bool) {
  const FrameSize s = size(v);
  return {fmt_size(s),
          [s](const at::Tensor& x, uint64_t seed) { return random_crop(x, s.width, s.height, seed); },
          std::nullopt, CropSpec{s.width, s.height, true}};
}

ParsedStep parse_random_resized_crop(const std::string& v, bool) {
  const auto f = split(v, ':');
  expect_fields(f, 1, 3, "WxH[:SMIN-SMAX[:RMIN-RMAX]]");
  ResizedCropOptions o;
  const FrameSize s = size(f[0]);
  o.width = s.width;
  o.height = s.height;
  if (f.size() > 1) std::tie(o.scale_min, o.scale_max) = range(f[1], "a scale range SMIN-SMAX");
  if (f.size() > 2) std::tie(o.ratio_min, o.ratio_max) = range(f[2], "an aspect ratio range RMIN-RMAX");
  // Checks the ranges now, at parse time, rather than on the first clip.
  random_resized_crop_box(o.width, o.height, o, 0);
  return {fmt::format("{}:{}:{}", fmt_size(s), fmt_range({o.scale_min, o.scale_max}),
                      fmt_range({o.ratio_min, o.ratio_max})),
          [o](const at::Tensor& x, uint64_t seed) { return random_resized_crop(x, o, seed); }};
}

// An optional trailing ":P" probability field (default 0.5).
double probability_field(const std::vector<std::string>& f, size_t i) {
  const double p = f.size() > i ? number(f[i], "a probability P") : 0.5;
  if (!(p >= 0.0 && p <= 1.0)) throw InvalidArgument(fmt::format("expected a probability in [0,1], got {}", p));
  return p;
}

// The optional value P of hflip, vflip, reverse, transpose, channel_shuffle, invert and overlay
// (default 0.5).
double optional_probability(const std::string& v, bool has_value) {
  return probability_field(has_value ? std::vector<std::string>{v} : std::vector<std::string>{}, 0);
}

template <FlipAxis axis>
ParsedStep parse_flip(const std::string& v, bool has_value) {
  const double p = optional_probability(v, has_value);
  return {fmt::format("{}", p), [p](const at::Tensor& x, uint64_t seed) { return random_flip(x, axis, p, seed); }};
}

ParsedStep parse_transpose(const std::string& v, bool has_value) {
  const double p = optional_probability(v, has_value);
  return {fmt::format("{}", p), [p](const at::Tensor& x, uint64_t seed) { return random_transpose(x, p, seed); }};
}

ParsedStep parse_channel_shuffle(const std::string& v, bool has_value) {
  const double p = optional_probability(v, has_value);
  return {fmt::format("{}", p), [p](const at::Tensor& x, uint64_t seed) { return random_channel_shuffle(x, p, seed); }};
}

ParsedStep parse_invert(const std::string& v, bool has_value) {
  const double p = optional_probability(v, has_value);
  return {fmt::format("{}", p), [p](const at::Tensor& x, uint64_t seed) { return random_invert(x, p, seed); }};
}

ParsedStep parse_color_jitter(const std::string& v, bool) {
  const auto f = split(v, ':');
  expect_fields(f, 1, 4, "B[:C[:S[:H]]]");
  double s[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < f.size(); ++i) s[i] = number(f[i], "a jitter strength");
  const ColorJitterOptions o{s[0], s[1], s[2], s[3]};
  if (s[0] < 0 || s[1] < 0 || s[2] < 0 || s[3] < 0 || s[3] > 0.5) {
    throw InvalidArgument(fmt::format("expected strengths >= 0 and hue <= 0.5, got '{}'", v));
  }
  return {fmt::format("{}:{}:{}:{}", s[0], s[1], s[2], s[3]),
          [o](const at::Tensor& x, uint64_t seed) { return color_jitter(x, o, seed); }};
}

ParsedStep parse_equalize(const std::string&, bool) {
  return {"", [](const at::Tensor& x, uint64_t) { return equalize_luma(x); }};
}

ParsedStep parse_gaussian_noise(const std::string& v, bool) {
  const auto r = range(v, "a standard deviation STD or a range LO-HI");
  if (r.first < 0) throw InvalidArgument(fmt::format("expected a standard deviation >= 0, got '{}'", v));
  return {fmt_range(r), [r](const at::Tensor& x, uint64_t seed) {
            // A range draws the deviation once per clip, from a seed apart from the noise's own.
            const double sd = r.first == r.second ? r.first : Rng(derive_seed(seed, 1)).uniform(r.first, r.second);
            return gaussian_noise(x, sd, seed);
          }};
}

ParsedStep parse_gaussian_blur(const std::string& v, bool) {
  const auto r = range(v, "a sigma or a range LO-HI");
  if (r.first < 0) throw InvalidArgument(fmt::format("expected sigma >= 0, got '{}'", v));
  return {fmt_range(r), [r](const at::Tensor& x, uint64_t seed) {
            const double sigma = r.first == r.second ? r.first : Rng(seed).uniform(r.first, r.second);
            return gaussian_blur(x, sigma);
          }};
}

ParsedStep parse_speed(const std::string& v, bool) {
  const auto f = split(v, ':');
  expect_fields(f, 1, 2, "N[:LO-HI]");
  const int64_t n = integer(f[0], "a frame count N", 1, 1 << 20);
  const auto r = f.size() > 1 ? range(f[1], "a rate range LO-HI") : std::pair{0.5, 2.0};
  if (!(r.first > 0)) throw InvalidArgument(fmt::format("expected rates > 0, got '{}'", v));
  return {fmt::format("{}:{}", n, fmt_range(r)),
          [n, r](const at::Tensor& x, uint64_t seed) { return random_speed(x, n, r.first, r.second, seed); }};
}

ParsedStep parse_random_pad(const std::string& v, bool) {
  const auto f = split(v, ':');
  expect_fields(f, 1, 2, "F[:P]");
  const double fraction = number(f[0], "a fraction F");
  if (!(fraction >= 0 && fraction <= 1)) throw InvalidArgument(fmt::format("expected a fraction in [0,1], got {}", fraction));
  const double p = probability_field(f, 1);
  return {fmt::format("{}:{}", fraction, p),
          [fraction, p](const at::Tensor& x, uint64_t seed) { return random_pad(x, fraction, p, seed); }};
}

ParsedStep parse_overlay(const std::string& v, bool has_value) {
  const double p = optional_probability(v, has_value);
  return {fmt::format("{}", p), [p](const at::Tensor& x, uint64_t seed) { return random_overlay(x, p, seed); }};
}

ParsedStep parse_dct_quantize(const std::string& v, bool) {
  const auto f = split(v, ':');
  expect_fields(f, 1, 2, "LO-HI[:P]");
  const auto r = range(f[0], "a quantiser step or a range LO-HI");
  if (!(r.first > 0)) throw InvalidArgument(fmt::format("expected steps > 0, got '{}'", f[0]));
  const double p = probability_field(f, 1);
  return {fmt::format("{}:{}", fmt_range(r), p), [r, p](const at::Tensor& x, uint64_t seed) {
            return random_dct_quantize(x, r.first, r.second, p, seed);
          }};
}

ParsedStep parse_normalize(const std::string& v, bool) {
  Normalization n;
  if (v == "imagenet") {
    n = Normalization::imagenet();
  } else {
    const auto f = split(v, ':');
    expect_fields(f, 2, 2, "imagenet or M;M;M:S;S;S");
    for (const auto& m : split(f[0], ';')) n.mean.push_back(number(m, "a mean"));
    for (const auto& s : split(f[1], ';')) n.std.push_back(number(s, "a std"));
    if (n.mean.size() != n.std.size()) {
      throw InvalidArgument(fmt::format("expected as many means as stds, got {} and {}", n.mean.size(), n.std.size()));
    }
    for (double s : n.std) {
      if (!(s > 0)) throw InvalidArgument(fmt::format("expected stds > 0, got {}", s));
    }
  }
  const std::string canonical = v == "imagenet" ? v : fmt_list(n.mean) + ":" + fmt_list(n.std);
  return {canonical, [n](const at::Tensor& x, uint64_t) {
            // One mean/std for every channel when a single pair is given.
            if (n.mean.size() == 1 && x.dim() == 4 && x.size(3) != 1) {
              const auto c = static_cast<size_t>(x.size(3));
              return normalize(x, {std::vector<double>(c, n.mean[0]), std::vector<double>(c, n.std[0])});
            }
            return normalize(x, n);
          }};
}

ParsedStep parse_temporal_stride(const std::string& v, bool) {
  const int64_t k = integer(v, "a frame step K", 1, 1 << 20);
  return {std::to_string(k), [k](const at::Tensor& x, uint64_t) { return temporal_stride(x, k); }};
}

ParsedStep parse_temporal_jitter(const std::string& v, bool) {
  const int64_t k = integer(v, "a frame shift K", 0, 1 << 20);
  return {std::to_string(k), [k](const at::Tensor& x, uint64_t seed) { return temporal_jitter(x, k, seed); }};
}

ParsedStep parse_to_float(const std::string&, bool) {
  return {"", [](const at::Tensor& x, uint64_t) { return to_float(x); }};
}

ParsedStep parse_to_uint8(const std::string&, bool) {
  return {"", [](const at::Tensor& x, uint64_t) { return to_uint8(x); }};
}

enum class Value { Required, Optional, None };

struct Entry {
  Parser parse;
  Value value;
};

const std::map<std::string, Entry>& table() {
  static const std::map<std::string, Entry> t = {
      {"resize", {parse_resize, Value::Required}},
      {"resize_short", {parse_resize_short, Value::Required}},
      {"center_crop", {parse_center_crop, Value::Required}},
      {"random_crop", {parse_random_crop, Value::Required}},
      {"random_resized_crop", {parse_random_resized_crop, Value::Required}},
      {"hflip", {parse_flip<kFlipColumns>, Value::Optional}},
      {"vflip", {parse_flip<kFlipRows>, Value::Optional}},
      {"reverse", {parse_flip<kFlipTime>, Value::Optional}},
      {"transpose", {parse_transpose, Value::Optional}},
      {"color_jitter", {parse_color_jitter, Value::Required}},
      {"channel_shuffle", {parse_channel_shuffle, Value::Optional}},
      {"invert", {parse_invert, Value::Optional}},
      {"equalize", {parse_equalize, Value::None}},
      {"gaussian_noise", {parse_gaussian_noise, Value::Required}},
      {"gaussian_blur", {parse_gaussian_blur, Value::Required}},
      {"normalize", {parse_normalize, Value::Required}},
      {"speed", {parse_speed, Value::Required}},
      {"random_pad", {parse_random_pad, Value::Required}},
      {"overlay", {parse_overlay, Value::Optional}},
      {"dct_quantize", {parse_dct_quantize, Value::Required}},
      {"temporal_stride", {parse_temporal_stride, Value::Required}},
      {"temporal_jitter", {parse_temporal_jitter, Value::Required}},
      {"to_float", {parse_to_float, Value::None}},
      {"to_uint8", {parse_to_uint8, Value::None}},
  };
  return t;
}

}  // namespace

ParsedStep parse_step(const std::string& name, const std::string& value, bool has_value) {
  const auto it = table().find(name);
  if (it == table().end()) {
    std::string names;
    for (const auto& [n, e] : table()) {
      if (!names.empty()) names += ", ";
      names += n;
    }
    throw InvalidArgument(fmt::format("unknown transform '{}' (known: {})", name, names));
  }
  const Entry& e = it->second;
  if (e.value == Value::Required && !has_value) throw InvalidArgument(fmt::format("{} needs a value", name));
  if (e.value == Value::None && has_value) throw InvalidArgument(fmt::format("{} takes no value", name));
  return e.parse(value, has_value);
}

}  // namespace vidrep::transform::detail
