#include "vidrep/data/dataset.h"
#include "vidrep/data/synth_dataset.h"
#include "vidrep/data/synth_render.h"
#include "vidrep/error.h"
#include "vidrep/io/audio_reader.h"
#include "vidrep/io/probe.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/tensor.h"

#include "support/fixtures.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <set>
#include <sstream>

namespace vidrep {
namespace {

namespace fs = std::filesystem;
using synth::Motion;

std::vector<std::string> read_lines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Hidden entries (temporary or old folders) beside a dataset folder.
int hidden_entries(const fs::path& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().filename().string().starts_with(".") ? 1 : 0;
  return n;
}

// Pixels in the object's luma band: object and background lie in opposite bands (dark / bright),
// split at luma 0.475. Returns bool [T,H,W].
at::Tensor object_mask(const at::Tensor& frames, const synth::Scene& scene) {
  const at::Tensor f = frames.to(at::kFloat) / 255;
  const at::Tensor luma = f.select(-1, 0) * 0.299 + f.select(-1, 1) * 0.587 + f.select(-1, 2) * 0.114;
  const bool dark_background = 0.299 * scene.bg_a[0] + 0.587 * scene.bg_a[1] + 0.114 * scene.bg_a[2] < 0.5;
  return dark_background ? luma > 0.475 : luma < 0.475;
}

// Centroid (x, y) in px and area of mask [H,W].
std::array<double, 3> moments(const at::Tensor& mask) {
  const at::Tensor m = mask.to(at::kDouble);
  const double area = m.sum().item<double>();
  const at::Tensor xs = at::arange(mask.size(1), at::kDouble) + 0.5, ys = at::arange(mask.size(0), at::kDouble) + 0.5;
  return {(m.sum(0) * xs).sum().item<double>() / area, (m.sum(1) * ys).sum().item<double>() / area, area};
}

// Orientation of the mask's principal axis in degrees, clockwise on screen (y down).
double orientation(const at::Tensor& mask) {
  const auto [cx, cy, area] = moments(mask);
  const at::Tensor m = mask.to(at::kDouble);
  const at::Tensor dx = (at::arange(mask.size(1), at::kDouble) + 0.5 - cx).view({1, -1});
  const at::Tensor dy = (at::arange(mask.size(0), at::kDouble) + 0.5 - cy).view({-1, 1});
  const double mxx = (m * dx * dx).sum().item<double>(), myy = (m * dy * dy).sum().item<double>();
  const double mxy = (m * dx * dy).sum().item<double>();
  return 0.5 * std::atan2(2 * mxy, mxx - myy) * 180 / std::numbers::pi;
}

// The first seed from `from` whose scene for `motion` has `shape`.
uint64_t seed_with_shape(Motion motion, synth::Shape shape, int64_t frames, uint64_t from) {
  for (uint64_t seed = from;; ++seed) {
    if (synth::draw_scene(motion, 32, 32, frames, seed).shape == shape) return seed;
  }
}

TEST(SynthRender, TruthFollowsTheNamedMotionInsideTheFrame) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    for (Motion m : synth::kMotions) {
      const synth::Clip clip = synth::render_clip({.motion = m, .frames = 16}, seed);
      ASSERT_EQ(clip.frames.sizes(), (at::IntArrayRef{16, 32, 32, 3}));
      ASSERT_EQ(clip.audio.sizes(), (at::IntArrayRef{1, 32000}));
      const auto& a = clip.truth.front();
      const auto& b = clip.truth.back();
      for (const auto& s : clip.truth) {
        EXPECT_GE(s.cx - s.radius, -0.01) << synth::motion_name(m) << " seed " << seed;
        EXPECT_LE(s.cx + s.radius, 32.01) << synth::motion_name(m) << " seed " << seed;
        EXPECT_GE(s.cy - s.radius, -0.01) << synth::motion_name(m) << " seed " << seed;
        EXPECT_LE(s.cy + s.radius, 32.01) << synth::motion_name(m) << " seed " << seed;
      }
      // Speeds: >= 0.5 px/frame, >= 4 deg/frame, zoom >= 1.5x over the clip.
      switch (m) {
        case Motion::Right: EXPECT_GE(b.cx - a.cx, 0.5 * 15); EXPECT_EQ(a.cy, b.cy); break;
        case Motion::Left: EXPECT_LE(b.cx - a.cx, -0.5 * 15); EXPECT_EQ(a.cy, b.cy); break;
        case Motion::Down: EXPECT_GE(b.cy - a.cy, 0.5 * 15); EXPECT_EQ(a.cx, b.cx); break;
        case Motion::Up: EXPECT_LE(b.cy - a.cy, -0.5 * 15); EXPECT_EQ(a.cx, b.cx); break;
        case Motion::RotateCw: EXPECT_GE(b.angle - a.angle, 4 * 15); break;
        case Motion::RotateCcw: EXPECT_LE(b.angle - a.angle, -4 * 15); break;
        case Motion::ZoomIn: EXPECT_GE(b.radius / a.radius, 1.5); break;
        case Motion::ZoomOut: EXPECT_LE(b.radius / a.radius, 1 / 1.5); break;
      }
    }
  }
}

