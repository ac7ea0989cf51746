#!/usr/bin/env python3
"""Process-collector footprint under load.

Starts the real agent (netlink mode, JSONL to a temporary directory), then
measures its CPU (utime+stime of all its threads, as a share of one core)
and memory (VmRSS, VmHWM) while idle and while exec_storm runs /bin/true at
each requested rate, and compares the execs made with the process.exec
events written. Needs root. Prints a Markdown table for docs/PERFORMANCE.md.

usage: process_load.py PICKET EXEC_STORM [--rates 50,2000] [--seconds 10]
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

CONFIG = """
device:
  id: bench
state_dir: {d}
engine:
  statistics_interval: 0
  queue_capacity: 65536
collectors:
  process:
    mode: netlink
sinks:
  jsonl:
    path: {d}/events.jsonl
    max_size: 1GiB
"""


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    hz = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / hz


def mem_kib(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1])
    return out


def exec_pids(path):
    pids = set()
    with open(path, "rb") as f:
        for line in f:
            if b'"process.exec"' not in line:
                continue
            e = json.loads(line)
            if e["type"] != "process.exec":  # an alert quoting one
                continue
            pids.add(e["payload"]["process"]["pid"])
    return pids


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("picket")
    ap.add_argument("exec_storm")
    ap.add_argument("--rates", default="50,2000")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--idle", type=float, default=10)
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root (proc connector)")
    d = tempfile.mkdtemp(prefix="picket-bench-")
    cfg = os.path.join(d, "picket.yaml")
    with open(cfg, "w") as f:
        f.write(CONFIG.format(d=d))
    agent = subprocess.Popen([a.picket, "run", "--config", cfg],
                             stderr=subprocess.DEVNULL)
    time.sleep(2)
    rows = []
    c0, t0 = cpu_seconds(agent.pid), time.monotonic()
    time.sleep(a.idle)
    c1, t1 = cpu_seconds(agent.pid), time.monotonic()
    m = mem_kib(agent.pid)
    rows.append(("idle", "-", "-", 100 * (c1 - c0) / (t1 - t0), m["VmRSS"],
                 m["VmHWM"]))
    for rate in [float(r) for r in a.rates.split(",")]:
        pidfile = os.path.join(d, f"pids-{rate:.0f}")
        c0, t0 = cpu_seconds(agent.pid), time.monotonic()
        out = subprocess.run([a.exec_storm, str(rate), str(a.seconds),
                              pidfile], capture_output=True, text=True)
        time.sleep(1)  # let the agent finish the tail of the burst
        c1, t1 = cpu_seconds(agent.pid), time.monotonic()
        m = mem_kib(agent.pid)
        made = {int(x) for x in open(pidfile)}
        seen = exec_pids(os.path.join(d, "events.jsonl")) & made
        print(out.stdout.strip(), file=sys.stderr)
        rows.append((f"{rate:.0f} exec/s", len(made), len(seen),
                     100 * (c1 - c0) / (t1 - t0), m["VmRSS"], m["VmHWM"]))
    agent.send_signal(signal.SIGTERM)
    agent.wait(10)
    print("| load | execs made | exec events | agent CPU (% of one core) "
          "| RSS (KiB) | peak RSS (KiB) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]:.2f} | {r[4]} | {r[5]} |")


if __name__ == "__main__":
    main()
