#include "vidrep/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <exception>

namespace vidrep {

ThreadPool::ThreadPool(int threads) {
  try {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
  } catch (...) {
    join();
    throw;
  }
}

ThreadPool::~ThreadPool() { join(); }

void ThreadPool::run(std::function<void()> task) {
  if (threads_.empty()) {
    task();
    return;
  }
  {
    const std::lock_guard lock(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void ThreadPool::run_first(std::function<void()> task) {
  if (threads_.empty()) {
    task();
    return;
  }
  {
    const std::lock_guard lock(mu_);
    tasks_.push_front(std::move(task));
  }
  cv_.notify_one();
}

void ThreadPool::wait() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [this] { return tasks_.empty() && running_ == 0; });
}

void ThreadPool::join() {
  {
    const std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void ThreadPool::work() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping, and nothing left to do
      task = std::move(tasks_.front());
      tasks_.pop_front();
      ++running_;
    }
    task();
    {
      const std::lock_guard lock(mu_);
      --running_;
    }
    idle_.notify_all();
  }
}

void parallel_for(int64_t n, int threads, const std::function<void(int64_t)>& job,
                  const std::function<void(int64_t, int64_t)>& progress) {
  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex mutex;
  int64_t done = 0;
  auto worker = [&] {
    while (!failed.load()) {
      const int64_t i = next.fetch_add(1);
      if (i >= n) return;
      try {
        job(i);
        const std::lock_guard lock(mutex);
        ++done;
        if (progress) progress(done, n);
      } catch (...) {
        const std::lock_guard lock(mutex);
        if (!error) error = std::current_exception();
        failed = true;
        return;
      }
    }
  };
  {
    ThreadPool pool(std::max(0, threads - 1));
    for (int t = 0; t < pool.size(); ++t) pool.run(worker);
    worker();
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace vidrep
