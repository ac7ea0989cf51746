#!/usr/bin/env python3
"""The design's standard load, all at once, against one agent.

DESIGN.md budgets CPU at "standard load": 50 exec/s, 500 new connections/s
and 20 auth lines/s. The other benchmarks load one collector each; this one
runs the three together against `picket run` with every collector on
(process in netlink mode with fanotify and hashing, network capturing on
`any`, login tailing a syslog file, all detectors, JSONL sink; posture scans
off: they run every 12 hours and are measured in "Posture scan"), and
reports the agent's CPU (utime + stime of all its threads over the loaded
window, % of one core), its RSS, and what it reported against what was
made.

Generators: exec_storm (bench/exec_storm.cc) runs /bin/true; a forked
process makes blocking loopback TCP connections to a forked listener
(bench/conn_storm.py's); this script appends real sshd/dropbear lines
(../shared/data/authlogs, as bench/login_load.py) to the tailed file.
Needs root.

  bench/standard_load.py --picket build/release/picket \
      --exec-storm build/bench/bench/exec_storm [--seconds 60] [--runs 3]
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import conn_storm  # noqa: E402  (listener, generate, cpu_seconds)
import login_load  # noqa: E402  (fixture_lines, append_due, rss_kib)

CONFIG = """
device:
  id: standard-load
state_dir: {d}
engine:
  statistics_interval: 10s
collectors:
  process:
    mode: netlink
  network:
    interfaces: [any]
  login:
    journal: "off"
    syslog: "on"
    syslog_files: [{d}/auth.log]
    utmp: "off"
posture:
  enabled: false
sinks:
  jsonl:
    path: {d}/events.jsonl
    max_size: 1GiB
"""


def count_events(path, port, exec_pids):
    execs = conns = logins = 0
    with open(path, "rb") as f:
        for line in f:
            e = json.loads(line)
            t = e["type"]
            p = e["payload"]
            if t == "process.exec" and p["process"]["pid"] in exec_pids:
                execs += 1
            elif t == "network.connection" and p.get("remote_port") == port \
                    and p.get("protocol") == "tcp":
                conns += p.get("count", 1)
            elif t in ("login.failure", "login.success"):
                logins += 1
    return execs, conns, logins


def run_once(args, lines):
    d = tempfile.mkdtemp(prefix="picket-standard-load-")
    config = CONFIG.format(d=d)
    for part in args.without:
        # The collector stays off; its generator still runs (the others
        # see its activity, as on a device).
        config = config.replace(f"  {part}:\n", f"  {part}:\n    enabled: false\n", 1)
    with open(f"{d}/picket.yaml", "w") as f:
        f.write(config)
    open(f"{d}/auth.log", "w").close()

    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(4096)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    port = tcp.getsockname()[1]
    listener = os.fork()
    if listener == 0:
        conn_storm.listener(tcp, udp)
    tcp.close()
    udp.close()

    log = open(f"{d}/agent.log", "w")
    agent = subprocess.Popen([args.picket, "run", "--config",
                              f"{d}/picket.yaml"], stdout=log, stderr=log)
    time.sleep(args.settle)

    start = time.monotonic() + 0.2
    r, w = os.pipe()
    gen = os.fork()
    if gen == 0:
        os.close(r)
        res = conn_storm.generate(port, 0, args.conn_rate, 0, args.seconds,
                                  start)
        os.write(w, json.dumps(res).encode())
        os._exit(0)
    os.close(w)
    pids_file = f"{d}/exec.pids"
    storm = subprocess.Popen([args.exec_storm, str(args.exec_rate),
                              str(args.seconds), pids_file],
                             stdout=subprocess.DEVNULL)
    cpu0 = conn_storm.cpu_seconds(agent.pid)
    t0 = time.monotonic()
    written = 0
    peak = 0
    with open(f"{d}/auth.log", "a", buffering=1) as authlog:
        next_tick = t0
        while time.monotonic() - t0 < args.seconds:
            written = login_load.append_due(authlog, lines, args.auth_rate,
                                            time.monotonic() - t0, written)
            peak = max(peak, login_load.rss_kib(agent.pid))
            next_tick += 0.05
            time.sleep(max(0.0, next_tick - time.monotonic()))
    storm.wait()
    with os.fdopen(r, "rb") as f:
        gen_res = json.loads(f.read())
    os.waitpid(gen, 0)
    wall = time.monotonic() - t0
    cpu = conn_storm.cpu_seconds(agent.pid) - cpu0
    rss = login_load.rss_kib(agent.pid)
    time.sleep(2.5)  # the last report interval
    agent.send_signal(signal.SIGTERM)
    agent.wait(15)
    os.kill(listener, signal.SIGTERM)
    os.waitpid(listener, 0)
    with open(pids_file) as f:
        exec_pids = {int(x) for x in f.read().split()}
    execs, conns, logins = count_events(f"{d}/events.jsonl", port, exec_pids)
    return {"cpu_pct": 100 * cpu / wall, "rss_kib": rss,
            "peak_rss_kib": max(peak, rss), "execs_made": len(exec_pids),
            "exec_events": execs, "conns_made": gen_res["made"],
            "conns_seen": conns, "auth_lines": written,
            "login_events": logins, "load": os.getloadavg()[0]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--picket", required=True)
    ap.add_argument("--exec-storm", required=True)
    ap.add_argument("--source-dir", default=os.path.join(HERE, ".."))
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--settle", type=float, default=10,
                    help="seconds after start before loading (snapshot)")
    ap.add_argument("--exec-rate", type=int, default=50)
    ap.add_argument("--conn-rate", type=int, default=500)
    ap.add_argument("--auth-rate", type=int, default=20)
    ap.add_argument("--without", action="append", default=[],
                    choices=["process", "network", "login"],
                    help="turn this collector off (repeatable)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("standard_load.py: needs root (capture, proc connector)")
    lines = login_load.fixture_lines(args.source_dir)
    rows = []
    for _ in range(args.runs):
        conn_storm.wait_time_wait_drained()
        res = run_once(args, lines)
        print(json.dumps(res), file=sys.stderr, flush=True)
        rows.append(res)
    print(f"| run | agent CPU | RSS / peak | execs made / reported | "
          f"connections made / reported | auth lines / login events | load |")
    print("|---|---|---|---|---|---|---|")
    for n, r in enumerate(rows, 1):
        print(f"| {n} | {r['cpu_pct']:.2f} % | {r['rss_kib'] / 1024:.1f} / "
              f"{r['peak_rss_kib'] / 1024:.1f} MiB | {r['execs_made']:,} / "
              f"{r['exec_events']:,} | {r['conns_made']:,} / "
              f"{r['conns_seen']:,} | {r['auth_lines']:,} / "
              f"{r['login_events']:,} | {r['load']:.1f} |")


if __name__ == "__main__":
    main()
