// The HNSW index `vidrep index build --type hnsw` makes, on random unit vectors: per-query search
// time (one query at a time, as `vidrep search` asks) and recall@10 against exact (flat) search,
// for several search breadths (efSearch) around the one vidrep uses.
//
//   build/bin/vidrep_bench_index [N=1000000] [D=256] [QUERIES=1000] [THREADS=2]
#include "vidrep/retrieval/video_index.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <set>
#include <vector>

namespace {

std::vector<float> unit_vectors(int64_t n, int64_t d, uint64_t seed) {
  std::vector<float> x(static_cast<size_t>(n * d));
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal;
  for (int64_t i = 0; i < n; ++i) {
    double norm = 0;
    for (int64_t j = 0; j < d; ++j) norm += double(x[i * d + j] = normal(rng)) * x[i * d + j];
    for (int64_t j = 0; j < d; ++j) x[i * d + j] = static_cast<float>(x[i * d + j] / std::sqrt(norm));
  }
  return x;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 1'000'000;
  const int64_t d = argc > 2 ? std::atoll(argv[2]) : 256;
  const int64_t queries = argc > 3 ? std::atoll(argv[3]) : 1000;
  const int threads = argc > 4 ? std::atoi(argv[4]) : 2;
  constexpr int64_t k = 10;
  omp_set_num_threads(threads);
  const std::vector<float> base = unit_vectors(n, d, 1), query = unit_vectors(queries, d, 2);

  auto t0 = std::chrono::steady_clock::now();
  faiss::IndexFlatIP flat(d);
  flat.add(n, base.data());
  std::vector<float> distances(static_cast<size_t>(queries * k));
  std::vector<faiss::Index::idx_t> truth(static_cast<size_t>(queries * k)), got(truth.size());
  flat.search(queries, query.data(), k, distances.data(), truth.data());
  fmt::print("{} random unit vectors of {} dimensions, {} queries, {} threads\n", n, d, queries, threads);
  fmt::print("flat (exact): {:.1f} s for all queries ({:.2f} ms each, batched)\n", seconds_since(t0),
             1e3 * seconds_since(t0) / double(queries));

  t0 = std::chrono::steady_clock::now();
  faiss::IndexHNSWFlat hnsw(d, vidrep::retrieval::kHnswM, faiss::METRIC_INNER_PRODUCT);
  hnsw.add(n, base.data());
  fmt::print("hnsw M={}: built in {:.1f} s\n", vidrep::retrieval::kHnswM, seconds_since(t0));

  omp_set_num_threads(1);  // one query at a time, as a search command asks
  for (int ef : {64, 128, 256, 512, 1024}) {
    hnsw.hnsw.efSearch = ef;
    std::vector<double> times;
    for (int64_t q = 0; q < queries; ++q) {
      const auto s = std::chrono::steady_clock::now();
      hnsw.search(1, query.data() + q * d, k, distances.data() + q * k, got.data() + q * k);
      times.push_back(seconds_since(s));
    }
    int64_t found = 0;
    for (int64_t q = 0; q < queries; ++q) {
      const std::set<faiss::Index::idx_t> want(truth.begin() + q * k, truth.begin() + (q + 1) * k);
      for (int64_t j = 0; j < k; ++j) found += want.count(got[q * k + j]);
    }
    std::sort(times.begin(), times.end());
    fmt::print("  efSearch {:4d}{}: median {:.2f} ms, p95 {:.2f} ms per query, recall@10 {:.3f}\n", ef,
               ef == vidrep::retrieval::kHnswEfSearch ? " (vidrep's)" : "           ", 1e3 * times[times.size() / 2],
               1e3 * times[times.size() * 95 / 100], double(found) / double(queries * k));
  }
}
