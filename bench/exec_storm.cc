// Load generator: runs a program (default /bin/true) at a fixed rate for a
// fixed time, and prints how many execs it made and their pids to a file so
// the caller can compare with what the agent reported.
//
//   exec_storm RATE_PER_S SECONDS PIDS_FILE [PROGRAM [ARGS...]]
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

extern char** environ;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr,
                 "usage: exec_storm RATE_PER_S SECONDS PIDS_FILE [PROGRAM "
                 "[ARGS...]]\n");
    return 2;
  }
  double rate = std::atof(argv[1]);
  double seconds = std::atof(argv[2]);
  FILE* pids = std::fopen(argv[3], "w");
  if (pids == nullptr || rate <= 0 || seconds <= 0) return 2;
  std::vector<char*> child = {const_cast<char*>("/bin/true"), nullptr};
  if (argc > 4) child.assign(argv + 4, argv + argc), child.push_back(nullptr);

  timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  long total = static_cast<long>(rate * seconds);
  long made = 0, running = 0;
  for (long i = 0; i < total; ++i) {
    // Absolute schedule: exec i is due at start + i / rate.
    double due = i / rate;
    timespec t = start;
    t.tv_sec += static_cast<time_t>(due);
    t.tv_nsec += static_cast<long>((due - static_cast<long>(due)) * 1e9);
    if (t.tv_nsec >= 1000000000L) t.tv_sec++, t.tv_nsec -= 1000000000L;
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, nullptr);
    pid_t pid;
    if (posix_spawn(&pid, child[0], nullptr, nullptr, child.data(), environ) ==
        0) {
      std::fprintf(pids, "%d\n", pid);
      ++made;
      ++running;
    }
    while (running > 0 && waitpid(-1, nullptr, WNOHANG) > 0) --running;
  }
  while (running > 0 && waitpid(-1, nullptr, 0) > 0) --running;
  timespec end;
  clock_gettime(CLOCK_MONOTONIC, &end);
  double took =
      (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
  std::fclose(pids);
  std::printf("made %ld execs in %.2f s (%.0f/s)\n", made, took, made / took);
  return 0;
}
