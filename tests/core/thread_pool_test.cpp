// The library's thread pool and parallel_for: every task runs once, join() waits for them, errors
// stop parallel_for and reach the caller, and a pool of 0 threads runs tasks on the caller.
#include "vidrep/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <vector>
#include <stdexcept>
#include <thread>

namespace vidrep {
namespace {

TEST(ThreadPool, RunsEveryTaskOnItsThreadsBeforeJoinReturns) {
  std::atomic<int> done{0};
  std::mutex mu;
  std::set<std::thread::id> ids;
  ThreadPool pool(3);
  EXPECT_EQ(pool.size(), 3);
  for (int i = 0; i < 100; ++i) {
    pool.run([&] {
      const std::lock_guard lock(mu);
      ids.insert(std::this_thread::get_id());
      ++done;
    });
  }
  pool.join();
  EXPECT_EQ(done.load(), 100);
  EXPECT_EQ(ids.count(std::this_thread::get_id()), 0u);
  pool.join();  // idempotent
}

TEST(ThreadPool, TasksQueueTasksFirstAndWaitSeesThemAll) {
  // One thread: the order is the queue's. A task's run_first() goes ahead of what was queued.
  std::vector<std::string> order;
  std::atomic<bool> queued{false};
  ThreadPool pool(1);
  pool.run([&] {
    while (!queued) std::this_thread::yield();  // b is queued before a goes on
    order.push_back("a");
    pool.run_first([&] {
      order.push_back("c");
      pool.run([&] { order.push_back("e"); });
    });
  });
  pool.run([&] { order.push_back("b"); });
  queued = true;
  pool.wait();
  EXPECT_EQ(order, (std::vector<std::string>{"a", "c", "b", "e"}));
  // Several threads: wait() returns only when the tasks queued by tasks are done too.
  ThreadPool many(3);
  std::atomic<int> done{0};
  for (int i = 0; i < 20; ++i) {
    many.run([&] {
      for (int j = 0; j < 5; ++j) {
        many.run_first([&] {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
          ++done;
        });
      }
    });
  }
  many.wait();
  EXPECT_EQ(done.load(), 100);
}

TEST(ThreadPool, ZeroThreadsRunOnTheCaller) {
  ThreadPool pool(0);
  std::thread::id ran_on;
  pool.run([&] { ran_on = std::this_thread::get_id(); });
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(ThreadPool, ParallelForCoversTheRangeAndReportsProgress) {
  std::vector<std::atomic<int>> hits(50);
  int64_t last_done = 0;
  parallel_for(50, 4, [&](int64_t i) { ++hits[static_cast<size_t>(i)]; },
               [&](int64_t done, int64_t total) {
                 EXPECT_EQ(total, 50);
                 EXPECT_EQ(done, last_done + 1);
                 last_done = done;
               });
  for (const auto& h : hits) EXPECT_EQ(h.load(), 1);
  EXPECT_EQ(last_done, 50);
}

TEST(ThreadPool, ParallelForRethrowsTheFirstErrorAndStops) {
  // Jobs after 3 wait until job 3 has thrown (then a little longer, for the pool to record the
  // error), so a loaded machine cannot run all 10000 before the failure is seen.
  std::atomic<int> started{0};
  std::atomic<bool> thrown{false};
  EXPECT_THROW(parallel_for(10000, 2,
                            [&](int64_t i) {
                              ++started;
                              if (i == 3) {
                                thrown = true;
                                throw std::runtime_error("job 3");
                              }
                              if (i < 3) return;
                              while (!thrown.load()) std::this_thread::yield();
                              std::this_thread::sleep_for(std::chrono::milliseconds(20));
                            }),
               std::runtime_error);
  EXPECT_LT(started.load(), 100);
}

}  // namespace
}  // namespace vidrep
