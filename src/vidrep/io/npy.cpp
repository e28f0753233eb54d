#include "vidrep/io/npy.h"

#include "vidrep/error.h"
#include "vidrep/io/output_file.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <regex>

namespace vidrep::io {

namespace {

struct DtypeName {
  at::ScalarType type;
  const char* descr;
};
constexpr DtypeName kDtypes[] = {
    {at::kByte, "|u1"}, {at::kShort, "<i2"}, {at::kInt, "<i4"},
    {at::kLong, "<i8"}, {at::kFloat, "<f4"}, {at::kDouble, "<f8"},
};

const char* descr_of(at::ScalarType t) {
  for (const auto& d : kDtypes) {
    if (d.type == t) return d.descr;
  }
  throw InvalidArgument(fmt::format("cannot write dtype {} to .npy", at::toString(t)));
}

}  // namespace

void save_npy(const std::string& path, const at::Tensor& tensor) {
  const at::Tensor t = tensor.contiguous();
  std::string shape;
  for (int64_t d : t.sizes()) shape += fmt::format("{}, ", d);
  if (t.dim() > 1) shape.resize(shape.size() - 2);  // "(3, 4)" but "(3,)" and "()"
  if (t.dim() == 1) shape.resize(shape.size() - 1);
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}",
                                   descr_of(t.scalar_type()), shape);
  // Magic (6) + version (2) + length (2) + header + '\n' is padded to a multiple of 64.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');

  OutputFile out(path);
  {
    std::ofstream f(out.temp_path(), std::ios::binary);
    const char preamble[8] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
    const uint16_t len = static_cast<uint16_t>(header.size());
    f.write(preamble, 8);
    f.write(reinterpret_cast<const char*>(&len), 2);
    f.write(header.data(), static_cast<std::streamsize>(header.size()));
    f.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.nbytes()));
    f.flush();
    if (!f) throw WriteError(fmt::format("{}: write failed (disk full?)", path));
  }
  out.commit();
}

at::Tensor load_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw OpenError(fmt::format("{}: cannot open", path));
  char preamble[10];
  if (!f.read(preamble, 10) || std::memcmp(preamble, "\x93NUMPY", 6) != 0) {
    throw InvalidArgument(fmt::format("{}: not a .npy file", path));
  }
  uint32_t header_len = 0;
  if (preamble[6] == 1) {
    header_len = static_cast<uint8_t>(preamble[8]) | (static_cast<uint8_t>(preamble[9]) << 8);
  } else {
    char extra[2];
    f.read(extra, 2);
    header_len = static_cast<uint8_t>(preamble[8]) | (static_cast<uint8_t>(preamble[9]) << 8) |
                 (static_cast<uint8_t>(extra[0]) << 16) | (static_cast<uint32_t>(static_cast<uint8_t>(extra[1])) << 24);
  }
  if (header_len > (1u << 20)) throw InvalidArgument(fmt::format("{}: .npy header too large", path));
  std::string header(header_len, '\0');
  if (!f.read(header.data(), header_len)) throw InvalidArgument(fmt::format("{}: truncated .npy header", path));

  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([^']+)'"))) {
    throw InvalidArgument(fmt::format("{}: .npy header has no dtype", path));
  }
  const std::string descr = m[1];
  const DtypeName* dtype = nullptr;
  for (const auto& d : kDtypes) {
    if (descr == d.descr || (descr == "<u1" && d.type == at::kByte)) dtype = &d;
  }
  if (dtype == nullptr) throw InvalidArgument(fmt::format("{}: unsupported .npy dtype {}", path, descr));
  if (std::regex_search(header, std::regex("'fortran_order':\\s*True"))) {
    throw InvalidArgument(fmt::format("{}: Fortran-ordered .npy is not supported", path));
  }
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)"))) {
    throw InvalidArgument(fmt::format("{}: .npy header has no shape", path));
  }
  std::vector<int64_t> shape;
  const std::string dims = m[1];
  const std::regex number("\\d+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
    shape.push_back(std::stoll(it->str()));
  }
  at::Tensor t = at::empty(shape, dtype->type);
  const auto bytes = static_cast<std::streamsize>(t.nbytes());
  if (!f.read(static_cast<char*>(t.data_ptr()), bytes)) {
    throw InvalidArgument(fmt::format("{}: .npy data shorter than its shape says", path));
  }
  return t;
}

}  // namespace vidrep::io
