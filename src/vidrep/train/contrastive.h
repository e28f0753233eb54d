// The contrastive task's loss and score: InfoNCE (SimCLR's NT-Xent) over two views of each clip.
//
//   at::Tensor z = net->forward(batch.video, {}).embedding;   // [2B,D] unit rows, views stacked
//   at::Tensor loss = info_nce(z, 0.1);                       // row i's positive is row (i + B) % 2B
//   int64_t hits = pair_hits(z.detach());                     // rows whose nearest other row is their pair
//
// Rows 0..B-1 are view 0 of B clips and rows B..2B-1 view 1 of the same clips in the same order
// (the loader's views, data/loader.h). For each row, the 2B-1 others are candidates: its pair is
// the positive and the other clips' views the negatives (the row itself is left out), and the loss
// is the cross-entropy of picking the positive from softmax(cosine similarity / temperature).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace vidrep {

// Mean InfoNCE over the 2B rows of `z` (L2-normalised rows). Throws InvalidArgument for an odd or
// zero row count.
at::Tensor info_nce(const at::Tensor& z, double temperature);

// The KoLeo entropy estimate SSCD adds to spread descriptors apart (Sablayrolles et al. 2019):
// -mean over rows of log(distance to the nearest row other than itself and its pair). Lower when
// the batch's clips are spread over the sphere; with InfoNCE alone, unrelated clips may stay close.
at::Tensor koleo(const at::Tensor& z);

// Rows of `z` whose most similar other row is their pair (0..2B).
int64_t pair_hits(const at::Tensor& z);

// The same over a whole set: view 0 rows `a` [N,D] against view 1 rows `b` [N,D]; the fraction of
// rows of a whose nearest row of b is their own pair, and of b likewise, averaged (a retrieval
// accuracy with N-1 distractors, what the validation metric reports).
double pair_accuracy(const at::Tensor& a, const at::Tensor& b);

}  // namespace vidrep
