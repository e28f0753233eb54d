// Fuzz target: bytes as a dataset list file ("path label" lines) or a Kinetics-style CSV, read
// through load_dataset as `vidrep train --data DIR` reads them. The first byte picks the layout.
#include "vidrep/data/dataset.h"
#include "vidrep/error.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace {

const std::string& folder() {
  static const std::string dir = [] {
    std::string t = (std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp") + std::string("/vidrep-fuzz-XXXXXX");
    if (::mkdtemp(t.data()) == nullptr) std::abort();
    return t;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string& dir = folder();
  const bool csv = data[0] & 1;
  std::filesystem::remove(dir + (csv ? "/train.txt" : "/train.csv"));
  std::ofstream(dir + (csv ? "/train.csv" : "/train.txt"), std::ios::binary)
      .write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  for (const char* split : {"train"}) {  // its val part is held out of it, parsed the same
    try {
      const vidrep::Dataset d = vidrep::load_dataset(dir, split);
      for (const vidrep::Sample& s : d.samples) {
        for (int64_t label : s.labels) {
          if (d.labelled && (label < 0 || label >= static_cast<int64_t>(d.classes.size()))) std::abort();
        }
      }
    } catch (const vidrep::Error&) {
    }
  }
  return 0;
}
