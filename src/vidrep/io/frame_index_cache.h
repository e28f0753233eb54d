// FrameIndexCache: the frame indexes of files already scanned, so that opening a file again (the
// loader opens each sample's file every epoch) skips the packet scan. Keyed by the file's path,
// stream, size and modification time: a file changed on disk is scanned again. Thread-safe; one
// cache is shared by every reader given it (ReaderOptions::index_cache).
//
//   auto cache = std::make_shared<io::FrameIndexCache>();
//   cache->load("run/frame_index.bin");        // optional: indexes saved by an earlier process
//   VideoReader r(path, {.index_cache = cache.get()});
//   cache->save("run/frame_index.bin");        // only when something was added
//
// The file is this machine's bytes (native integers), written through a temporary name. A file
// that is damaged, of another version or of another machine's byte order is ignored as a whole
// (then every index is scanned again), never trusted: its counts are checked against its size and
// every index against what the reader relies on before use.
#pragma once

#include "vidrep/io/frame_index.h"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace vidrep::io {

class Demuxer;

class FrameIndexCache {
 public:
  // The index of `stream` of the demuxer's file: the cached one when the file's size and
  // modification time still match, else a scan from the demuxer's current position (then kept).
  std::shared_ptr<const FrameIndex> index(Demuxer& demuxer, int stream);

  // Adds the entries of a file written by save(); false (nothing added) when it is missing,
  // damaged or of another format. Throws nothing.
  bool load(const std::string& path);
  // The same from the bytes of such a file.
  bool load_bytes(std::string_view bytes);
  // Writes every entry through a temporary name. Throws WriteError.
  void save(const std::string& path) const;
  // Whether index() added entries since the last save().
  bool changed() const;

  int64_t hits() const;
  int64_t misses() const;
  int64_t size() const;

 private:
  // path, stream, size in bytes, modification time in ns
  using Key = std::tuple<std::string, int, int64_t, int64_t>;

  mutable std::mutex mu_;
  std::map<Key, std::shared_ptr<const FrameIndex>> entries_;
  int64_t hits_ = 0, misses_ = 0;
  mutable bool changed_ = false;
};

}  // namespace vidrep::io
