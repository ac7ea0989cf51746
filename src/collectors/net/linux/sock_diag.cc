#include "collectors/net/linux/sock_diag.h"

// clang-format off
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include <linux/tcp.h>
// clang-format on
#include <libmnl/libmnl.h>

#include <cerrno>
#include <cstring>

namespace picket {

namespace {

// mnl_nlmsg_ok() casts the length to int, so a header claiming 2 GiB or
// more passes it and mnl_nlmsg_next() then advances by nothing: check the
// length as the unsigned number it is.
bool NlmsgFits(const nlmsghdr* nlh, int remaining) {
  return remaining >= static_cast<int>(sizeof(nlmsghdr)) &&
         nlh->nlmsg_len >= sizeof(nlmsghdr) &&
         nlh->nlmsg_len <= static_cast<uint32_t>(remaining);
}

IpAddress FromDiag(uint8_t family, const __be32* words) {
  IpAddress a;
  a.family = family == AF_INET ? 4 : 6;
  std::memcpy(a.bytes.data(), words, family == AF_INET ? 4 : 16);
  return a;
}

}  // namespace

const char* TcpStateName(uint8_t state) {
  static const char* const kNames[] = {
      "unknown",   "established", "syn_sent",    "syn_recv",   "fin_wait1",
      "fin_wait2", "time_wait",   "close",       "close_wait", "last_ack",
      "listen",    "closing",     "new_syn_recv"};
  return state < sizeof kNames / sizeof kNames[0] ? kNames[state] : "unknown";
}

Status ParseInetDiagDatagram(const void* data, size_t len, uint8_t protocol,
                             std::vector<SocketInfo>* out, bool* done,
                             uint64_t* malformed) {
  int remaining = len > (1u << 30) ? (1 << 30) : static_cast<int>(len);
  const auto* nlh = static_cast<const nlmsghdr*>(data);
  if (remaining > 0 && !NlmsgFits(nlh, remaining)) {
    ++*malformed;
    return Status::Ok();
  }
  for (; NlmsgFits(nlh, remaining); nlh = mnl_nlmsg_next(nlh, &remaining)) {
    if (nlh->nlmsg_type == NLMSG_DONE) {
      *done = true;
      return Status::Ok();
    }
    if (nlh->nlmsg_type == NLMSG_ERROR) {
      if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(nlmsgerr)) {
        const auto* err =
            static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
        if (err->error != 0) return ErrnoStatus("sock_diag", -err->error);
      }
      *done = true;
      return Status::Ok();
    }
    if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
        mnl_nlmsg_get_payload_len(nlh) < sizeof(inet_diag_msg)) {
      ++*malformed;
      continue;
    }
    inet_diag_msg msg;
    std::memcpy(&msg, mnl_nlmsg_get_payload(nlh), sizeof msg);
    if (msg.idiag_family != AF_INET && msg.idiag_family != AF_INET6) {
      ++*malformed;
      continue;
    }
    SocketInfo s;
    s.protocol = protocol;
    s.local = FromDiag(msg.idiag_family, msg.id.idiag_src);
    s.remote = FromDiag(msg.idiag_family, msg.id.idiag_dst);
    s.local_port = ntohs(msg.id.idiag_sport);
    s.remote_port = ntohs(msg.id.idiag_dport);
    s.inode = msg.idiag_inode;
    s.uid = msg.idiag_uid;
    if (protocol == kProtoTcp) {
      s.state = TcpStateName(msg.idiag_state);
    } else {
      // UDP: state 7 (TCP_CLOSE) means unconnected, 1 connected.
      s.state = msg.idiag_state == 1 ? "established" : "unconnected";
    }
    if (s.remote.is_unspecified() && s.remote_port == 0) s.remote.family = 0;
    // Attributes follow the fixed message; tcp_info carries byte counters.
    const size_t fixed = MNL_ALIGN(sizeof(inet_diag_msg));
    const size_t payload_len = mnl_nlmsg_get_payload_len(nlh);
    int attr_left =
        payload_len > fixed ? static_cast<int>(payload_len - fixed) : 0;
    const auto* attr = reinterpret_cast<const nlattr*>(
        static_cast<const char*>(mnl_nlmsg_get_payload(nlh)) + fixed);
    for (; mnl_attr_ok(attr, attr_left);
         attr_left -= static_cast<int>(MNL_ALIGN(attr->nla_len)),
         attr = mnl_attr_next(attr)) {
      if (mnl_attr_get_type(attr) != INET_DIAG_INFO) continue;
      size_t alen = mnl_attr_get_payload_len(attr);
      tcp_info info;
      std::memset(&info, 0, sizeof info);
      std::memcpy(&info, mnl_attr_get_payload(attr),
                  alen < sizeof info ? alen : sizeof info);
      constexpr size_t kNeed = offsetof(tcp_info, tcpi_bytes_received) +
                               sizeof(info.tcpi_bytes_received);
      if (alen >= kNeed) {
        s.bytes_sent = info.tcpi_bytes_acked;
        s.bytes_received = info.tcpi_bytes_received;
      }
    }
    out->push_back(std::move(s));
  }
  return Status::Ok();
}

Result<std::unique_ptr<SockDiag>> SockDiag::Open() {
  mnl_socket* nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
  if (nl == nullptr) return ErrnoStatus("sock_diag socket", errno);
  std::unique_ptr<SockDiag> diag(new SockDiag(nl));
  if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) != 0) {
    return ErrnoStatus("sock_diag bind", errno);
  }
  return diag;
}

SockDiag::~SockDiag() { mnl_socket_close(nl_); }

Status SockDiag::Dump(uint8_t protocol, std::vector<SocketInfo>* out) {
  PICKET_RETURN_IF_ERROR(DumpFamily(AF_INET, protocol, out));
  return DumpFamily(AF_INET6, protocol, out);
}

Status SockDiag::DumpFamily(uint8_t family, uint8_t protocol,
                            std::vector<SocketInfo>* out) {
  alignas(nlmsghdr) char buf[MNL_SOCKET_BUFFER_SIZE];
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  nlh->nlmsg_seq = seq_++;
  auto* req = static_cast<inet_diag_req_v2*>(
      mnl_nlmsg_put_extra_header(nlh, sizeof(inet_diag_req_v2)));
  req->sdiag_family = family;
  req->sdiag_protocol = protocol;
  // Every state but TIME_WAIT (6, as in TcpStateName): after a burst of
  // short connections tens of thousands linger for a minute, and nothing
  // reads them; dumping them cost megabytes and CPU at every poll.
  constexpr uint32_t kTcpTimeWait = 6;
  req->idiag_states = ~(1u << kTcpTimeWait);
  if (protocol == kProtoTcp) req->idiag_ext = 1 << (INET_DIAG_INFO - 1);
  if (mnl_socket_sendto(nl_, nlh, nlh->nlmsg_len) < 0) {
    return ErrnoStatus("sock_diag send", errno);
  }
  bool done = false;
  alignas(nlmsghdr) static thread_local char rbuf[32768];
  while (!done) {
    ssize_t n = mnl_socket_recvfrom(nl_, rbuf, sizeof rbuf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("sock_diag recv", errno);
    }
    if (n == 0) break;
    PICKET_RETURN_IF_ERROR(ParseInetDiagDatagram(
        rbuf, static_cast<size_t>(n), protocol, out, &done, &malformed_));
  }
  return Status::Ok();
}

}  // namespace picket
