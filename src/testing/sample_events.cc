#include "testing/sample_events.h"

#include <utility>
#include <variant>

namespace picket::testing_util {

namespace {

Event Envelope(EventType type, int64_t time_ns, Payload payload) {
  Event e;
  e.type = type;
  e.time_ns = time_ns;
  e.payload = std::move(payload);
  return e;
}

}  // namespace

Event SampleProcess(EventType type, std::string_view exe) {
  ProcessEvent pe;
  pe.process.pid = kSamplePid;
  pe.process.ppid = 1;
  pe.process.user = "root";
  pe.process.exe = std::string(exe);
  pe.process.argv = {std::string(exe)};
  pe.source = "netlink";
  return Envelope(type, 0, std::move(pe));
}

Event SampleExec(std::string_view exe) {
  return SampleProcess(EventType::kProcessExec, exe);
}

Event SampleConnection(std::string_view remote_address, uint16_t remote_port,
                       std::string_view direction) {
  NetworkEvent n;
  n.protocol = "tcp";
  n.direction = std::string(direction);
  n.local_address = kSampleLocalAddress;
  n.remote_address = std::string(remote_address);
  n.remote_port = remote_port;
  n.pid = kSamplePid;
  n.exe = "/usr/bin/curl";
  n.count = 1;
  n.source = "sock_diag";
  return Envelope(EventType::kNetworkConnection, 0, std::move(n));
}

Event SampleDns(std::string_view query, std::vector<std::string> addresses) {
  DnsEvent d;
  d.query = std::string(query);
  d.qtype = "A";
  d.rcode = "NOERROR";
  d.addresses = std::move(addresses);
  d.ttl = 300;
  d.server = "192.168.1.1";
  d.client = kSampleLocalAddress;
  d.source = "pcap";
  return Envelope(EventType::kNetworkDns, 0, std::move(d));
}

Event SampleLogin(EventType type, std::string_view user,
                  std::string_view source_address, int64_t time_ns) {
  LoginEvent l;
  l.service = "sshd";
  l.user = std::string(user);
  l.source_address = std::string(source_address);
  l.method = "password";
  return Envelope(type, time_ns, std::move(l));
}

Event SampleTick(int64_t time_ns) {
  return Envelope(EventType::kStatistics, time_ns, Statistics{});
}

ProcessInfo& ProcessOf(Event& event) {
  return std::get<ProcessEvent>(event.payload).process;
}

NetworkEvent& ConnectionOf(Event& event) {
  return std::get<NetworkEvent>(event.payload);
}

DnsEvent& DnsOf(Event& event) { return std::get<DnsEvent>(event.payload); }

LoginEvent& LoginOf(Event& event) {
  return std::get<LoginEvent>(event.payload);
}

}  // namespace picket::testing_util
