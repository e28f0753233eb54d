#include "vidrep/train/trainer.h"

#include "vidrep/data/batch_sampler.h"
#include "vidrep/data/dataset.h"
#include "vidrep/data/loader.h"
#include "vidrep/error.h"
#include "vidrep/io/output_file.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/sample/clip_sampler.h"
#include "vidrep/random.h"
#include "vidrep/runtime.h"
#include "vidrep/train/checkpoint.h"
#include "vidrep/train/distributed.h"
#include "vidrep/train/gradient_reducer.h"
#include "vidrep/train/inference.h"
#include "vidrep/train/run.h"
#include "vidrep/train/schedule.h"
#include "vidrep/train/task.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

namespace vidrep {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainConfig& c, torch::nn::Module& module) {
  if (c.optimizer == "sgd")
    return std::make_unique<torch::optim::SGD>(
        module.parameters(), torch::optim::SGDOptions(c.lr).momentum(c.momentum).weight_decay(c.weight_decay));
  if (c.optimizer == "adam")
    return std::make_unique<torch::optim::Adam>(module.parameters(),
                                                torch::optim::AdamOptions(c.lr).betas({0.9, c.beta2}).weight_decay(c.weight_decay));
  return std::make_unique<torch::optim::AdamW>(module.parameters(),
                                               torch::optim::AdamWOptions(c.lr).betas({0.9, c.beta2}).weight_decay(c.weight_decay));
}

// A classifier starting from a pretrain or contrastive run: the pretrained encoder's parameters and buffers (the
// "video." ones) replace the classifier's, which must have each of them with the same shape.
void start_from_pretrained(const RunInfo& from, torch::nn::Module& module) {
  const std::unique_ptr<TrainTask> pretrained = make_task(from);
  load_checkpoint(from.checkpoint("best"), pretrained->module(), nullptr, nullptr);
  auto params = module.named_parameters();
  auto buffers = module.named_buffers();
  torch::NoGradGuard no_grad;
  int64_t copied = 0;
  auto copy = [&](const std::string& name, const at::Tensor& value, torch::OrderedDict<std::string, at::Tensor>& into) {
    if (name.rfind("video.", 0) != 0) return;
    at::Tensor* target = into.find(name);
    if (target == nullptr || target->sizes() != value.sizes())
      throw ConfigError(fmt::format("--init {}: the pretrained encoder's {} [{}] is {} here; fine-tune the same encoder "
                                    "(leave --model, --size, --clip-len, --patch and the widths at the pretrain run's)",
                                    from.dir, name, fmt::join(value.sizes(), ","),
                                    target == nullptr ? "missing" : fmt::format("[{}]", fmt::join(target->sizes(), ","))));
    target->copy_(value);
    ++copied;
  };
  for (const auto& p : pretrained->module().named_parameters()) copy(p.key(), p.value(), params);
  for (const auto& b : pretrained->module().named_buffers()) copy(b.key(), b.value(), buffers);
  if (copied == 0) throw ConfigError(fmt::format("--init {}: that run holds no video encoder", from.dir));
}

// Loads run `init`'s best.pt into a freshly built module: ConfigError unless that run has the same
// task and every parameter the same name and shape (a checkpoint would otherwise replace shapes),
// or is a pretrain run giving a classifier its encoder.
void start_from(const std::string& init, Task task, torch::nn::Module& module) {
  const RunInfo from = load_run_info(init);
  const bool encoder_only = from.config.task == Task::Pretrain || from.config.task == Task::Contrastive;
  if (encoder_only && task == Task::Classify) {
    start_from_pretrained(from, module);
    return;
  }
  if (from.config.task != task)
    throw ConfigError(fmt::format("--init {}: that run is task {}, this one {}", init, task_name(from.config.task), task_name(task)));
  std::vector<std::pair<std::string, std::vector<int64_t>>> shapes;
  for (const auto& p : module.named_parameters()) shapes.emplace_back(p.key(), p.value().sizes().vec());
  load_checkpoint(from.checkpoint("best"), module, nullptr, nullptr);
  const auto params = module.named_parameters();
  for (const auto& [name, shape] : shapes) {
    if (params[name].sizes().vec() != shape)
      throw ConfigError(fmt::format("--init {}: parameter {} is [{}] there and [{}] here; the network must be the same",
                                    init, name, fmt::join(params[name].sizes(), ","), fmt::join(shape, ",")));
  }
}

