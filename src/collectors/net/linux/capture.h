// Capture: a libpcap handle, live (non-blocking, selectable) or on a file.
// Only headers are captured live (a short snaplen) except where a filter
// asks for payload (DNS answers), so capture costs stay small. Used on the
// event-loop thread only.
#ifndef PICKET_COLLECTORS_NET_LINUX_CAPTURE_H_
#define PICKET_COLLECTORS_NET_LINUX_CAPTURE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "picket/status.h"

struct pcap;

namespace picket {

class Capture {
 public:
  using PacketFn =
      std::function<void(const uint8_t* data, size_t caplen, int64_t time_ns)>;

  // Opens `device` ("any", "eth0", ...) with `snaplen` bytes per packet, a
  // BPF `filter` and a kernel buffer of `buffer_bytes`.
  static Result<std::unique_ptr<Capture>> OpenLive(const std::string& device,
                                                   int snaplen,
                                                   const std::string& filter,
                                                   int buffer_bytes);
  // Opens a capture file (pcap or pcapng) for replay.
  static Result<std::unique_ptr<Capture>> OpenFile(const std::string& path);
  ~Capture();

  int fd() const;  // selectable descriptor (live only)
  int link_type() const;

  // Handles up to `max` packets (-1: all available). Returns how many, or
  // an error. For a file, 0 means the end.
  Result<int> Dispatch(int max, const PacketFn& fn);

  // Packets the kernel dropped because we did not read fast enough.
  uint64_t kernel_drops() const;

 private:
  explicit Capture(pcap* p) : p_(p) {}
  pcap* p_;
};

}  // namespace picket

#endif  // PICKET_COLLECTORS_NET_LINUX_CAPTURE_H_
