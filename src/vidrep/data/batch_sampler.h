// BatchSampler: which samples make up each batch of an epoch, and at what clip shape. The data
// loader (data/loader.h) asks its sampler for an epoch's batches and decodes them; the sampler
// never decodes. Three kinds:
//   ShuffledBatches     every sample once per epoch in a seeded shuffle (or in order), cut into
//                       batches of batch_size (the loader's default)
//   BucketedBatches     equal-shape batches at each clip's native aspect ratio and duration:
//                       tokens::Bucketer groups samples by (area, frames, aspect ratio) from a
//                       buckets table, Sora / Open-Sora style; a batch's shape is its bucket's
//   DistributedBatches  rank r of `world` processes takes part r of every batch of another
//                       sampler (the global batch split into `world` near-equal parts); every
//                       rank computes the same epoch (same seed), so together they see each
//                       batch once, in step, and each rank gets the same number of batches
//
//   auto sampler = std::make_shared<ShuffledBatches>(dataset.samples.size(), 16, false, true, seed);
//   for (const PlannedBatch& b : sampler->batches(epoch)) { b.samples; }
#pragma once

#include "vidrep/tokens/bucketer.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace vidrep {

struct PlannedBatch {
  std::vector<int64_t> samples;  // indices into the dataset's samples
  // The clip shape of every sample of the batch; 0s: the loader's clip_len x height x width.
  BucketShape shape;
};

class BatchSampler {
 public:
  virtual ~BatchSampler() = default;
  // The batches of `epoch`, in the order they are trained; deterministic for an epoch.
  virtual std::vector<PlannedBatch> batches(int64_t epoch) const = 0;
};

class ShuffledBatches : public BatchSampler {
 public:
  // Throws InvalidArgument for batch_size < 1 or a negative sample count.
  ShuffledBatches(int64_t num_samples, int64_t batch_size, bool drop_last, bool shuffle, uint64_t seed);
  std::vector<PlannedBatch> batches(int64_t epoch) const override;

 private:
  int64_t num_samples_, batch_size_;
  bool drop_last_, shuffle_;
  uint64_t seed_;
};

class BucketedBatches : public BatchSampler {
 public:
  // `sizes`: each sample's frames (in its time range) and native size in display orientation.
  // Bucketer::plan(sizes, derive_seed(seed, epoch)) makes each epoch's batches; samples no bucket
  // takes are left out (unassigned()). drop_last overrides the table's (false for evaluation,
  // so no sample is lost).
  BucketedBatches(std::vector<BucketSample> sizes, BucketConfig config, uint64_t seed, bool drop_last);
  std::vector<PlannedBatch> batches(int64_t epoch) const override;
  const std::vector<int64_t>& unassigned() const { return unassigned_; }
  // The shapes batches can have (every bucket some sample is assigned to), for sizing a network.
  const std::vector<BucketShape>& shapes() const { return shapes_; }

 private:
  std::vector<BucketSample> sizes_;
  Bucketer bucketer_;
  uint64_t seed_;
  std::vector<int64_t> unassigned_;
  std::vector<BucketShape> shapes_;
};

class DistributedBatches : public BatchSampler {
 public:
  // Throws InvalidArgument unless 0 <= rank < world.
  DistributedBatches(std::shared_ptr<const BatchSampler> all, int rank, int world);
  // Part `rank` of each of all->batches(epoch): samples [n*rank/world, n*(rank+1)/world) of a
  // batch of n, with its shape. A part may be empty (a batch smaller than the world).
  std::vector<PlannedBatch> batches(int64_t epoch) const override;

 private:
  std::shared_ptr<const BatchSampler> all_;
  int rank_, world_;
};

}  // namespace vidrep
