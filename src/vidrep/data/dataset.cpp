#include "vidrep/data/dataset.h"

#include "vidrep/error.h"
#include "vidrep/io/output_file.h"
#include "vidrep/random.h"
#include "vidrep/video_files.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>

namespace vidrep {

namespace {

namespace fs = std::filesystem;

enum class Layout { Lists, Folders, Csv, Plain };

constexpr std::array<const char*, 3> kSplits = {"train", "val", "test"};

// One sample as written in a split's file, before its labels are turned into class indices.
struct RawSample {
  std::string path;
  std::vector<std::string> labels;
  double start = 0;
  double end = -1;
  std::string where;  // "DIR/train.txt:12", for errors found while resolving labels
};

bool exists(const fs::path& p, bool directory) {
  std::error_code ec;
  return directory ? fs::is_directory(p, ec) : fs::is_regular_file(p, ec);
}

fs::path split_path(const std::string& dir, Layout layout, const std::string& split) {
  switch (layout) {
    case Layout::Lists: return fs::path(dir) / (split + ".txt");
    case Layout::Folders: return fs::path(dir) / split;
    case Layout::Csv: return fs::path(dir) / (split + ".csv");
    case Layout::Plain: return fs::path(dir);
  }
  return {};
}


// Layout 4: every video file under DIR, in sub-folders down to kPlainDepth levels (so that a
// mistaken --data / or ~ is not a scan of the whole disk), as paths relative to DIR in sorted order;
// empty when DIR cannot be listed.
constexpr int kPlainDepth = 3;

std::vector<std::string> plain_videos(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    if (it.depth() >= kPlainDepth) it.disable_recursion_pending();
    if (it->is_regular_file(ec) && is_video_file(it->path())) out.push_back(fs::relative(it->path(), dir, ec).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

constexpr size_t kPlainMinimum = 3;  // one video at least for each of train, val and test

// FNV-1a of the relative path: a file's split does not change when others are added or removed.
uint64_t path_hash(const std::string& path) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : path) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// "train" | "val" | "test" for each of plain_videos(): a tenth each to test and val by hash, the
// rest train. A split that this leaves empty takes the smallest-hash video of the largest one.
std::vector<std::string> plain_splits(const std::vector<std::string>& videos) {
  std::vector<std::string> split(videos.size(), "train");
  std::vector<uint64_t> hash(videos.size());
  for (size_t i = 0; i < videos.size(); ++i) {
    hash[i] = path_hash(videos[i]);
    if (hash[i] % 10 == 0) split[i] = "test";
    if (hash[i] % 10 == 1) split[i] = "val";
  }
  for (const char* wanted : kSplits) {
    if (std::count(split.begin(), split.end(), wanted) > 0) continue;
    std::string donor;
    for (const char* name : kSplits)
      if (donor.empty() || std::count(split.begin(), split.end(), name) > std::count(split.begin(), split.end(), donor))
        donor = name;
    size_t pick = videos.size();
    for (size_t i = 0; i < videos.size(); ++i)
      if (split[i] == donor && (pick == videos.size() || hash[i] < hash[pick])) pick = i;
    split[pick] = wanted;
  }
  return split;
}

bool has_own_split(const std::string& dir, Layout layout, const std::string& split) {
  if (layout == Layout::Plain) return plain_videos(dir).size() >= kPlainMinimum;
  return exists(split_path(dir, layout, split), layout == Layout::Folders);
}

// The first layout, in the documented order, that has any split; nullopt when none does.
std::optional<Layout> find_layout(const std::string& dir) {
  for (Layout layout : {Layout::Lists, Layout::Folders, Layout::Csv}) {
    for (const char* split : kSplits) {
      if (has_own_split(dir, layout, split)) return layout;
    }
  }
  if (!plain_videos(dir).empty()) return Layout::Plain;
  return std::nullopt;
}

// Layout 4's split: unlabelled samples.
Dataset load_plain(const std::string& dir, const std::string& split) {
  const std::vector<std::string> videos = plain_videos(dir);
  if (videos.size() < kPlainMinimum)
    throw OpenError(fmt::format("{}: {} video file(s) and no list, class folders or CSV; a folder of unlabelled videos "
                                "needs at least {} (train, val and test get one each)",
                                dir, videos.size(), kPlainMinimum));
  const std::vector<std::string> splits = plain_splits(videos);
  Dataset d;
  d.root = dir;
  d.split = split;
  d.labelled = false;
  for (size_t i = 0; i < videos.size(); ++i)
    if (splits[i] == split) d.samples.push_back({(fs::path(dir) / videos[i]).string(), {}, 0, -1});
  return d;
}

std::string trim(std::string_view s) {
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  const auto end = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(begin, end - begin + 1));
}

bool skipped_line(const std::string& line) { return line.empty() || line.front() == '#'; }

std::optional<int64_t> parse_int(const std::string& s) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::vector<std::string> split_labels(const std::string& text, const std::string& where) {
  std::vector<std::string> labels;
  size_t begin = 0;
  for (;;) {
    const size_t comma = text.find(',', begin);
    std::string label = trim(std::string_view(text).substr(begin, comma == std::string::npos ? comma : comma - begin));
    if (label.empty()) throw ConfigError(fmt::format("{}: empty label in '{}'", where, text));
    if (std::find(labels.begin(), labels.end(), label) == labels.end()) labels.push_back(std::move(label));
    if (comma == std::string::npos) return labels;
    begin = comma + 1;
  }
}

std::string resolve(const std::string& dir, const std::string& path) {
  const fs::path p(path);
  return p.is_absolute() ? path : (fs::path(dir) / p).string();
}

std::ifstream open_text(const fs::path& path) {
  std::ifstream f(path);
  if (!f) throw OpenError(fmt::format("{}: cannot open", path.string()));
  return f;
}

// "relative/path label[,label...]": the label is the last whitespace-separated field, so paths
// may contain spaces.
std::vector<RawSample> read_list(const std::string& dir, const fs::path& file) {
  std::ifstream f = open_text(file);
  std::vector<RawSample> out;
  std::string line;
  for (int64_t number = 1; std::getline(f, line); ++number) {
    const std::string text = trim(line);
    if (skipped_line(text)) continue;
    const std::string where = fmt::format("{}:{}", file.string(), number);
    const size_t space = text.find_last_of(" \t");
    if (space == std::string::npos) {
      throw ConfigError(fmt::format("{}: expected 'path label', got '{}'", where, text));
    }
    RawSample s;
    s.path = resolve(dir, trim(std::string_view(text).substr(0, space)));
    s.labels = split_labels(text.substr(space + 1), where);
    s.where = where;
    out.push_back(std::move(s));
  }
  return out;
}

// DIR/split/<class>/<video>, in sorted order; `class_names` gets every class folder, even empty.
// Throws fs::filesystem_error for a folder that cannot be listed.
std::vector<RawSample> read_folders(const fs::path& split_dir, std::set<std::string>& class_names) {
  std::vector<fs::path> class_dirs;
  for (const auto& entry : fs::directory_iterator(split_dir)) {
    if (entry.is_directory()) class_dirs.push_back(entry.path());
  }
  std::sort(class_dirs.begin(), class_dirs.end());
  std::vector<RawSample> out;
  for (const fs::path& class_dir : class_dirs) {
    const std::string name = class_dir.filename().string();
    class_names.insert(name);
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(class_dir)) {
      if (entry.is_regular_file() && is_video_file(entry.path())) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) out.push_back({file.string(), {name}, 0, -1, file.string()});
  }
  return out;
}

// One CSV record: fields separated by ',', optionally "quoted" with "" for a quote inside.
std::vector<std::string> csv_fields(const std::string& line, const std::string& where) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  if (quoted) throw ConfigError(fmt::format("{}: unterminated quote", where));
  for (std::string& field : fields) field = trim(field);
  return fields;
}

