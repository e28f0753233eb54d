#include "vidrep/io/frame_index_cache.h"

#include "vidrep/io/demuxer.h"
#include "vidrep/io/output_file.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace vidrep::io {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kMagic = "vidrep frame index cache 1\n";
// Integers are stored as this machine writes them; a file from another byte order fails this.
constexpr int64_t kByteOrderMark = 0x0102030405060708;

// path, size and modification time of a file on disk; nullopt when it cannot be stat'ed.
std::optional<std::tuple<std::string, int64_t, int64_t>> file_identity(const std::string& path) {
  std::error_code ec;
  const fs::path absolute = fs::absolute(path, ec);
  if (ec) return {};
  const auto size = fs::file_size(absolute, ec);
  if (ec) return {};
  const auto mtime = fs::last_write_time(absolute, ec);
  if (ec) return {};
  const int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(mtime.time_since_epoch()).count();
  return std::tuple{absolute.lexically_normal().string(), static_cast<int64_t>(size), ns};
}

void put(std::string& out, int64_t v) { append_int64(out, v); }
bool get(std::string_view bytes, size_t& at, int64_t& v) { return read_int64(bytes, at, v); }

}  // namespace

std::shared_ptr<const FrameIndex> FrameIndexCache::index(Demuxer& demuxer, int stream) {
  const auto id = file_identity(demuxer.path());
  if (!id) return std::make_shared<const FrameIndex>(demuxer, stream);  // not a plain file: no key
  const Key key{std::get<0>(*id), stream, std::get<1>(*id), std::get<2>(*id)};
  {
    const std::lock_guard lock(mu_);
    if (const auto it = entries_.find(key); it != entries_.end()) {
      ++hits_;
      return it->second;
    }
    ++misses_;
  }
  auto built = std::make_shared<const FrameIndex>(demuxer, stream);  // outside the lock: may take a while
  const std::lock_guard lock(mu_);
  entries_.emplace(key, built);
  changed_ = true;
  return built;
}

bool FrameIndexCache::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream text;
  text << in.rdbuf();
  return load_bytes(text.str());
}

bool FrameIndexCache::load_bytes(std::string_view bytes) {
  if (!bytes.starts_with(kMagic)) return false;
  size_t at = kMagic.size();
  int64_t mark = 0, count = 0;
  if (!get(bytes, at, mark) || mark != kByteOrderMark || !get(bytes, at, count) || count < 0) return false;
  std::map<Key, std::shared_ptr<const FrameIndex>> loaded;
  for (int64_t i = 0; i < count; ++i) {
    int64_t length = 0, stream = 0, size = 0, mtime = 0;
    if (!get(bytes, at, length) || length < 0 || static_cast<uint64_t>(length) > bytes.size() - at) return false;
    std::string file(bytes.substr(at, static_cast<size_t>(length)));
    at += static_cast<size_t>(length);
    if (!get(bytes, at, stream) || stream < 0 || stream > INT32_MAX || !get(bytes, at, size) || !get(bytes, at, mtime))
      return false;
    std::optional<FrameIndex> index = FrameIndex::from_bytes(bytes, at);
    if (!index) return false;
    loaded.emplace(Key{std::move(file), static_cast<int>(stream), size, mtime},
                   std::make_shared<const FrameIndex>(std::move(*index)));
  }
  if (at != bytes.size()) return false;
  const std::lock_guard lock(mu_);
  entries_.merge(loaded);
  return true;
}

void FrameIndexCache::save(const std::string& path) const {
  std::string out(kMagic);
  {
    const std::lock_guard lock(mu_);
    put(out, kByteOrderMark);
    put(out, static_cast<int64_t>(entries_.size()));
    for (const auto& [key, index] : entries_) {
      const auto& [file, stream, size, mtime] = key;
      put(out, static_cast<int64_t>(file.size()));
      out += file;
      put(out, stream);
      put(out, size);
      put(out, mtime);
      index->append_bytes(out);
    }
  }
  write_file(path, out);
  const std::lock_guard lock(mu_);
  changed_ = false;
}

bool FrameIndexCache::changed() const {
  const std::lock_guard lock(mu_);
  return changed_;
}

int64_t FrameIndexCache::hits() const {
  const std::lock_guard lock(mu_);
  return hits_;
}

int64_t FrameIndexCache::misses() const {
  const std::lock_guard lock(mu_);
  return misses_;
}

int64_t FrameIndexCache::size() const {
  const std::lock_guard lock(mu_);
  return static_cast<int64_t>(entries_.size());
}

}  // namespace vidrep::io
