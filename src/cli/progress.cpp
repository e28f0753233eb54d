#include "progress.h"

#include "vidrep/error.h"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unistd.h>

namespace vidrep::cli {

ProgressBar::ProgressBar() : enabled_(isatty(fileno(stderr)) != 0) {}

ProgressBar::~ProgressBar() { clear(); }

void ProgressBar::update(double fraction, const std::string& text) {
  if (!enabled_) return;
  constexpr int kWidth = 24;
  const int filled = static_cast<int>(std::lround(std::clamp(fraction, 0.0, 1.0) * kWidth));
  fmt::print(stderr, "\r\033[K[{}{}] {}", std::string(filled, '#'), std::string(kWidth - filled, '.'), text);
  std::fflush(stderr);
  shown_ = true;
}

void ProgressBar::clear() {
  if (!shown_) return;
  fmt::print(stderr, "\r\033[K");
  std::fflush(stderr);
  shown_ = false;
}

std::string format_duration(double seconds) {
  const auto s = static_cast<int64_t>(std::max(0.0, std::round(seconds)));
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

bool for_each_video(const std::vector<std::string>& videos, const std::string& verb, bool json,
                    const std::function<std::string(const std::string&)>& work) {
  bool failed = false;
  ProgressBar bar;
  for (size_t i = 0; i < videos.size(); ++i) {
    bar.update(static_cast<double>(i) / static_cast<double>(videos.size()),
               fmt::format("{} {}/{}  {}", verb, i + 1, videos.size(), videos[i]));
    try {
      const std::string lines = work(videos[i]);
      bar.clear();
      fmt::print("{}", lines);
    } catch (const Error& e) {
      failed = true;
      bar.clear();
      if (json) fmt::print("{}\n", nlohmann::json{{"path", videos[i]}, {"error", e.what()}}.dump());
      else fmt::print(stderr, "vidrep: skipped {}\n", e.what());
    }
  }
  return failed;
}

}  // namespace vidrep::cli
