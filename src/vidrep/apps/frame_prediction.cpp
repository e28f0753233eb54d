#include "vidrep/apps/frame_prediction.h"

#include "vidrep/error.h"
#include "vidrep/io/output_file.h"
#include "vidrep/models/frame_predictor.h"
#include "vidrep/random.h"
#include "vidrep/runtime.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace vidrep {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kRun = 32;  // consecutive learning frames kept together

// The analysis frame (packed RGB, h x w) -> [3, height, width'] float in [-1, 1], averaged down.
at::Tensor shrink(const uint8_t* rgb, int w, int h, int height) {
  const int64_t ow = std::max<int64_t>(4, std::llround(static_cast<double>(height) * w / h / 4.0) * 4);
  const at::Tensor t = at::from_blob(const_cast<uint8_t*>(rgb), {h, w, 3}, at::kByte).permute({2, 0, 1}).to(at::kFloat);
  return at::adaptive_avg_pool2d(t.unsqueeze(0), {height, ow}).squeeze(0).div_(127.5).sub_(1);
}

void check(const PredictorOptions& o) {
  if (o.height < 8 || o.height % 4 != 0 || o.height > 480) {
    throw InvalidArgument(fmt::format("predictor height {}: expected a multiple of 4 in [8, 480]", o.height));
  }
  if (o.context < 1 || o.context > 16) throw InvalidArgument(fmt::format("predictor context {}: expected 1..16", o.context));
  if (o.channels < 1 || o.channels > 256) throw InvalidArgument(fmt::format("predictor channels {}: expected 1..256", o.channels));
  if (o.steps < 1) throw InvalidArgument(fmt::format("--predict-steps {}: expected >= 1", o.steps));
  if (o.batch < 1) throw InvalidArgument(fmt::format("predictor batch {}: expected >= 1", o.batch));
  if (!(o.lr > 0)) throw InvalidArgument(fmt::format("predictor learning rate {}: expected > 0", o.lr));
  if (o.patch < 1) throw InvalidArgument(fmt::format("predictor patch {}: expected >= 1", o.patch));
  if (o.max_frames < kRun) throw InvalidArgument(fmt::format("predictor max frames {}: expected >= {}", o.max_frames, kRun));
}

class PredictorScorer : public track::FrameScorer {
 public:
  PredictorScorer(models::FramePredictor net, const PredictorOptions& o) : net_(std::move(net)), o_(o) {}

  double update(const uint8_t* rgb, int width, int height) override {
    at::Tensor frame = shrink(rgb, width, height, o_.height);
    double score = 0;
    if (static_cast<int>(last_.size()) == o_.context) {
      if (frame.sizes() != last_.back().sizes()) {
        last_.clear();  // a stream that changed size starts over
      } else {
        const at::NoGradGuard no_grad;
        const at::Tensor predicted = net_->forward(at::cat(std::vector<at::Tensor>(last_.begin(), last_.end()), 0).unsqueeze(0));
        const at::Tensor error = (predicted.squeeze(0) - frame).pow(2).mean(0, true).unsqueeze(0);  // [1, 1, H, W]
        const int64_t p = std::min<int64_t>({o_.patch, error.size(2), error.size(3)});
        score = std::sqrt(at::avg_pool2d(error, p, std::max<int64_t>(1, p / 2)).max().item<double>());
        last_.pop_front();
      }
    }
    last_.push_back(std::move(frame));
    return score;
  }

 private:
  models::FramePredictor net_;
  PredictorOptions o_;
  std::deque<at::Tensor> last_;
};

}  // namespace

struct PredictorModel::Impl {
  models::FramePredictor net{nullptr};
  std::vector<at::Tensor> runs;     // kept runs: uint8 [n, 3, H, W], n > context
  std::vector<at::Tensor> current;  // the run being gathered, uint8 [3, H, W] each
  int64_t runs_seen = 0;
  Rng rng{0};

  // Ends the run being gathered: kept (a reservoir sample of runs, so that any amount of footage
  // fits in max_frames) when it holds a window.
  void close(const PredictorOptions& o) {
    if (static_cast<int>(current.size()) > o.context) {
      const int64_t limit = o.max_frames / kRun;
      at::Tensor run = at::stack(current);
      ++runs_seen;
      if (static_cast<int64_t>(runs.size()) < limit) {
        runs.push_back(std::move(run));
      } else if (const int64_t r = rng.integer(0, runs_seen - 1); r < limit) {
        runs[static_cast<size_t>(r)] = std::move(run);
      }
    }
    current.clear();
  }
};

PredictorModel::PredictorModel(PredictorOptions options) : o_(std::move(options)), impl_(std::make_unique<Impl>()) {
  check(o_);
  impl_->rng = Rng(derive_seed(o_.seed, 1));
}

PredictorModel::~PredictorModel() = default;

int64_t PredictorModel::kept_frames() const {
  int64_t n = 0;
  for (const at::Tensor& r : impl_->runs) n += r.size(0);
  return n;
}

void PredictorModel::learn(const uint8_t* rgb, int width, int height, bool first) {
  Impl& m = *impl_;
  at::Tensor frame = shrink(rgb, width, height, o_.height).add_(1).mul_(127.5).round_().to(at::kByte);
  if (first || (!m.current.empty() && m.current.back().sizes() != frame.sizes())) m.close(o_);
  m.current.push_back(std::move(frame));
  if (static_cast<int64_t>(m.current.size()) == kRun) m.close(o_);
}

