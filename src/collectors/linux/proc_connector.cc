#include "collectors/linux/proc_connector.h"

// clang-format off
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/connector.h>
#include <linux/cn_proc.h>
// clang-format on
#include <libmnl/libmnl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <thread>

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

constexpr int kVerifyTimeoutMs = 1000;
constexpr size_t kMaxBacklog = 4096;
}  // namespace

void ParseProcConnectorDatagram(const void* data, size_t len,
                                std::vector<ProcConnEvent>* out,
                                uint64_t* malformed) {
  // libmnl's framing helpers validate each header against the bytes left.
  int remaining = len > 1 << 30 ? 1 << 30 : static_cast<int>(len);
  const auto* nlh = static_cast<const nlmsghdr*>(data);
  if (remaining > 0 && !NlmsgFits(nlh, remaining)) {
    ++*malformed;
    return;
  }
  for (; NlmsgFits(nlh, remaining); nlh = mnl_nlmsg_next(nlh, &remaining)) {
    if (nlh->nlmsg_type == NLMSG_NOOP) continue;
    if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_OVERRUN) {
      ++*malformed;
      continue;
    }
    size_t payload_len = mnl_nlmsg_get_payload_len(nlh);
    if (payload_len < sizeof(cn_msg)) {
      ++*malformed;
      continue;
    }
    cn_msg msg;
    std::memcpy(&msg, mnl_nlmsg_get_payload(nlh), sizeof msg);
    if (msg.id.idx != CN_IDX_PROC || msg.id.val != CN_VAL_PROC ||
        msg.len > payload_len - sizeof(cn_msg)) {
      ++*malformed;
      continue;
    }
    // The fixed header of proc_event (what, cpu, timestamp) precedes a union;
    // each member must fit in what the message says it carries.
    constexpr size_t kHeader = offsetof(proc_event, event_data);
    if (msg.len < kHeader) {
      ++*malformed;
      continue;
    }
    proc_event ev;
    std::memset(&ev, 0, sizeof ev);
    size_t copy = msg.len < sizeof ev ? msg.len : sizeof ev;
    std::memcpy(
        &ev,
        static_cast<const char*>(mnl_nlmsg_get_payload(nlh)) + sizeof(cn_msg),
        copy);
    ProcConnEvent pe;
    pe.ktime_ns = ev.timestamp_ns;
    switch (ev.what) {
      case proc_event::PROC_EVENT_FORK:
        if (copy < kHeader + sizeof(ev.event_data.fork)) {
          ++*malformed;
          continue;
        }
        pe.kind = ProcConnEvent::Kind::kFork;
        pe.parent_pid = ev.event_data.fork.parent_pid;
        pe.parent_tgid = ev.event_data.fork.parent_tgid;
        pe.pid = ev.event_data.fork.child_pid;
        pe.tgid = ev.event_data.fork.child_tgid;
        break;
      case proc_event::PROC_EVENT_EXEC:
        if (copy < kHeader + sizeof(ev.event_data.exec)) {
          ++*malformed;
          continue;
        }
        pe.kind = ProcConnEvent::Kind::kExec;
        pe.pid = ev.event_data.exec.process_pid;
        pe.tgid = ev.event_data.exec.process_tgid;
        break;
      case proc_event::PROC_EVENT_EXIT:
        if (copy < kHeader + sizeof(ev.event_data.exit)) {
          ++*malformed;
          continue;
        }
        pe.kind = ProcConnEvent::Kind::kExit;
        pe.pid = ev.event_data.exit.process_pid;
        pe.tgid = ev.event_data.exit.process_tgid;
        pe.exit_code = ev.event_data.exit.exit_code;
        break;
      default:
        continue;  // uid/gid/sid/comm/ptrace/coredump: not used
    }
    if (pe.pid <= 0 || pe.tgid <= 0) {
      ++*malformed;
      continue;
    }
    out->push_back(pe);
  }
}

