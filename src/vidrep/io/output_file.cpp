#include "vidrep/io/output_file.h"

#include "vidrep/error.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>

namespace vidrep::io {

namespace fs = std::filesystem;

namespace {

// The pid in a temporary name ".<stem>.tmp<pid>-<n><ext>", or 0 when `name` is not one.
pid_t temp_owner(const std::string& name) {
  const size_t at = name.rfind(".tmp");
  if (name.empty() || name[0] != '.' || at == std::string::npos) return 0;
  int pid = 0;
  const char* begin = name.data() + at + 4;
  const char* end = name.data() + name.size();
  const auto [next, ec] = std::from_chars(begin, end, pid);
  if (ec != std::errc() || next == begin || next == end || *next != '-' || pid <= 0) return 0;
  return static_cast<pid_t>(pid);
}

// Removes the temporary files that processes which no longer exist (killed, or out of power) left
// in `dir`, once per folder per process: a killed write leaves nothing behind for long.
void sweep_stale_temps(const fs::path& dir) {
  static std::mutex mutex;
  static std::set<std::string> swept;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (!swept.insert(fs::absolute(dir).string()).second) return;
  }
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const pid_t owner = temp_owner(name);
    if (owner == 0 || owner == ::getpid()) continue;
    if (!process_gone(owner)) continue;
    std::error_code ignored;
    if (it->is_regular_file(ignored) && !it->is_symlink(ignored)) fs::remove(it->path(), ignored);
  }
}

}  // namespace

bool process_gone(long pid) { return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH; }

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
  const fs::path dest(path_);
  if (dest.filename().empty()) throw WriteError(fmt::format("{}: not a file name", path_));
  const fs::path dir = dest.has_parent_path() ? dest.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw WriteError(fmt::format("{}: folder {} does not exist", path_, dir.string()));
  }
  if (fs::is_directory(dest, ec)) throw WriteError(fmt::format("{}: is a directory", path_));
  sweep_stale_temps(dir);
  // Created here, exclusively and without following links, so a name planted in the folder (a
  // symlink to somewhere else) can never redirect the write.
  static std::atomic<unsigned> counter{0};
  for (int attempt = 0;; ++attempt) {
    temp_ = (dir / fmt::format(".{}.tmp{}-{}{}", dest.stem().string(), ::getpid(), counter++,
                               dest.extension().string()))
                .string();
    const int fd = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::close(fd);
      break;
    }
    if (errno != EEXIST || attempt == 100) {
      throw WriteError(fmt::format("{}: cannot create a file in {}: {}", path_, dir.string(), std::strerror(errno)));
    }
  }
}

OutputFile::~OutputFile() {
  if (!committed_) std::remove(temp_.c_str());
}

void OutputFile::commit() {
  std::error_code ec;
  fs::rename(temp_, path_, ec);
  if (ec) throw WriteError(fmt::format("{}: cannot move finished output into place: {}", path_, ec.message()));
  committed_ = true;
}

void write_file(const std::string& path, std::string_view bytes) {
  OutputFile out(path);
  {
    std::ofstream f(out.temp_path(), std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    f.close();
    if (!f) throw WriteError(fmt::format("{}: write failed (disk full?)", path));
  }
  out.commit();
}

}  // namespace vidrep::io
