// Synthetic labelled clips for `vidrep synth`: one textured shape moving over a static background,
// with a soundtrack, rendered from a seed together with its ground truth (the object's state in
// every frame). synth_dataset.h writes many of these as a dataset folder.
//
//   auto clip = vidrep::synth::render_clip({.motion = vidrep::synth::Motion::Right}, seed);
//   clip.frames;      // uint8 [16,32,32,3]
//   clip.audio;       // float32 [1,32000] at 16 kHz
//   clip.truth[t].cx; // the object's centre, growing with t for Motion::Right
//
// Motions come in pairs that are exact time reversals of each other: left/right, up/down,
// rotate_cw/rotate_ccw, zoom_in/zoom_out. A scene is drawn from a distribution that depends only
// on the pair (never on the direction); its trajectory is written around the clip's midpoint,
// state(t) = mid + direction * rate * (t - (T-1)/2) (zoom: radius = mid * exp(direction * rate * u)),
// so render_frames(scene, partner(m)) is exactly render_frames(scene, m) reversed in time. The
// unordered set of frames therefore says nothing about the direction: only the order does.
//
// Coordinates: x right, y down, in pixels; pixel (i, j) covers [i, i+1) x [j, j+1). Angles are
// degrees clockwise on screen (rotate_cw makes the angle grow). The shape lies inside the disc of
// `radius` px around the centre; shape edges and textures are antialiased by 4x4 supersampling.
// Everything here is a pure function of its arguments: thread-safe.
#pragma once

#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace vidrep::synth {

// --- motions and sounds ---

enum class Motion { Left, Right, Up, Down, RotateCw, RotateCcw, ZoomIn, ZoomOut };
inline constexpr std::array<Motion, 8> kMotions = {Motion::Left,     Motion::Right,     Motion::Up,
                                                   Motion::Down,     Motion::RotateCw,  Motion::RotateCcw,
                                                   Motion::ZoomIn,   Motion::ZoomOut};
// "left", "right", "up", "down", "rotate_cw", "rotate_ccw", "zoom_in", "zoom_out".
std::string motion_name(Motion motion);
// The time-reversed motion: left <-> right, up <-> down, cw <-> ccw, in <-> out.
Motion partner(Motion motion);

// None: quiet white noise (-40 dBFS). Low: a 200-500 Hz sine, High: a 1500-3000 Hz sine, each with
// white noise at 8-12 dB SNR for the whole clip.
enum class Tone { None, Low, High };
std::string tone_name(Tone tone);  // "none", "low", "high"

// --- scenes ---

using Colour = std::array<float, 3>;  // RGB in [0, 1]

// Every shape is rotation-asymmetric, so its rotation is visible.
enum class Shape { Triangle, Arrow, LShape, NotchedDisc, MarkedRect };
// Painted in object coordinates: textures move, turn and scale with the object.
enum class Texture { Solid, Stripes, Checker, Noise };
// Static over the clip.
enum class Background { Solid, Gradient, Noise, Stripes };

struct ObjectState {
  double cx = 0, cy = 0;  // centre, px
  double angle = 0;       // degrees, clockwise on screen
  double radius = 0;      // px
};

struct Scene {
  int width = 32;
  int height = 32;
  int64_t frames = 16;
  // appearance
  Shape shape = Shape::Triangle;
  bool mirrored = false;         // the shape flipped left-right in object coordinates
  Texture texture = Texture::Solid;
  double texture_period = 0.5;   // object units (the shape fits the unit disc)
  double texture_angle = 0;      // radians
  Colour fg_a{}, fg_b{};         // the object's two texture colours
  Colour marker{};               // MarkedRect's corner marker
  Background background = Background::Solid;
  double bg_angle = 0;           // radians: direction of the gradient or the stripes
  double bg_period = 8;          // px: stripe period, or noise cell size
  Colour bg_a{}, bg_b{};
  uint64_t noise_seed = 0;       // the static noise of the object's texture and of the background
  // trajectory
  ObjectState mid;               // the state at t = (T-1)/2
  double rate = 0;               // px/frame (left..down), deg/frame (rotate_*), ln(radius)/frame (zoom_*)
};

// Draws a random scene for `motion` from `seed`. The distribution depends only on the motion's
// pair. Ranges (S = min(width, height)):
//   translation: radius 0.17-0.24 S, speed 0.6-1.2 px/frame at S = 32 (scaled by S/32, capped so
//                the whole path stays inside the frame), fixed random angle;
//   rotation:    radius 0.26-0.36 S, 6-12 deg/frame, fixed position near the centre;
//   zoom:        radius from 0.36-0.44 S down by a factor 1.6-2.2 over the clip, fixed position.
// Colours: object and background in opposite luma bands (dark vs bright) so the object stands out.
// Throws InvalidArgument for width or height < 8 or frames < 1.
Scene draw_scene(Motion motion, int width, int height, int64_t frames, uint64_t seed);

// The object's state in frame t of `scene` played as `motion`.
ObjectState object_state(const Scene& scene, Motion motion, int64_t t);
std::vector<ObjectState> trajectory(const Scene& scene, Motion motion);

// uint8 [frames, height, width, 3].
at::Tensor render_frames(const Scene& scene, Motion motion);

// --- sound ---

struct Sound {
  Tone tone = Tone::None;
  double hz = 0;          // the tone's frequency (0 for None)
  double amplitude = 0;   // of the sine
  double phase = 0;       // radians
  double noise = 0.01;    // standard deviation of the white noise
  uint64_t noise_seed = 0;
};

Sound draw_sound(Tone tone, uint64_t seed);
// float32 [1, samples] at `rate` Hz.
at::Tensor render_sound(const Sound& sound, int64_t samples, int rate);

// --- whole clips ---

struct ClipSpec {
  Motion motion = Motion::Right;
  Tone tone = Tone::None;
  int width = 32;
  int height = 32;
  int64_t frames = 16;
  double fps = 8;
  int audio_rate = 16000;
};

struct Clip {
  Scene scene;
  Sound sound;
  at::Tensor frames;               // uint8 [frames, height, width, 3]
  at::Tensor audio;                // float32 [1, round(frames / fps * audio_rate)]
  std::vector<ObjectState> truth;  // per frame
};

// The scene comes from derive_seed(seed, 0), the sound from derive_seed(seed, 1).
Clip render_clip(const ClipSpec& spec, uint64_t seed);

}  // namespace vidrep::synth