Result<std::unique_ptr<ProcConnector>> ProcConnector::Open(int rcvbuf_bytes) {
  mnl_socket* nl = mnl_socket_open2(NETLINK_CONNECTOR, SOCK_CLOEXEC);
  if (nl == nullptr) return ErrnoStatus("proc connector socket", errno);
  std::unique_ptr<ProcConnector> conn(new ProcConnector(nl));
  int fd = mnl_socket_get_fd(nl);
  // SO_RCVBUFFORCE passes the system cap for a privileged caller; fall back
  // to the capped option otherwise.
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf_bytes,
                 sizeof rcvbuf_bytes) != 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf_bytes, sizeof rcvbuf_bytes);
  }
  if (mnl_socket_bind(nl, CN_IDX_PROC, MNL_SOCKET_AUTOPID) != 0) {
    return ErrnoStatus("proc connector bind", errno);
  }
  PICKET_RETURN_IF_ERROR(conn->Subscribe(true));
  PICKET_RETURN_IF_ERROR(conn->VerifyDelivery(kVerifyTimeoutMs));
  return conn;
}

Status ProcConnector::VerifyDelivery(int timeout_ms) {
  // Subscribing succeeds in places where no event is ever delivered (a
  // container's PID namespace), so prove delivery: our own thread creation
  // must come back as a fork event. Other events read meanwhile are kept.
  const pid_t self = getpid();
  std::thread([] {}).join();
  bool seen = false;
  auto on_event = [&](const ProcConnEvent& ev) {
    // A new thread's fork event names it as a thread of our process (its
    // "parent" fields are our own parent's).
    if (ev.kind == ProcConnEvent::Kind::kFork && ev.tgid == self &&
        ev.pid != self) {
      seen = true;
      return;
    }
    if (backlog_.size() < kMaxBacklog) backlog_.push_back(ev);
  };
  for (int waited = 0; !seen && waited < timeout_ms; waited += 10) {
    pollfd pfd{fd(), POLLIN, 0};
    if (poll(&pfd, 1, 10) <= 0) continue;
    Status st = ReadDatagrams(on_event);
    if (!st.ok() && st.code() != Status::Code::kResourceExhausted) return st;
  }
  if (!seen) {
    return Status::Unavailable(
        "subscribed, but no process event arrived within " +
        std::to_string(timeout_ms) +
        " ms (PID namespace, or kernel without CONFIG_PROC_EVENTS?)");
  }
  return Status::Ok();
}

ProcConnector::~ProcConnector() {
  (void)Subscribe(false);
  mnl_socket_close(nl_);
}

int ProcConnector::fd() const { return mnl_socket_get_fd(nl_); }

Status ProcConnector::Subscribe(bool on) {
  alignas(nlmsghdr) char buf[NLMSG_SPACE(sizeof(cn_msg) + sizeof(int))];
  std::memset(buf, 0, sizeof buf);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = NLMSG_DONE;
  nlh->nlmsg_pid = mnl_socket_get_portid(nl_);
  auto* msg = static_cast<cn_msg*>(
      mnl_nlmsg_put_extra_header(nlh, sizeof(cn_msg) + sizeof(int)));
  msg->id.idx = CN_IDX_PROC;
  msg->id.val = CN_VAL_PROC;
  msg->len = sizeof(int);
  int op = on ? PROC_CN_MCAST_LISTEN : PROC_CN_MCAST_IGNORE;
  std::memcpy(msg->data, &op, sizeof op);
  if (mnl_socket_sendto(nl_, nlh, nlh->nlmsg_len) < 0) {
    return ErrnoStatus("proc connector subscribe", errno);
  }
  return Status::Ok();
}

Status ProcConnector::ReadAvailable(
    const std::function<void(const ProcConnEvent&)>& cb) {
  if (!backlog_.empty()) {
    std::vector<ProcConnEvent> backlog;
    backlog.swap(backlog_);
    for (const ProcConnEvent& ev : backlog) cb(ev);
  }
  return ReadDatagrams(cb);
}

Status ProcConnector::ReadDatagrams(
    const std::function<void(const ProcConnEvent&)>& cb) {
  alignas(nlmsghdr) char buf[8192];
  // Bounded per call so one storm cannot starve the rest of the loop; the
  // socket stays readable and the loop calls back.
  for (int i = 0; i < 256; ++i) {
    ssize_t n = recv(fd(), buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
      if (errno == ENOBUFS) {
        return Status::ResourceExhausted("proc connector overrun (ENOBUFS)");
      }
      return ErrnoStatus("proc connector recv", errno);
    }
    scratch_.clear();
    ParseProcConnectorDatagram(buf, static_cast<size_t>(n), &scratch_,
                               &malformed_);
    for (const ProcConnEvent& ev : scratch_) cb(ev);
  }
  return Status::Ok();
}

}  // namespace picket
