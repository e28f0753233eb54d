// The Python VideoReader: vidrep::VideoReader behind a mutex (the C++ reader is not thread-safe
// and decoding releases the GIL, so two Python threads may call one reader at once).
#pragma once

#include "vidrep/io/video_reader.h"

#include <mutex>
#include <string>

namespace vidrep::python {

struct LockedReader {
  LockedReader(const std::string& path, ReaderOptions options) : reader(path, options) {}
  std::mutex mutex;
  VideoReader reader;
};

}  // namespace vidrep::python
