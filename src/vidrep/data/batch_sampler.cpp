#include "vidrep/data/batch_sampler.h"

#include "vidrep/error.h"
#include "vidrep/random.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <set>

namespace vidrep {

ShuffledBatches::ShuffledBatches(int64_t num_samples, int64_t batch_size, bool drop_last, bool shuffle, uint64_t seed)
    : num_samples_(num_samples), batch_size_(batch_size), drop_last_(drop_last), shuffle_(shuffle), seed_(seed) {
  if (batch_size < 1) throw InvalidArgument(fmt::format("batch size: expected >= 1, got {}", batch_size));
  if (num_samples < 0) throw InvalidArgument(fmt::format("sample count: expected >= 0, got {}", num_samples));
}

std::vector<PlannedBatch> ShuffledBatches::batches(int64_t epoch) const {
  std::vector<int64_t> order(static_cast<size_t>(num_samples_));
  std::iota(order.begin(), order.end(), int64_t{0});
  if (shuffle_) Rng(derive_seed(seed_, static_cast<uint64_t>(epoch))).shuffle(order);
  std::vector<PlannedBatch> out;
  for (int64_t begin = 0; begin < num_samples_; begin += batch_size_) {
    const int64_t end = std::min(num_samples_, begin + batch_size_);
    if (drop_last_ && end - begin < batch_size_) break;
    out.push_back({std::vector<int64_t>(order.begin() + begin, order.begin() + end), {}});
  }
  return out;
}

namespace {

BucketConfig with_drop_last(BucketConfig c, bool drop_last) {
  c.drop_last = drop_last;
  return c;
}

}  // namespace

BucketedBatches::BucketedBatches(std::vector<BucketSample> sizes, BucketConfig config, uint64_t seed, bool drop_last)
    : sizes_(std::move(sizes)), bucketer_(with_drop_last(std::move(config), drop_last)), seed_(seed) {
  const BucketPlan plan = bucketer_.plan(sizes_, seed_);
  unassigned_ = plan.unassigned;
  std::set<std::tuple<int64_t, int64_t, int64_t>> seen;
  for (const auto& a : plan.assignments) {
    if (a && seen.emplace(a->shape.frames, a->shape.height, a->shape.width).second) shapes_.push_back(a->shape);
  }
}

std::vector<PlannedBatch> BucketedBatches::batches(int64_t epoch) const {
  const BucketPlan plan = bucketer_.plan(sizes_, derive_seed(seed_, static_cast<uint64_t>(epoch)));
  std::vector<PlannedBatch> out;
  out.reserve(plan.batches.size());
  for (const BucketBatch& b : plan.batches) out.push_back({b.samples, b.shape});
  return out;
}

DistributedBatches::DistributedBatches(std::shared_ptr<const BatchSampler> all, int rank, int world)
    : all_(std::move(all)), rank_(rank), world_(world) {
  if (!all_) throw InvalidArgument("distributed batches: no sampler to split");
  if (world < 1 || rank < 0 || rank >= world)
    throw InvalidArgument(fmt::format("distributed batches: rank {} of world size {}: expected 0 <= rank < world", rank, world));
}

std::vector<PlannedBatch> DistributedBatches::batches(int64_t epoch) const {
  std::vector<PlannedBatch> all = all_->batches(epoch);
  const auto world = static_cast<size_t>(world_), rank = static_cast<size_t>(rank_);
  for (PlannedBatch& b : all) {
    const size_t n = b.samples.size();
    b.samples = {b.samples.begin() + static_cast<std::ptrdiff_t>(n * rank / world),
                 b.samples.begin() + static_cast<std::ptrdiff_t>(n * (rank + 1) / world)};
  }
  return all;
}

}  // namespace vidrep