TEST(SynthRender, PartnerIsTheExactTimeReversal) {
  for (uint64_t seed = 0; seed < 6; ++seed) {
    for (Motion m : synth::kMotions) {
      // The scene distribution ignores the direction: the same seed draws the same scene...
      const synth::Scene scene = synth::draw_scene(m, 32, 24, 9, seed);
      const synth::Scene mirror = synth::draw_scene(synth::partner(m), 32, 24, 9, seed);
      EXPECT_EQ(scene.mid.cx, mirror.mid.cx);
      EXPECT_EQ(scene.mid.radius, mirror.mid.radius);
      EXPECT_EQ(scene.rate, mirror.rate);
      EXPECT_EQ(scene.fg_a, mirror.fg_a);
      // ...and the partner plays its frames backwards, bit for bit.
      const at::Tensor forward = synth::render_frames(scene, m);
      const at::Tensor backward = synth::render_frames(scene, synth::partner(m));
      EXPECT_TRUE(at::equal(forward.flip({0}), backward)) << synth::motion_name(m) << " seed " << seed;
      EXPECT_FALSE(at::equal(forward[0], forward[8])) << "no visible motion: " << synth::motion_name(m);
    }
  }
}

TEST(SynthRender, PixelsFollowTheTruth) {
  // Translation: the object's pixels move as its centre does.
  for (Motion m : {Motion::Right, Motion::Up}) {
    for (uint64_t seed = 0; seed < 5; ++seed) {
      const synth::Clip clip = synth::render_clip({.motion = m, .frames = 12}, seed);
      const at::Tensor mask = object_mask(clip.frames, clip.scene);
      const auto first = moments(mask[0]), last = moments(mask[11]);
      EXPECT_NEAR(last[0] - first[0], clip.truth[11].cx - clip.truth[0].cx, 0.75) << seed;
      EXPECT_NEAR(last[1] - first[1], clip.truth[11].cy - clip.truth[0].cy, 0.75) << seed;
    }
  }
  // Rotation: the arrow's principal axis turns clockwise with the angle (pixelisation costs a few degrees
  // per frame, so the whole clip's turn is compared).
  const int64_t frames = 8;
  for (uint64_t first = 0; first < 3; ++first) {
    const uint64_t seed = seed_with_shape(Motion::RotateCw, synth::Shape::Arrow, frames, first * 100);
    const synth::Scene scene = synth::draw_scene(Motion::RotateCw, 32, 32, frames, seed);
    const at::Tensor mask = object_mask(synth::render_frames(scene, Motion::RotateCw), scene);
    double total = 0;
    for (int64_t t = 0; t + 1 < frames; ++t) {
      const double turn = std::remainder(orientation(mask[t + 1]) - orientation(mask[t]), 180.0);
      EXPECT_GT(turn, 0) << "seed " << seed << " frame " << t;
      total += turn;
    }
    EXPECT_NEAR(total, scene.rate * (frames - 1), 6.0) << "seed " << seed;
  }
  // Zoom: the area grows with the square of the radius.
  const synth::Clip zoom = synth::render_clip({.motion = Motion::ZoomIn, .frames = 8}, 3);
  const at::Tensor zmask = object_mask(zoom.frames, zoom.scene);
  const double ratio = moments(zmask[7])[2] / moments(zmask[0])[2];
  const double expected = std::pow(zoom.truth[7].radius / zoom.truth[0].radius, 2);
  EXPECT_NEAR(ratio / expected, 1.0, 0.2);
  EXPECT_GT(ratio, 2.0);
}

