#!/usr/bin/env python3
"""Network-collector footprint under a connection storm.

Starts `picket run` with only the network collector (capture on, JSONL sink,
report and statistics intervals of 1 s), then opens N new TCP connections per
second to a loopback listener for --duration seconds (optionally also UDP
datagrams), and reports:
  - the agent's CPU: utime+stime of all its threads over wall time, as % of
    one core, from the start of the storm to 2 s after its end;
  - its memory: VmRSS and RssAnon (the private heap) sampled every 100 ms,
    and the kernel's peak VmHWM;
  - connections made against connections reported: the sum of `count` over
    the network.connection events for the listener's port, outbound
    (remote_port) and inbound (local_port) apart, since one event aggregates
    every connection of a flow in a report interval;
  - drop counters from the agent.statistics events (the largest value seen:
    counters only grow, and the one written after the stop has lost the
    capture handles).
Each rate runs against a fresh agent. Needs root (capture needs CAP_NET_RAW).
Prints one JSON line per run to stderr and a Markdown table for
docs/PERFORMANCE.md to stdout.

The generator connects with blocking sockets (a loopback connect completes
within the call) and closes at once; a forked listener process accepts and
closes. Connections are paced in batches every 5 ms by --workers processes;
the achieved rate is measured, and a run where the generator fell more than
100 ms or 1 % behind says so. Before each run the script waits for the
previous run's TIME_WAIT sockets (they last 60 s) to go, as the agent dumps
the kernel's socket table.

  bench/conn_storm.py --picket build/bench/picket --rate 500 --rate 5000
"""

import argparse
import glob
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

CONFIG = """
device:
  id: bench
state_dir: {d}/state
engine:
  statistics_interval: 1s
collectors:
  network:
    enabled: true
    report_interval: 1s
    capture: true
    interfaces: [{interface}]
  process:
    enabled: false
  login:
    enabled: false
intel:
  path: {d}/intel.bin
posture:
  enabled: false
sinks:
  jsonl:
    path: {d}/events.jsonl
    max_size: 1GiB
"""

TICK = 0.005  # pacing period of the generator
SETTLE = 2.0  # after the storm: two report intervals, then stop


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    hz = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / hz


def mem_kib(pid):
    out = {"VmRSS": 0, "VmHWM": 0, "RssAnon": 0}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:", "RssAnon:")):
                out[line.split(":")[0]] = int(line.split()[1])
    return out


def time_wait_sockets():
    """TCP sockets in TIME_WAIT in this network namespace."""
    with open("/proc/net/sockstat") as f:
        for line in f:
            if line.startswith("TCP:"):
                fields = line.split()
                return int(fields[fields.index("tw") + 1])
    return 0


def wait_time_wait_drained(limit=1000, timeout=90):
    deadline = time.monotonic() + timeout
    while time_wait_sockets() > limit and time.monotonic() < deadline:
        time.sleep(1)


def events(d):
    """Every JSON line written, oldest file first."""
    paths = sorted(glob.glob(f"{d}/events.jsonl.*"),
                   key=lambda p: -int(p.rsplit(".", 1)[1]))
    paths.append(f"{d}/events.jsonl")
    for path in paths:
        if not os.path.exists(path):
            continue
        with open(path, "rb") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)


