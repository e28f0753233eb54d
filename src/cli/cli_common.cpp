#include "cli_common.h"

#include "vidrep/error.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <exception>
#include <sstream>

namespace vidrep::cli {

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, sep)) parts.push_back(item);
  if (!text.empty() && text.back() == sep) parts.emplace_back();
  return parts;
}

template <typename T>
T parse_number(const std::string& text, const std::string& option) {
  T value{};
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    throw InvalidArgument(fmt::format("{}: '{}' is not a number", option, text));
  }
  return value;
}

}  // namespace

std::pair<int, int> parse_size(const std::string& text, const std::string& option) {
  const auto x = text.find('x');
  if (x == std::string::npos) throw InvalidArgument(fmt::format("{}: expected WxH, got '{}'", option, text));
  const int w = parse_number<int>(text.substr(0, x), option);
  const int h = parse_number<int>(text.substr(x + 1), option);
  if (w < 1 || h < 1 || w > 16384 || h > 16384) {
    throw InvalidArgument(fmt::format("{}: impossible size {}x{} (each side 1..16384)", option, w, h));
  }
  return {w, h};
}

std::vector<int64_t> parse_indices(const std::string& text, const std::string& option) {
  std::vector<int64_t> out;
  for (const std::string& part : split(text, ',')) out.push_back(parse_number<int64_t>(part, option));
  if (out.empty()) throw InvalidArgument(fmt::format("{}: empty list", option));
  return out;
}

std::vector<int64_t> parse_range(const std::string& text, int64_t count, const std::string& option) {
  const std::vector<std::string> parts = split(text, ':');
  if (parts.size() < 2 || parts.size() > 3) {
    throw InvalidArgument(fmt::format("{}: expected A:B[:STEP], got '{}'", option, text));
  }
  const int64_t begin = parts[0].empty() ? 0 : parse_number<int64_t>(parts[0], option);
  const int64_t end = parts[1].empty() ? count : parse_number<int64_t>(parts[1], option);
  const int64_t step = parts.size() == 3 ? parse_number<int64_t>(parts[2], option) : 1;
  if (step < 1) throw InvalidArgument(fmt::format("{}: step must be >= 1, got {}", option, step));
  if (begin < 0 || begin >= end || end > count) {
    throw InvalidArgument(fmt::format("{}: range {}:{} outside the video's {} frames", option, begin, end, count));
  }
  std::vector<int64_t> out;
  for (int64_t i = begin; i < end; i += step) out.push_back(i);
  return out;
}

std::vector<double> parse_times(const std::string& text, const std::string& option) {
  std::vector<double> out;
  for (const std::string& part : split(text, ',')) out.push_back(parse_number<double>(part, option));
  if (out.empty()) throw InvalidArgument(fmt::format("{}: empty list", option));
  return out;
}

void add_reader_flags(CLI::App* cmd, ReaderFlags& flags) {
  cmd->add_option("--size", flags.size, "Output size WxH in display orientation (resized while converting)");
  cmd->add_option("--stream", flags.stream, "Video stream index (default: the best one)");
  cmd->add_option("--threads", flags.threads, "Decoder and compute threads (default: one per core)")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--no-autorotate", flags.no_autorotate, "Keep frames as stored, ignoring rotation metadata");
  cmd->add_flag("--lenient", flags.lenient, "Conceal corrupt frames instead of failing on them");
}

void add_embed_flags(CLI::App* cmd, EmbedFlags& flags) {
  cmd->add_option("--method", flags.method,
                  "features[:KINDS] (handcrafted, e.g. features:color_hist), run:RUN_DIR (a trained run's "
                  "embedding) or ae:RUN_DIR (an autoencoder's pooled latent)")
      ->capture_default_str();
  cmd->add_option("--per-second", flags.per_second, "Descriptors per second of video")->capture_default_str();
  cmd->add_option("--threads", flags.threads, "Decoder and compute threads (default: one per core)")
      ->check(CLI::NonNegativeNumber);
}

retrieval::EmbedConfig embed_config(const EmbedFlags& flags) {
  retrieval::EmbedConfig c = retrieval::EmbedConfig::parse(flags.method, flags.per_second);
  c.threads = flags.threads;
  return c;
}

ReaderOptions reader_options(const ReaderFlags& flags) {
  ReaderOptions o;
  if (!flags.size.empty()) std::tie(o.width, o.height) = parse_size(flags.size, "--size");
  o.stream = flags.stream;
  o.threads = flags.threads;
  o.autorotate = !flags.no_autorotate;
  o.strict = !flags.lenient;
  return o;
}

int run_cli(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const ExitStatus& e) {
    return e.code;
  } catch (const DecodeError& e) {
    std::fprintf(stderr, "vidrep: %s (--lenient skips damaged data)\n", e.what());
    return 2;
  } catch (const Error& e) {
    std::fprintf(stderr, "vidrep: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    // One line: LibTorch appends a backtrace to its messages.
    const std::string what = e.what();
    std::fprintf(stderr, "vidrep: internal error: %s\n", what.substr(0, what.find('\n')).c_str());
    return 1;
  }
  return 0;
}

}  // namespace vidrep::cli
