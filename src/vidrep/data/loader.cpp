#include "vidrep/data/loader.h"

#include "vidrep/data/sample_loader.h"
#include "vidrep/error.h"
#include "vidrep/random.h"
#include "vidrep/thread_pool.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>

namespace vidrep {

namespace {

// Keeps the per-sample seeds apart from the epoch's shuffle seed, derive_seed(seed, epoch).
constexpr uint64_t kSampleSalt = 0x5a3b'1e00'd47aull;

// What one batch position of an epoch became: a batch, nothing (every sample was skipped, or the
// epoch was abandoned), or the error that broke it.
struct Made {
  std::optional<Batch> batch;
  std::exception_ptr error;
};

struct Part {
  int64_t index;
  detail::DecodedSample sample;
  std::vector<at::Tensor> views;  // views 1.. of the frames (view 0 is sample.frames)
};

// LibTorch's OpenMP loops in a worker would start a thread team per worker on top of the
// workers themselves: run this thread's ops serially. LibTorch sets each thread's OpenMP thread
// count on its first parallel call, so that happens first and is then overridden (OpenMP keeps
// the count per thread: other threads are untouched).
void make_this_thread_serial() {
  at::internal::lazy_init_num_threads();
  (void)at::get_num_threads();
  omp_set_num_threads(1);
}

}  // namespace

struct DataLoader::Impl {
  Dataset dataset;
  detail::SampleContext ctx;
  std::shared_ptr<const BatchSampler> sampler;

  // --- files left out; shared by the workers ---
  mutable std::mutex skip_mu;
  std::set<int64_t> bad_samples;  // never opened again
  std::set<std::string> reasons_seen;
  std::vector<std::string> reasons;

  // --- the current epoch, guarded by mu ---
  std::mutex mu;
  std::condition_variable work_cv;   // to workers: a batch may be claimed, or stop
  std::condition_variable ready_cv;  // to the consumer: a batch is finished
  bool started = false;
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> generation{0};  // changed (under mu) by start_epoch; older work is dropped
  int64_t epoch = 0;
  std::shared_ptr<const std::vector<PlannedBatch>> plan;  // this epoch's batches, in order
  int64_t num_batches = 0;
  int64_t next_claim = 0;  // next batch a worker makes
  int64_t next_out = 0;    // next batch next() returns
  std::map<int64_t, Made> ready;
  std::optional<ThreadPool> pool;  // ctx.options.workers threads, each running work() until stop()

  Impl(Dataset d, const LoaderOptions& o) : dataset(std::move(d)), ctx(o), sampler(o.batch_sampler) {
    if (dataset.labelled) check_labels();
    if (!sampler) {
      sampler = std::make_shared<ShuffledBatches>(static_cast<int64_t>(dataset.samples.size()), o.batch_size,
                                                  o.drop_last, o.shuffle, o.seed);
    }
    pool.emplace(o.workers);  // a thread that cannot start fails the constructor, leaving none running
    for (int i = 0; i < o.workers; ++i) pool->run([this] { work(); });
  }

  ~Impl() { stop(); }

  void stop() {
    {
      std::lock_guard lock(mu);
      stopping = true;
    }
    work_cv.notify_all();
    if (pool) pool->join();
  }


  // --- decoded clips kept for later epochs; shared by the workers ---
  std::mutex cache_mu;
  std::map<int64_t, detail::DecodedSample> cache;
  int64_t cache_used = 0;

  bool cached(int64_t index, detail::DecodedSample& out) {
    std::lock_guard<std::mutex> lock(cache_mu);
    const auto it = cache.find(index);
    if (it == cache.end()) return false;
    out = it->second;  // shares the tensors: prepare() replaces them, never writes into them
    return true;
  }

  void keep(int64_t index, const detail::DecodedSample& d) {
    if (!d.seed_independent) return;
    const int64_t bytes = (d.frames.defined() ? d.frames.nbytes() : 0) + (d.audio.defined() ? d.audio.nbytes() : 0);
    std::lock_guard<std::mutex> lock(cache_mu);
    if (cache_used + bytes > ctx.options.cache_bytes || cache.count(index)) return;
    cache.emplace(index, d);
    cache_used += bytes;
  }

