// ThreadPool: the library's worker threads, one kind for every job that runs on several threads
// (the data loader's decoding workers, synth's video writers, parallel_for). LibTorch's own
// intra-op threads (OpenMP, runtime.h) are separate: pool threads are the parallelism and run
// LibTorch ops single-threaded.
//
//   ThreadPool pool(2);
//   pool.run([&] { ... });            // queued; runs on a pool thread
//   pool.wait();                      // until every task (and the tasks they queued) is done
//   pool.join();                      // waits for every task, then stops the threads
//
//   parallel_for(n, 4, [&](int64_t i) { work(i); });   // job(i) for i in [0, n) on 4 threads
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace vidrep {

class ThreadPool {
 public:
  // Starts `threads` threads (0: tasks run on the caller, inside run()). Throws std::system_error
  // when a thread cannot start, leaving none running.
  explicit ThreadPool(int threads);
  ~ThreadPool();  // join()
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(threads_.size()); }
  // Queues a task. A task must not throw (wrap it: the pool cannot report errors to anyone).
  // Tasks may queue tasks.
  void run(std::function<void()> task);
  // Queues a task ahead of every task queued so far (to finish work already started first).
  void run_first(std::function<void()> task);
  // Waits until no task is queued or running (tasks queued by tasks included); the threads stay.
  void wait();
  // Waits until every queued task has finished, then stops the threads. Idempotent.
  void join();

 private:
  void work();

  std::mutex mu_;
  std::condition_variable cv_, idle_;
  std::deque<std::function<void()>> tasks_;
  int running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// Runs job(i) for every i in [0, n) on `threads` threads (the caller is one of them), handing out
// indices in order. The first error stops the rest from starting and is rethrown. progress(done, n)
// after each job, under a lock (may be empty).
void parallel_for(int64_t n, int threads, const std::function<void(int64_t)>& job,
                  const std::function<void(int64_t, int64_t)>& progress = {});

}  // namespace vidrep
