// OutputFile: how every vidrep output reaches the disk. Data goes to a hidden temporary name
// beside the destination and is renamed over it only on commit(), so a failure, a crash or an
// exception never leaves a half-written file under the real name. The temporary file is created
// exclusively (a symlink planted under its name cannot redirect the write), and temporary files
// that killed processes left in the same folder are removed the first time a process writes there.
#pragma once

#include <string>
#include <string_view>

namespace vidrep::io {

class OutputFile {
 public:
  // Throws WriteError when the destination's folder does not exist or is not writable.
  explicit OutputFile(std::string path);
  ~OutputFile();  // removes the temporary file unless committed
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  const std::string& path() const { return path_; }
  // Where to write; keeps the destination's extension so format guessing still works.
  const std::string& temp_path() const { return temp_; }
  // Atomically renames the temporary file to path(). Throws WriteError.
  void commit();

 private:
  std::string path_;
  std::string temp_;
  bool committed_ = false;
};

// Writes `bytes` to `path` through an OutputFile. Throws WriteError naming the file.
void write_file(const std::string& path, std::string_view bytes);

// Whether process `pid` no longer exists: the owner of a temporary name was killed.
bool process_gone(long pid);

}  // namespace vidrep::io