  bool is_bad(int64_t index) const {
    std::lock_guard lock(skip_mu);
    return bad_samples.count(index) > 0;
  }

  void mark_bad(int64_t index, const std::string& path, const std::string& what) {
    // Reader messages already start with the path.
    std::string reason = what.rfind(path + ":", 0) == 0 ? what : fmt::format("{}: {}", path, what);
    std::lock_guard lock(skip_mu);
    bad_samples.insert(index);
    if (reasons_seen.insert(reason).second) reasons.push_back(std::move(reason));
  }

  // Batch `b` of `epoch`; gives up (an empty Made) when start_epoch or the destructor moves on.
  Made make_batch(const std::vector<PlannedBatch>& plan_, int64_t b, int64_t epoch_, uint64_t gen) {
    Made made;
    try {
      const LoaderOptions& o = ctx.options;
      const PlannedBatch& planned = plan_[static_cast<size_t>(b)];
      std::vector<Part> parts;
      parts.reserve(planned.samples.size());
      for (const int64_t index : planned.samples) {
        if (stopping || generation != gen) return {};
        if (is_bad(index)) continue;
        const Sample& sample = dataset.samples[static_cast<size_t>(index)];
        const uint64_t seed = sample_seed(o.seed, epoch_, index);
        detail::DecodedSample decoded;
        if (!cached(index, decoded)) {
          try {
            decoded = detail::decode_sample(sample, ctx, seed, 0, 1, planned.shape);
          } catch (const Error& e) {
            mark_bad(index, sample.path, e.what());
            continue;
          }
          keep(index, decoded);
        }
        std::vector<at::Tensor> views;
        for (int v = 1; v < o.views && decoded.frames.defined(); ++v)
          views.push_back(detail::transform_view(decoded.frames, ctx, seed, v));
        detail::prepare(decoded, ctx, seed);
        parts.push_back({index, std::move(decoded), std::move(views)});
      }
      if (!parts.empty()) made.batch = assemble(parts);
      else if (o.empty_batches) made.batch = Batch{};
    } catch (...) {
      made.error = std::current_exception();
    }
    return made;
  }

  // The parts' tensors stacked; the video written straight into its batch slots.
  Batch assemble(const std::vector<Part>& parts) const {
    Batch batch;
    const auto n = static_cast<int64_t>(parts.size());
    for (const Part& p : parts) {
      batch.indices.push_back(p.index);
      batch.clip_starts.push_back(p.sample.clip_start);
    }
    if (ctx.options.video) {
      const at::Tensor& first = parts.front().sample.frames;
      const int64_t views = ctx.options.views;
      batch.video = at::empty({views * n, 3, first.size(0), first.size(1), first.size(2)}, at::kFloat);
      for (int64_t i = 0; i < n; ++i) {
        const Part& p = parts[static_cast<size_t>(i)];
        detail::write_video(p.sample.frames, batch.video[i]);
        for (int64_t v = 1; v < views; ++v) detail::write_video(p.views[static_cast<size_t>(v - 1)], batch.video[v * n + i]);
      }
    }
    if (ctx.options.audio) {
      std::vector<at::Tensor> audio;
      audio.reserve(parts.size());
      for (const Part& p : parts) audio.push_back(p.sample.audio);
      batch.audio = at::stack(audio);
    }
    if (!dataset.labelled) return batch;  // no labels to give
    auto labels_of = [&](int64_t i) -> const std::vector<int64_t>& {
      return dataset.samples[static_cast<size_t>(batch.indices[static_cast<size_t>(i)])].labels;
    };
    if (dataset.multi_label) {
      const auto classes = static_cast<int64_t>(dataset.classes.size());
      batch.labels = at::zeros({n, classes}, at::kFloat);
      float* hot = batch.labels.data_ptr<float>();
      for (int64_t i = 0; i < n; ++i) {
        for (int64_t label : labels_of(i)) hot[i * classes + label] = 1.0f;
      }
    } else {
      batch.labels = at::empty({n}, at::kLong);
      int64_t* out = batch.labels.data_ptr<int64_t>();
      for (int64_t i = 0; i < n; ++i) out[i] = labels_of(i)[0];
    }
    return batch;
  }

