#include "collectors/net/linux/network_collector.h"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace picket {

// TCP: SYN without ACK (connection attempts; IPv6 without extension headers,
// as BPF cannot walk them); all UDP except DNS answers; all ICMP.
const char kHeaderCaptureFilter[] =
    "(tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn)"
    " or (ip6 and ip6[6] == 6 and ip6[53] & 0x12 == 0x02)"
    " or (udp and not src port 53) or icmp or icmp6";
const char kDnsCaptureFilter[] = "udp and src port 53";

namespace {

constexpr int kHeaderSnaplen = 128;
constexpr int kDnsSnaplen = 1500;
constexpr uint64_t kMinDnsBuffer = 64 << 10;
constexpr int kPacketType_Outgoing = 4;  // PACKET_OUTGOING in cooked headers

}  // namespace

NetworkCollector::NetworkCollector(NetworkCollectorConfig config,
                                   std::string root, const Clock* clock)
    : config_(std::move(config)),
      root_(std::move(root)),
      clock_(clock),
      owners_(root_, 200) {}

NetworkCollector::~NetworkCollector() { Stop(); }

Status NetworkCollector::Start(EventLoop& loop, EventSubmitter& out) {
  loop_ = &loop;
  out_ = &out;
  NetworkEngineOptions opts;
  opts.report_interval_ms = config_.report_interval_ms;
  opts.max_flows = config_.max_flows;
  opts.source = "pcap";
  engine_ = std::make_unique<NetworkEngine>(
      opts, [this](Event e) { Emit(std::move(e)); },
      [this](uint8_t protocol, const IpAddress& local, uint16_t port,
             SocketOwner* owner) {
        return ResolveOwner(protocol, local, port, owner);
      });
  RefreshLocalAddresses();

  auto diag = SockDiag::Open();
  std::string sockets;
  if (diag.ok()) {
    diag_ = std::move(diag.value());
    sockets = "sock_diag every " +
              std::to_string(config_.socket_poll_interval_ms) + " ms";
  } else {
    sockets = "sock_diag unavailable (" + diag.status().message() + ")";
  }

  std::string capture = "capture off (configured)";
  if (config_.capture) {
    std::vector<std::string> failures;
    for (const std::string& device : config_.interfaces) {
      for (int dns = 0; dns < 2; ++dns) {
        // DNS answers come at a small fraction of the rate of connection
        // attempts: their ring gets a quarter of the buffer (the whole ring
        // is resident from the start, 2.6 MiB at 2 MiB before).
        const uint64_t buffer =
            dns ? std::max<uint64_t>(kMinDnsBuffer,
                                     config_.capture_buffer_bytes / 4)
                : config_.capture_buffer_bytes;
        auto cap =
            Capture::OpenLive(device, dns ? kDnsSnaplen : kHeaderSnaplen,
                              dns ? kDnsCaptureFilter : kHeaderCaptureFilter,
                              static_cast<int>(buffer));
        if (!cap.ok()) {
          failures.push_back(cap.status().message());
          break;
        }
        Capture* raw = cap.value().get();
        handles_.push_back(Handle{std::move(cap.value()), device});
        PICKET_RETURN_IF_ERROR(
            loop.AddFd(raw->fd(), [this, device] { ReadDevice(device); }));
      }
    }
    if (!handles_.empty()) {
      capture = "capture on";
      for (const std::string& device : config_.interfaces) {
        capture += " " + device;
      }
    } else {
      capture = "capture unavailable";
    }
    if (!failures.empty()) capture += " (" + failures.front() + ")";
  }
  EmitStatus("mode", sockets + "; " + capture);
  if (!diag_ && handles_.empty()) {
    return Status::Unavailable("network collector: no source: " + sockets +
                               "; " + capture);
  }

  PollSockets();
  if (diag_) {
    timers_.push_back(loop.AddTimer(config_.socket_poll_interval_ms,
                                    config_.socket_poll_interval_ms,
                                    [this] { PollSockets(); }));
  }
  timers_.push_back(loop.AddTimer(config_.report_interval_ms,
                                  config_.report_interval_ms, [this] {
                                    engine_->Flush(clock_->RealtimeNs());
                                    RefreshLocalAddresses();
                                  }));
  return Status::Ok();
}

void NetworkCollector::Stop() {
  if (loop_ == nullptr) return;
  for (auto id : timers_) loop_->CancelTimer(id);
  timers_.clear();
  for (Handle& h : handles_) {
    loop_->RemoveFd(h.capture->fd());
    retired_kernel_drops_ += h.capture->kernel_drops();
  }
  handles_.clear();
  if (diag_) retired_sock_diag_malformed_ += diag_->malformed();
  if (engine_) engine_->Flush(clock_->RealtimeNs());
  diag_.reset();
  loop_ = nullptr;
}

void NetworkCollector::RefreshLocalAddresses() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return;
  std::vector<IpAddress> addresses;
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr) continue;
    IpAddress a;
    if (i->ifa_addr->sa_family == AF_INET) {
      a.family = 4;
      std::memcpy(a.bytes.data(),
                  &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, 4);
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      a.family = 6;
      std::memcpy(a.bytes.data(),
                  &reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr, 16);
    } else {
      continue;
    }
    addresses.push_back(a);
  }
  freeifaddrs(list);
  engine_->SetLocalAddresses(std::move(addresses));
}

