"""End to end, as root: the real agent on the real proc connector.

Copies /bin/true into a temporary directory and runs it (expects
process.exec_from_temp), runs a copy of sleep and deletes it (expects
process.deleted_executable), checks that every exec the test made appears as
a process.exec event with its pid, exe and argv, that SIGHUP with a broken
file keeps the running configuration, and that SIGTERM stops the agent
cleanly with a final statistics event and a 0600 JSONL file.
"""

import os
import shutil
import signal
import stat
import subprocess
import time

import harness

CONFIG = """
device:
  id: itest-device
state_dir: @DIR@
engine:
  statistics_interval: 1s
collectors:
  process:
    mode: netlink
    rescan_interval: 1s
sinks:
  jsonl:
    path: @DIR@/events.jsonl
"""


def main():
    args = harness.parse_args()
    harness.require_root("the proc connector")
    agent = harness.Agent(args.picket, CONFIG)
    try:
        run(agent)
    finally:
        if agent.proc.poll() is None:
            agent.proc.kill()


def run(agent):
    check = harness.check
    mode = agent.wait_for(
        lambda e: e["type"] == "agent.status"
        and e["payload"]["component"] == "collector.process"
        and e["payload"]["state"] == "mode", 10, "collector mode status")
    check("netlink" in mode["payload"]["detail"],
          f"expected netlink mode, got {mode['payload']['detail']}")
    # With fanotify the executed file is pinned even for instant exits.
    pinned = "pinned by fanotify" in mode["payload"]["detail"]
    # The snapshot includes this very test process.
    agent.wait_for(lambda e: e["type"] == "process.snapshot"
                   and e["payload"]["process"]["pid"] == os.getpid(), 10,
                   "snapshot of the test process")

    work = os.path.join(agent.dir, "bin")
    os.makedirs(work)

    # 1. A program executed from a temporary directory.
    tmp_true = os.path.join(work, "true")
    shutil.copy("/bin/true", tmp_true)
    t0 = time.monotonic()
    p = subprocess.Popen([tmp_true, "from-tmp"])
    p.wait()
    alert = agent.wait_for(
        lambda e: harness.is_alert(e, "process.exec_from_temp")
        and harness.evidence_pid(e) == p.pid, 5, "exec_from_temp alert")
    latency = time.monotonic() - t0
    payload = alert["payload"]
    check(payload["severity"] == "high", f"severity {payload['severity']}")
    check(payload["evidence"]["payload"]["process"]["exe"] == tmp_true,
          "evidence names the exe")
    for field in ("title", "description", "remediation", "detector"):
        check(payload.get(field), f"alert has {field}")
    print(f"exec_from_temp alert after {latency * 1000:.0f} ms")

    # 2. Many execs. Each must appear with its pid. Programs that live a
    # little (sleep 0.2) must also be fully enriched; one that exits within
    # a millisecond (echo) may be gone before /proc can be read, and is then
    # reported with partial=true.
    made = {}
    lived = set()
    for i in range(30):
        argv = ["/bin/echo", f"picket-itest-{i}"]
        q = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
        made[q.pid] = argv
        q.wait()
    sleepers = []
    for i in range(20):
        argv = ["/bin/sleep", f"0.{200 + i}"]
        q = subprocess.Popen(argv)
        made[q.pid] = argv
        lived.add(q.pid)
        sleepers.append(q)
    for q in sleepers:
        q.wait()
    made[p.pid] = [tmp_true, "from-tmp"]

    # 3. A running program whose file is deleted.
    tmp_sleep = os.path.join(work, "sleeper")
    shutil.copy("/bin/sleep", tmp_sleep)
    s = subprocess.Popen([tmp_sleep, "60"])
    made[s.pid] = [tmp_sleep, "60"]
    lived.add(s.pid)
    agent.wait_for(lambda e: e["type"] == "process.exec"
                   and e["payload"]["process"]["pid"] == s.pid, 5,
                   "exec of the sleeper")
    t0 = time.monotonic()
    os.unlink(tmp_sleep)
    deleted = agent.wait_for(
        lambda e: harness.is_alert(e, "process.deleted_executable")
        and harness.evidence_pid(e) == s.pid, 5, "deleted_executable alert")
    print(f"deleted_executable alert after "
          f"{(time.monotonic() - t0) * 1000:.0f} ms")
    ev = deleted["payload"]["evidence"]
    check(ev["type"] == "process.changed"
          and ev["payload"]["change"] == "exe_deleted",
          f"evidence is the change event: {ev['type']}")
    check(ev["payload"]["process"]["exe"] == tmp_sleep, "deleted exe path")

    # The deleted alert is not repeated while the process keeps running.
    time.sleep(2.5)
    agent.read_new()
    repeats = [e for e in agent.events
               if harness.is_alert(e, "process.deleted_executable")
               and harness.evidence_pid(e) == s.pid]
    check(len(repeats) == 1, f"{len(repeats)} deleted alerts for one process")

    # Every exec made above appears, in full unless the process was gone.
    execs = {}
    for e in agent.events:
        if e["type"] == "process.exec":
            execs.setdefault(e["payload"]["process"]["pid"], e)
    missing = [pid for pid in made if pid not in execs]
    check(not missing, f"{len(missing)} of {len(made)} execs not reported: "
          f"{missing[:10]}")
    complete = 0
    for pid, argv in made.items():
        proc = execs[pid]["payload"]["process"]
        exe = os.path.realpath(argv[0]) if pid != s.pid else tmp_sleep
        if proc.get("partial"):
            check(pid not in lived, f"pid {pid} lived but was not enriched")
            if pinned:
                check(proc.get("exe") == exe and len(proc.get("sha256", ""))
                      == 64, f"partial exec {pid} still has exe and hash: "
                      f"{proc}")
            continue
        complete += 1
        check(proc.get("argv") == argv, f"argv of {pid}: {proc.get('argv')}")
        check(proc.get("exe") == exe, f"exe of {pid}: {proc.get('exe')}")
        check(len(proc.get("sha256", "")) == 64, f"sha256 of {pid}")
    print(f"{len(made)} execs made, all reported, {complete} fully enriched")

    # Exit of the sleeper is reported.
    s.kill()
    s.wait()
    agent.wait_for(lambda e: e["type"] == "process.exit"
                   and e["payload"]["process"]["pid"] == s.pid, 5,
                   "exit of the sleeper")

    # 4. SIGHUP with a broken file: rejected, the agent keeps working.
    agent.write_config(CONFIG + "\nbogus_key: 1\n")
    agent.signal(signal.SIGHUP)
    rejected = agent.wait_for(
        lambda e: e["type"] == "agent.status"
        and e["payload"]["state"] == "reload_rejected", 5, "reload rejection")
    check("bogus_key" in rejected["payload"]["detail"],
          "rejection names the bad key")
    q = subprocess.Popen(["/bin/echo", "after-reload"],
                         stdout=subprocess.DEVNULL)
    q.wait()
    agent.wait_for(lambda e: e["type"] == "process.exec"
                   and e["payload"]["process"]["pid"] == q.pid, 5,
                   "exec after a rejected reload")

    # 5. Statistics and a clean stop.
    stats = agent.wait_for(lambda e: e["type"] == "agent.statistics", 5,
                           "statistics event")
    comps = stats["payload"]["components"]
    for name in ("collector.process", "engine", "sink.jsonl"):
        check(name in comps, f"statistics has {name}")
    rc = agent.stop()
    check(rc == 0, f"agent exit code {rc}")
    check(agent.events[-1]["type"] == "agent.statistics",
          "final statistics event written at stop")
    mode_bits = stat.S_IMODE(os.stat(agent.jsonl).st_mode)
    check(mode_bits == 0o600, f"events file mode {oct(mode_bits)}")
    ids = [e["id"] for e in agent.events]
    check(len(ids) == len(set(ids)), "event ids are unique")
    print("PASS")


if __name__ == "__main__":
    main()
