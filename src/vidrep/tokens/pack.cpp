#include "vidrep/tokens/pack.h"

#include "vidrep/error.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace vidrep {

namespace {

void check_inputs(const std::vector<at::Tensor>& tokens, const std::vector<at::Tensor>& positions,
                  const PackOptions& options) {
  if (options.length < 1) throw InvalidArgument(fmt::format("pack length: expected a positive token count, got {}", options.length));
  if (tokens.empty()) throw InvalidArgument("pack: expected at least one sample, got none");
  if (!positions.empty() && positions.size() != tokens.size()) {
    throw InvalidArgument(fmt::format("pack: expected positions for each of the {} samples, got {}", tokens.size(),
                                      positions.size()));
  }
  for (size_t i = 0; i < tokens.size(); ++i) {
    const at::Tensor& t = tokens[i];
    if (t.dim() != 2 || t.size(0) < 1 || t.size(1) != tokens[0].size(1) || t.scalar_type() != tokens[0].scalar_type()) {
      throw InvalidArgument(fmt::format("pack sample {}: expected non-empty tokens [n, {}] of {}, got {} [{}]", i,
                                        tokens[0].size(1), at::toString(tokens[0].scalar_type()),
                                        at::toString(t.scalar_type()), fmt::join(t.sizes(), ",")));
    }
    if (t.size(0) > options.length) {
      throw InvalidArgument(fmt::format("pack sample {}: {} tokens do not fit a sequence of {}", i, t.size(0),
                                        options.length));
    }
    if (!positions.empty()) {
      const at::Tensor& p = positions[i];
      if (p.dim() != 2 || p.size(0) != t.size(0) || p.size(1) != positions[0].size(1)) {
        throw InvalidArgument(fmt::format("pack sample {}: expected positions [{}, {}], got [{}]", i, t.size(0),
                                          positions[0].size(1), fmt::join(p.sizes(), ",")));
      }
    }
  }
}

}  // namespace

Packed pack(const std::vector<at::Tensor>& tokens, const std::vector<at::Tensor>& positions,
            PackOptions options) {
  check_inputs(tokens, positions, options);
  std::vector<size_t> order(tokens.size());
  std::iota(order.begin(), order.end(), 0);
  if (options.longest_first) {
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return tokens[a].size(0) > tokens[b].size(0); });
  }

  Packed out;
  out.slots.resize(tokens.size());
  std::vector<int64_t> used;      // tokens taken in each sequence
  std::vector<int64_t> segments;  // samples in each sequence
  for (size_t i : order) {
    const int64_t n = tokens[i].size(0);
    int64_t chosen = -1;
    for (size_t s = 0; s < used.size(); ++s) {
      const int64_t room = options.length - used[s];
      if (room < n) continue;
      if (chosen < 0 || (options.algorithm == PackAlgorithm::BestFit && room < options.length - used[chosen])) {
        chosen = int64_t(s);
      }
      if (options.algorithm == PackAlgorithm::FirstFit) break;
    }
    if (chosen < 0) {
      chosen = int64_t(used.size());
      used.push_back(0);
      segments.push_back(0);
    }
    out.slots[i] = {chosen, used[chosen], n, ++segments[chosen]};
    used[chosen] += n;
  }

  const auto seqs = int64_t(used.size());
  out.tokens = at::zeros({seqs, options.length, tokens[0].size(1)}, tokens[0].options());
  out.segments = at::zeros({seqs, options.length}, at::kLong);
  if (!positions.empty()) {
    out.positions = at::zeros({seqs, options.length, positions[0].size(1)}, positions[0].options());
  }
  for (size_t i = 0; i < tokens.size(); ++i) {
    const PackedSlot& slot = out.slots[i];
    out.tokens[slot.sequence].narrow(0, slot.offset, slot.length).copy_(tokens[i]);
    out.segments[slot.sequence].narrow(0, slot.offset, slot.length).fill_(slot.segment);
    if (!positions.empty()) out.positions[slot.sequence].narrow(0, slot.offset, slot.length).copy_(positions[i]);
  }
  out.mask = attention_mask(out.segments);
  return out;
}

at::Tensor attention_mask(const at::Tensor& segments) {
  if (segments.dim() != 2) {
    throw InvalidArgument(fmt::format("attention_mask: expected segments [S,L], got [{}]", fmt::join(segments.sizes(), ",")));
  }
  const at::Tensor real = segments.ne(0).unsqueeze(2);
  const at::Tensor same = segments.unsqueeze(2).eq(segments.unsqueeze(1));
  const at::Tensor self = at::eye(segments.size(1), segments.options().dtype(at::kBool)).unsqueeze(0);
  return same.logical_and(real).logical_or(self);
}

std::vector<at::Tensor> unpack(const at::Tensor& packed, const std::vector<PackedSlot>& slots) {
  std::vector<at::Tensor> out;
  out.reserve(slots.size());
  for (size_t i = 0; i < slots.size(); ++i) {
    const PackedSlot& s = slots[i];
    if (packed.dim() < 2 || s.sequence < 0 || s.sequence >= packed.size(0) || s.offset < 0 ||
        s.offset + s.length > packed.size(1)) {
      throw InvalidArgument(fmt::format("unpack slot {}: sequence {} tokens {}..{} lie outside the packed [{}]", i,
                                        s.sequence, s.offset, s.offset + s.length, fmt::join(packed.sizes(), ",")));
    }
    out.push_back(packed[s.sequence].narrow(0, s.offset, s.length));
  }
  return out;
}

}  // namespace vidrep
