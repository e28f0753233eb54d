#include "support/fixtures.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
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

std::vector<at::Tensor> ffmpeg_frames(const std::string& path, const std::vector<int64_t>& indices, int height,
                                      int width, const std::string& extra_vf) {
  std::vector<int64_t> wanted = indices;
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  // The selection as runs of consecutive frames: ffmpeg's expression parser refuses a sum of a
  // hundred terms, so a run is one term and at most 32 terms go to one ffmpeg run, which gives
  // its frames in increasing order, once each.
  std::vector<uint8_t> bytes;
  for (size_t i = 0; i < wanted.size();) {
    std::string select;
    size_t selected = 0;
    for (int terms = 0; terms < 32 && i < wanted.size(); ++terms) {
      size_t j = i;
      while (j + 1 < wanted.size() && wanted[j + 1] == wanted[j] + 1) ++j;
      select += fmt::format("{}between(n\\,{}\\,{})", select.empty() ? "" : "+", wanted[i], wanted[j]);
      selected += j - i + 1;
      i = j + 1;
    }
    std::string vf = "select=" + select;
    if (!extra_vf.empty()) vf += "," + extra_vf;
    const std::vector<uint8_t> part = read_all(fmt::format(
        "ffmpeg -nostdin -hide_banner -loglevel error -i '{}' -vf '{}' -fps_mode passthrough "
        "-frames:v {} -pix_fmt rgb24 -f rawvideo -",
        path, vf, selected));
    bytes.insert(bytes.end(), part.begin(), part.end());
  }
  const size_t frame_bytes = static_cast<size_t>(height) * width * 3;
  if (bytes.size() != frame_bytes * wanted.size()) {
    throw std::runtime_error(fmt::format("ffmpeg gave {} bytes for frames {} of {}, expected {} of {}x{}x3",
                                         bytes.size(), fmt::join(wanted, ","), path, wanted.size(), height,
                                         width));
  }
  std::vector<at::Tensor> frames;
  for (int64_t i : indices) {
    const size_t k = static_cast<size_t>(std::lower_bound(wanted.begin(), wanted.end(), i) - wanted.begin());
    at::Tensor frame = at::empty({height, width, 3}, at::kByte);
    std::memcpy(frame.data_ptr(), bytes.data() + k * frame_bytes, frame_bytes);
    frames.push_back(frame);
  }
  return frames;
}

at::Tensor ffmpeg_frame(const std::string& path, int64_t index, int height, int width,
                        const std::string& extra_vf) {
  return ffmpeg_frames(path, {index}, height, width, extra_vf).front();
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

namespace {

// Pearson correlation of p[0..n) and q[0..n), in plain loops: best_lag calls it for thousands of
// lags, which as tensor temporaries took a minute in the sanitized binary (its allocator is slow
// for large blocks).
double pearson(const double* p, const double* q, int64_t n) {
  if (n < 2) return -2;
  double sp = 0, sq = 0;
  for (int64_t i = 0; i < n; ++i) sp += p[i], sq += q[i];
  const double mp = sp / static_cast<double>(n), mq = sq / static_cast<double>(n);
  double pq = 0, pp = 0, qq = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double u = p[i] - mp, v = q[i] - mq;
    pq += u * v, pp += u * u, qq += v * v;
  }
  return pq / (std::sqrt(pp) * std::sqrt(qq) + 1e-12);
}

at::Tensor as_doubles(const at::Tensor& t) { return t.flatten().to(at::kDouble).contiguous(); }

}  // namespace

double correlation(const at::Tensor& a, const at::Tensor& b) {
  const at::Tensor x = as_doubles(a), y = as_doubles(b);
  return pearson(x.data_ptr<double>(), y.data_ptr<double>(), std::min(x.numel(), y.numel()));
}

std::pair<int64_t, double> best_lag(const at::Tensor& a, const at::Tensor& b, int64_t max_lag) {
  const at::Tensor x = as_doubles(a), y = as_doubles(b);
  std::pair<int64_t, double> best{0, -2};
  for (int64_t lag = -max_lag; lag <= max_lag; ++lag) {
    const int64_t skip_a = std::max<int64_t>(lag, 0), skip_b = std::max<int64_t>(-lag, 0);
    const double c = pearson(x.data_ptr<double>() + skip_a, y.data_ptr<double>() + skip_b,
                             std::min(x.numel() - skip_a, y.numel() - skip_b));
    if (c > best.second) best = {lag, c};
  }
  return best;
}

// Defined by libasan, so non-null only in a binary linked with AddressSanitizer.
extern "C" void __asan_init() __attribute__((weak));

bool under_asan() { return __asan_init != nullptr; }

std::string cli() { return under_asan() ? VIDREP_CLI_ASAN : VIDREP_CLI; }

}  // namespace vidrep::test
