// Heap held by the brute-force detector per tracked source address.
//
// Feeds BruteForceDetector failures from N distinct addresses (a distributed
// SSH guessing campaign: each address tries `--users` user names, cycling,
// `--failures` times, with the message text sshd logs), then reports the
// heap in use (mallinfo2) before and after, per address. Every address
// crosses the brute-force threshold, so each holds an active attack.
//
//   build/bench/bench/brute_force_memory [sources=4096] [failures=20]
//                                        [users=12]
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/config.h"
#include "detectors/brute_force.h"

namespace {

class Discard final : public picket::AlertEmitter {
 public:
  void Emit(picket::Alert) override { ++alerts; }
  size_t alerts = 0;
};

size_t HeapInUse() {
  malloc_trim(0);
  return mallinfo2().uordblks;
}

// Typical names guessed by IoT botnets and SSH scanners.
const char* const kUsers[] = {
    "root",    "admin",   "user",       "ubnt",    "support",  "pi",
    "oracle",  "test",    "guest",      "ftpuser", "postgres", "administrator",
    "default", "service", "supervisor", "telnet"};

}  // namespace

int main(int argc, char** argv) {
  const int sources = argc > 1 ? std::atoi(argv[1]) : 4096;
  const int failures = argc > 2 ? std::atoi(argv[2]) : 20;
  const int users = argc > 3 ? std::atoi(argv[3]) : 12;
  picket::BruteForceDetectorConfig config;
  config.max_tracked = static_cast<uint32_t>(sources);
  Discard out;
  const size_t before = HeapInUse();
  {
    picket::BruteForceDetector detector(config);
    const size_t empty = HeapInUse();
    int64_t t_ns = 1700000000LL * 1000000000;
    for (int f = 0; f < failures; ++f) {
      for (int s = 0; s < sources; ++s) {
        picket::Event e;
        e.type = picket::EventType::kLoginFailure;
        e.time_ns = t_ns;
        picket::LoginEvent l;
        l.service = "sshd";
        l.user = kUsers[(s + f) % users % 16];
        l.source_address =
            "203.0." + std::to_string(s / 256) + "." + std::to_string(s % 256);
        l.source_port = static_cast<uint16_t>(40000 + f);
        l.method = "password";
        l.reason = "bad_password";
        l.origin = "syslog:/var/log/auth.log";
        l.pid = 1000 + s;
        l.log_time_ns = t_ns;
        l.message = "Failed password for " + l.user + " from " +
                    l.source_address + " port " +
                    std::to_string(l.source_port) + " ssh2";
        e.payload = std::move(l);
        detector.OnEvent(e, out);
        t_ns += 1000000;  // 1 ms apart: every source stays in its window
      }
    }
    const size_t full = HeapInUse();
    std::printf(
        "%d sources x %d failures (%d user names): %zu alerts\n"
        "heap held by the detector: %.2f MiB, %.0f bytes per source\n",
        sources, failures, users, out.alerts,
        static_cast<double>(full - empty) / (1 << 20),
        static_cast<double>(full - empty) / sources);
  }
  std::printf("heap after the detector is destroyed: %+zd bytes\n",
              static_cast<ssize_t>(HeapInUse()) - static_cast<ssize_t>(before));
  return 0;
}
