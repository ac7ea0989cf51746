// Test support: typical process, network, DNS and login events, for the
// tests of detectors (and of anything else that consumes events). Each
// builder fills what detectors read with ordinary values (a root process,
// an outbound TCP flow of curl, an sshd password login) and leaves the
// envelope's device id and event id empty, as a collector does; a test sets
// the fields its assertions are about through the *Of() accessors. Not for
// the shipped binary.
#ifndef PICKET_TESTING_SAMPLE_EVENTS_H_
#define PICKET_TESTING_SAMPLE_EVENTS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "picket/event.h"

namespace picket::testing_util {

// The pid of the sample process and of the owner of sample connections.
inline constexpr int32_t kSamplePid = 1234;
// The device's own address in sample connections and DNS answers.
inline constexpr char kSampleLocalAddress[] = "192.168.1.10";

// A process event of `type` (exec, snapshot, changed, exit, fork) for `exe`:
// pid kSamplePid, ppid 1, uid 0 ("root"), argv {exe}, source "netlink".
Event SampleProcess(EventType type, std::string_view exe);
// SampleProcess(EventType::kProcessExec, exe).
Event SampleExec(std::string_view exe);

// A network.connection: one TCP flow between kSampleLocalAddress and
// `remote_address` port `remote_port` ("outbound" or "inbound"), owned by
// /usr/bin/curl (pid kSamplePid), one connection, source "sock_diag".
Event SampleConnection(std::string_view remote_address, uint16_t remote_port,
                       std::string_view direction = "outbound");

// A network.dns answer to an A query for `query` with `addresses`, asked by
// kSampleLocalAddress of 192.168.1.1, NOERROR, TTL 300, source "pcap".
Event SampleDns(std::string_view query,
                std::vector<std::string> addresses = {"203.0.113.9"});

// A login event of `type` (success, failure, logout) at `time_ns`: sshd,
// method "password", `user` from `source_address` ("" for a local login).
Event SampleLogin(EventType type, std::string_view user,
                  std::string_view source_address, int64_t time_ns = 0);

// A statistics event at `time_ns`, what the pipeline sends periodically: it
// moves the clock of time-windowed detectors on without being evidence.
Event SampleTick(int64_t time_ns);

// The payload of a sample event, to change before use. Throw
// std::bad_variant_access when the event holds another payload.
ProcessInfo& ProcessOf(Event& event);
NetworkEvent& ConnectionOf(Event& event);
DnsEvent& DnsOf(Event& event);
LoginEvent& LoginOf(Event& event);

}  // namespace picket::testing_util

#endif  // PICKET_TESTING_SAMPLE_EVENTS_H_
