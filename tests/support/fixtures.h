// Test fixtures made at test time: videos written by the ffmpeg CLI (an independent oracle) and
// reference frames / audio / frame counts read back through ffmpeg and ffprobe.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace vidrep::test {

// The folder generated fixtures live in (created on first use).
std::string fixture_dir();
// A fresh, empty folder for one test's outputs.
std::string scratch_dir(const std::string& name);

// The bytes of file `path` ("" when it cannot be read).
std::string read_bytes(const std::string& path);

// Runs `command` through the shell; returns its exit status, stdout+stderr into `output`.
int run(const std::string& command, std::string* output = nullptr);

// Path of fixture `name` (e.g. "h264_bframes.mp4"), generated once with
// `ffmpeg -y -hide_banner -loglevel error <args> <path>` into a temporary name then renamed.
std::string make_video(const std::string& name, const std::string& ffmpeg_args);

// Path of fixture folder `name`, made once by `fill(folder)` in a folder of this process's own and
// then renamed, so that the plain and sanitized suites running side by side never read a
// half-made folder (when another process renames its folder first, that one is used).
std::string made_folder(const std::string& name, const std::function<void(const std::string& folder)>& fill);

// Path of fixture `name`, made once from the bytes of fixture `source` changed by `edit` (for
// damaged or unusual files the ffmpeg CLI cannot write), through a temporary name.
std::string edited_fixture(const std::string& name, const std::string& source,
                           const std::function<void(std::string& bytes)>& edit);

// The ffmpeg CLI's frame `index` of `path` as uint8 [height,width,3] (`-vf select=eq(n\,I)`,
// `-fps_mode passthrough`, rgb24, autorotated), with extra filters appended (e.g. "scale=64:48").
// Throws when ffmpeg's output is not exactly that size.
at::Tensor ffmpeg_frame(const std::string& path, int64_t index, int height, int width,
                        const std::string& extra_vf = "");
// The same for several frames, in the order of `indices`: one ffmpeg run (one decode of the
// file) per 32 runs of consecutive frames, not one per frame.
std::vector<at::Tensor> ffmpeg_frames(const std::string& path, const std::vector<int64_t>& indices, int height,
                                      int width, const std::string& extra_vf = "");

// Decoded frame count from `ffprobe -count_frames` for the first video stream.
int64_t ffprobe_frame_count(const std::string& path);

// Mono float32 [S] audio decoded by `ffmpeg -ac 1 -ar <rate>`.
at::Tensor ffmpeg_audio(const std::string& path, int rate);

// Pearson correlation of two signals over their common length.
double correlation(const at::Tensor& a, const at::Tensor& b);
// The shift (a[k + lag] ~ b[k]) within +-max_lag that correlates best, and that correlation.
std::pair<int64_t, double> best_lag(const at::Tensor& a, const at::Tensor& b, int64_t max_lag);

// Mean absolute difference between two uint8 images of the same shape.
double mean_abs_diff(const at::Tensor& a, const at::Tensor& b);

// Whether this test binary runs under AddressSanitizer (the sanitized twin, asan.*).
bool under_asan();
// The built `vidrep` executable; `vidrep-asan` (every command, sanitized) under ASan.
std::string cli();

// The message of the `Error` that f() throws; "(no error)" when it throws none (any other
// exception propagates and fails the test).
template <typename Error, typename F>
std::string error_message(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace vidrep::test
