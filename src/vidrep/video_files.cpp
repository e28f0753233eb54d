#include "vidrep/video_files.h"

#include "vidrep/error.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <set>

namespace vidrep {

namespace fs = std::filesystem;

namespace {

constexpr std::array<const char*, 9> kVideoExtensions = {".mp4", ".mkv", ".webm", ".avi", ".mov",
                                                         ".m4v", ".mpg", ".mpeg", ".ts"};

std::string lower_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

}  // namespace

bool is_video_file(const fs::path& path) {
  const std::string ext = lower_extension(path);
  return std::find(kVideoExtensions.begin(), kVideoExtensions.end(), ext) != kVideoExtensions.end();
}

std::vector<std::string> collect_videos(const std::vector<std::string>& inputs) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  const auto take = [&](const std::string& path) {
    if (seen.insert(resolved_path(path)).second) out.push_back(path);
  };
  for (const std::string& input : inputs) {
    std::error_code ec;
    const fs::path p(input);
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec), end;
           !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec) && is_video_file(it->path())) found.push_back(it->path().string());
      }
      std::sort(found.begin(), found.end());
      for (const auto& f : found) take(f);
      continue;
    }
    if (!fs::exists(p, ec)) throw OpenError(fmt::format("{}: no such file or folder", input));
    const std::string ext = lower_extension(p);
    if (ext != ".txt" && ext != ".lst") {
      take(input);
      continue;
    }
    std::ifstream list(p);
    if (!list) throw OpenError(fmt::format("{}: cannot read the list", input));
    std::string line;
    while (std::getline(list, line)) {
      const auto first = line.find_first_not_of(" \t\r");
      if (first == std::string::npos || line[first] == '#') continue;
      const auto last = line.find_last_not_of(" \t\r");
      const fs::path entry(line.substr(first, last - first + 1));
      take(entry.is_absolute() ? entry.string() : (p.parent_path() / entry).string());
    }
  }
  return out;
}

std::string resolved_path(const std::string& path) {
  std::error_code ec;
  const fs::path p = fs::weakly_canonical(fs::absolute(path, ec), ec);
  return ec ? path : p.string();
}

}  // namespace vidrep