TEST(SynthRender, SeedsAndSounds) {
  const synth::ClipSpec spec{.motion = Motion::Left, .tone = synth::Tone::High, .frames = 4, .fps = 4};
  const synth::Clip a = synth::render_clip(spec, 1), b = synth::render_clip(spec, 1), c = synth::render_clip(spec, 2);
  EXPECT_TRUE(at::equal(a.frames, b.frames));
  EXPECT_TRUE(at::equal(a.audio, b.audio));
  EXPECT_FALSE(at::equal(a.frames, c.frames));
  EXPECT_EQ(a.audio.size(1), 16000);
  EXPECT_GE(a.sound.hz, 1500);
  EXPECT_LE(a.sound.hz, 3000);
  const double noise_power = a.sound.noise * a.sound.noise, tone_power = a.sound.amplitude * a.sound.amplitude / 2;
  EXPECT_NEAR(10 * std::log10(tone_power / noise_power), 10, 2.01);
  EXPECT_THROW(synth::render_clip({.fps = 0}, 1), InvalidArgument);
  EXPECT_THROW(synth::draw_scene(Motion::Left, 4, 32, 8, 1), InvalidArgument);
}

// --- datasets ---

synth::SynthOptions tiny(synth::Kind kind, const std::string& out) {
  synth::SynthOptions o;
  o.kind = kind;
  o.out = out;
  o.per_class = 2;
  o.frames = 8;
  o.seed = 5;
  o.threads = 2;
  return o;
}

TEST(SynthDataset, MotionFilesListsAndContent) {
  const fs::path dir = fs::path(test::scratch_dir("synth_motion")) / "motion";
  const synth::SynthSummary s = synth::synth_dataset(tiny(synth::Kind::Motion, dir.string()));
  EXPECT_EQ(s.train, 16);
  EXPECT_EQ(s.val, 16);  // max(2, 2 / 4) per class
  EXPECT_EQ(s.test, 16);
  EXPECT_EQ(s.files, 53);
  const std::vector<std::string> classes = read_lines(dir / "classes.txt");
  EXPECT_EQ(classes, (std::vector<std::string>{"left", "right", "up", "down", "rotate_cw", "rotate_ccw", "zoom_in",
                                               "zoom_out"}));
  const nlohmann::json j = nlohmann::json::parse(test::read_bytes(dir / "synth.json"));
  EXPECT_EQ(j["kind"], "motion");
  EXPECT_EQ(j["frames"], 8);
  EXPECT_EQ(j["seed"], 5);
  EXPECT_EQ(hidden_entries(dir.parent_path()), 0);

  const std::vector<synth::SynthVideo> plan = synth::plan_videos(tiny(synth::Kind::Motion, dir.string()));
  ASSERT_EQ(plan.size(), 48u);
  for (const char* split : {"train", "val", "test"}) {
    const std::vector<std::string> lines = read_lines(dir / (std::string(split) + ".txt"));
    ASSERT_EQ(lines.size(), 16u) << split;
    EXPECT_EQ(lines[0], fmt::format("videos/left/{}_0000.mp4 left", split));
    EXPECT_EQ(lines[15], fmt::format("videos/zoom_out/{}_0001.mp4 zoom_out", split));
    EXPECT_EQ(load_dataset(dir.string(), split).samples.size(), 16u) << split;
  }
  for (const synth::SynthVideo& v : plan) {
    const std::string path = (dir / v.path).string();
    VideoReader reader(path, {.threads = 1});
    ASSERT_EQ(reader.num_frames(), 8) << path;
    ASSERT_EQ(reader.width(), 32);
    ASSERT_EQ(reader.height(), 32);
    const MediaInfo info = probe(path);
    ASSERT_EQ(info.streams.size(), 2u) << path;
    EXPECT_EQ(info.streams[1].type, "audio");
    EXPECT_EQ(info.streams[1].sample_rate, 16000);
    EXPECT_EQ(info.streams[1].channels, 1);
    // The file holds the rendered clip up to H.264's loss, which keeps the motion's direction: the
    // decoded frames are nearer the clip than the clip played backwards (its partner class).
    const at::Tensor decoded = to_tensor(reader.read_range(0, 8)).to(at::kFloat);
    const at::Tensor rendered = synth::render_clip(v.spec, v.seed).frames.to(at::kFloat);
    const double own = (decoded - rendered).pow(2).mean().item<double>();
    const double reversed = (decoded - rendered.flip({0})).pow(2).mean().item<double>();
    EXPECT_GT(10 * std::log10(255.0 * 255 / own), 20.0) << path;  // PSNR, dB (4:2:0 blurs colour edges)
    EXPECT_LT(own, reversed) << path;
  }
}