void PredictorModel::fit() {
  Impl& m = *impl_;
  m.close(o_);
  if (m.runs.empty()) {
    throw InvalidArgument(fmt::format("frame predictor: the learning videos have no {} consecutive frames", o_.context + 1));
  }
  set_num_threads(o_.threads);
  torch::manual_seed(o_.seed);
  m.net = models::FramePredictor(o_.context, o_.channels);
  m.net->train();
  torch::optim::Adam opt(m.net->parameters(), torch::optim::AdamOptions(o_.lr));
  // A batch's windows come from runs of one frame size (videos of other sizes form other groups).
  std::map<std::vector<int64_t>, std::vector<size_t>> groups;
  for (size_t i = 0; i < m.runs.size(); ++i) groups[m.runs[i].sizes().slice(1).vec()].push_back(i);
  std::deque<double> recent;
  for (int step = 0; step < o_.steps; ++step) {
    const at::Tensor& pick = m.runs[static_cast<size_t>(m.rng.integer(0, static_cast<int64_t>(m.runs.size()) - 1))];
    const std::vector<size_t>& group = groups[pick.sizes().slice(1).vec()];
    std::vector<at::Tensor> inputs, targets;
    for (int b = 0; b < o_.batch; ++b) {
      const at::Tensor& run = m.runs[group[static_cast<size_t>(m.rng.integer(0, static_cast<int64_t>(group.size()) - 1))]];
      const int64_t start = m.rng.integer(0, run.size(0) - o_.context - 1);
      inputs.push_back(run.narrow(0, start, o_.context).flatten(0, 1));
      targets.push_back(run[start + o_.context]);
    }
    const auto to_float = [](const at::Tensor& t) { return t.to(at::kFloat).div_(127.5).sub_(1); };
    const at::Tensor loss = at::l1_loss(m.net->forward(to_float(at::stack(inputs))), to_float(at::stack(targets)));
    opt.zero_grad();
    loss.backward();
    opt.step();
    recent.push_back(loss.item<double>());
    if (recent.size() > 50) recent.pop_front();
    if (o_.progress && ((step + 1) % 10 == 0 || step + 1 == o_.steps)) o_.progress(step + 1, o_.steps, recent.back());
  }
  loss_ = 0;
  for (double l : recent) loss_ += l / static_cast<double>(recent.size());
  m.net->eval();
  m.runs.clear();
  m.runs.shrink_to_fit();
}

std::unique_ptr<track::FrameScorer> PredictorModel::scorer() const {
  if (impl_->net.is_empty()) throw InvalidArgument("frame predictor: not trained or loaded");
  return std::make_unique<PredictorScorer>(impl_->net, o_);
}

void PredictorModel::save(const std::string& run_dir) const {
  if (impl_->net.is_empty()) throw InvalidArgument("frame predictor: nothing to save before fit()");
  {
    io::OutputFile file((fs::path(run_dir) / "predictor.pt").string());
    try {
      torch::save(impl_->net, file.temp_path());
    } catch (const c10::Error& e) {
      throw WriteError(fmt::format("{}: cannot write: {}", file.path(), e.what_without_backtrace()));
    }
    file.commit();
  }
  const nlohmann::json j{{"kind", "frame_predictor"}, {"version", 1},         {"height", o_.height},
                         {"context", o_.context},      {"channels", o_.channels}, {"patch", o_.patch},
                         {"steps", o_.steps},          {"batch", o_.batch},       {"lr", o_.lr},
                         {"max_frames", o_.max_frames}, {"seed", o_.seed},        {"final_loss", loss_}};
  io::OutputFile file((fs::path(run_dir) / "predictor.json").string());
  std::ofstream f(file.temp_path(), std::ios::binary);
  f << j.dump(2) << "\n";
  f.close();
  if (!f) throw WriteError(fmt::format("{}: cannot write", file.path()));
  file.commit();
}

std::shared_ptr<PredictorModel> PredictorModel::load(const std::string& run_dir) {
  const std::string path = (fs::path(run_dir) / "predictor.json").string();
  std::ifstream in(path);
  if (!in) throw ConfigError(fmt::format("{}: cannot open (the run's model.json names a frame predictor)", path));
  PredictorOptions o;
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    o.height = j.at("height").get<int>();
    o.context = j.at("context").get<int>();
    o.channels = j.at("channels").get<int>();
    o.patch = j.at("patch").get<int>();
    o.steps = j.value("steps", o.steps);
    o.batch = j.value("batch", o.batch);
    o.lr = j.value("lr", o.lr);
    o.max_frames = j.value("max_frames", o.max_frames);
    o.seed = j.value("seed", o.seed);
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(fmt::format("{}: {}", path, e.what()));
  }
  try {
    check(o);
  } catch (const InvalidArgument& e) {
    throw ConfigError(fmt::format("{}: {}", path, e.what()));
  }
  auto model = std::make_shared<PredictorModel>(o);
  model->impl_->net = models::FramePredictor(o.context, o.channels);
  const std::string weights = (fs::path(run_dir) / "predictor.pt").string();
  try {
    torch::load(model->impl_->net, weights);
  } catch (const c10::Error& e) {
    throw ConfigError(fmt::format("{}: cannot load the predictor's weights: {}", weights, e.what_without_backtrace()));
  }
  model->impl_->net->eval();
  set_num_threads(o.threads);
  return model;
}

std::shared_ptr<track::FrameModel> load_predictor(const std::string& run_dir) { return PredictorModel::load(run_dir); }

std::shared_ptr<track::FrameModel> make_predictor(int steps, int height, int threads,
                                                  std::function<void(int64_t, int64_t, double)> progress) {
  PredictorOptions o;
  o.steps = steps;
  o.height = height;
  o.threads = threads;
  o.progress = std::move(progress);
  return std::make_shared<PredictorModel>(std::move(o));
}

}  // namespace vidrep