// Keeps the metrics lines of finished epochs only (a crash may have left one for an epoch whose
// checkpoint was never written).
void truncate_metrics(const std::string& path, int64_t epochs_done) {
  std::ifstream in(path);
  if (!in) return;
  std::string kept, line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    const bool ours = j.is_object() && j.contains("epoch") && j["epoch"].is_number_integer();
    if (ours && j["epoch"].get<int64_t>() <= epochs_done) kept += line + "\n";
  }
  io::write_file(path, kept);
}

// Appends without following a symlink: a link planted in a run folder cannot redirect the write.
void append_line(const std::string& path, const std::string& line) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) throw WriteError(fmt::format("{}: cannot append: {}", path, std::strerror(errno)));
  const std::string text = line + "\n";
  const ssize_t n = ::write(fd, text.data(), text.size());
  const bool ok = n == static_cast<ssize_t>(text.size()) && ::close(fd) == 0;
  if (!ok) throw WriteError(fmt::format("{}: write failed (disk full?)", path));
}

// Fewer training videos per class than this draw a warning.
constexpr double kSmallDatasetPerClass = 50;
// The epoch after which a training loss not 3 % below the first epoch's draws a warning.
constexpr int64_t kLossCheckEpochs = 3;

class Session {
 public:
  Session(RunInfo run, const TrainCallbacks& callbacks, bool resuming, DistributedGroup* group = nullptr)
      : run_(std::move(run)), c_(run_.config), callbacks_(callbacks), group_(group) {
    // Both loaders share the files' frame indexes, kept in the run folder for later processes.
    if (!run_.dir.empty()) index_cache_->load(run_.index_cache_path());  // find_lr runs without a folder
    LoaderOptions train_options = task_loader_options(c_, true), val_options = task_loader_options(c_, false);
    train_options.index_cache = val_options.index_cache = index_cache_;
    Dataset train_split = load_dataset(c_.data, "train"), val_split = load_dataset(c_.data, "val");
    if (c_.task == Task::Contrastive && c_.segment_seconds > 0) {
      train_split = segmented(std::move(train_split));
      val_split = segmented(std::move(val_split));
    }
    if (!c_.buckets.empty()) {
      // Native aspect ratios and durations: the network is sized for the largest bucket in use.
      auto train_batches = bucketed_batches(train_split, true);
      train_options.batch_sampler = train_batches;
      val_options.batch_sampler = bucketed_batches(val_split, false);
      fit_model_to(train_batches->shapes());
    }
    if (group_ != nullptr) shard(train_split, val_split, train_options, val_options);
    torch::manual_seed(c_.seed);
    task_ = make_task(run_);
    optimizer_ = make_optimizer(c_, task_->module());
    // A run killed before its first checkpoint resumes from its start, as a fresh run would begin.
    const bool checkpointed = resuming && fs::exists(run_.checkpoint("last"));
    if (checkpointed) load_checkpoint(run_.checkpoint("last"), task_->module(), optimizer_.get(), &state_);
    else if (!c_.init.empty()) start_from(c_.init, c_.task, task_->module());
    train_loader_ = std::make_unique<DataLoader>(std::move(train_split), train_options);
    val_loader_ = std::make_unique<DataLoader>(std::move(val_split), val_options);
    if (train_loader_->dataset().samples.empty())
      throw ConfigError(fmt::format("{}: the train split has no videos", c_.data));
    // Contrastive training drops a last incomplete batch: fewer samples than --batch make none.
    if (train_loader_->batches_per_epoch() == 0)
      throw ConfigError(fmt::format("{}: the train split's {} samples make no batch of {}; lower --batch", c_.data,
                                    train_loader_->dataset().samples.size(), c_.batch));
    if (group_ != nullptr) join_ranks();
  }

