#include "engine/worker.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <thread>
#include <utility>

#include "picket/event_loop.h"

namespace picket {
namespace {

// Each test gets a loop of its own for the worker to report to.
class WorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<EventLoop>> created = EventLoop::Create();
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    loop_ = std::move(*created);
  }

  std::unique_ptr<EventLoop> loop_;
};

TEST_F(WorkerTest, JobOnOtherThreadDoneOnLoopThread) {
  auto worker = Worker::Create(*loop_, 2);
  ASSERT_TRUE(worker.ok());
  std::thread::id loop_thread = std::this_thread::get_id();
  std::thread::id job_thread, done_thread;
  int result = 0;
  ASSERT_TRUE((*worker)->Post(
      [&] {
        job_thread = std::this_thread::get_id();
        result = 42;
      },
      [&] {
        done_thread = std::this_thread::get_id();
        loop_->Stop();
      }));
  ASSERT_TRUE(loop_->Run().ok());
  EXPECT_EQ(result, 42);
  EXPECT_NE(job_thread, loop_thread);
  EXPECT_EQ(done_thread, loop_thread);
}

TEST_F(WorkerTest, BoundedQueueRefusesWhenFull) {
  auto worker = Worker::Create(*loop_, 1);
  ASSERT_TRUE(worker.ok());
  std::atomic<bool> release{false};
  std::atomic<bool> started{false};
  ASSERT_TRUE((*worker)->Post(
      [&] {
        started = true;
        while (!release) usleep(1000);
      },
      nullptr));
  while (!started) usleep(1000);
  EXPECT_TRUE((*worker)->Post([] {}, nullptr));   // waits in the queue
  EXPECT_FALSE((*worker)->Post([] {}, nullptr));  // over capacity
  release = true;
}

}  // namespace
}  // namespace picket
