#include "vidrep/train/gradient_reducer.h"

#include "vidrep/error.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <mutex>
#include <optional>

namespace vidrep {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

struct GradientReducer::Impl {
  struct Bucket {
    std::vector<size_t> params;
    at::Tensor flat;
    int64_t waiting = 0;  // parameters whose gradient has not come in this step
    std::optional<DistributedGroup::Pending> work;
  };

  DistributedGroup& group;
  std::vector<at::Tensor> params;
  std::vector<unsigned> hooks;
  std::vector<size_t> bucket_of;
  std::vector<int64_t> offset_of;
  std::vector<bool> got;
  std::vector<Bucket> buckets;
  size_t next_launch = 0;
  double weight = 1;
  bool active = false;
  bool overlap = true;
  ReducerStats stats;
  std::mutex mu;

  explicit Impl(DistributedGroup& g) : group(g) {}

  at::Tensor slice(size_t p) {
    return buckets[bucket_of[p]].flat.slice(0, offset_of[p], offset_of[p] + params[p].numel());
  }

  void on_grad(size_t p, const at::Tensor& grad) {
    std::lock_guard lock(mu);
    if (!active) return;
    at::Tensor into = slice(p);
    if (got[p]) {
      into.add_(grad.reshape(-1), weight);  // a second gradient in the same step accumulates
      return;
    }
    at::mul_out(into, grad.reshape(-1), weight);
    got[p] = true;
    if (--buckets[bucket_of[p]].waiting == 0 && overlap) launch_ready();
  }

  // Starts the ready buckets in order, stopping at the first that is not.
  void launch_ready() {
    while (next_launch < buckets.size() && buckets[next_launch].waiting == 0) {
      Bucket& b = buckets[next_launch++];
      b.work = group.all_reduce_sum_async(b.flat, "the gradient all-reduce");
    }
  }
};

GradientReducer::GradientReducer(DistributedGroup& group, std::vector<at::Tensor> parameters, int64_t bucket_bytes,
                                 int64_t first_bucket_bytes, bool overlap)
    : impl_(std::make_shared<Impl>(group)) {
  Impl& m = *impl_;
  m.overlap = overlap;
  for (auto& p : parameters)
    if (p.requires_grad()) {
      if (p.scalar_type() != at::kFloat)
        throw InvalidArgument(fmt::format("gradient reducer: parameters must be float32, got {}", c10::toString(p.scalar_type())));
      m.params.push_back(p);
    }
  // Reverse registration order: the output layers' gradients come first in backward.
  std::reverse(m.params.begin(), m.params.end());
  int64_t limit = first_bucket_bytes, bytes = 0;
  for (size_t p = 0; p < m.params.size(); ++p) {
    const int64_t size = m.params[p].numel() * 4;
    if (m.buckets.empty() || (bytes > 0 && bytes + size > limit)) {
      if (!m.buckets.empty()) limit = bucket_bytes;
      m.buckets.emplace_back();
      bytes = 0;
    }
    m.buckets.back().params.push_back(p);
    m.bucket_of.push_back(m.buckets.size() - 1);
    m.offset_of.push_back(bytes / 4);
    bytes += size;
  }
  int64_t total = 0;
  for (auto& b : m.buckets) {
    int64_t n = 0;
    for (size_t p : b.params) n += m.params[p].numel();
    b.flat = torch::zeros({n}, torch::kFloat);
    total += n;
  }
  m.got.assign(m.params.size(), false);
  m.stats.buckets = static_cast<int64_t>(m.buckets.size());
  m.stats.bytes_per_step = static_cast<double>(total) * 4;
  std::weak_ptr<Impl> weak = impl_;
  for (size_t p = 0; p < m.params.size(); ++p)
    m.hooks.push_back(m.params[p].register_hook([weak, p](const at::Tensor& grad) {
      if (auto impl = weak.lock()) impl->on_grad(p, grad);
    }));
}

GradientReducer::~GradientReducer() {
  for (size_t p = 0; p < impl_->params.size(); ++p) impl_->params[p].remove_hook(impl_->hooks[p]);
}

void GradientReducer::prepare(double weight) {
  std::lock_guard lock(impl_->mu);
  Impl& m = *impl_;
  m.weight = weight;
  m.active = true;
  m.next_launch = 0;
  std::fill(m.got.begin(), m.got.end(), false);
  for (auto& b : m.buckets) {
    b.waiting = static_cast<int64_t>(b.params.size());
    b.work.reset();
  }
}

double GradientReducer::finish() {
  const auto start = Clock::now();
  Impl& m = *impl_;
  // Which parameters got a gradient on any rank (the others keep none, as in one process: an
  // optimizer skips them, no weight decay, no momentum), and after them the ranks' weights.
  const auto count = static_cast<int64_t>(m.params.size());
  at::Tensor used = torch::zeros({count + 1}, torch::kFloat);
  std::optional<DistributedGroup::Pending> used_work;
  {
    std::lock_guard lock(m.mu);
    float* mark = used.data_ptr<float>();
    // Parameters backward gave nothing (unused, or no batch on this rank) contribute zeros.
    for (size_t p = 0; p < m.params.size(); ++p) {
      if (m.got[p]) {
        mark[p] = 1;
        continue;
      }
      m.slice(p).zero_();
      m.got[p] = true;
      --m.buckets[m.bucket_of[p]].waiting;
    }
    mark[count] = static_cast<float>(m.weight);
    m.launch_ready();
    m.active = false;
    used_work = m.group.all_reduce_sum_async(used, "the gradient all-reduce");
  }
  const auto waiting = Clock::now();
  for (auto& b : m.buckets) b.work->wait();
  used_work->wait();
  m.stats.wait_seconds += seconds_since(waiting);
  torch::NoGradGuard no_grad;
  const float* any = used.data_ptr<float>();
  const double total = any[count];
  for (size_t p = 0; p < m.params.size(); ++p) {
    at::Tensor& grad = m.params[p].mutable_grad();
    if (any[p] == 0 || total <= 0) {
      grad = at::Tensor();
      continue;
    }
    const at::Tensor sum = m.slice(p).view_as(m.params[p]);
    if (!grad.defined()) grad = at::empty_like(m.params[p]);
    at::mul_out(grad, sum, 1.0 / total);
  }
  ++m.stats.steps;
  m.stats.finish_seconds += seconds_since(start);
  return total;
}

const ReducerStats& GradientReducer::stats() const { return impl_->stats; }

std::vector<int64_t> GradientReducer::bucket_sizes() const {
  std::vector<int64_t> out;
  for (const auto& b : impl_->buckets) out.push_back(static_cast<int64_t>(b.params.size()));
  return out;
}

}  // namespace vidrep
