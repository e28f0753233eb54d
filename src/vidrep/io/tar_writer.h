// TarWriter: a POSIX ustar archive written member by member, as webdataset shards are
// (`KEY.mp4`, `KEY.json`, ... one sample's members next to each other). Every header is the same
// for the same member (mtime 0, owner 0, mode 0644), so the same members make the same bytes: a
// curated shard is reproducible. Written through a temporary name (OutputFile): the archive
// appears under its name only at close(). Python's tarfile, GNU tar and webdataset read it.
//
//   io::TarWriter tar("shards/00000.tar");
//   tar.add("clip-0001.mp4", mp4_bytes);
//   tar.add("clip-0001.json", json_text);
//   tar.close();
#pragma once

#include "vidrep/io/output_file.h"

#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>

namespace vidrep::io {

class TarWriter {
 public:
  // Throws WriteError when the file cannot be created.
  explicit TarWriter(const std::string& path);
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  // Appends a regular file. Throws InvalidArgument for a name ustar cannot hold (empty, over 255
  // bytes, or no '/' to split at past 100) and WriteError when writing fails.
  void add(const std::string& name, std::string_view bytes);
  // Appends the end-of-archive blocks and moves the file to its name.
  void close();
  int64_t bytes_written() const { return written_; }

 private:
  void put(std::string_view bytes);

  OutputFile out_;
  std::ofstream file_;
  int64_t written_ = 0;
  bool closed_ = false;
};

}  // namespace vidrep::io
