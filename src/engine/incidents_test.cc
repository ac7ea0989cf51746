#include "engine/incidents.h"

#include <gtest/gtest.h>

#include <memory>

namespace picket {
namespace {

constexpr int64_t kSecond = 1000000000;

Event ProcessEventOf(EventType type, int32_t pid, int32_t ppid,
                     int64_t start_ns = 0, int32_t parent_pid = 0) {
  Event e;
  e.type = type;
  e.time_ns = 1700000000 * kSecond;
  ProcessEvent pe;
  pe.process.pid = pid;
  pe.process.ppid = ppid;
  pe.process.start_time_ns = start_ns;
  pe.parent_pid = parent_pid;
  e.payload = pe;
  return e;
}

Event Flow(int32_t pid, int64_t time_ns) {
  Event e;
  e.type = EventType::kNetworkConnection;
  e.time_ns = time_ns;
  NetworkEvent ne;
  ne.pid = pid;
  e.payload = ne;
  return e;
}

Alert AlertOn(const Event& evidence) {
  Alert a;
  a.type_id = "test.alert";
  a.evidence = std::make_shared<const Event>(evidence);
  return a;
}

TEST(IncidentsTest, AlertsOnOneProcessShareOneIncident) {
  IncidentTracker t;
  Event exec = ProcessEventOf(EventType::kProcessExec, 1377, 1290,
                              1700000000 * kSecond + 100000000);
  Alert from_temp = AlertOn(exec);
  t.Assign(&from_temp);
  EXPECT_EQ(from_temp.incident, "1377-1700000000100");
  Alert sweep = AlertOn(Flow(1377, 1700000005 * kSecond));
  t.Assign(&sweep);
  EXPECT_EQ(sweep.incident, from_temp.incident);
  Alert other = AlertOn(Flow(2000, 1700000006 * kSecond));
  t.Assign(&other);
  EXPECT_EQ(other.incident, "2000-1700000006000");
  EXPECT_EQ(t.opened(), 2u);
}

TEST(IncidentsTest, ChildrenJoinTheirParentsIncident) {
  IncidentTracker t;
  Alert parent = AlertOn(ProcessEventOf(EventType::kProcessExec, 100, 1, 5));
  t.Assign(&parent);
  // Forked after the alert: in the incident from the fork on.
  t.OnEvent(ProcessEventOf(EventType::kProcessFork, 101, 100, 0, 100));
  Alert child = AlertOn(Flow(101, 9));
  t.Assign(&child);
  EXPECT_EQ(child.incident, parent.incident);
  // Not seen forking (fork events off): its parent pid names the incident.
  Alert grandchild =
      AlertOn(ProcessEventOf(EventType::kProcessExec, 102, 101, 7));
  t.Assign(&grandchild);
  EXPECT_EQ(grandchild.incident, parent.incident);
  EXPECT_EQ(t.opened(), 1u);
}

TEST(IncidentsTest, AnExitedPidStartsAFreshIncident) {
  IncidentTracker t;
  Alert first = AlertOn(ProcessEventOf(EventType::kProcessExec, 300, 1, 1));
  t.Assign(&first);
  t.OnEvent(ProcessEventOf(EventType::kProcessExit, 300, 1));
  Alert reused =
      AlertOn(ProcessEventOf(EventType::kProcessExec, 300, 1, 2 * kSecond));
  t.Assign(&reused);
  EXPECT_NE(reused.incident, first.incident);
  EXPECT_EQ(reused.incident, "300-2000");
}

TEST(IncidentsTest, AlertsWithoutAProcessHaveNone) {
  IncidentTracker t;
  Alert unknown_owner = AlertOn(Flow(0, 5));
  t.Assign(&unknown_owner);
  EXPECT_TRUE(unknown_owner.incident.empty());
  Alert no_evidence;
  t.Assign(&no_evidence);
  EXPECT_TRUE(no_evidence.incident.empty());
  Alert preset = AlertOn(Flow(5, 5));
  preset.incident = "set-by-detector";
  t.Assign(&preset);
  EXPECT_EQ(preset.incident, "set-by-detector");
  EXPECT_EQ(t.size(), 0u);
}

TEST(IncidentsTest, MemoryIsBoundedAndEvictionCounted) {
  IncidentTracker t(8);
  for (int32_t pid = 1; pid <= 1000; ++pid) {
    Alert a = AlertOn(Flow(pid, pid));
    t.Assign(&a);
    if (pid % 3 == 0)
      t.OnEvent(ProcessEventOf(EventType::kProcessExit, pid, 1));
  }
  EXPECT_LE(t.size(), 8u);
  EXPECT_GT(t.evicted(), 0u);
  EXPECT_EQ(t.opened(), 1000u);
  // The newest is still known.
  Alert again = AlertOn(Flow(1000, 1));
  t.Assign(&again);
  EXPECT_EQ(again.incident, "1000-0");
}

}  // namespace
}  // namespace picket