TEST(SynthDataset, SameSeedSameFilesWhateverTheThreads) {
  const fs::path root = test::scratch_dir("synth_threads");
  synth::SynthOptions one = tiny(synth::Kind::Motion, (root / "one").string());
  one.threads = 1;
  one.vary = true;
  one.per_class = 1;
  one.frames = 4;
  synth::SynthOptions two = one;
  two.out = (root / "two").string();
  two.threads = 2;
  synth::synth_dataset(one);
  synth::synth_dataset(two);
  std::set<int64_t> frame_counts;
  for (const synth::SynthVideo& v : synth::plan_videos(one)) {
    VideoReader a((root / "one" / v.path).string(), {.threads = 1});
    VideoReader b((root / "two" / v.path).string(), {.threads = 1});
    ASSERT_EQ(a.num_frames(), v.spec.frames);
    EXPECT_GE(v.spec.frames, 4);
    EXPECT_LE(v.spec.frames, 8);
    EXPECT_GE(v.spec.fps, 4);
    EXPECT_LE(v.spec.fps, 8);
    EXPECT_NEAR(a.fps(), v.spec.fps, 0.01);
    frame_counts.insert(a.num_frames());
    // Byte-identical files, whatever the thread count.
    EXPECT_TRUE(test::read_bytes(root / "one" / v.path) == test::read_bytes(root / "two" / v.path)) << v.path;
  }
  EXPECT_GT(frame_counts.size(), 3u);  // --vary really varies
}

TEST(SynthDataset, AvToneInItsBand) {
  const fs::path dir = fs::path(test::scratch_dir("synth_av")) / "av";
  const synth::SynthSummary s = synth::synth_dataset(tiny(synth::Kind::Av, dir.string()));
  EXPECT_EQ(s.classes, (std::vector<std::string>{"left_low", "left_high", "right_low", "right_high", "up_low",
                                                 "up_high", "down_low", "down_high"}));
  for (const synth::SynthVideo& v : synth::plan_videos(tiny(synth::Kind::Av, dir.string()))) {
    const std::string path = (dir / v.path).string();
    EXPECT_EQ(VideoReader(path, {.threads = 1}).num_frames(), 8);
    const at::Tensor audio = to_tensor(AudioReader(path, {.sample_rate = 16000, .mono = true}).read())[0];
    ASSERT_GE(audio.size(0), 15000) << path;  // 1 s
    const at::Tensor spectrum = at::fft_rfft(audio).abs();
    const double hz = spectrum.argmax().item<int64_t>() * 16000.0 / static_cast<double>(audio.size(0));
    const bool high = s.classes[static_cast<size_t>(v.label)].ends_with("_high");
    if (high) {
      EXPECT_TRUE(hz >= 1490 && hz <= 3010) << path << ": " << hz << " Hz";
    } else {
      EXPECT_TRUE(hz >= 190 && hz <= 510) << path << ": " << hz << " Hz";
    }
    EXPECT_NEAR(hz, synth::render_clip(v.spec, v.seed).sound.hz, 3.0) << path;
  }
}

