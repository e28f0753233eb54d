#include "vidrep/io/npy.h"

#include "vidrep/error.h"
#include "vidrep/io/npy_format.h"
#include "vidrep/io/output_file.h"

#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <filesystem>

namespace vidrep::io {

void save_npy(const std::string& path, const Array& array) {
  if (!array.defined()) throw InvalidArgument(fmt::format("{}: no array to write", path));
  const std::string header = npy_header_bytes(array.dtype(), array.shape());
  OutputFile out(path);
  {
    std::ofstream f(out.temp_path(), std::ios::binary);
    f.write(header.data(), static_cast<std::streamsize>(header.size()));
    f.write(reinterpret_cast<const char*>(array.bytes()), static_cast<std::streamsize>(array.nbytes()));
    f.flush();
    if (!f) throw WriteError(fmt::format("{}: write failed (disk full?)", path));
  }
  out.commit();
}

Array load_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::error_code ec;
  const uint64_t file_size = std::filesystem::file_size(path, ec);
  if (!f || ec) throw OpenError(fmt::format("{}: cannot open", path));
  std::string first(static_cast<size_t>(std::min<uint64_t>(file_size, 12)), '\0');
  f.read(first.data(), static_cast<std::streamsize>(first.size()));
  const uint64_t header_size = npy_header_size(first, path);
  if (header_size > file_size) throw InvalidArgument(fmt::format("{}: truncated .npy header", path));
  std::string header(static_cast<size_t>(header_size), '\0');
  f.seekg(0);
  if (!f.read(header.data(), static_cast<std::streamsize>(header.size()))) {
    throw InvalidArgument(fmt::format("{}: truncated .npy header", path));
  }
  const NpyHeader h = parse_npy_header(header, path);
  // The shape is checked against the file before anything is allocated from it.
  if (file_size - header_size != h.data_bytes) {
    throw InvalidArgument(fmt::format("{}: .npy data is {} bytes, its shape says {}", path,
                                      file_size - header_size, h.data_bytes));
  }
  Array t(h.dtype, h.shape);
  if (!f.read(reinterpret_cast<char*>(t.bytes()), static_cast<std::streamsize>(t.nbytes()))) {
    throw InvalidArgument(fmt::format("{}: .npy data shorter than its shape says", path));
  }
  return t;
}

}  // namespace vidrep::io
