#include "vidrep/io/npy.h"

#include "vidrep/error.h"
#include "vidrep/io/npy_format.h"
#include "vidrep/io/output_file.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <filesystem>

namespace vidrep::io {

namespace {

constexpr std::pair<at::ScalarType, NpyDtype> kTypes[] = {
    {at::kBool, NpyDtype::Bool},   {at::kChar, NpyDtype::Int8},   {at::kByte, NpyDtype::UInt8},
    {at::kShort, NpyDtype::Int16}, {at::kInt, NpyDtype::Int32},   {at::kLong, NpyDtype::Int64},
    {at::kFloat, NpyDtype::Float32}, {at::kDouble, NpyDtype::Float64},
};

}  // namespace

std::string npy_header(const at::Tensor& t, const std::string& what) {
  for (const auto& [scalar, dtype] : kTypes) {
    if (scalar == t.scalar_type()) return npy_header_bytes(dtype, t.sizes().vec());
  }
  throw InvalidArgument(fmt::format("{}: cannot write dtype {} to .npy", what, at::toString(t.scalar_type())));
}

at::ScalarType scalar_type(NpyDtype dtype) {
  for (const auto& [scalar, d] : kTypes) {
    if (d == dtype) return scalar;
  }
  throw InvalidArgument("unknown .npy dtype");
}

void save_npy(const std::string& path, const at::Tensor& tensor) {
  const at::Tensor t = tensor.contiguous();
  const std::string header = npy_header(t, path);
  OutputFile out(path);
  {
    std::ofstream f(out.temp_path(), std::ios::binary);
    f.write(header.data(), static_cast<std::streamsize>(header.size()));
    f.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.nbytes()));
    f.flush();
    if (!f) throw WriteError(fmt::format("{}: write failed (disk full?)", path));
  }
  out.commit();
}

at::Tensor load_npy(const std::string& path) {
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
  at::Tensor t = at::empty(h.shape, scalar_type(h.dtype));
  if (!f.read(static_cast<char*>(t.data_ptr()), static_cast<std::streamsize>(t.nbytes()))) {
    throw InvalidArgument(fmt::format("{}: .npy data shorter than its shape says", path));
  }
  return t;
}

}  // namespace vidrep::io
