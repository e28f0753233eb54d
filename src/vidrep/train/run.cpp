#include "vidrep/train/run.h"

#include "vidrep/error.h"
#include "vidrep/io/output_file.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace vidrep {
namespace fs = std::filesystem;

std::string RunInfo::checkpoint(const std::string& which) const {
  if (which != "best" && which != "last")
    throw InvalidArgument(fmt::format("checkpoint '{}': expected best or last", which));
  return (fs::path(dir) / (which + ".pt")).string();
}

std::string RunInfo::metrics_path() const { return (fs::path(dir) / "metrics.jsonl").string(); }

RunInfo load_run_info(const std::string& dir) {
  const fs::path config_path = fs::path(dir) / "config.json";
  std::ifstream in(config_path);
  if (!in) throw ConfigError(fmt::format("{}: not a vidrep run (no config.json)", dir));
  RunInfo run;
  run.dir = dir;
  std::stringstream text;
  text << in.rdbuf();
  try {
    run.config = nlohmann::json::parse(text.str()).get<TrainConfig>();
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(fmt::format("{}: {}", config_path.string(), e.what()));
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("{}: {}", config_path.string(), e.what()));
  }
  std::ifstream classes(fs::path(dir) / "classes.txt");
  for (std::string line; std::getline(classes, line);)
    if (!line.empty()) run.classes.push_back(line);
  if (run.config.task == Task::Classify && static_cast<int64_t>(run.classes.size()) != run.config.model.num_classes)
    throw ConfigError(fmt::format("{}: classes.txt has {} classes, config.json says {}", dir, run.classes.size(),
                                  run.config.model.num_classes));
  return run;
}

void write_text_file(const std::string& path, const std::string& text) {
  io::OutputFile out(path);
  {
    std::ofstream f(out.temp_path(), std::ios::binary);
    f << text;
    if (!f.flush()) throw WriteError(fmt::format("{}: write failed", path));
  }
  out.commit();
}

}  // namespace vidrep
