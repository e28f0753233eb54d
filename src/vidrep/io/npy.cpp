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
    {at::kBool, "|b1"}, {at::kChar, "|i1"}, {at::kByte, "|u1"}, {at::kShort, "<i2"},
    {at::kInt, "<i4"},  {at::kLong, "<i8"}, {at::kFloat, "<f4"}, {at::kDouble, "<f8"},
};

}  // namespace

std::string npy_header(const at::Tensor& t, const std::string& what) {
  const DtypeName* dtype = nullptr;
  for (const auto& d : kDtypes) {
    if (d.type == t.scalar_type()) dtype = &d;
  }
  if (dtype == nullptr) {
    throw InvalidArgument(fmt::format("{}: cannot write dtype {} to .npy", what, at::toString(t.scalar_type())));
  }
  std::string shape;
  for (int64_t d : t.sizes()) shape += fmt::format("{}, ", d);
  if (t.dim() > 1) shape.resize(shape.size() - 2);  // "(3, 4)" but "(3,)" and "()"
  if (t.dim() == 1) shape.resize(shape.size() - 1);
  std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", dtype->descr, shape);
  // Magic (6) + version (2) + length (2) + dict + '\n' is padded to a multiple of 64.
  dict.append((64 - (10 + dict.size() + 1) % 64) % 64, ' ');
  dict.push_back('\n');
  std::string header = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
  header.push_back(static_cast<char>(dict.size() & 0xFF));
  header.push_back(static_cast<char>(dict.size() >> 8));
  return header + dict;
}

std::pair<at::ScalarType, std::vector<int64_t>> parse_npy_header(const std::string& dict, const std::string& where) {
  std::smatch m;
  if (!std::regex_search(dict, m, std::regex("'descr':\\s*'([^']+)'"))) {
    throw InvalidArgument(fmt::format("{}: .npy header has no dtype", where));
  }
  const std::string descr = m[1];
  const DtypeName* dtype = nullptr;
  for (const auto& d : kDtypes) {
    if (descr == d.descr || (descr.substr(1) == std::string(d.descr).substr(1) && descr[0] == '<')) dtype = &d;
  }
  if (dtype == nullptr) throw InvalidArgument(fmt::format("{}: unsupported .npy dtype {}", where, descr));
  if (std::regex_search(dict, std::regex("'fortran_order':\\s*True"))) {
    throw InvalidArgument(fmt::format("{}: Fortran-ordered arrays are not supported", where));
  }
  if (!std::regex_search(dict, m, std::regex("'shape':\\s*\\(([^)]*)\\)"))) {
    throw InvalidArgument(fmt::format("{}: .npy header has no shape", where));
  }
  std::vector<int64_t> shape;
  const std::string dims = m[1];
  const std::regex number("\\d+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
    shape.push_back(std::stoll(it->str()));
  }
  return {dtype->type, shape};
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
  if (!f) throw OpenError(fmt::format("{}: cannot open", path));
  char preamble[10];
  if (!f.read(preamble, 10) || std::memcmp(preamble, "\x93NUMPY", 6) != 0) {
    throw InvalidArgument(fmt::format("{}: not a .npy file", path));
  }
  uint32_t header_len = static_cast<uint8_t>(preamble[8]) | (static_cast<uint8_t>(preamble[9]) << 8);
  if (preamble[6] != 1) {  // versions 2 and 3 have a 4-byte length
    char extra[2];
    if (!f.read(extra, 2)) throw InvalidArgument(fmt::format("{}: truncated .npy header", path));
    header_len |= (static_cast<uint32_t>(static_cast<uint8_t>(extra[0])) << 16) |
                  (static_cast<uint32_t>(static_cast<uint8_t>(extra[1])) << 24);
  }
  if (header_len > (1u << 20)) throw InvalidArgument(fmt::format("{}: .npy header too large", path));
  std::string dict(header_len, '\0');
  if (!f.read(dict.data(), header_len)) throw InvalidArgument(fmt::format("{}: truncated .npy header", path));
  const auto [dtype, shape] = parse_npy_header(dict, path);
  at::Tensor t = at::empty(shape, dtype);
  if (!f.read(static_cast<char*>(t.data_ptr()), static_cast<std::streamsize>(t.nbytes()))) {
    throw InvalidArgument(fmt::format("{}: .npy data shorter than its shape says", path));
  }
  return t;
}

}  // namespace vidrep::io
