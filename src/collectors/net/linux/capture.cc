#include "collectors/net/linux/capture.h"

#include <pcap/pcap.h>

namespace picket {

namespace {

struct DispatchContext {
  const Capture::PacketFn* fn;
  bool nano;
};

void OnPacket(u_char* user, const pcap_pkthdr* h, const u_char* bytes) {
  auto* ctx = reinterpret_cast<DispatchContext*>(user);
  int64_t ns = static_cast<int64_t>(h->ts.tv_sec) * 1000000000 +
               static_cast<int64_t>(h->ts.tv_usec) * (ctx->nano ? 1 : 1000);
  (*ctx->fn)(bytes, h->caplen, ns);
}

Status PcapError(const std::string& what, pcap* p) {
  return Status::IOError(what + ": " + pcap_geterr(p));
}

}  // namespace

Result<std::unique_ptr<Capture>> Capture::OpenLive(const std::string& device,
                                                   int snaplen,
                                                   const std::string& filter,
                                                   int buffer_bytes) {
  char err[PCAP_ERRBUF_SIZE] = {0};
  pcap* p = pcap_create(device.c_str(), err);
  if (p == nullptr)
    return Status::IOError("pcap_create " + device + ": " + err);
  std::unique_ptr<Capture> cap(new Capture(p));
  pcap_set_snaplen(p, snaplen);
  pcap_set_promisc(p, 0);
  // Packets are handed over in blocks, when a block fills or 100 ms after
  // its first packet: at 500 new connections/s that is 10 wake-ups a
  // second instead of 1000, for a third of the CPU, and 100 ms is a tenth
  // of the one-second alert budget.
  pcap_set_timeout(p, 100);
  pcap_set_buffer_size(p, buffer_bytes);
  pcap_set_immediate_mode(p, 0);
  int rc = pcap_activate(p);
  if (rc < 0) {
    std::string msg = rc == PCAP_ERROR_PERM_DENIED
                          ? "permission denied (needs CAP_NET_RAW)"
                          : pcap_geterr(p);
    return Status::Unavailable("capture on " + device + ": " + msg);
  }
  bpf_program prog;
  if (pcap_compile(p, &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    return PcapError("BPF filter \"" + filter + "\"", p);
  }
  rc = pcap_setfilter(p, &prog);
  pcap_freecode(&prog);
  if (rc != 0) return PcapError("pcap_setfilter", p);
  if (pcap_setnonblock(p, 1, err) != 0) {
    return Status::IOError(std::string("pcap_setnonblock: ") + err);
  }
  return cap;
}

Result<std::unique_ptr<Capture>> Capture::OpenFile(const std::string& path) {
  char err[PCAP_ERRBUF_SIZE] = {0};
  pcap* p = pcap_open_offline_with_tstamp_precision(
      path.c_str(), PCAP_TSTAMP_PRECISION_NANO, err);
  if (p == nullptr) return Status::InvalidArgument(path + ": " + err);
  return std::unique_ptr<Capture>(new Capture(p));
}

Capture::~Capture() { pcap_close(p_); }

int Capture::fd() const { return pcap_get_selectable_fd(p_); }

int Capture::link_type() const { return pcap_datalink(p_); }

Result<int> Capture::Dispatch(int max, const PacketFn& fn) {
  DispatchContext ctx{
      &fn, pcap_get_tstamp_precision(p_) == PCAP_TSTAMP_PRECISION_NANO};
  int n = pcap_dispatch(p_, max, OnPacket, reinterpret_cast<u_char*>(&ctx));
  if (n == PCAP_ERROR) return PcapError("pcap_dispatch", p_);
  return n < 0 ? 0 : n;
}

uint64_t Capture::kernel_drops() const {
  pcap_stat st{};
  if (pcap_stats(p_, &st) != 0) return 0;
  return st.ps_drop;
}

}  // namespace picket