double parse_seconds(const std::string& text, double empty_value, const char* what, const std::string& where) {
  if (text.empty()) return empty_value;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !(value >= 0)) {
    throw ConfigError(fmt::format("{}: {}: expected seconds >= 0, got '{}'", where, what, text));
  }
  return value;
}

// Header "path,label[,start][,end]" (any column order); a multi-label value is quoted: "a,b".
std::vector<RawSample> read_csv(const std::string& dir, const fs::path& file) {
  std::ifstream f = open_text(file);
  std::vector<RawSample> out;
  std::map<std::string, size_t> column;
  std::string line;
  for (int64_t number = 1; std::getline(f, line); ++number) {
    const std::string text = trim(line);
    if (skipped_line(text)) continue;
    const std::string where = fmt::format("{}:{}", file.string(), number);
    std::vector<std::string> fields = csv_fields(text, where);
    if (column.empty()) {
      // Each name once, so that every column index is below the row length checked below.
      for (size_t i = 0; i < fields.size(); ++i) {
        if (!column.emplace(fields[i], i).second) {
          throw ConfigError(fmt::format("{}: column '{}' appears twice in the header", where, fields[i]));
        }
      }
      if (!column.count("path") || !column.count("label")) {
        throw ConfigError(fmt::format("{}: expected a header 'path,label,start,end', got '{}'", where, text));
      }
      continue;
    }
    if (fields.size() != column.size()) {
      throw ConfigError(fmt::format("{}: expected {} fields, got {}", where, column.size(), fields.size()));
    }
    auto field = [&](const char* name) { return column.count(name) ? fields[column[name]] : std::string(); };
    RawSample s;
    if (field("path").empty()) throw ConfigError(fmt::format("{}: empty path", where));
    s.path = resolve(dir, field("path"));
    s.labels = split_labels(field("label"), where);
    s.start = parse_seconds(field("start"), 0, "start", where);
    s.end = parse_seconds(field("end"), -1, "end", where);
    if (s.end != -1 && s.end <= s.start) {
      throw ConfigError(fmt::format("{}: end {} s is not after start {} s", where, s.end, s.start));
    }
    s.where = where;
    out.push_back(std::move(s));
  }
  if (column.empty()) {
    throw ConfigError(fmt::format("{}: empty file, expected a header 'path,label,start,end'", file.string()));
  }
  return out;
}

