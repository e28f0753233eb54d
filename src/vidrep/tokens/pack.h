// Patch n' pack (NaViT): token sets of different lengths (clips at their native sizes) packed
// into a few fixed-length sequences, with a block-diagonal attention mask so each sample only
// attends to itself. One batch then holds any mix of resolutions and durations.
//
//   vidrep::Packed p = vidrep::pack({a.tokens, b.tokens, c.tokens},
//                                   {a.positions, b.positions, c.positions}, {.length = 4096});
//   p.tokens [S,L,D]   p.positions [S,L,3]   p.segments [S,L]   p.mask [S,L,L]
//   auto outputs = vidrep::unpack(model(p.tokens, p.mask), p.slots);   // one [n_i, ...] per sample
//
// Placement is greedy over samples taken longest first (stable for equal lengths):
//   BestFit  (default) the open sequence with the least room that still fits the sample
//   FirstFit the first open sequence (in creation order) with room
// and a new sequence when none has room. Longest first, these are the classic first-fit / best-fit
// decreasing bin-packing heuristics: never more than 11/9 of the fewest sequences possible (+1);
// best fit leaves the tightest remainders, so later short samples still find room.
// Inside a sequence samples sit back to back in placement order; the tail is padding.
// Pure functions, thread-safe.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace vidrep {

enum class PackAlgorithm { BestFit, FirstFit };

struct PackOptions {
  int64_t length = 0;  // tokens per sequence; required
  PackAlgorithm algorithm = PackAlgorithm::BestFit;
  bool longest_first = true;  // false: place in the given order (online packing)
};

// Where one input sample went.
struct PackedSlot {
  int64_t sequence = 0;
  int64_t offset = 0;   // first token within the sequence
  int64_t length = 0;   // tokens
  int64_t segment = 0;  // its id in `segments` (1-based within the sequence)
};

struct Packed {
  at::Tensor tokens;     // [S,L,D], the inputs' dtype; zeros at padding
  at::Tensor positions;  // [S,L,P] like the inputs' positions (undefined when none given); 0 at padding
  at::Tensor segments;   // int64 [S,L]: 1..k for the samples of a sequence, 0 for padding
  at::Tensor mask;       // bool [S,L,L]: true = query i may attend to key j (see attention_mask)
  std::vector<PackedSlot> slots;  // one per input sample, in input order
};

// tokens[i]: [n_i, D] (same D and dtype for all); positions: empty, or one [n_i, P] per sample.
// Throws InvalidArgument for a sample longer than options.length, an empty sample, or
// mismatched shapes, naming the sample.
Packed pack(const std::vector<at::Tensor>& tokens, const std::vector<at::Tensor>& positions,
            PackOptions options);

// segments [S,L] -> bool [S,L,L]: true where both tokens belong to the same sample. A padding
// query may attend only to itself, so a softmax over its row stays finite; no real token ever
// attends to padding.
at::Tensor attention_mask(const at::Tensor& segments);

// Per-sample slices [n_i, ...] of a packed [S,L,...] tensor (a model's output, or p.tokens), in
// input order. Views, no copies.
std::vector<at::Tensor> unpack(const at::Tensor& packed, const std::vector<PackedSlot>& slots);

}  // namespace vidrep
