#!/usr/bin/env python3
"""Agent CPU and memory while auth lines are appended to its log file.

Starts `picket run` with only the login collector (tailing one file, brute
force and login-alert detectors on, JSONL sink), appends real sshd/dropbear
lines (../shared/data/authlogs, time stamps rewritten to now) at each rate
for --seconds, and reports the agent's CPU (utime+stime over wall time, as
% of one core) and peak/final RSS from /proc. Lines are written in small
batches every 10 ms, as a syslog daemon under load would.

  bench/login_load.py --picket build/release/picket --rates 20 2000
"""

import argparse
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time

CONFIG = """
state_dir: {dir}/state
engine:
  statistics_interval: 10s
collectors:
  process:
    enabled: false
  login:
    journal: "off"
    syslog: "on"
    syslog_files: [{dir}/auth.log]
    utmp: "off"
sinks:
  jsonl:
    path: {dir}/events.jsonl
    max_size: 64MiB
"""


def fixture_lines(source_dir):
    lines = []
    pattern = os.path.join(source_dir, "..", "shared", "data", "authlogs")
    for path in sorted(glob.glob(pattern + "/*.log") +
                       glob.glob(pattern + "/crowdsec/*.log")):
        with open(path, "rb") as f:
            for raw in f.read().split(b"\n"):
                raw = raw.rstrip(b"\r")
                if raw and not raw.startswith(b"#"):
                    lines.append(raw.decode(errors="replace"))
    # Keep syslog-format lines; give them the current time.
    out = []
    for line in lines:
        parts = line.split(" ", 3)
        if len(parts) == 4 and len(parts[0]) == 3 and parts[2].count(":") == 2:
            out.append(parts[3])  # "host prog[pid]: msg"
    return out


def append_due(log, lines, rate, elapsed, written):
    """Appends the lines due after `elapsed` seconds at `rate` lines/s, of
    which `written` are already in `log`, stamped now; returns the new
    count. Line n is lines[n % len(lines)]."""
    due = int(elapsed * rate) - written
    if due <= 0:
        return written
    stamp = time.strftime("%b %e %H:%M:%S")
    log.write("".join(f"{stamp} {lines[(written + k) % len(lines)]}\n"
                      for k in range(due)))
    return written + due


def proc_times(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    hz = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / hz


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def run(picket, rate, seconds, lines):
    d = tempfile.mkdtemp(prefix="picket-login-load-")
    with open(f"{d}/picket.yaml", "w") as f:
        f.write(CONFIG.format(dir=d))
    open(f"{d}/auth.log", "w").close()
    agent = subprocess.Popen([picket, "run", "--config", f"{d}/picket.yaml"],
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    cpu0 = proc_times(agent.pid)
    t0 = time.monotonic()
    peak = 0
    written = 0
    with open(f"{d}/auth.log", "a", buffering=1) as log:
        next_tick = t0
        while time.monotonic() - t0 < seconds:
            written = append_due(log, lines, rate, time.monotonic() - t0,
                                 written)
            peak = max(peak, rss_kib(agent.pid))
            next_tick += 0.01
            time.sleep(max(0, next_tick - time.monotonic()))
    time.sleep(1.0)  # let it catch up
    wall = time.monotonic() - t0
    cpu = proc_times(agent.pid) - cpu0
    rss = rss_kib(agent.pid)
    peak = max(peak, rss)
    agent.send_signal(signal.SIGTERM)
    agent.wait(10)
    events = sum(1 for _ in open(f"{d}/events.jsonl", "rb"))
    shutil.rmtree(d)
    return {"rate": rate, "lines": written, "seconds": round(wall, 1),
            "cpu_pct": round(100 * cpu / wall, 2), "rss_kib": rss,
            "peak_rss_kib": peak, "jsonl_lines": events}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--picket", required=True)
    p.add_argument("--source-dir", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), ".."))
    p.add_argument("--rates", type=int, nargs="+", default=[20, 2000])
    p.add_argument("--seconds", type=float, default=30)
    args = p.parse_args()
    lines = fixture_lines(args.source_dir)
    for rate in args.rates:
        print(run(args.picket, rate, args.seconds, lines), flush=True)


if __name__ == "__main__":
    main()