  const RunInfo& info() const { return run_; }

  int64_t epochs_done() const { return state_.next_epoch; }

  TrainResult run() {
    const auto start = Clock::now();
    TrainResult result;
    result.run_dir = run_.dir;
    if (state_.next_epoch == 0) warn_if_small();
    const bool finished_before = state_.next_epoch >= c_.epochs || early_stop_due();
    while (!finished_before && state_.next_epoch < c_.epochs) {
      const EpochRecord record = run_epoch();
      if (callbacks_.on_epoch && rank() == 0) callbacks_.on_epoch(record);
      check_loss_falls(record);
      report_skipped();
      if (early_stop_due()) {
        result.early_stopped = true;
        message(fmt::format("early stop: no better validation metric for {} epochs (best: epoch {})", c_.patience,
                            state_.best_epoch));
        break;
      }
      if (state_.next_epoch < c_.epochs && stop_requested()) {
        result.interrupted = true;
        break;
      }
    }
    result.epochs_done = state_.next_epoch;
    result.best_epoch = state_.best_epoch;
    result.best_val_metric = std::max(0.0, state_.best_metric);
    result.skipped = skipped_;
    result.seconds = seconds_since(start);
    return result;
  }

 private:
  // Patience ran out, and the run has had its minimum number of epochs.
  bool early_stop_due() const {
    return c_.patience > 0 && state_.stale_epochs >= c_.patience && state_.next_epoch >= c_.min_epochs;
  }

