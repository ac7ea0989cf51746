#include "collectors/net/linux/capture.h"

#include "platform/linux/lib_pcap.h"

namespace picket {

namespace {

// libpcap's functions; only called once a capture is open, which loaded the
// library.
const LibPcapApi& Pcap() { return *LibPcap(); }

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
  return Status::IOError(what + ": " + Pcap().pcap_geterr(p));
}

}  // namespace

Result<std::unique_ptr<Capture>> Capture::OpenLive(const std::string& device,
                                                   int snaplen,
                                                   const std::string& filter,
                                                   int buffer_bytes) {
  if (!LibPcap().ok()) return LibPcap().status();
  char err[PCAP_ERRBUF_SIZE] = {0};
  pcap* p = Pcap().pcap_create(device.c_str(), err);
  if (p == nullptr)
    return Status::IOError("pcap_create " + device + ": " + err);
  std::unique_ptr<Capture> cap(new Capture(p));
  Pcap().pcap_set_snaplen(p, snaplen);
  Pcap().pcap_set_promisc(p, 0);
  // Packets are handed over in blocks, when a block fills or 100 ms after
  // its first packet: at 500 new connections/s that is 10 wake-ups a
  // second instead of 1000, for a third of the CPU, and 100 ms is a tenth
  // of the one-second alert budget.
  Pcap().pcap_set_timeout(p, 100);
  Pcap().pcap_set_buffer_size(p, buffer_bytes);
  Pcap().pcap_set_immediate_mode(p, 0);
  int rc = Pcap().pcap_activate(p);
  if (rc < 0) {
    std::string msg = rc == PCAP_ERROR_PERM_DENIED
                          ? "permission denied (needs CAP_NET_RAW)"
                          : Pcap().pcap_geterr(p);
    return Status::Unavailable("capture on " + device + ": " + msg);
  }
  bpf_program prog;
  if (Pcap().pcap_compile(p, &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) !=
      0) {
    return PcapError("BPF filter \"" + filter + "\"", p);
  }
  rc = Pcap().pcap_setfilter(p, &prog);
  Pcap().pcap_freecode(&prog);
  if (rc != 0) return PcapError("pcap_setfilter", p);
  if (Pcap().pcap_setnonblock(p, 1, err) != 0) {
    return Status::IOError(std::string("pcap_setnonblock: ") + err);
  }
  return cap;
}

Result<std::unique_ptr<Capture>> Capture::OpenFile(const std::string& path) {
  if (!LibPcap().ok()) return LibPcap().status();
  char err[PCAP_ERRBUF_SIZE] = {0};
  pcap* p = Pcap().pcap_open_offline_with_tstamp_precision(
      path.c_str(), PCAP_TSTAMP_PRECISION_NANO, err);
  if (p == nullptr) return Status::InvalidArgument(path + ": " + err);
  return std::unique_ptr<Capture>(new Capture(p));
}

Capture::~Capture() { Pcap().pcap_close(p_); }

int Capture::fd() const { return Pcap().pcap_get_selectable_fd(p_); }

int Capture::link_type() const { return Pcap().pcap_datalink(p_); }

Result<int> Capture::Dispatch(int max, const PacketFn& fn) {
  DispatchContext ctx{
      &fn, Pcap().pcap_get_tstamp_precision(p_) == PCAP_TSTAMP_PRECISION_NANO};
  int n =
      Pcap().pcap_dispatch(p_, max, OnPacket, reinterpret_cast<u_char*>(&ctx));
  if (n == PCAP_ERROR) return PcapError("pcap_dispatch", p_);
  return n < 0 ? 0 : n;
}

uint64_t Capture::kernel_drops() const {
  pcap_stat st{};
  if (Pcap().pcap_stats(p_, &st) != 0) return 0;
  return st.ps_drop;
}

}  // namespace picket
