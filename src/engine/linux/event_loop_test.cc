#include "picket/event_loop.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <functional>
#include <thread>

namespace picket {
namespace {

std::unique_ptr<EventLoop> NewLoop() {
  auto loop = EventLoop::Create();
  EXPECT_TRUE(loop.ok());
  return std::move(loop.value());
}

TEST(EventLoopTest, TimersFireInDueOrderAndPeriodicRepeats) {
  auto loop = NewLoop();
  std::vector<std::string> order;
  int ticks = 0;
  loop->AddTimer(30, 0, [&] { order.push_back("b"); });
  loop->AddTimer(10, 0, [&] { order.push_back("a"); });
  auto periodic = loop->AddTimer(5, 5, [&] { ++ticks; });
  loop->AddTimer(60, 0, [&] {
    loop->CancelTimer(periodic);
    loop->Stop();
  });
  ASSERT_TRUE(loop->Run().ok());
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b"}));
  EXPECT_GE(ticks, 3);
}

TEST(EventLoopTest, CancelledTimerNeverFires) {
  auto loop = NewLoop();
  bool fired = false;
  auto id = loop->AddTimer(10, 0, [&] { fired = true; });
  loop->CancelTimer(id);
  loop->AddTimer(30, 0, [&] { loop->Stop(); });
  ASSERT_TRUE(loop->Run().ok());
  EXPECT_FALSE(fired);
}

TEST(EventLoopTest, FdCallbackAndAfterHook) {
  auto loop = NewLoop();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::string got;
  int after = 0;
  ASSERT_TRUE(loop->AddFd(fds[0],
                          [&] {
                            char buf[16];
                            ssize_t n = read(fds[0], buf, sizeof buf);
                            got.append(buf, n > 0 ? n : 0);
                            loop->RemoveFd(fds[0]);
                            loop->Stop();
                          })
                  .ok());
  loop->AddAfterHook([&] { ++after; });
  ASSERT_EQ(write(fds[1], "hi", 2), 2);
  ASSERT_TRUE(loop->Run().ok());
  EXPECT_EQ(got, "hi");
  EXPECT_GE(after, 1);
  close(fds[0]);
  close(fds[1]);
}

TEST(EventLoopTest, AfterHooksRunBeforeSleepingWhenATimerFired) {
  // A timer's work (an event queued by a statistics timer) must be handled
  // at once, not when the next, much later, timer wakes the loop.
  auto loop = NewLoop();
  bool queued = false;
  int64_t handled_after_ms = -1;
  int64_t start = loop->NowMs();
  loop->AddTimer(10, 0, [&] { queued = true; });
  loop->AddTimer(1000, 0, [&] { loop->Stop(); });
  loop->AddAfterHook([&] {
    if (queued && handled_after_ms < 0) {
      handled_after_ms = loop->NowMs() - start;
      loop->Stop();
    }
  });
  ASSERT_TRUE(loop->Run().ok());
  ASSERT_GE(handled_after_ms, 0);
  EXPECT_LT(handled_after_ms, 500);
}

TEST(EventLoopTest, AZeroDelayTimerChainDoesNotStarveFileDescriptors) {
  // A source that keeps re-arming a 0 ms timer (reading a long backlog)
  // must not keep the loop from reading sockets.
  auto loop = NewLoop();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  int rounds = 0;
  std::function<void()> rearm = [&] {
    ++rounds;
    loop->AddTimer(0, 0, rearm);
  };
  loop->AddTimer(0, 0, rearm);
  bool read_it = false;
  ASSERT_TRUE(loop->AddFd(fds[0],
                          [&] {
                            char c;
                            ASSERT_EQ(read(fds[0], &c, 1), 1);
                            read_it = true;
                            loop->Stop();
                          })
                  .ok());
  ASSERT_EQ(write(fds[1], "x", 1), 1);
  loop->AddTimer(2000, 0, [&] { loop->Stop(); });  // guard
  ASSERT_TRUE(loop->Run().ok());
  EXPECT_TRUE(read_it);
  EXPECT_LT(rounds, 100);
  loop->RemoveFd(fds[0]);
  close(fds[0]);
  close(fds[1]);
}

TEST(EventLoopTest, WriteInterestReportsWritableOnlyWhileOn) {
  auto loop = NewLoop();
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  int writable = 0;
  int readable = 0;
  ASSERT_TRUE(loop->AddIoFd(sv[0],
                            [&](bool r, bool w) {
                              if (w) {
                                ++writable;
                                // Off again: no more writable reports.
                                EXPECT_TRUE(
                                    loop->SetWriteInterest(sv[0], false).ok());
                                ASSERT_EQ(write(sv[1], "x", 1), 1);
                              }
                              if (r) {
                                char c;
                                ASSERT_EQ(read(sv[0], &c, 1), 1);
                                ++readable;
                                loop->Stop();
                              }
                            })
                  .ok());
  // An idle socket is always writable, so only the interest gates it.
  loop->AddTimer(20, 0, [&] {
    EXPECT_EQ(writable, 0);
    EXPECT_TRUE(loop->SetWriteInterest(sv[0], true).ok());
  });
  ASSERT_TRUE(loop->Run().ok());
  EXPECT_EQ(writable, 1);
  EXPECT_EQ(readable, 1);
  EXPECT_FALSE(loop->SetWriteInterest(12345, true).ok());
  loop->RemoveFd(sv[0]);
  close(sv[0]);
  close(sv[1]);
}

TEST(EventLoopTest, SignalsArriveThroughTheLoop) {
  auto loop = NewLoop();
  int got = 0;
  ASSERT_TRUE(loop->HandleSignals({SIGUSR2},
                                  [&](int s) {
                                    got = s;
                                    loop->Stop();
                                  })
                  .ok());
  loop->AddTimer(5, 0, [] { kill(getpid(), SIGUSR2); });
  ASSERT_TRUE(loop->Run().ok());
  EXPECT_EQ(got, SIGUSR2);
}

TEST(EventLoopTest, WakeFromAnotherThreadRunsAfterHooks) {
  auto loop = NewLoop();
  std::atomic<bool> flag{false};
  loop->AddAfterHook([&] {
    if (flag) loop->Stop();
  });
  std::thread t([&] {
    usleep(20000);
    flag = true;
    loop->Wake();
  });
  ASSERT_TRUE(loop->Run().ok());
  t.join();
  EXPECT_TRUE(flag);
}

}  // namespace
}  // namespace picket