  EpochRecord run_epoch() {
    const auto start = Clock::now();
    const int64_t epoch = state_.next_epoch;
    const int64_t batches = train_loader_->batches_per_epoch();
    torch::nn::Module& module = task_->module();
    module.train();
    train_loader_->start_epoch(epoch);
    double loss_sum = 0, score_sum = 0, lr = c_.lr;
    int64_t seen = 0, global_seen = 0, batch_index = 0;
    const double wait_before = reducer_ ? reducer_->stats().wait_seconds : 0;
    const int64_t steps_before = state_.step;
    const std::string score_name = task_->score_name();
    while (true) {
      std::optional<Batch> batch = train_loader_->next();
      lr = scheduled_lr(c_, state_.step, batches);
      TaskStep out;
      if (group_ != nullptr) {
        // Every rank has a part (maybe empty) of every global batch, so all run out together;
        // the step's all-reduce also counts the global batch.
        if (!batch) break;
        int64_t global = 0;
        out = distributed_step(*batch, lr, global);
        if (global == 0) continue;  // every file of the batch was unreadable
        global_seen += global;
      } else {
        if (!batch) break;
        out = optimizer_step(*batch, lr);
        global_seen += out.count;
      }
      ++state_.step;
      if (out.count > 0) loss_sum += out.loss.item<double>() * static_cast<double>(out.count);
      score_sum += out.score;
      seen += out.count;
      ++batch_index;
      if (callbacks_.on_batch && rank() == 0) {
        const double elapsed = seconds_since(start);
        const double per_batch = elapsed / static_cast<double>(batch_index);
        // Validation costs about a third of a training batch per batch (no backward pass).
        const double val_batches = static_cast<double>(val_loader_->batches_per_epoch()) / 3;
        const double left = static_cast<double>(batches - batch_index) + val_batches +
                            static_cast<double>(c_.epochs - epoch - 1) * (static_cast<double>(batches) + val_batches);
        callbacks_.on_batch({epoch + 1, c_.epochs, batch_index, batches, loss_sum / static_cast<double>(seen),
                             score_sum / static_cast<double>(std::max<int64_t>(seen, 1)), score_name,
                             static_cast<double>(global_seen) / elapsed,
                             left * per_batch, false});
      }
    }
    const double train_seconds = seconds_since(start);
    batch_steps_ = state_.step - steps_before;
    if (group_ != nullptr) {
      const std::vector<double> all = group_->sum({loss_sum, score_sum, static_cast<double>(seen)}, "the epoch's sums");
      loss_sum = all[0];
      score_sum = all[1];
      seen = static_cast<int64_t>(all[2]);
      average_batch_norm_statistics();
    }
    EpochRecord record;
    record.epoch = epoch + 1;
    record.lr = lr;
    record.train_loss = seen > 0 ? loss_sum / static_cast<double>(seen) : 0.0;
    record.train_score = seen > 0 ? score_sum / static_cast<double>(seen) : 0.0;
    record.score_name = score_name;
    record.clips_per_second = static_cast<double>(global_seen) / train_seconds;
    if (reducer_) {
      record.world = group_->world();
      record.allreduce_wait_seconds = reducer_->stats().wait_seconds - wait_before;
      record.train_seconds = train_seconds;
    }

    double metric = record.train_score;
    const bool has_val = !val_loader_->dataset().samples.empty();
    if (has_val) {
      const TaskValidation val = task_->validate(*val_loader_, group_);
      record.val_loss = val.loss;
      record.val_values = val.values;
      metric = val.metric;
    }
    record.val_metric = metric;
    // A small validation split's accuracy moves in steps and often ties (or stays at 1.0): then the
    // lower validation loss is the better epoch, so later epochs still count and patience waits.
    record.best = metric > state_.best_metric || (metric == state_.best_metric && record.val_loss < state_.best_loss);
    state_.next_epoch = epoch + 1;
    // Patience counts epochs in which neither the metric nor the validation loss improved: a loss
    // still falling means the network is still learning, whatever a small split's accuracy says.
    const bool lower_loss = has_val && record.val_loss < state_.lowest_loss;
    if (lower_loss) state_.lowest_loss = record.val_loss;
    if (record.best) {
      state_.best_metric = metric;
      state_.best_loss = record.val_loss;
      state_.best_epoch = epoch + 1;
    }
    state_.stale_epochs = record.best || lower_loss ? 0 : state_.stale_epochs + 1;
    record.seconds = seconds_since(start);
    nlohmann::json line = {{"epoch", record.epoch},
                           {"lr", record.lr},
                           {"train_loss", record.train_loss},
                           {"train_" + score_name, record.train_score},
                           {"val_loss", record.val_loss}};
    for (const auto& [key, value] : record.val_values) line[key] = value;
    line["clips_per_second"] = record.clips_per_second;
    line["seconds"] = record.seconds;
    line["best"] = record.best;
    if (reducer_) {
      line["world_size"] = record.world;
      line["allreduce_wait_seconds"] = record.allreduce_wait_seconds;
      line["train_seconds"] = record.train_seconds;
      line["gradient_bytes"] = reducer_->stats().bytes_per_step;
      line["steps"] = batch_steps_;
    }
    // One writer: rank 0 (the others hold the same weights and state).
    if (rank() == 0) {
      append_line(run_.metrics_path(), line.dump());
      if (record.best) save_checkpoint(run_.checkpoint("best"), module, optimizer_.get(), state_);
      save_checkpoint(run_.checkpoint("last"), module, optimizer_.get(), state_);
      if (index_cache_->changed()) index_cache_->save(run_.index_cache_path());
    }
    return record;
  }

  void report_skipped() {
    for (const auto* loader : {train_loader_.get(), val_loader_.get()})
      for (const auto& s : loader->skipped())
        if (reported_.insert(s).second) {
          skipped_.push_back(s);
          rank_message("skipped unreadable file " + s);
        }
  }

  // A classifier trained from scratch on a few dozen clips per class overfits easily (issue-13 sets:
  // 27 training videos per class). Said once, at the start of a fresh run.
  void warn_if_small() {
    const Dataset& train = train_loader_->dataset();
    if (c_.task != Task::Classify || train.classes.empty()) return;
    const double per_class = static_cast<double>(train.samples.size()) / static_cast<double>(train.classes.size());
    if (per_class >= kSmallDatasetPerClass) return;
    message(fmt::format("warning: {} training videos for {} classes ({:.0f} per class) is a small dataset for {}: "
                        "expect overfitting; keep the default augmentation{}",
                        train.samples.size(), train.classes.size(), per_class, c_.model.arch,
                        c_.init.empty() ? ", and start from a related run's weights with --init RUN if you have one" : ""));
  }

