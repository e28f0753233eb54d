#include "vidrep/report/report.h"

#include "vidrep/apps/autoencoder.h"
#include "vidrep/apps/predict.h"
#include "vidrep/data/dataset.h"
#include "vidrep/error.h"
#include "vidrep/io/image_writer.h"
#include "vidrep/io/output_file.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/report/page.h"
#include "vidrep/tensor.h"
#include "vidrep/train/evaluate.h"
#include "vidrep/train/quality.h"
#include "vidrep/train/run.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace vidrep::report {
namespace {

namespace fs = std::filesystem;

constexpr int kThumbWidth = 160;
constexpr int64_t kPairs = 4;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw OpenError(fmt::format("{}: cannot read", path));
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<nlohmann::json> read_metrics(const std::string& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> epochs;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    try {
      nlohmann::json j = nlohmann::json::parse(line);
      if (!j.is_object()) throw ConfigError("not a JSON object");
      epochs.push_back(std::move(j));
    } catch (const std::exception& e) {
      throw ConfigError(fmt::format("{}:{}: {}", path, number, e.what()));
    }
  }
  return epochs;
}

// The PNG of uint8 [H,W,3] frame.
std::string png_of(const at::Tensor& frame) {
  const at::Tensor f = frame.contiguous();
  return io::encode_png(f.data_ptr<uint8_t>(), static_cast<int>(f.size(1)), static_cast<int>(f.size(0)));
}

// The middle frame of a video, kThumbWidth wide.
std::string thumbnail(const std::string& path) {
  VideoReader reader(path, {.width = kThumbWidth, .threads = 1});
  return png_of(to_tensor(reader.read_frames({reader.num_frames() / 2}))[0]);
}

// Up to `count` samples of a split, taken round-robin over the classes so that each shows.
std::vector<const Sample*> spread_samples(const Dataset& d, int64_t count) {
  std::map<int64_t, std::vector<const Sample*>> by_class;
  for (const Sample& s : d.samples) by_class[s.labels.empty() ? -1 : s.labels[0]].push_back(&s);
  std::vector<const Sample*> out;
  for (size_t round = 0; static_cast<int64_t>(out.size()) < count; ++round) {
    bool any = false;
    for (auto& [label, samples] : by_class) {
      if (round < samples.size() && static_cast<int64_t>(out.size()) < count) out.push_back(samples[round]), any = true;
    }
    if (!any) break;
  }
  return out;
}

void add_classifier(RunSection& r, const RunInfo& run, const ReportOptions& o) {
  const EvalResult eval = evaluate_run(run.dir, {.data = o.data, .split = o.split, .checkpoint = o.checkpoint, .threads = o.threads});
  r.classification = eval.report;
  r.eval_loss = eval.loss;
  r.skipped = eval.skipped;
  if (o.samples <= 0) return;
  const Dataset d = load_dataset(o.data.empty() ? run.config.data : o.data, o.split);
  std::vector<std::string> paths;
  std::vector<std::string> truths;
  for (const Sample* s : spread_samples(d, o.samples)) {
    paths.push_back(s->path);
    std::string truth;
    for (int64_t label : s->labels) truth += (truth.empty() ? "" : ",") + d.classes.at(static_cast<size_t>(label));
    truths.push_back(truth);
  }
  const std::vector<Prediction> predictions =
      predict_videos(run.dir, paths, {.topk = 1, .checkpoint = o.checkpoint, .threads = o.threads});
  for (size_t i = 0; i < predictions.size(); ++i) {
    const Prediction& p = predictions[i];
    if (!p.error.empty() || p.top.empty()) continue;
    r.samples.push_back({p.path, truths[i], p.top[0].first, p.top[0].second, thumbnail(p.path)});
  }
}

