// The kernel's process events connector (NETLINK_CONNECTOR, CN_IDX_PROC):
// fork, exec and exit notifications in real time, as they happen.
//
// ParseProcConnectorDatagram() is a pure function over the bytes of one
// received datagram, so it is unit-tested and fuzzed on crafted messages.
// ProcConnector owns the socket; it needs CAP_NET_ADMIN (root), and its
// Open() failing is the collector's cue to fall back to /proc polling.
// Used on the event-loop thread only.
#ifndef PICKET_COLLECTORS_LINUX_PROC_CONNECTOR_H_
#define PICKET_COLLECTORS_LINUX_PROC_CONNECTOR_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "picket/status.h"

struct mnl_socket;

namespace picket {

struct ProcConnEvent {
  enum class Kind : uint8_t { kFork, kExec, kExit };
  Kind kind = Kind::kExec;
  int32_t pid = 0;          // thread id of the subject (child for fork)
  int32_t tgid = 0;         // process id of the subject (child for fork)
  int32_t parent_pid = 0;   // fork only
  int32_t parent_tgid = 0;  // fork only
  uint32_t exit_code = 0;   // exit only, as from wait(2)
  uint64_t ktime_ns = 0;    // kernel monotonic time of the event

  // True when the subject is a whole process (not a thread of one).
  bool is_process() const { return pid == tgid; }
};

// Appends the fork/exec/exit events found in one datagram to `out`. Other
// proc events (uid, sid, comm, ...) are ignored. Messages that are truncated,
// overrun the datagram or do not come from the proc connector increment
// `*malformed` and are skipped.
void ParseProcConnectorDatagram(const void* data, size_t len,
                                std::vector<ProcConnEvent>* out,
                                uint64_t* malformed);

class ProcConnector {
 public:
  // Opens, binds, subscribes and checks that events really arrive (fails
  // with Unavailable where they do not, e.g. in a container). `rcvbuf_bytes`
  // sizes the socket buffer so a burst of execs does not overrun it.
  static Result<std::unique_ptr<ProcConnector>> Open(int rcvbuf_bytes);
  ~ProcConnector();

  int fd() const;

  // Reads every datagram queued on the socket and calls `on_event` for each
  // event, as soon as its datagram is parsed (enrichment from /proc must
  // race the process's exit). Returns ResourceExhausted when the kernel
  // reported an overrun (ENOBUFS): events were lost and the caller must
  // rescan /proc.
  Status ReadAvailable(const std::function<void(const ProcConnEvent&)>& cb);

  uint64_t malformed() const { return malformed_; }

 private:
  explicit ProcConnector(mnl_socket* nl) : nl_(nl) {}
  Status Subscribe(bool on);
  // Waits up to `timeout_ms` for proof that events are delivered.
  Status VerifyDelivery(int timeout_ms);
  Status ReadDatagrams(const std::function<void(const ProcConnEvent&)>& cb);

  mnl_socket* nl_;
  uint64_t malformed_ = 0;
  std::vector<ProcConnEvent> scratch_;
  std::vector<ProcConnEvent> backlog_;  // read while verifying delivery
};

}  // namespace picket

#endif  // PICKET_COLLECTORS_LINUX_PROC_CONNECTOR_H_
