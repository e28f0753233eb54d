#include "vidrep/io/output_file.h"

#include "vidrep/error.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>

namespace vidrep::io {

namespace fs = std::filesystem;

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
  const fs::path dest(path_);
  if (dest.filename().empty()) throw WriteError(fmt::format("{}: not a file name", path_));
  const fs::path dir = dest.has_parent_path() ? dest.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw WriteError(fmt::format("{}: folder {} does not exist", path_, dir.string()));
  }
  if (fs::is_directory(dest, ec)) throw WriteError(fmt::format("{}: is a directory", path_));
  static std::atomic<unsigned> counter{0};
  temp_ = (dir / fmt::format(".{}.tmp{}-{}{}", dest.stem().string(), ::getpid(), counter++,
                             dest.extension().string()))
              .string();
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

}  // namespace vidrep::io