void add_autoencoder(RunSection& r, const RunInfo& run, const ReportOptions& o) {
  AeEvalOptions options;
  options.data = o.data;
  options.split = o.split;
  options.checkpoint = o.checkpoint;
  options.threads = o.threads;
  const AeEvalResult eval = evaluate_autoencoder(run.dir, options);
  r.autoencoder = eval;
  r.skipped = eval.skipped;
  if (o.samples <= 0) return;
  const Dataset d = load_dataset(o.data.empty() ? run.config.data : o.data, o.split);
  const auto& c = run.config.autoencoder;
  for (const Sample* s : spread_samples(d, std::min(o.samples, kPairs))) {
    VideoReader reader(s->path, {.width = static_cast<int>(c.width), .height = static_cast<int>(c.height), .threads = 1});
    const int64_t frames = c.frames_up_to(std::min(reader.num_frames(), c.frames));
    if (frames < 1) continue;
    std::vector<int64_t> indices(static_cast<size_t>(frames));
    for (int64_t k = 0; k < frames; ++k) indices[static_cast<size_t>(k)] = k;
    const at::Tensor original = to_tensor(reader.read_frames(indices));  // uint8 [T,H,W,3]
    const at::Tensor latent = encode_file(run.dir, s->path, {.frames = frames, .reader = {.width = static_cast<int>(c.width),
                                                                                          .height = static_cast<int>(c.height),
                                                                                          .threads = 1},
                                                             .checkpoint = o.checkpoint});
    const at::Tensor decoded = decode_latent(run.dir, latent, o.checkpoint);  // uint8 [T,H,W,3]
    const auto as_clip = [](const at::Tensor& x) { return x.permute({3, 0, 1, 2}).to(at::kFloat).div(255).unsqueeze(0); };
    const double db = psnr(as_clip(decoded), as_clip(original)).item<double>();
    const int64_t middle = frames / 2;
    r.pairs.push_back({s->path, db, png_of(original[middle]), png_of(decoded[middle])});
  }
}

RunSection run_section(const std::string& dir, const ReportOptions& o) {
  const RunInfo run = load_run_info(dir);
  RunSection r;
  r.dir = dir;
  r.name = fs::path(dir).lexically_normal().filename().string();
  if (r.name.empty() || r.name == ".") r.name = fs::absolute(dir).lexically_normal().parent_path().filename().string();
  r.task = task_name(run.config.task);
  r.model = run.config.task == Task::Classify ? run.config.model.arch : run.config.task == Task::Autoencode ? "autoencoder" : run.config.model.arch;
  r.config = nlohmann::json::parse(read_text((fs::path(dir) / "config.json").string()), nullptr, false);
  r.epochs = read_metrics(run.metrics_path());
  if (!o.evaluate) return r;
  try {
    if (run.config.task == Task::Classify) add_classifier(r, run, o);
    if (run.config.task == Task::Autoencode) add_autoencoder(r, run, o);
  } catch (const OpenError& e) {
    r.note = fmt::format("not evaluated: {}", e.what());  // e.g. the dataset is no longer there
  }
  return r;
}

std::vector<std::string> svg_files(const std::vector<std::string>& inputs) {
  std::vector<std::string> out;
  for (const std::string& input : inputs) {
    if (fs::is_directory(input)) {
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(input)) {
        if (e.path().extension() == ".svg") found.push_back(e.path().string());
      }
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back(input);
    }
  }
  return out;
}

std::vector<SearchResult> read_searches(const std::string& path) {
  std::istringstream in(read_text(path));
  std::vector<SearchResult> out;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    try {
      const nlohmann::json j = nlohmann::json::parse(line);
      SearchResult r{j.at("query").get<std::string>(), {}, {}};
      if (fs::exists(r.query)) r.thumbnail = thumbnail(r.query);
      for (const auto& h : j.at("hits")) {
        SearchHit hit{h.at("path").get<std::string>(), h.at("score").get<double>(), h.value("query_start", 0.0),
                      h.value("query_end", 0.0), h.value("ref_start", 0.0), h.value("ref_end", 0.0), {}};
        if (fs::exists(hit.path)) hit.thumbnail = thumbnail(hit.path);
        r.hits.push_back(std::move(hit));
      }
      out.push_back(std::move(r));
    } catch (const nlohmann::json::exception& e) {
      throw ConfigError(fmt::format("{}:{}: not a `vidrep search --json` line: {}", path, number, e.what()));
    }
  }
  return out;
}

}  // namespace

std::string render_report(const std::vector<std::string>& runs, const ReportOptions& options) {
  if (runs.empty()) throw InvalidArgument("report: no run folders given");
  PageData page;
  for (const std::string& dir : runs) page.runs.push_back(run_section(dir, options));
  for (const std::string& svg : svg_files(options.timelines)) page.timelines.push_back({svg, read_text(svg)});
  for (const std::string& file : options.searches) {
    for (SearchResult& r : read_searches(file)) page.searches.push_back(std::move(r));
  }
  page.split = options.split;
  return render_page(page);
}

void write_report(const std::vector<std::string>& runs, const std::string& path, const ReportOptions& options) {
  const std::string html = render_report(runs, options);
  io::OutputFile file(path);
  std::ofstream f(file.temp_path(), std::ios::binary);
  f << html;
  f.close();
  if (!f) throw WriteError(fmt::format("{}: cannot write", path));
  file.commit();
}

}  // namespace vidrep::report
