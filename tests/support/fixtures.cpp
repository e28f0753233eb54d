#include "support/fixtures.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <vector>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <sys/wait.h>

namespace vidrep::test {

namespace fs = std::filesystem;

std::string fixture_dir() {
  static const std::string dir = [] {
    fs::create_directories(VIDREP_TEST_FIXTURES);
    return std::string(VIDREP_TEST_FIXTURES);
  }();
  return dir;
}

std::string scratch_dir(const std::string& name) {
  const fs::path dir = fs::path(fixture_dir()) / "scratch" / fmt::format("{}-{}", name, ::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int run(const std::string& command, std::string* output) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed: " + command);
  std::array<char, 4096> buf{};
  std::string text;
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) text.append(buf.data(), n);
  const int status = ::pclose(pipe);
  if (output != nullptr) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string make_video(const std::string& name, const std::string& ffmpeg_args) {
  const fs::path path = fs::path(fixture_dir()) / name;
  if (fs::exists(path)) return path.string();
  const fs::path tmp = fs::path(fixture_dir()) /
                       fmt::format(".{}.{}{}", path.stem().string(), ::getpid(), path.extension().string());
  std::string out;
  const std::string cmd =
      fmt::format("ffmpeg -y -nostdin -hide_banner -loglevel error {} '{}'", ffmpeg_args, tmp.string());
  if (run(cmd, &out) != 0) throw std::runtime_error("fixture failed: " + cmd + "\n" + out);
  fs::rename(tmp, path);
  return path.string();
}

std::string edited_fixture(const std::string& name, const std::string& source,
                           const std::function<void(std::string& bytes)>& edit) {
  const fs::path path = fs::path(fixture_dir()) / name;
  if (fs::exists(path)) return path.string();
  std::ifstream in(source, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  edit(bytes);
  const fs::path tmp = fs::path(fixture_dir()) / fmt::format(".{}.{}", name, ::getpid());
  std::ofstream(tmp, std::ios::binary) << bytes;
  fs::rename(tmp, path);
  return path.string();
}

std::string made_folder(const std::string& name, const std::function<void(const std::string& folder)>& fill) {
  const fs::path dir = fs::path(fixture_dir()) / name;
  if (fs::exists(dir)) return dir.string();
  const fs::path tmp = fs::path(fixture_dir()) / fmt::format("{}.{}", name, ::getpid());
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  fill(tmp.string());
  fs::create_directories(dir.parent_path());
  std::error_code taken;
  fs::rename(tmp, dir, taken);
  if (taken) fs::remove_all(tmp);
  return dir.string();
}

namespace {

std::vector<uint8_t> read_all(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed: " + command);
  std::vector<uint8_t> bytes;
  std::array<uint8_t, 65536> buf{};
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) bytes.insert(bytes.end(), buf.begin(), buf.begin() + n);
  ::pclose(pipe);
  return bytes;
}

}  // namespace

at::Tensor ffmpeg_frame(const std::string& path, int64_t index, int height, int width,
                        const std::string& extra_vf) {
  std::string vf = fmt::format("select=eq(n\\,{})", index);
  if (!extra_vf.empty()) vf += "," + extra_vf;
  const std::string cmd = fmt::format(
      "ffmpeg -nostdin -hide_banner -loglevel error -i '{}' -vf '{}' -fps_mode passthrough "
      "-frames:v 1 -pix_fmt rgb24 -f rawvideo -",
      path, vf);
  const std::vector<uint8_t> bytes = read_all(cmd);
  at::Tensor frame = at::empty({height, width, 3}, at::kByte);
  if (bytes.size() != static_cast<size_t>(frame.nbytes())) {
    throw std::runtime_error(fmt::format("ffmpeg gave {} bytes for frame {} of {}, expected {}x{}x3",
                                         bytes.size(), index, path, height, width));
  }
  std::memcpy(frame.data_ptr(), bytes.data(), bytes.size());
  return frame;
}

int64_t ffprobe_frame_count(const std::string& path) {
  std::string out;
  run(fmt::format("ffprobe -v error -select_streams v:0 -count_frames -show_entries "
                  "stream=nb_read_frames -of csv=p=0 '{}'",
                  path),
      &out);
  return std::stoll(out);
}

at::Tensor ffmpeg_audio(const std::string& path, int rate) {
  const std::vector<uint8_t> bytes = read_all(fmt::format(
      "ffmpeg -nostdin -hide_banner -loglevel error -i '{}' -vn -ac 1 -ar {} -f f32le -", path, rate));
  at::Tensor samples = at::empty({static_cast<int64_t>(bytes.size() / sizeof(float))}, at::kFloat);
  std::memcpy(samples.data_ptr(), bytes.data(), static_cast<size_t>(samples.nbytes()));
  return samples;
}

double mean_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kFloat) - b.to(at::kFloat)).abs().mean().item<double>();
}

double correlation(const at::Tensor& a, const at::Tensor& b) {
  const int64_t n = std::min(a.numel(), b.numel());
  const at::Tensor x = a.flatten().slice(0, 0, n).to(at::kDouble);
  const at::Tensor y = b.flatten().slice(0, 0, n).to(at::kDouble);
  const at::Tensor xc = x - x.mean();
  const at::Tensor yc = y - y.mean();
  return ((xc * yc).sum() / (xc.norm() * yc.norm() + 1e-12)).item<double>();
}

std::pair<int64_t, double> best_lag(const at::Tensor& a, const at::Tensor& b, int64_t max_lag) {
  std::pair<int64_t, double> best{0, -2};
  for (int64_t lag = -max_lag; lag <= max_lag; ++lag) {
    const double c = correlation(lag >= 0 ? a.slice(0, lag) : a, lag >= 0 ? b : b.slice(0, -lag));
    if (c > best.second) best = {lag, c};
  }
  return best;
}

// Defined by libasan, so non-null only in a binary linked with AddressSanitizer.
extern "C" void __asan_init() __attribute__((weak));

bool under_asan() { return __asan_init != nullptr; }

std::string cli() { return under_asan() ? VIDREP_CLI_ASAN : VIDREP_CLI; }

}  // namespace vidrep::test