TEST(SynthDataset, BadOptionsNameTheOption) {
  const auto message = [](auto change) {
    synth::SynthOptions o = tiny(synth::Kind::Motion, "/nonexistent/never-written");
    change(o);
    return test::error_message<InvalidArgument>([&] { synth::synth_dataset(o); });
  };
  EXPECT_TRUE(message([](auto& o) { o.width = 33; }).starts_with("--size: 33x32 must be even"));
  EXPECT_TRUE(message([](auto& o) { o.height = 14; }).starts_with("--size: 32x14 is out of range"));
  EXPECT_TRUE(message([](auto& o) { o.frames = 1; }).starts_with("--frames:"));
  EXPECT_TRUE(message([](auto& o) { o.fps = 0; }).starts_with("--fps:"));
  EXPECT_TRUE(message([](auto& o) { o.fps = -3; }).starts_with("--fps:"));
  EXPECT_TRUE(message([](auto& o) { o.per_class = 0; }).starts_with("--per-class:"));
  EXPECT_TRUE(message([](auto& o) { o.threads = -1; }).starts_with("--threads:"));
  EXPECT_TRUE(message([](auto& o) { o.out = ""; }).starts_with("--out:"));
  EXPECT_THROW(synth::parse_kind("sound"), InvalidArgument);
  EXPECT_FALSE(fs::exists("/nonexistent"));
}

TEST(SynthDataset, FailureLeavesNothingBehind) {
  const fs::path root = test::scratch_dir("synth_fail");
  synth::SynthOptions o = tiny(synth::Kind::Motion, (root / "ds").string());
  o.progress = [](int64_t done, int64_t) {
    if (done == 5) throw WriteError("disk full (simulated)");
  };
  EXPECT_THROW(synth::synth_dataset(o), WriteError);
  EXPECT_FALSE(fs::exists(root / "ds"));
  EXPECT_EQ(hidden_entries(root), 0);

  // Replacing an existing dataset that fails keeps the old one.
  fs::create_directories(root / "ds");
  std::ofstream(root / "ds" / "keep.txt") << "old";
  o.overwrite = true;
  EXPECT_THROW(synth::synth_dataset(o), WriteError);
  EXPECT_TRUE(fs::exists(root / "ds" / "keep.txt"));
  EXPECT_EQ(hidden_entries(root), 0);
}

// --- command line ---

int vidrep(const std::string& args, std::string* out) { return test::run(test::cli() + " synth " + args, out); }

TEST(SynthCli, WritesAndRefusesToClobber) {
  const fs::path root = test::scratch_dir("synth_cli");
  const std::string out = (root / "ds").string();
  std::string text;
  ASSERT_EQ(vidrep("--kind av --per-class 1 --frames 2 --json --out " + out, &text), 0) << text;
  const nlohmann::json j = nlohmann::json::parse(text);
  EXPECT_EQ(j["kind"], "av");
  EXPECT_EQ(j["videos"]["train"], 8);
  EXPECT_EQ(j["videos"]["val"], 16);
  EXPECT_EQ(j["files"], 45);
  EXPECT_EQ(read_lines(root / "ds" / "train.txt").size(), 8u);

  // A non-empty folder is refused without --overwrite, and left alone.
  EXPECT_EQ(vidrep("--per-class 1 --frames 2 --out " + out, &text), 2);
  EXPECT_NE(text.find("--overwrite"), std::string::npos) << text;
  EXPECT_EQ(read_lines(root / "ds" / "classes.txt").front(), "left_low");
  ASSERT_EQ(vidrep("--per-class 1 --frames 2 --overwrite --out " + out, &text), 0) << text;
  EXPECT_NE(text.find("synth: wrote 45 files"), std::string::npos) << text;
  EXPECT_NE(text.find("40 motion videos"), std::string::npos) << text;
  EXPECT_EQ(read_lines(root / "ds" / "classes.txt").front(), "left");
  EXPECT_FALSE(fs::exists(root / "ds" / "videos" / "left_low"));
  EXPECT_EQ(hidden_entries(root), 0);
}

TEST(SynthCli, BadOptionsExit2NamingTheOption) {
  const fs::path root = test::scratch_dir("synth_cli_bad");
  const std::string out = " --out " + (root / "ds").string();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--size 33x32", "--size"}, {"--frames 1", "--frames"}, {"--kind sound", "--kind"}};
  for (const auto& [args, option] : cases) {
    std::string text;
    EXPECT_EQ(vidrep(args + out, &text), 2) << args;
    EXPECT_NE(text.find(option), std::string::npos) << args << ": " << text;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << args << ": " << text;
    EXPECT_FALSE(fs::exists(root / "ds")) << args;
  }
  std::string text;
  EXPECT_EQ(test::run(test::cli() + " synth --help", &text), 0);
  EXPECT_NE(text.find("--per-class"), std::string::npos);
}

}  // namespace
}  // namespace vidrep