def wait_ready(agent, d, timeout=20):
    """Waits for agent.status "started" and the network collector's mode
    (the collector starts after the agent's "started")."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and agent.poll() is None:
        started = mode = None
        try:
            for e in events(d):
                if e["type"] != "agent.status":
                    continue
                p = e["payload"]
                if p["component"] == "agent" and p["state"] == "started":
                    started = p
                if p["component"] == "collector.network" and \
                        p["state"] == "mode":
                    mode = p["detail"]
        except (json.JSONDecodeError, OSError):
            pass  # a line being written
        if started and mode:
            return mode
        time.sleep(0.1)
    with open(f"{d}/agent.log", errors="replace") as f:
        sys.exit(f"conn_storm.py: the agent did not become ready:\n{f.read()}")


def listener(tcp, udp):
    """Child process: accepts and closes every connection, drains UDP."""
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    sel = selectors.DefaultSelector()
    sel.register(tcp, selectors.EVENT_READ)
    sel.register(udp, selectors.EVENT_READ)
    tcp.setblocking(False)
    udp.setblocking(False)
    while True:
        for key, _ in sel.select():
            try:
                if key.fileobj is tcp:
                    while True:
                        conn, _ = tcp.accept()
                        conn.close()
                else:
                    while True:
                        udp.recv(2048)
            except (BlockingIOError, ConnectionError):
                pass


def generate(port, udp_port, rate, udp_rate, seconds, start):
    """Makes `rate` connections/s (and `udp_rate` datagrams/s) from `start`
    (monotonic) for `seconds`."""
    addr = ("127.0.0.1", port)
    usock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    made = failed = sent = max_behind = 0
    g0 = os.times()
    time.sleep(max(0.0, start - time.monotonic()))
    next_tick = start
    while True:
        elapsed = time.monotonic() - start
        if elapsed >= seconds:
            break
        due = int(elapsed * rate) - made - failed
        max_behind = max(max_behind, due)
        for _ in range(due):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.connect(addr)
                made += 1
            except OSError:
                failed += 1
            finally:
                s.close()
        for _ in range(int(elapsed * udp_rate) - sent):
            usock.sendto(b"picket-bench", ("127.0.0.1", udp_port))
            sent += 1
        next_tick += TICK
        time.sleep(max(0.0, next_tick - time.monotonic()))
    g1 = os.times()
    usock.close()
    return {"made": made, "failed": failed, "udp_sent": sent,
            "wall": time.monotonic() - start, "max_behind": max_behind,
            "gen_cpu": (g1.user + g1.system) - (g0.user + g0.system)}


def storm(agent_pid, port, udp_port, rate, udp_rate, seconds, workers):
    """Runs the generator in `workers` processes while sampling the agent's
    memory every 100 ms."""
    start = time.monotonic() + 0.2
    children = []
    for w in range(workers):
        r, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                res = generate(port, udp_port, rate / workers,
                               udp_rate if w == 0 else 0, seconds, start)
                os.write(wfd, json.dumps(res).encode())
            finally:
                os._exit(0)
        os.close(wfd)
        children.append((pid, r))
    peak_rss = peak_anon = 0
    while time.monotonic() < start + seconds:
        m = mem_kib(agent_pid)
        peak_rss = max(peak_rss, m["VmRSS"])
        peak_anon = max(peak_anon, m["RssAnon"])
        time.sleep(0.1)
    results = []
    for pid, r in children:
        with os.fdopen(r, "rb") as f:
            results.append(json.loads(f.read()))
        os.waitpid(pid, 0)
    made = sum(x["made"] for x in results)
    wall = max(x["wall"] for x in results)
    return {"made": made, "failed": sum(x["failed"] for x in results),
            "udp_sent": sum(x["udp_sent"] for x in results),
            "wall": wall, "made_rate": made / wall,
            "gen_cpu_pct": 100 * sum(x["gen_cpu"] for x in results) / wall,
            "behind_ms": max(1000 * x["max_behind"] / (rate / workers)
                             for x in results),
            "peak_rss": peak_rss, "peak_anon": peak_anon}


def count_seen(d, port, udp_port):
    seen = {"out": 0, "in": 0, "events": 0, "udp_out": 0, "udp_in": 0}
    stats = {}
    for e in events(d):
        p = e["payload"]
        if e["type"] == "network.connection":
            tcp = p["protocol"] == "tcp"
            if p["direction"] == "outbound" and p.get("remote_port") == port \
                    and tcp:
                seen["out"] += p["count"]
                seen["events"] += 1
            elif p["direction"] == "inbound" and p.get("local_port") == port \
                    and tcp:
                seen["in"] += p["count"]
                seen["events"] += 1
            elif p["direction"] == "outbound" and \
                    p.get("remote_port") == udp_port and not tcp:
                seen["udp_out"] += p["count"]
            elif p["direction"] == "inbound" and \
                    p.get("local_port") == udp_port and not tcp:
                seen["udp_in"] += p["count"]
        elif e["type"] == "agent.statistics":
            for comp, counters in p["components"].items():
                for name, v in counters.items():
                    k = f"{comp}.{name}"
                    stats[k] = max(stats.get(k, 0), v)
    return seen, stats


def run(a, rate):
    wait_time_wait_drained()
    d = tempfile.mkdtemp(prefix="picket-conn-storm-")
    with open(f"{d}/picket.yaml", "w") as f:
        f.write(CONFIG.format(d=d, interface=a.interface))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(4096)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # Below the ephemeral range, as a service's: on loopback the agent takes
    # the higher port of a datagram as the client's.
    for candidate in range(20000, 32768):
        try:
            udp.bind(("127.0.0.1", candidate))
            break
        except OSError:
            continue
    port, udp_port = tcp.getsockname()[1], udp.getsockname()[1]
    child = os.fork()
    if child == 0:
        listener(tcp, udp)
    tcp.close()
    udp.close()
    log = open(f"{d}/agent.log", "w")
    agent = subprocess.Popen([a.picket, "run", "--config", f"{d}/picket.yaml"],
                             stdout=log, stderr=log)
    started = time.monotonic()
    try:
        mode = wait_ready(agent, d)
        time.sleep(1.0)  # past the first socket dump
        load0 = os.getloadavg()[0]
        c0, t0 = cpu_seconds(agent.pid), time.monotonic()
        time.sleep(a.idle)
        c1, t1 = cpu_seconds(agent.pid), time.monotonic()
        idle_cpu = 100 * (c1 - c0) / (t1 - t0)
        idle_mem = mem_kib(agent.pid)
        c0, t0 = cpu_seconds(agent.pid), time.monotonic()
        g = storm(agent.pid, port, udp_port, rate, a.udp_rate, a.duration,
                  a.workers)
        m_end = mem_kib(agent.pid)
        time_wait = time_wait_sockets()
        time.sleep(SETTLE)  # the last interval is flushed, stats written
        c1, t1 = cpu_seconds(agent.pid), time.monotonic()
        m = mem_kib(agent.pid)
        load1 = os.getloadavg()[0]
        agent.send_signal(signal.SIGTERM)
        agent.wait(20)
    finally:
        if agent.poll() is None:
            agent.kill()
        os.kill(child, signal.SIGTERM)
        os.waitpid(child, 0)
        log.close()
    seen, stats = count_seen(d, port, udp_port)
    r = {"rate": rate, "interface": a.interface, "mode": mode,
         "idle_cpu_pct": round(idle_cpu, 2),
         "idle_rss_kib": idle_mem["VmRSS"],
         "idle_anon_kib": idle_mem["RssAnon"],
         "cpu_pct": round(100 * (c1 - c0) / (t1 - t0), 2),
         "cpu_window_s": round(t1 - t0, 1),
         "rss_kib": max(m_end["VmRSS"], m["VmRSS"]),
         "peak_rss_kib": max(g["peak_rss"], m_end["VmRSS"], m["VmRSS"]),
         "hwm_kib": m["VmHWM"],
         "peak_anon_kib": max(g["peak_anon"], m_end["RssAnon"],
                              m["RssAnon"]),
         "load": f"{load0:.1f}-{load1:.1f}", "time_wait_at_end": time_wait,
         "run_s": round(time.monotonic() - started, 1),
         **{k: (round(v, 1) if isinstance(v, float) else v)
            for k, v in g.items() if k not in ("peak_rss", "peak_anon")},
         "seen_out": seen["out"], "seen_in": seen["in"],
         "conn_events": seen["events"],
         "udp_seen_out": seen["udp_out"], "udp_seen_in": seen["udp_in"],
         "exit": agent.returncode, "dir": d}
    net = "collector.network."
    for k in ("packets", "dropped", "capture_kernel_drops",
              "loopback_duplicates", "flows_untracked", "decode_malformed",
              "socket_dumps", "owner_rescans"):
        r[k] = stats.get(net + k, 0)
    r["engine_dropped"] = stats.get("engine.dropped", 0)
    r["jsonl_dropped"] = stats.get("sink.jsonl.dropped", 0)
    if g["behind_ms"] > 100 or g["made_rate"] < 0.99 * rate:
        print(f"conn_storm.py: the generator fell behind at {rate}/s (made "
              f"{g['made_rate']:.0f}/s, up to {g['behind_ms']:.0f} ms late); "
              "try --workers", file=sys.stderr)
    if not a.keep_dir:
        shutil.rmtree(d)
    return r


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--picket", required=True, help="the picket binary")
    ap.add_argument("--rate", action="append",
                    help="new TCP connections per second; repeatable or a "
                         "comma list (default 500,5000)")
    ap.add_argument("--duration", type=float, default=30,
                    help="seconds of storm per rate (default 30)")
    ap.add_argument("--udp-rate", type=int, default=0,
                    help="UDP datagrams per second alongside (default 0)")
    ap.add_argument("--interface", default="any",
                    help="capture interface: any (the default config) or lo")
    ap.add_argument("--idle", type=float, default=5,
                    help="seconds of idle measurement before the storm")
    ap.add_argument("--workers", type=int, default=1,
                    help="generator processes (one makes about 15,000/s)")
    ap.add_argument("--keep-dir", action="store_true",
                    help="keep each run's directory (config, JSONL, log)")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("conn_storm.py: needs root (packet capture needs "
                 "CAP_NET_RAW, socket owners need /proc/<pid>/fd)")
    rates = [int(x) for r in (a.rate or ["500,5000"]) for x in r.split(",")]
    rows = []
    for rate in rates:
        r = run(a, rate)
        print(json.dumps(r), file=sys.stderr, flush=True)
        rows.append(r)
    print("| rate asked (/s) | rate made (/s) | connections made "
          "| seen outbound | seen inbound | agent CPU (% of one core) "
          "| idle CPU | idle RSS (KiB) | RSS (KiB) | peak RSS (KiB) "
          "| VmHWM (KiB) | idle / peak RssAnon (KiB) | kernel drops "
          "| events dropped | TIME_WAIT sockets | load |")
    print("|" + "---|" * 16)
    for r in rows:
        dropped = r["dropped"] + r["engine_dropped"] + r["jsonl_dropped"]
        print(f"| {r['rate']} | {r['made_rate']:.0f} | {r['made']} "
              f"| {r['seen_out']} | {r['seen_in']} | {r['cpu_pct']:.2f} "
              f"| {r['idle_cpu_pct']:.2f} | {r['idle_rss_kib']} "
              f"| {r['rss_kib']} | {r['peak_rss_kib']} | {r['hwm_kib']} "
              f"| {r['idle_anon_kib']} / {r['peak_anon_kib']} "
              f"| {r['capture_kernel_drops']} | {dropped} "
              f"| {r['time_wait_at_end']} | {r['load']} |")
    if any(r["udp_sent"] for r in rows):
        print()
        print("| rate asked (/s) | UDP datagrams sent | seen outbound "
              "| seen inbound |")
        print("|---|---|---|---|")
        for r in rows:
            print(f"| {r['rate']} | {r['udp_sent']} | {r['udp_seen_out']} "
                  f"| {r['udp_seen_in']} |")


if __name__ == "__main__":
    main()