std::vector<std::string> read_classes(const fs::path& file) {
  std::ifstream f = open_text(file);
  std::vector<std::string> classes;
  std::set<std::string> seen;
  std::string line;
  for (int64_t number = 1; std::getline(f, line); ++number) {
    std::string name = trim(line);
    if (skipped_line(name)) continue;
    if (!seen.insert(name).second) {
      throw ConfigError(fmt::format("{}:{}: class '{}' listed twice", file.string(), number, name));
    }
    classes.push_back(std::move(name));
  }
  return classes;
}

// Without classes.txt: every label an integer gives "0".."max"; else the sorted set of names.
std::vector<std::string> classes_from_labels(const std::map<std::string, std::vector<RawSample>>& splits,
                                             const std::set<std::string>& folder_names) {
  std::set<std::string> names = folder_names;
  int64_t max_index = -1;
  const RawSample* first_name = nullptr;
  const RawSample* first_index = nullptr;
  for (const auto& [split, samples] : splits) {
    for (const RawSample& s : samples) {
      for (const std::string& label : s.labels) {
        if (const auto index = parse_int(label)) {
          if (*index < 0) throw ConfigError(fmt::format("{}: negative label {}", s.where, *index));
          // Integer labels name classes 0..max: a stray huge number must not make a billion classes.
          if (*index >= kMaxClasses) {
            throw ConfigError(fmt::format("{}: label {} is beyond the {} classes a dataset may have", s.where, *index,
                                          kMaxClasses));
          }
          max_index = std::max(max_index, *index);
          if (first_index == nullptr) first_index = &s;
        } else {
          names.insert(label);
          if (first_name == nullptr) first_name = &s;
        }
      }
    }
  }
  if (first_index != nullptr && first_name != nullptr) {
    throw ConfigError(fmt::format("{}: integer label mixed with class names (as in {}); list the names in classes.txt",
                                  first_index->where, first_name->where));
  }
  if (first_index != nullptr) {
    std::vector<std::string> classes;
    for (int64_t i = 0; i <= max_index; ++i) classes.push_back(std::to_string(i));
    return classes;
  }
  return {names.begin(), names.end()};
}