  // The range test (trainer.h): one step per batch, epochs repeated as needed.
 public:
  LrRange find_lr(int64_t steps, double lo, double hi) {
    LrRange out;
    task_->module().train();
    double average = 0, lowest = std::numeric_limits<double>::infinity();
    int64_t step = 0;
    for (int64_t epoch = 0; step < steps; ++epoch) {
      train_loader_->start_epoch(epoch);
      bool any = false;
      while (step < steps) {
        const auto batch = train_loader_->next();
        if (!batch) break;
        any = true;
        const double lr = lo * std::pow(hi / lo, static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, steps - 1)));
        const TaskStep result = optimizer_step(*batch, lr);
        ++step;
        // fast.ai's smoothing: an exponential average with its start-up bias removed.
        average = 0.9 * average + 0.1 * result.loss.item<double>();
        const double smoothed = average / (1 - std::pow(0.9, static_cast<double>(step)));
        out.lrs.push_back(lr);
        out.losses.push_back(smoothed);
        if (callbacks_.on_batch)
          callbacks_.on_batch({1, 1, step, steps, smoothed, 0, task_->score_name(), 0, 0, false});
        if (!std::isfinite(smoothed) || smoothed > 4 * lowest) {
          out.diverged = true;
          step = steps;
          break;
        }
        lowest = std::min(lowest, smoothed);
      }
      if (!any) throw ConfigError(fmt::format("{}: no training batches", c_.data));
    }
    const auto best = std::min_element(out.losses.begin(), out.losses.end());
    out.suggested = out.lrs[static_cast<size_t>(best - out.losses.begin())] / 10;
    return out;
  }

 private:
  // One step of training on a batch at rate `lr`: forward, backward, clipping, update.
  TaskStep optimizer_step(const Batch& batch, double lr) {
    for (auto& group : optimizer_->param_groups()) group.options().set_lr(lr);
    optimizer_->zero_grad();
    TaskStep out = task_->step(batch);
    out.loss.backward();
    if (c_.grad_clip > 0) torch::nn::utils::clip_grad_norm_(task_->module().parameters(), c_.grad_clip);
    optimizer_->step();
    return out;
  }

  // The same step as one of a distributed run: this rank's part of the global batch (maybe
  // empty), the gradients averaged over the global batch, whose size goes to `global`.
  TaskStep distributed_step(const Batch& batch, double lr, int64_t& global) {
    for (auto& group : optimizer_->param_groups()) group.options().set_lr(lr);
    optimizer_->zero_grad();
    reducer_->prepare(static_cast<double>(batch.indices.size()));
    TaskStep out;
    if (!batch.indices.empty()) {
      out = task_->step(batch);
      out.loss.backward();
    }
    global = std::llround(reducer_->finish());
    if (global == 0) return out;
    if (c_.grad_clip > 0) torch::nn::utils::clip_grad_norm_(task_->module().parameters(), c_.grad_clip);
    optimizer_->step();
    return out;
  }

  int rank() const { return group_ != nullptr ? group_->rank() : 0; }

  // The user's Ctrl-C (or a caller's stop) on any rank stops every rank after the same epoch.
  bool stop_requested() {
    const bool mine = callbacks_.stop_requested && callbacks_.stop_requested();
    if (group_ == nullptr) return mine;
    return group_->sum({mine ? 1.0 : 0.0}, "the stop check")[0] > 0;
  }

  // Each rank's loaders take their part of every batch: the global batch (--batch) is split
  // over the ranks, in step (empty parts included), and validation is sharded the same way.
  void shard(const Dataset& train_split, const Dataset& val_split, LoaderOptions& train_options,
             LoaderOptions& val_options) const {
    auto whole = [](const Dataset& split, const LoaderOptions& o) -> std::shared_ptr<const BatchSampler> {
      if (o.batch_sampler) return o.batch_sampler;
      return std::make_shared<ShuffledBatches>(static_cast<int64_t>(split.samples.size()), o.batch_size, o.drop_last,
                                               o.shuffle, o.seed);
    };
    train_options.batch_sampler = std::make_shared<DistributedBatches>(whole(train_split, train_options), group_->rank(), group_->world());
    val_options.batch_sampler = std::make_shared<DistributedBatches>(whole(val_split, val_options), group_->rank(), group_->world());
    train_options.empty_batches = true;
  }

  // Every rank checks that the others run the same configuration on the same data, then takes
  // rank 0's weights and buffers (a resumed or --init run loads them everywhere; this also makes
  // sure), and draws its own dropout and mask randomness from here on.
  void join_ranks() {
    nlohmann::json config = c_;
    config.erase("threads");
    config.erase("workers");
    std::string text = config.dump(1) + "\n";
    for (const DataLoader* loader : {train_loader_.get(), val_loader_.get()}) {
      const Dataset& d = loader->dataset();
      text += fmt::format("{} split: {} samples, classes [{}]\n", d.split, d.samples.size(), fmt::join(d.classes, ","));
    }
    text += fmt::format("resumed at epoch {}\n", state_.next_epoch);
    group_->require_same("configuration", text);
    torch::NoGradGuard no_grad;
    for (auto& p : task_->module().parameters()) group_->broadcast(p, 0, "the start weights");
    for (auto& b : task_->module().buffers()) group_->broadcast(b, 0, "the start buffers");
    if (group_->rank() > 0) torch::manual_seed(derive_seed(c_.seed, 1000 + static_cast<uint64_t>(group_->rank())));
    // VIDREP_GRADIENT_OVERLAP=0 starts the all-reduce only after backward: for measuring what
    // the overlap gains (bench/distributed.py).
    const char* overlap = std::getenv("VIDREP_GRADIENT_OVERLAP");
    reducer_ = std::make_unique<GradientReducer>(*group_, task_->module().parameters(), 25 << 20, 1 << 20,
                                                 overlap == nullptr || std::string(overlap) != "0");
  }

  // BatchNorm normalises with each rank's own batch (as DistributedDataParallel does without
  // SyncBatchNorm); its running statistics are averaged over the ranks after every epoch, so
  // validation and the checkpoint use the same buffers on every rank.
  void average_batch_norm_statistics() {
    torch::NoGradGuard no_grad;
    for (const auto& b : task_->module().named_buffers()) {
      const std::string& name = b.key();
      if (!name.ends_with("running_mean") && !name.ends_with("running_var")) continue;
      at::Tensor t = b.value();
      group_->all_reduce_sum(t, "the BatchNorm statistics");
      t.div_(group_->world());
    }
  }

  // A loss that has not fallen after the first epochs means the rate is far off (or the labels
  // carry nothing the network can see): say so while the user can still stop the run. Not for
  // pretraining, whose masked loss falls slowly at a good rate too (a c3d run with --mask-ratio
  // 0.5: 0.833 -> 0.808 in 3 epochs, then on to 0.615 by epoch 50), nor for contrastive training,
  // whose epoch loss over a few batches of freshly augmented pairs is noisy (3.23, 2.57, 3.16 in
  // the first epochs of a run that went on to 1.8).
  // The autoencoder's psnr loss is log10 of the MSE: compared as the MSE it stands for.
  void check_loss_falls(const EpochRecord& record) {
    if (c_.task == Task::Pretrain || c_.task == Task::Contrastive) return;
    const bool log_loss = c_.task == Task::Autoencode && c_.autoencoder.loss == "psnr";
    const double loss = log_loss ? std::pow(10.0, record.train_loss) : record.train_loss;
    if (record.epoch == 1) first_loss_ = loss;
    if (record.epoch != kLossCheckEpochs || first_loss_ <= 0 || loss < 0.97 * first_loss_) return;
    std::string chance;
    if (c_.task == Task::Classify && !c_.model.multi_label)
      chance = fmt::format("; {:.3f} is chance for {} classes", std::log(static_cast<double>(c_.model.num_classes)),
                           c_.model.num_classes);
    message(fmt::format("warning: the training loss has not fallen in {} epochs ({:.4g} -> {:.4g}{}{}): the learning "
                        "rate (--lr {}) may be far off; `vidrep train --find-lr` tries a range of rates",
                        kLossCheckEpochs, first_loss_, loss, log_loss ? " MSE" : "", chance, c_.lr));
  }

  // Said once, by rank 0 (every rank would say the same).
  void message(const std::string& text) {
    if (callbacks_.on_message && rank() == 0) callbacks_.on_message(text);
  }

  // What only this rank saw (its own files), named by rank in a distributed run.
  void rank_message(const std::string& text) {
    if (callbacks_.on_message) callbacks_.on_message(group_ != nullptr ? fmt::format("rank {}: {}", rank(), text) : text);
  }

  // Each sample's native size and length in frames at the run's stride, read once (the index
  // cache keeps the scans), grouped by the run's bucket table. Training drops a bucket's last
  // incomplete batch as the table says; validation keeps every sample.
  std::shared_ptr<BucketedBatches> bucketed_batches(const Dataset& split, bool training) {
    std::vector<BucketSample> sizes;
    sizes.reserve(split.samples.size());
    for (const Sample& sample : split.samples) {
      try {
        const VideoReader reader(sample.path, {.threads = 1, .index_cache = index_cache_.get()});
        const FrameSpan span = frames_in_time(reader, sample.start, sample.end);
        sizes.push_back({reader.native_height(), reader.native_width(), (span.count - 1) / c_.frame_stride + 1});
      } catch (const Error&) {
        sizes.push_back({1, 1, 1});  // fits no bucket: left out (the loader would skip it anyway)
      }
    }
    const BucketConfig table = BucketConfig::from_json(c_.buckets);
    auto batches = std::make_shared<BucketedBatches>(std::move(sizes), table, c_.seed,
                                                     training ? table.drop_last : false);
    if (!batches->unassigned().empty()) {
      message(fmt::format("{} split: {} of {} videos are smaller or shorter than every bucket and are left out",
                          split.split, batches->unassigned().size(), split.samples.size()));
    }
    if (training && batches->shapes().empty())
      throw ConfigError(fmt::format("{}: no training video fits any bucket of the table", c_.data));
    return batches;
  }

  // Each sample cut into segment_seconds pieces (the last takes a remainder shorter than half a
  // piece). A file that cannot be opened stays one sample, for the loader to report and skip.
  Dataset segmented(Dataset split) {
    std::vector<Sample> pieces;
    for (const Sample& sample : split.samples) {
      double start = sample.start, end = sample.end;
      try {
        const VideoReader reader(sample.path, {.threads = 1, .index_cache = index_cache_.get()});
        if (end < 0 || end > reader.duration()) end = reader.duration();
      } catch (const Error&) {
        pieces.push_back(sample);
        continue;
      }
      const double step = c_.segment_seconds;
      const auto count = std::max<int64_t>(1, static_cast<int64_t>(std::floor((end - start) / step + 0.5)));
      for (int64_t k = 0; k < count; ++k) {
        Sample piece = sample;
        piece.start = start + static_cast<double>(k) * step;
        piece.end = k + 1 == count ? end : start + static_cast<double>(k + 1) * step;
        pieces.push_back(std::move(piece));
      }
    }
    split.samples = std::move(pieces);
    return split;
  }

  // model.frames / height / width: the largest of the shapes (the vit's position tables cover
  // every smaller grid; the CNNs take any size).
  void fit_model_to(const std::vector<BucketShape>& shapes) {
    ModelConfig& m = run_.config.model;
    m.frames = m.height = m.width = 0;
    for (const BucketShape& s : shapes) {
      m.frames = std::max(m.frames, s.frames);
      m.height = std::max(m.height, s.height);
      m.width = std::max(m.width, s.width);
    }
    validate(m);
  }

  RunInfo run_;
  const TrainConfig& c_;
  const TrainCallbacks& callbacks_;
  std::unique_ptr<TrainTask> task_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::shared_ptr<io::FrameIndexCache> index_cache_ = std::make_shared<io::FrameIndexCache>();
  std::unique_ptr<DataLoader> train_loader_, val_loader_;
  DistributedGroup* group_ = nullptr;  // null: one process
  std::unique_ptr<GradientReducer> reducer_;
  int64_t batch_steps_ = 0;  // optimizer steps of the last epoch
  TrainState state_;
  std::set<std::string> reported_;
  std::vector<std::string> skipped_;
  double first_loss_ = -1;  // epoch 1's training loss, when this session ran epoch 1
};

}  // namespace