  void check_labels() const {
    const auto classes = static_cast<int64_t>(dataset.classes.size());
    for (const Sample& s : dataset.samples) {
      for (int64_t label : s.labels) {
        if (label < 0 || label >= classes) {
          throw InvalidArgument(fmt::format("{}: label {} outside the dataset's {} classes", s.path, label, classes));
        }
      }
      if (s.labels.empty() || (!dataset.multi_label && s.labels.size() > 1)) {
        throw InvalidArgument(fmt::format("{}: {} labels in a {}-label dataset", s.path, s.labels.size(),
                                          dataset.multi_label ? "multi" : "single"));
      }
    }
  }

  void work() {
    make_this_thread_serial();
    // Workers may run ahead of the consumer by this many batches (made or being made).
    const int64_t window = std::max({ctx.options.prefetch, ctx.options.workers, 1});
    std::unique_lock lock(mu);
    for (;;) {
      work_cv.wait(lock, [&] {
        return stopping || (started && next_claim < num_batches && next_claim < next_out + window);
      });
      if (stopping) return;
      const int64_t b = next_claim++;
      const uint64_t gen = generation;
      const std::shared_ptr<const std::vector<PlannedBatch>> plan_ = plan;
      const int64_t epoch_ = epoch;
      lock.unlock();
      Made made = make_batch(*plan_, b, epoch_, gen);
      lock.lock();
      if (gen == generation && !stopping) {
        ready.emplace(b, std::move(made));
        ready_cv.notify_all();
      }
    }
  }
};

DataLoader::DataLoader(Dataset dataset, LoaderOptions options)
    : impl_(std::make_unique<Impl>(std::move(dataset), options)) {}

DataLoader::~DataLoader() = default;

const Dataset& DataLoader::dataset() const { return impl_->dataset; }
const LoaderOptions& DataLoader::options() const { return impl_->ctx.options; }
int64_t DataLoader::batches_per_epoch() const {
  return static_cast<int64_t>(impl_->sampler->batches(0).size());
}

uint64_t DataLoader::sample_seed(uint64_t seed, int64_t epoch, int64_t index) {
  return derive_seed(derive_seed(seed ^ kSampleSalt, static_cast<uint64_t>(epoch)), static_cast<uint64_t>(index));
}

void DataLoader::start_epoch(int64_t epoch) {
  Impl& m = *impl_;
  auto plan = std::make_shared<const std::vector<PlannedBatch>>(m.sampler->batches(epoch));
  for (const PlannedBatch& b : *plan)
    for (const int64_t i : b.samples)
      if (i < 0 || i >= static_cast<int64_t>(m.dataset.samples.size()))
        throw std::out_of_range(fmt::format("batch sampler: sample {} outside the dataset's {}", i, m.dataset.samples.size()));
  std::map<int64_t, Made> dropped;
  {
    std::lock_guard lock(m.mu);
    ++m.generation;
    m.epoch = epoch;
    m.num_batches = static_cast<int64_t>(plan->size());
    m.plan = std::move(plan);
    m.next_claim = 0;
    m.next_out = 0;
    dropped.swap(m.ready);  // freed outside the lock
    m.started = true;
  }
  m.work_cv.notify_all();
}

std::optional<Batch> DataLoader::next() {
  Impl& m = *impl_;
  std::unique_lock lock(m.mu);
  if (!m.started) throw std::logic_error("DataLoader::next() called before start_epoch()");
  while (m.next_out < m.num_batches) {
    Made made;
    if (m.ctx.options.workers == 0) {
      const int64_t b = m.next_out++;
      lock.unlock();
      made = m.make_batch(*m.plan, b, m.epoch, m.generation);
    } else {
      m.ready_cv.wait(lock, [&] { return m.ready.count(m.next_out) > 0; });
      made = std::move(m.ready.extract(m.next_out++).mapped());
      lock.unlock();
      m.work_cv.notify_all();  // the window moved on
    }
    if (made.error) std::rethrow_exception(made.error);
    if (made.batch) return std::move(made.batch);
    lock.lock();
  }
  return std::nullopt;
}

std::vector<std::string> DataLoader::skipped() const {
  std::lock_guard lock(impl_->skip_mu);
  return impl_->reasons;
}

}  // namespace vidrep