std::vector<Sample> resolve_labels(const std::vector<RawSample>& raw, const std::vector<std::string>& classes,
                                   const std::string& classes_origin) {
  std::map<std::string, int64_t> index_of;
  for (size_t i = 0; i < classes.size(); ++i) index_of.emplace(classes[i], static_cast<int64_t>(i));
  const auto num_classes = static_cast<int64_t>(classes.size());
  std::vector<Sample> out;
  out.reserve(raw.size());
  for (const RawSample& r : raw) {
    Sample s{r.path, {}, r.start, r.end};
    for (const std::string& label : r.labels) {
      if (const auto it = index_of.find(label); it != index_of.end()) {
        s.labels.push_back(it->second);
      } else if (const auto index = parse_int(label)) {
        if (*index < 0 || *index >= num_classes) {
          throw ConfigError(fmt::format("{}: label {} out of range ({} classes in {})", r.where, *index,
                                        num_classes, classes_origin));
        }
        s.labels.push_back(*index);
      } else {
        throw ConfigError(fmt::format("{}: unknown class '{}'", r.where, label));
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

// The held-out part of train: a fixed shuffle picks round(10 %) of the samples (at least one when
// there are two or more); both parts keep the file's order.
std::vector<Sample> holdout(std::vector<Sample> train, bool want_val) {
  const size_t n = train.size();
  const size_t k = n < 2 ? 0 : std::max<size_t>(1, (n + 5) / 10);
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  Rng(kValidationSeed).shuffle(order);
  std::vector<bool> is_val(n, false);
  for (size_t i = 0; i < k; ++i) is_val[order[i]] = true;
  std::vector<Sample> out;
  for (size_t i = 0; i < n; ++i) {
    if (is_val[i] == want_val) out.push_back(std::move(train[i]));
  }
  return out;
}

}  // namespace

Dataset load_dataset(const std::string& dir, const std::string& split) {
  if (std::find(kSplits.begin(), kSplits.end(), split) == kSplits.end()) {
    throw InvalidArgument(fmt::format("{}: unknown split '{}' (train, val, test)", dir, split));
  }
  const std::optional<Layout> layout = find_layout(dir);
  if (!layout) {
    throw OpenError(fmt::format(
        "{}: no dataset found (expected train.txt, train/<class>/, train.csv or video files)", dir));
  }
  if (*layout == Layout::Plain) return load_plain(dir, split);
  const bool held_out = split == "val" && !has_own_split(dir, *layout, "val");
  const std::string source = held_out ? "train" : split;
  if (!has_own_split(dir, *layout, source)) {
    throw OpenError(fmt::format("{}: split '{}' not found ({} missing)", dir, split,
                                split_path(dir, *layout, source).string()));
  }

  // Every split is read: classes are shared, and a label error anywhere is better found early.
  std::map<std::string, std::vector<RawSample>> raw;
  std::set<std::string> folder_names;
  for (const char* name : kSplits) {
    if (!has_own_split(dir, *layout, name)) continue;
    const fs::path path = split_path(dir, *layout, name);
    switch (*layout) {
      case Layout::Lists: raw[name] = read_list(dir, path); break;
      case Layout::Folders:
        try {
          raw[name] = read_folders(path, folder_names);
        } catch (const fs::filesystem_error& e) {
          throw OpenError(fmt::format("{}: cannot list: {}", path.string(), e.code().message()));
        }
        break;
      case Layout::Csv: raw[name] = read_csv(dir, path); break;
      case Layout::Plain: break;
    }
  }

  Dataset d;
  d.root = dir;
  d.split = split;
  const fs::path classes_file = fs::path(dir) / "classes.txt";
  const bool listed = exists(classes_file, false);
  d.classes = listed ? read_classes(classes_file) : classes_from_labels(raw, folder_names);
  const std::string origin = listed ? classes_file.string() : "the dataset";
  for (const auto& [name, samples] : raw) {
    for (const RawSample& s : samples) d.multi_label = d.multi_label || s.labels.size() > 1;
  }
  for (const auto& [name, samples] : raw) {
    std::vector<Sample> resolved = resolve_labels(samples, d.classes, origin);
    if (name == source) d.samples = std::move(resolved);
  }
  if (split == "train" && !has_own_split(dir, *layout, "val")) d.samples = holdout(std::move(d.samples), false);
  if (held_out) d.samples = holdout(std::move(d.samples), true);
  return d;
}

bool has_split(const std::string& dir, const std::string& split) {
  const std::optional<Layout> layout = find_layout(dir);
  if (!layout) return false;
  if (has_own_split(dir, *layout, split)) return true;
  return split == "val" && has_own_split(dir, *layout, "train");
}

namespace {

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  io::OutputFile out(path);
  {
    std::ofstream f(out.temp_path());
    for (const std::string& line : lines) f << line << '\n';
    f.flush();
    if (!f) throw WriteError(fmt::format("{}: write failed (disk full?)", path));
  }
  out.commit();
}

bool has_space(const std::string& s) { return s.find_first_of(" \t\r\n") != std::string::npos; }

}  // namespace

void write_list_file(const std::string& dir, const std::string& split,
                     const std::vector<std::pair<std::string, std::string>>& path_and_label) {
  std::vector<std::string> lines;
  lines.reserve(path_and_label.size());
  for (const auto& [path, label] : path_and_label) {
    // What read_list would trim, skip as a comment or split differently cannot be written.
    if (path.empty() || path != trim(path) || path.front() == '#' || path.find('\n') != std::string::npos) {
      throw InvalidArgument(fmt::format("{}: cannot list the path '{}'", split, path));
    }
    if (label.empty() || has_space(label)) {
      throw InvalidArgument(
          fmt::format("{}: label of '{}' must be non-empty without spaces, got '{}'", split, path, label));
    }
    lines.push_back(path + ' ' + label);
  }
  write_lines((fs::path(dir) / (split + ".txt")).string(), lines);
}

void write_classes_file(const std::string& dir, const std::vector<std::string>& classes) {
  for (const std::string& name : classes) {
    if (name.empty() || has_space(name) || name.find(',') != std::string::npos || name.front() == '#') {
      throw InvalidArgument(fmt::format("classes.txt: class name '{}' must be non-empty, without spaces or ',', "
                                        "and not start with '#'", name));
    }
  }
  write_lines((fs::path(dir) / "classes.txt").string(), classes);
}

}  // namespace vidrep