namespace {

// The run a config describes: for classify, the classes and the model's class count, label kind
// and mel shape from the data. Sets the thread count.
RunInfo prepare_run(TrainConfig config, const std::string& run_dir) {
  if (config.data.empty()) throw ConfigError("train: no dataset (--data DIR)");
  const Dataset train_split = load_dataset(config.data, "train");
  const bool classify = config.task == Task::Classify;
  if (classify && !train_split.labelled)
    throw ConfigError(fmt::format("{}: video files without labels; a classifier needs train.txt, train/<class>/ or "
                                  "train.csv (vidrep pretrain and vidrep ae train take unlabelled videos)", config.data));
  if (config.task == Task::Contrastive) config.model.num_classes = 1;  // the head is not trained
  if (classify) {
    config.model.num_classes = static_cast<int64_t>(train_split.classes.size());
    config.model.multi_label = train_split.multi_label;
    config.model.mel_frames = mel_frames(run_loader_options(config, true).mel);
  }
  validate(config);
  set_num_threads(config.threads);
  return {run_dir, config, classify ? train_split.classes : std::vector<std::string>{}};
}

}  // namespace

TrainResult train(TrainConfig config, const std::string& run_dir, const TrainCallbacks& callbacks,
                  const DistributedOptions& distributed) {
  std::unique_ptr<DistributedGroup> group;
  if (distributed.active()) group = std::make_unique<DistributedGroup>(distributed);
  if (fs::exists(fs::path(run_dir) / "config.json"))
    throw ConfigError(fmt::format("{}: already holds a run (continue it with --resume {}, or pick another --out)",
                                  run_dir, run_dir));
  if (group) group->barrier("the start");  // every rank looked before rank 0 writes
  const int threads = config.threads;
  RunInfo run = prepare_run(std::move(config), run_dir);
  if (group) set_num_threads(worker_threads(threads, distributed));
  Session session(std::move(run), callbacks, false, group.get());
  if (!group || group->rank() == 0) save_run_info(session.info());
  return session.run();
}

LrRange find_lr(TrainConfig config, int64_t steps, double lo, double hi, const TrainCallbacks& callbacks) {
  if (steps < 2) throw InvalidArgument(fmt::format("find-lr: expected at least 2 steps, got {}", steps));
  if (!(lo > 0 && hi > lo)) throw InvalidArgument(fmt::format("find-lr: expected 0 < lo < hi, got {} and {}", lo, hi));
  Session session(prepare_run(std::move(config), ""), callbacks, false);
  return session.find_lr(steps, lo, hi);
}

TrainResult resume(const std::string& run_dir, const TrainCallbacks& callbacks, int threads,
                   const DistributedOptions& distributed) {
  std::unique_ptr<DistributedGroup> group;
  if (distributed.active()) group = std::make_unique<DistributedGroup>(distributed);
  RunInfo run = load_run_info(run_dir);
  if (threads > 0) run.config.threads = threads;
  set_num_threads(group ? worker_threads(threads, distributed) : run.config.threads);
  Session session(run, callbacks, true, group.get());
  if (!group || group->rank() == 0) truncate_metrics(run.metrics_path(), session.epochs_done());
  return session.run();
}

}  // namespace vidrep
