// Learning-rate schedules: the rate for one optimizer step, a pure function of the config and the
// step, so a resumed run continues on exactly the same curve.
//   warmup   linear from lr/100 to lr over `warmup` epochs
//   cosine   then lr * (1 + cos(pi * progress)) / 2, reaching 0 at the last step
//   step     then lr * gamma^floor(epoch / step_epochs)
#pragma once

#include "vidrep/train/config.h"

#include <cstdint>

namespace vidrep {

double scheduled_lr(const TrainConfig& config, int64_t step, int64_t steps_per_epoch);

}  // namespace vidrep
