#include "vidrep/train/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace vidrep {

double scheduled_lr(const TrainConfig& c, int64_t step, int64_t steps_per_epoch) {
  const double per_epoch = static_cast<double>(std::max<int64_t>(steps_per_epoch, 1));
  const double total = per_epoch * static_cast<double>(c.epochs);
  const double warmup = std::min(c.warmup * per_epoch, total);
  const double s = static_cast<double>(step);
  if (s < warmup) return c.lr * (0.01 + 0.99 * s / warmup);
  if (c.schedule == "step") {
    const auto epoch = static_cast<int64_t>(s / per_epoch);
    return c.lr * std::pow(c.gamma, static_cast<double>(epoch / c.step_epochs));
  }
  const double progress = total > warmup ? (s - warmup) / (total - warmup) : 1.0;
  return c.lr * 0.5 * (1 + std::cos(std::numbers::pi * std::min(progress, 1.0)));
}

}  // namespace vidrep