void NetworkCollector::PollSockets() {
  if (!diag_) return;
  std::vector<SocketInfo> sockets;
  Status st = diag_->Dump(kProtoTcp, &sockets);
  if (st.ok()) st = diag_->Dump(kProtoUdp, &sockets);
  ++socket_dumps_;
  if (!st.ok()) {
    ++socket_dump_errors_;
    return;
  }
  int64_t now_ms = loop_->NowMs();
  int64_t now_ns = clock_->RealtimeNs();
  // Listeners first, so connected sockets can be classified as inbound.
  std::stable_partition(sockets.begin(), sockets.end(), [](const auto& s) {
    return s.state == "listen" || s.remote.family == 0;
  });
  engine_->BeginSocketScan();
  owners_.BeginPoll();
  for (SocketInfo& s : sockets) {
    if (s.state == "time_wait") continue;  // no owner, already counted
    owners_.Lookup(s.inode, now_ms, &s.owner);
    engine_->OnSocket(s, now_ns, handles_.empty());
  }
  owners_.EndPoll();
  engine_->EndSocketScan(now_ns);
  last_sockets_ = std::move(sockets);
}

bool NetworkCollector::ResolveOwner(uint8_t protocol, const IpAddress& local,
                                    uint16_t local_port, SocketOwner* out) {
  auto find = [&]() -> bool {
    const SocketInfo* wildcard = nullptr;
    for (const SocketInfo& s : last_sockets_) {
      if (s.protocol != protocol || s.local_port != local_port) continue;
      if (s.local == local) {
        if (s.owner.pid == 0) continue;
        *out = s.owner;
        return true;
      }
      if (s.owner.pid != 0) wildcard = &s;  // bound to any address
    }
    if (wildcard != nullptr) {
      *out = wildcard->owner;
      return true;
    }
    return false;
  };
  if (find()) return true;
  // A socket newer than the last dump: dump again, at most 20 times a second.
  int64_t now_ms = loop_->NowMs();
  if (!diag_ || now_ms - last_targeted_dump_ms_ < 50) return false;
  last_targeted_dump_ms_ = now_ms;
  std::vector<SocketInfo> sockets;
  if (!diag_->Dump(protocol, &sockets).ok()) return false;
  // Every socket of the dump gets its owner, not only this port's: the
  // dump stands in for the last one until the next poll, and another flow
  // seen in the same capture block (the other end of a loopback connection,
  // a second short connection) is looked up in it within the 50 ms during
  // which no new dump is made. Known inodes cost a map lookup; the unknown
  // ones share one scan of the known owners' descriptors.
  owners_.BeginLookups();
  for (SocketInfo& s : sockets) owners_.Lookup(s.inode, now_ms, &s.owner);
  // Keep the other protocol's sockets from the last full dump.
  for (SocketInfo& s : last_sockets_) {
    if (s.protocol != protocol) sockets.push_back(std::move(s));
  }
  last_sockets_ = std::move(sockets);
  return find();
}

void NetworkCollector::ReadDevice(const std::string& device) {
  // Handles are added headers first, DNS second: read in reverse.
  for (auto it = handles_.rbegin(); it != handles_.rend(); ++it) {
    if (it->device == device) ReadCapture(*it->capture);
  }
}

void NetworkCollector::ReadCapture(Capture& capture) {
  const int link = capture.link_type();
  auto n = capture.Dispatch(
      256, [&](const uint8_t* data, size_t caplen, int64_t time_ns) {
        DecodedPacket p;
        DecodeResult r = DecodePacket(link, data, caplen, &p);
        if (r == DecodeResult::kMalformed) {
          ++decode_malformed_;
          return;
        }
        if (r != DecodeResult::kOk) {
          ++decode_unsupported_;
          return;
        }
        // On the "any" device a loopback packet shows up twice: once leaving,
        // once arriving. Keep the arriving copy.
        if (p.packet_type == kPacketType_Outgoing && p.dst.is_loopback()) {
          ++loopback_duplicates_;
          return;
        }
        engine_->OnPacket(p, time_ns);
      });
  if (!n.ok()) EmitStatus("error", n.status().message());
}

void NetworkCollector::Emit(Event event) {
  if (out_->Submit(std::move(event))) {
    ++events_;
  } else {
    ++dropped_;
  }
}

void NetworkCollector::EmitStatus(const std::string& state,
                                  const std::string& detail) {
  Event event = MakeStatusEvent(clock_->RealtimeNs(), name(), state, detail);
  Emit(std::move(event));
}

ComponentStats NetworkCollector::Stats() const {
  ComponentStats stats{name(), {{"events", events_}, {"dropped", dropped_}}};
  if (engine_) {
    for (auto& c : engine_->Counters()) stats.counters.push_back(c);
  }
  uint64_t kernel_drops = retired_kernel_drops_;
  for (const Handle& h : handles_) kernel_drops += h.capture->kernel_drops();
  stats.counters.push_back({"capture_kernel_drops", kernel_drops});
  stats.counters.push_back({"decode_malformed", decode_malformed_});
  stats.counters.push_back({"decode_unsupported", decode_unsupported_});
  stats.counters.push_back({"loopback_duplicates", loopback_duplicates_});
  stats.counters.push_back({"socket_dumps", socket_dumps_});
  stats.counters.push_back({"socket_dump_errors", socket_dump_errors_});
  stats.counters.push_back(
      {"sock_diag_malformed",
       retired_sock_diag_malformed_ + (diag_ ? diag_->malformed() : 0)});
  stats.counters.push_back({"owner_rescans", owners_.rescans()});
  stats.counters.push_back({"owner_pid_scans", owners_.pid_scans()});
  stats.counters.push_back({"unowned_sockets", owners_.unowned()});
  return stats;
}

}  // namespace picket
