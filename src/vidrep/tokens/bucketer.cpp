#include "vidrep/tokens/bucketer.h"

#include "vidrep/error.h"
#include "vidrep/random.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

namespace vidrep {

namespace {

int64_t round_to_multiple(double x, int64_t m) { return std::max<int64_t>(m, std::llround(x / m) * m); }

}  // namespace

FitPlan plan_fit(int64_t height, int64_t width, BucketShape target) {
  if (height < 1 || width < 1 || target.height < 1 || target.width < 1) {
    throw InvalidArgument(fmt::format("plan_fit: expected positive sizes, got {}x{} -> {}x{}", width, height,
                                      target.width, target.height));
  }
  // Scale so the clip covers the target in both directions; the overhang is cropped evenly.
  const double scale = std::max(double(target.height) / height, double(target.width) / width);
  FitPlan p;
  p.shape = target;
  p.resize_height = std::max<int64_t>(target.height, std::llround(height * scale));
  p.resize_width = std::max<int64_t>(target.width, std::llround(width * scale));
  p.crop_top = (p.resize_height - target.height) / 2;
  p.crop_left = (p.resize_width - target.width) / 2;
  return p;
}

Bucketer::Bucketer(BucketConfig config) : config_(std::move(config)) {
  config_.validate();
  for (size_t s = 0; s < config_.buckets.size(); ++s) {
    const BucketSpec& spec = config_.buckets[s];
    for (int64_t f : spec.frames) candidates_.push_back({int64_t(s), f, spec.area});
    std::vector<double> r;
    for (const std::string& text : spec.aspect_ratios) r.push_back(parse_aspect_ratio(text, spec.name));
    ratios_.push_back(std::move(r));
  }
  std::stable_sort(candidates_.begin(), candidates_.end(), [](const Candidate& a, const Candidate& b) {
    return std::tie(b.area, b.frames) < std::tie(a.area, a.frames);
  });
}

std::optional<BucketAssignment> Bucketer::assign(int64_t height, int64_t width, int64_t frames) const {
  if (height < 1 || width < 1 || frames < 1) {
    throw InvalidArgument(fmt::format("bucket assignment: expected a positive size and frame count, got {}x{} "
                                      "with {} frames", width, height, frames));
  }
  const auto it = std::find_if(candidates_.begin(), candidates_.end(), [&](const Candidate& c) {
    return c.area <= height * width && c.frames <= frames;
  });
  if (it == candidates_.end()) return std::nullopt;
  const BucketSpec& spec = config_.buckets[it->spec];
  const std::vector<double>& ratios = ratios_[it->spec];
  const double r = std::log(double(height) / width);
  size_t best = 0;
  for (size_t i = 1; i < ratios.size(); ++i) {
    if (std::abs(std::log(ratios[i]) - r) < std::abs(std::log(ratios[best]) - r)) best = i;
  }
  BucketAssignment a;
  a.spec = it->spec;
  a.ratio = int64_t(best);
  a.shape = {it->frames, round_to_multiple(std::sqrt(spec.area * ratios[best]), config_.multiple_of),
             round_to_multiple(std::sqrt(spec.area / ratios[best]), config_.multiple_of)};
  a.key = fmt::format("{}/{}f/{}", spec.name, it->frames, spec.aspect_ratios[best]);
  a.batch_size = spec.batch_size;
  return a;
}

BucketPlan Bucketer::plan(const std::vector<BucketSample>& samples, uint64_t seed) const {
  BucketPlan out;
  out.assignments.resize(samples.size());
  // Keyed by (entry, frames, ratio): a fixed iteration order, whatever the names.
  std::map<std::tuple<int64_t, int64_t, int64_t>, std::vector<int64_t>> groups;
  for (size_t i = 0; i < samples.size(); ++i) {
    const BucketSample& s = samples[i];
    try {
      out.assignments[i] = assign(s.height, s.width, s.frames);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(fmt::format("sample {}: {}", i, e.what()));
    }
    if (!out.assignments[i]) {
      out.unassigned.push_back(int64_t(i));
      continue;
    }
    const BucketAssignment& a = *out.assignments[i];
    groups[{a.spec, a.shape.frames, a.ratio}].push_back(int64_t(i));
  }

  Rng rng(seed);
  for (auto& [key, members] : groups) {
    rng.shuffle(members);
    const BucketAssignment& a = *out.assignments[members.front()];
    const auto size = int64_t(members.size());
    for (int64_t begin = 0; begin < size; begin += a.batch_size) {
      const int64_t end = std::min(size, begin + a.batch_size);
      if (end - begin < a.batch_size && config_.drop_last) {
        out.dropped.insert(out.dropped.end(), members.begin() + begin, members.begin() + end);
        continue;
      }
      out.batches.push_back({a.key, a.shape, std::vector<int64_t>(members.begin() + begin, members.begin() + end)});
    }
    if (size < a.batch_size) {
      out.warnings.push_back(fmt::format("bucket {} gets {} clip{} for a batch size of {}: it never fills a batch{}",
                                         a.key, size, size == 1 ? "" : "s", a.batch_size,
                                         config_.drop_last ? ", so its clips are dropped (drop_last)" : ""));
    }
  }
  rng.shuffle(out.batches);
  std::sort(out.dropped.begin(), out.dropped.end());

  std::string empty;
  for (const Candidate& c : candidates_) {
    const bool used = std::any_of(groups.begin(), groups.end(), [&](const auto& g) {
      return std::get<0>(g.first) == c.spec && std::get<1>(g.first) == c.frames;
    });
    if (!used) empty += fmt::format("{}{}/{}f", empty.empty() ? "" : ", ", config_.buckets[c.spec].name, c.frames);
  }
  if (!empty.empty()) out.warnings.push_back("no clips reach the bucket entries " + empty);
  if (!out.unassigned.empty()) {
    const Candidate& smallest = *std::min_element(candidates_.begin(), candidates_.end(), [](auto& a, auto& b) {
      return std::tie(a.area, a.frames) < std::tie(b.area, b.frames);
    });
    out.warnings.push_back(fmt::format("{} of {} clips fit no bucket (the smallest entry, {}, takes clips of at "
                                       "least {} pixels per frame and {} frames)",
                                       out.unassigned.size(), samples.size(), config_.buckets[smallest.spec].name,
                                       smallest.area, smallest.frames));
  }
  return out;
}

}  // namespace vidrep
