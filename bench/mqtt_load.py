#!/usr/bin/python3
"""MQTT delivery: sustained rate, bytes per event, spool write and drain.

Everything runs against a mosquitto started here on a free port of
127.0.0.1, with a paho-mqtt receiver subscribed to `#` (the helpers of
tests/integration/mqtt_harness.py). The agent is `picket run` whose only
event source is an auth log written here: sshd "Failed password" lines, one
login.failure event each, a new source address every 100 lines, in turn
from a pool of `--sources` (256) addresses of 198.18.0.0/15 (the
benchmarking range), so that the brute-force detector raises some alerts too
(two or three per address, at its first 100 lines) while the memory it
keeps stays the same whatever the rate.

1. Rates (`--rates`, for each `--compressions`): lines are appended in
   batches every 10 ms at the target rate for `--duration` seconds; then the
   run waits until every event has arrived or the spool is empty. Reported:
   lines written per second, login.failure events received per second while
   the lines were written, what was still missing when the writing stopped
   and how long it took to arrive, what never arrived (evicted from a full
   spool or dropped by the engine queue), the agent's CPU (utime+stime from
   /proc/<pid>/stat over the same wall time, % of one core), VmRSS at the
   end and VmHWM, messages and bytes per event received. Compression `off`
   runs the same load with the MQTT sink disabled, for the difference.
2. Spool (`--spool-sizes`, for each compression): the broker is down (the
   port closed) while `--spool-events` lines are appended as fast as the
   agent reads them: chunks of `--spool-chunk` lines, each once the agent's
   read offset (/proc/<pid>/fdinfo) reached the end of the file, so the
   engine queue (4096) never overflows (`--spool-mode burst` writes
   everything at once instead: the excess is dropped). Write rate: events
   accepted by the spool (sink.mqtt `written`) over the time until the
   segment files stopped growing (polled every 10 ms). Then RSS with that
   spool (VmRSS, and its anonymous and file-backed parts), `spool_bytes` and
   evictions. Then the broker comes back (the receiver subscribes first: the
   agent's broker account is enabled only after that) and the drain rate is
   the events written before it came back (unique ids) over the time from
   the agent's first message to the last of them arriving.

Bytes on the wire: `payload` is what the receiver got (the agent's
`bytes_sent`); `wire` adds the MQTT 3.1.1 PUBLISH framing (fixed header,
topic, packet id) and the 4-byte PUBACK, without TCP/IP headers.

  bench/mqtt_load.py --picket build/release/picket
  bench/mqtt_load.py --picket build/release/picket --rates 20 20000 50000 \
      --duration 20 --compressions none zstd --spool-events 50000
"""

import argparse
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "integration"))
import harness  # noqa: E402
import mqtt_harness as mh  # noqa: E402

DEVICE = "cam-01"
USERS = ["root", "admin", "pi", "ubuntu", "user", "test", "oracle", "git",
         "postgres", "support", "guest", "ftp", "www-data", "nagios", "hadoop",
         "deploy", "jenkins", "ansible", "ubnt", "operator"]
LINES_PER_SOURCE = 100
# mosquitto queues at most 1000 QoS 1 messages for a subscriber by default
# and drops the rest: no limit, so that a slow receiver loses nothing.
BROKER_EXTRA = "max_queued_messages 0\nmax_inflight_messages 0\n"
TICK = 0.01


# --- /proc -----------------------------------------------------------------

def cpu_seconds(pid):
    """utime + stime of the whole process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_kib(pid):
    """(VmRSS, VmHWM) in KiB."""
    m = memory_detail(pid)
    return m.get("VmRSS", 0), m.get("VmHWM", 0)


def memory_detail(pid):
    """VmRSS, VmHWM, RssAnon, RssFile, RssShmem in KiB."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key = line.split(":")[0]
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                out[key] = int(line.split()[1])
    return out


# --- load ------------------------------------------------------------------

class AuthLines:
    """sshd failure lines, numbered; the source address changes every
    LINES_PER_SOURCE lines (cycling through `sources` addresses; 0: always a
    new one), the user name every line."""

    sources = 0  # set from --sources
    fixture = None  # --fixture-lines: "host prog[pid]: msg" texts to cycle

    def __init__(self, path):
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        self.n = 0

    def write(self, count):
        stamp = time.strftime("%b %e %H:%M:%S")
        out = []
        for i in range(self.n, self.n + count):
            if self.fixture:
                out.append(f"{stamp} {self.fixture[i % len(self.fixture)]}\n")
                continue
            s = i // LINES_PER_SOURCE
            if self.sources:
                s %= self.sources
            out.append(f"{stamp} gw sshd[{1000 + i % 60000}]: Failed password "
                       f"for {USERS[(i * 7) % len(USERS)]} from "
                       f"198.{18 + (s >> 16) % 2}.{(s >> 8) & 255}.{s & 255} "
                       f"port {20000 + (i * 7919) % 40000} ssh2\n")
        data = "".join(out).encode()
        while data:
            data = data[os.write(self.fd, data):]
        self.n += count

    def close(self):
        os.close(self.fd)


# --- receiver and analysis -------------------------------------------------

class CountingReceiver(mh.Receiver):
    """Keeps (arrival time, topic, payload) of every message; decoding is
    done later (analysis()) so that it does not compete with the agent."""

    def __init__(self, port, **kw):
        self.arrivals = []
        super().__init__(port, protocol=3, **kw)

    def _on_message(self, client, userdata, msg):
        t = time.monotonic()
        with self.lock:
            self.arrivals.append((t, msg.topic, msg.payload))

    def count(self):
        with self.lock:
            return len(self.arrivals)


def publish_bytes(topic, payload):
    """Size of an MQTT 3.1.1 QoS 1 PUBLISH packet plus its PUBACK."""
    rest = 2 + len(topic.encode()) + 2 + len(payload)
    length_bytes = 1
    while rest >= 128 ** length_bytes:
        length_bytes += 1
    return 1 + length_bytes + rest + 4


def counted(event_type):
    """The events a run counts: login.failure, one per line written; with
    --fixture-lines, every login.* event (not every line makes one)."""
    if AuthLines.fixture:
        return event_type.startswith("login.")
    return event_type == "login.failure"


class Analysis:
    """Messages decoded incrementally: per message its arrival time, topic
    kind, payload and wire size, and its events' (seq, type)."""

    def __init__(self, rx):
        self.rx = rx
        self.done = 0
        self.msgs = []  # (t, kind, payload bytes, wire bytes, events, id list)
        self.last_stats = {}
        self.last_stats_time = 0

    def update(self):
        with self.rx.lock:
            new = self.rx.arrivals[self.done:]
            self.done = len(self.rx.arrivals)
        for t, topic, payload in new:
            kind = topic.rsplit("/", 1)[-1]
            doc = mh.decode_batch(payload)
            events = doc["events"] if doc else []
            evs = []
            for e in events:
                run, seq = mh.seq_of(e)
                evs.append((run, seq, e["type"]))
                if e["type"] == "agent.statistics":
                    self.last_stats = e["payload"]["components"]
                    self.last_stats_time = t
            self.msgs.append((t, kind, len(payload),
                              publish_bytes(topic, payload), evs))
        return self

    def window(self, t0, t1, kinds=None):
        """Counts over messages that arrived in [t0, t1)."""
        out = {"messages": 0, "payload": 0, "wire": 0, "events": 0,
               "failures": set(), "alerts": 0}
        for t, kind, pl, wire, evs in self.msgs:
            if not t0 <= t < t1 or (kinds and kind not in kinds):
                continue
            out["messages"] += 1
            out["payload"] += pl
            out["wire"] += wire
            out["events"] += len(evs)
            for run, seq, typ in evs:
                if counted(typ):
                    out["failures"].add((run, seq))
                elif typ == "alert":
                    out["alerts"] += 1
        return out

    def failure_ids_by(self, t):
        ids = set()
        for tm, kind, pl, wire, evs in self.msgs:
            if tm < t:
                ids.update((r, s) for r, s, typ in evs
                           if counted(typ))
        return ids


# --- agent -----------------------------------------------------------------

def mqtt_section(port, compression, max_size="8MiB", auth=None,
                 reconnect="1s"):
    text = f"""    enabled: true
    host: 127.0.0.1
    port: {port}
    reconnect_min: {reconnect}
    reconnect_max: {reconnect}
    batch:
      high: 1s
      medium: 1s
      low: 1s
      compression: {compression}
    spool:
      max_size: {max_size}
"""
    if auth:
        text += (f"    username: {DEVICE}\n"
                 f"    password_file: {auth}\n")
    return text


def start_agent(picket, workdir, mqtt_yaml):
    config = mh.agent_config(mqtt_yaml, device=DEVICE)
    # A JSONL file large enough not to rotate during a run (read by the
    # spool phase for agent.statistics and event ids).
    config = config.replace("  jsonl:\n", "  jsonl:\n    max_size: 1GiB\n"
                            "    max_files: 1\n")
    open(os.path.join(workdir, "auth.log"), "w").close()
    return harness.Agent(picket, config, workdir=workdir)


class JsonlStats:
    """agent.statistics and the newest event id from the agent's JSONL file,
    read incrementally (only the statistics lines are parsed)."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.stats = {}
        self.ids = set()  # mh.seq_of() of every event written
        self.count = 0

    def update(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return self
        end = data.rfind(b"\n")
        if end < 0:
            return self
        self.offset += end + 1
        lines = data[:end].split(b"\n")
        self.count += len(lines)
        for line in lines:
            if b'"type":"agent.statistics"' in line:
                self.stats = json.loads(line)["payload"]["components"]
            # The id is the third member of every envelope.
            start = line.find(b'"id":"')
            if start >= 0:
                end_id = line.find(b'"', start + 6)
                self.ids.add(mh.seq_of(
                    {"id": line[start + 6:end_id].decode()}))
        return self

    def mqtt(self):
        return self.stats.get("sink.mqtt", {})


def last_jsonl_statistics(path):
    """The components of the newest agent.statistics in the JSONL file
    (read from its last 1 MiB)."""
    with open(path, "rb") as f:
        f.seek(max(0, os.path.getsize(path) - (1 << 20)))
        lines = f.read().split(b"\n")
    for line in reversed(lines):
        if b'"type":"agent.statistics"' in line:
            return json.loads(line)["payload"]["components"]
    return {}


def wait_until(pred, timeout, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return False


# --- phase 1: rates --------------------------------------------------------

def rate_run(args, rate, compression):
    root = tempfile.mkdtemp(prefix="picket-mqtt-load-")
    broker = mh.Broker(os.path.join(root, "broker"), extra=BROKER_EXTRA)
    rx = CountingReceiver(broker.port)
    workdir = os.path.join(root, "agent")
    os.makedirs(workdir)
    off = compression == "off"
    agent = start_agent(args.picket, workdir,
                        "    enabled: false\n" if off else
                        mqtt_section(broker.port, compression))
    an = Analysis(rx)
    try:
        if off:
            time.sleep(1.0)
        elif not wait_until(lambda: any(t.endswith("/status")
                                        for _, t, _ in rx.arrivals), 15):
            harness.fail("the agent did not connect to the broker")
        time.sleep(1.0)
        auth = AuthLines(os.path.join(workdir, "auth.log"))
        pid = agent.proc.pid
        cpu0 = cpu_seconds(pid)
        broker_cpu0 = cpu_seconds(broker.proc.pid)
        self_cpu0 = sum(os.times()[:2])
        t0 = time.monotonic()
        next_tick = t0
        behind = 0.0
        while True:
            now = time.monotonic()
            if now - t0 >= args.duration:
                break
            due = int((now - t0) * rate) - auth.n
            if due > 0:
                auth.write(due)
            next_tick += TICK
            slack = next_tick - time.monotonic()
            if slack > 0:
                time.sleep(slack)
            else:
                behind = max(behind, -slack)
        t1 = time.monotonic()
        cpu = cpu_seconds(pid) - cpu0
        broker_cpu = cpu_seconds(broker.proc.pid) - broker_cpu0
        self_cpu = sum(os.times()[:2]) - self_cpu0
        mem = memory_detail(pid)
        rss, hwm = mem["VmRSS"], mem["VmHWM"]
        written = auth.n
        auth.close()
        if agent.proc.poll() is not None:
            harness.fail(f"agent exited: {agent.stderr_text()}")
        # Catch up: until every line's event has arrived, or the spool is
        # empty (what is missing then was evicted or dropped), or timeout.
        caught_up = None
        deadline = time.monotonic() + (0 if off else args.catch_up)
        while time.monotonic() < deadline:
            time.sleep(0.5)
            an.update()
            got = an.failure_ids_by(float("inf"))
            if not AuthLines.fixture and len(got) >= written:
                caught_up = max(t for t, _, _, _, evs in an.msgs
                                if any(counted(typ)
                                       for _, _, typ in evs)) - t1
                break
            m = an.last_stats.get("sink.mqtt", {})
            c = an.last_stats.get("collector.login", {})
            if (an.last_stats_time > t1 + 3 and m.get("spool_pending") == 0
                    and c.get("lines", 0) >= written):
                break
        # One more statistics period for the final counters.
        time.sleep(2.5)
        an.update()
        cpu_all = cpu_seconds(pid) - cpu0
        t_all = time.monotonic() - t0
        wall = t1 - t0
        during = an.window(t0, t1)
        everything = an.window(0, float("inf"))
        ev_topic = an.window(0, float("inf"), kinds=("events",))
        failures_total = len(everything["failures"])
        stats = an.last_stats
        if off:
            stats = last_jsonl_statistics(agent.jsonl)
        m = stats.get("sink.mqtt", {})
        evicted = sum(m.get(k, 0) for k in (
            "spool_evicted_low", "spool_evicted_medium",
            "spool_evicted_high", "spool_evicted_alert"))
        return {
            "rate": rate, "compression": compression,
            "wall": wall, "lines": written, "lines_per_s": written / wall,
            "gen_behind_ms": behind * 1000,
            "delivered_during": len(during["failures"]),
            "delivered_per_s": len(during["failures"]) / wall,
            "missing_at_stop": written - len(
                an.failure_ids_by(t1) & everything["failures"]),
            "caught_up_s": caught_up, "failures_total": failures_total,
            "lost": written - failures_total,
            "broker_cpu_pct": 100 * broker_cpu / wall,
            "bench_cpu_pct": 100 * self_cpu / wall,
            "cpu_pct": 100 * cpu / wall, "cpu_pct_incl_catchup":
                100 * cpu_all / t_all,
            "rss_kib": rss, "hwm_kib": hwm, "mem": mem,
            "messages": everything["messages"],
            "events_rx": everything["events"],
            "alerts": everything["alerts"],
            "payload_per_event": everything["payload"] /
                max(1, everything["events"]),
            "wire_per_event": everything["wire"] /
                max(1, everything["events"]),
            "events_topic_payload_per_event": ev_topic["payload"] /
                max(1, ev_topic["events"]),
            "events_per_message": ev_topic["events"] /
                max(1, ev_topic["messages"]),
            "bytes_sent": m.get("bytes_sent"),
            "evicted": evicted,
            "engine_dropped": stats.get("engine", {}).get("dropped"),
            "queue_high_water": stats.get("engine", {}).get(
                "queue_high_water"),
            "sink_dropped": m.get("dropped"),
            "tracked_sources": stats.get("detector.brute_force", {}).get(
                "tracked_sources"),
            "dir": root,
        }
    finally:
        rc = agent.stop(30)
        rx.close()
        broker.stop()
        if rc not in (0, None):
            print(f"  warning: agent exit code {rc}", flush=True)
        if not args.keep_dir:
            shutil.rmtree(root, ignore_errors=True)


# --- phase 2: spool write, full spool, drain -------------------------------

def segment_sizes(spool_dir, seen):
    """Records the largest size seen of every segment file (evicted ones
    included); returns their total."""
    for path in glob.glob(os.path.join(spool_dir, "*")):
        if os.path.basename(path).startswith("cursor"):
            continue
        try:
            size = os.path.getsize(path)
        except FileNotFoundError:
            continue
        if size > seen.get(path, 0):
            seen[path] = size
    return sum(seen.values())


def read_offset(pid, path):
    """The file offset of the agent's descriptor open on `path` (-1 if it
    has none)."""
    fd_dir = f"/proc/{pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            if os.readlink(os.path.join(fd_dir, fd)) == path:
                with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                    return int(f.readline().split()[1])
        except (FileNotFoundError, ValueError):
            continue
    return -1


def spool_run(args, max_size, compression):
    root = tempfile.mkdtemp(prefix="picket-mqtt-spool-")
    bdir = os.path.join(root, "broker")
    # The receiver logs in as "backend"; the agent's user is added (and
    # mosquitto told to reload) only once the receiver has subscribed, so
    # the agent cannot deliver anything before the receiver is listening.
    broker = mh.Broker(bdir, users={"backend": "backend-pw"},
                       extra=BROKER_EXTRA)
    broker.stop()
    workdir = os.path.join(root, "agent")
    os.makedirs(workdir)
    secret = os.path.join(workdir, "mqtt-password")
    mh.write_secret(secret, "agent-pw")
    agent = start_agent(args.picket, workdir,
                        mqtt_section(broker.port, compression, max_size,
                                     auth=secret, reconnect="500ms"))
    spool_dir = os.path.join(workdir, "state", "spool")
    js = JsonlStats(agent.jsonl)
    rx = None
    try:
        if not wait_until(lambda: js.update().stats, 15):
            harness.fail("no agent.statistics in the JSONL file")
        time.sleep(0.5)
        pid = agent.proc.pid
        mem_empty = memory_detail(pid)
        rss_empty = mem_empty["VmRSS"]
        base = js.update().mqtt().get("written", 0)
        seen = {}
        before = segment_sizes(spool_dir, seen)
        auth_path = os.path.join(workdir, "auth.log")
        auth = AuthLines(auth_path)
        series = []  # (time, total segment bytes), every 10 ms
        stop = threading.Event()

        def watch():
            while not stop.is_set():
                series.append((time.monotonic(),
                               segment_sizes(spool_dir, seen)))
                time.sleep(0.01)
        watcher = threading.Thread(target=watch, daemon=True)
        cpu0 = cpu_seconds(pid)
        t0 = time.monotonic()
        watcher.start()
        if args.spool_mode == "burst":
            left = args.spool_events
            while left:
                chunk = min(left, 5000)
                auth.write(chunk)
                left -= chunk
        else:
            # Closed loop: the next chunk once the agent has read the file
            # to its end (its read offset, from /proc/<pid>/fdinfo), so the
            # engine queue never holds more than one chunk.
            size = 0
            while auth.n < args.spool_events:
                chunk = min(args.spool_chunk, args.spool_events - auth.n)
                auth.write(chunk)
                size = os.path.getsize(auth_path)
                while read_offset(pid, auth_path) < size:
                    if time.monotonic() - t0 > args.catch_up:
                        harness.fail("the agent stopped reading its log")
                    time.sleep(0.001)
                # Let its read loop see the end of the file first (lines
                # appended while it still reads join the same poll).
                time.sleep(0.002)
        t_gen = time.monotonic() - t0
        auth.close()
        peak = 0
        while True:
            peak = max(peak, memory_kib(pid)[0])
            c = js.update().stats.get("collector.login", {})
            if c.get("lines", 0) >= args.spool_events:
                break
            if time.monotonic() - t0 > args.catch_up:
                harness.fail("the agent did not read every line in time: "
                             f"{js.stats}")
            time.sleep(0.1)
        time.sleep(1.0)
        stop.set()
        watcher.join()
        # The end of the writing: the last 10 ms in which the segment files
        # grew by more than a few events (heartbeats and statistics keep
        # adding a few hundred bytes a second).
        before = series[0][1]
        t_last, last_total = t0, before
        for (ta, a), (tb, b) in zip(series, series[1:]):
            if b - a >= 4096:
                t_last, last_total = tb, b
        cpu_write = cpu_seconds(pid) - cpu0
        write_s = t_last - t0
        # Full spool: memory after a statistics period at rest.
        time.sleep(2.5)
        js.update()
        mem_full = memory_detail(pid)
        rss_full, hwm = mem_full["VmRSS"], mem_full["VmHWM"]
        m = dict(js.mqtt())
        written = m.get("written", 0) - base
        evicted = {k[len("spool_evicted_"):]: m.get(k, 0) for k in (
            "spool_evicted_low", "spool_evicted_medium",
            "spool_evicted_high", "spool_evicted_alert")}
        engine = js.stats.get("engine", {})
        collector = js.stats.get("collector.login", {})
        res = {
            "max_size": max_size, "compression": compression,
            "events": args.spool_events, "gen_s": t_gen,
            "written": written, "write_s": write_s,
            "write_per_s": written / write_s,
            "write_mb_s": (last_total - before) / write_s / 1e6,
            "segment_bytes_written": last_total - before,
            "cpu_write_s": cpu_write,
            "rss_empty_kib": rss_empty, "rss_full_kib": rss_full,
            "mem_empty": mem_empty, "mem_full": mem_full,
            "peak_rss_during_write_kib": peak, "hwm_kib": hwm,
            "spool_bytes": m.get("spool_bytes"),
            "spool_pending": m.get("spool_pending"),
            "evicted": evicted, "sink_dropped": m.get("dropped"),
            "engine_dropped": engine.get("dropped"),
            "queue_high_water": engine.get("queue_high_water"),
            "collector_dropped": collector.get("dropped"),
            "connect_failures": m.get("connect_failures"),
            "dir": root,
        }
        # Drain.
        js.update()
        written, in_jsonl = set(js.ids), js.count
        broker.start()
        rx = CountingReceiver(broker.port, username="backend",
                              password="backend-pw")
        subprocess.run(["mosquitto_passwd", "-b",
                        os.path.join(bdir, "passwd"), DEVICE, "agent-pw"],
                       check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        t_open = time.monotonic()
        broker.proc.send_signal(signal.SIGHUP)
        cpu1 = cpu_seconds(pid)
        drain_peak = 0

        def drained():
            nonlocal drain_peak
            drain_peak = max(drain_peak, memory_kib(pid)[0])
            s = js.update().mqtt()
            return s.get("connected") == 1 and s.get("spool_pending") == 0
        if not wait_until(drained, args.catch_up, step=0.05):
            print("  warning: spool_pending did not reach 0 in "
                  f"{args.catch_up}s", flush=True)
        time.sleep(1.0)
        an = Analysis(rx).update()
        cpu_drain = cpu_seconds(pid) - cpu1
        mem_after = memory_detail(pid)
        if not an.msgs:
            harness.fail("nothing received after the broker came back")
        t_conn = an.msgs[0][0]
        old_ids, t_last_old, old_payload, old_msgs = set(), t_conn, 0, 0
        for t, kind, pl, wire, evs in an.msgs:
            olds = [(r, s) for r, s, _ in evs if (r, s) in written]
            if olds:
                old_ids.update(olds)
                t_last_old = max(t_last_old, t)
                old_payload += pl
                old_msgs += 1
        drain_s = t_last_old - t_conn
        # Everything the agent wrote before the broker came back (the JSONL
        # file has every event), less what the spool evicted.
        evicted_now = sum(js.mqtt().get(k, 0) for k in (
            "spool_evicted_low", "spool_evicted_medium",
            "spool_evicted_high", "spool_evicted_alert"))
        expected = in_jsonl - evicted_now
        res.update({
            "reconnect_wait_s": t_conn - t_open,
            "drain_events": len(old_ids), "drain_expected": expected,
            "drain_s": drain_s,
            "drain_per_s": len(old_ids) / drain_s if drain_s > 0 else None,
            "drain_mb_s": old_payload / drain_s / 1e6 if drain_s > 0
            else None,
            "drain_messages": old_msgs,
            "drain_cpu_s": cpu_drain, "drain_peak_rss_kib": drain_peak,
            "mem_after_drain": mem_after,
        })
        return res
    finally:
        rc = agent.stop(30)
        if rx:
            rx.close()
        broker.stop()
        if rc not in (0, None):
            print(f"  warning: agent exit code {rc}", flush=True)
        if not args.keep_dir:
            shutil.rmtree(root, ignore_errors=True)


# --- output ----------------------------------------------------------------

def mib(kib):
    return f"{kib / 1024:.1f} MiB"


def print_rates(rows):
    what = ("login.* events from real auth lines" if AuthLines.fixture
            else "login.failure events; alerts extra")
    print(f"\n## Sustained delivery ({what})\n")
    print("| compression | target lines/s | written lines/s | delivered "
          "events/s (during) | missing at stop | caught up after | lost | "
          "CPU (% of a core) | RSS / HWM | msgs | events/msg | "
          "payload B/event | wire B/event |")
    print("|---" * 13 + "|")
    for r in rows:
        cu = ("-" if r["caught_up_s"] is None
              else f"{max(0, r['caught_up_s']):.1f} s")
        if r["compression"] == "off":
            print(f"| off (no MQTT) | {r['rate']:,} | "
                  f"{r['lines_per_s']:,.0f} | - | - | - | - | "
                  f"{r['cpu_pct']:.1f} % | {mib(r['rss_kib'])} / "
                  f"{mib(r['hwm_kib'])} | - | - | - | - |")
            continue
        missing, lost = f"{r['missing_at_stop']:,}", f"{r['lost']:,}"
        if AuthLines.fixture:
            missing = lost = "-"
        print(f"| {r['compression']} | {r['rate']:,} | "
              f"{r['lines_per_s']:,.0f} | {r['delivered_per_s']:,.0f} | "
              f"{missing} | {cu} | {lost} | "
              f"{r['cpu_pct']:.1f} % | {mib(r['rss_kib'])} / "
              f"{mib(r['hwm_kib'])} | {r['messages']:,} | "
              f"{r['events_per_message']:.0f} | "
              f"{r['events_topic_payload_per_event']:.1f} | "
              f"{r['wire_per_event']:.1f} |")
    print("\n(payload B/event: the events topic only; wire B/event: every "
          "message of every topic, with MQTT framing and PUBACK.)")
    for r in rows:
        print(f"  {r['compression']} {r['rate']}: alerts {r['alerts']}, "
              f"events received {r['events_rx']}, evicted {r['evicted']}, "
              f"engine dropped {r['engine_dropped']}, queue high water "
              f"{r['queue_high_water']}, sink dropped {r['sink_dropped']}, "
              f"brute-force tracked sources {r['tracked_sources']}, "
              f"generator late by up to {r['gen_behind_ms']:.0f} ms, CPU incl."
              f" catch-up {r['cpu_pct_incl_catchup']:.1f} %; mosquitto "
              f"{r['broker_cpu_pct']:.1f} %, this script (generator and "
              f"receiver) {r['bench_cpu_pct']:.1f} %")


def print_spool(rows):
    print("\n## Spool: write with the broker down, then drain\n")
    print("| spool.max_size | compression | events written | write time | "
          "write rate | RSS empty -> full (HWM) | spool_bytes | evicted | "
          "drained | drain time | drain rate |")
    print("|---" * 11 + "|")
    for r in rows:
        ev = sum(r["evicted"].values())
        print(f"| {r['max_size']} | {r['compression']} | {r['written']:,} | "
              f"{r['write_s']:.2f} s | {r['write_per_s']:,.0f} events/s "
              f"({r['write_mb_s']:.1f} MB/s) | {mib(r['rss_empty_kib'])} -> "
              f"{mib(r['rss_full_kib'])} ({mib(r['hwm_kib'])}) | "
              f"{r['spool_bytes']:,} | {ev:,} | "
              f"{r['drain_events']:,} of {r['drain_expected']:,} | "
              f"{r['drain_s']:.2f} s | "
              f"{(r['drain_per_s'] or 0):,.0f} events/s "
              f"({(r['drain_mb_s'] or 0):.1f} MB/s) |")
    for r in rows:
        print(f"  {r['max_size']} {r['compression']}: lines appended in "
              f"{r['gen_s']:.2f} s; segment bytes "
              f"{r['segment_bytes_written']:,}"
              f"; CPU while writing {r['cpu_write_s']:.2f} s; evicted "
              f"{r['evicted']}; engine dropped {r['engine_dropped']} (queue "
              f"high water {r['queue_high_water']}), collector dropped "
              f"{r['collector_dropped']}, sink dropped {r['sink_dropped']}; "
              f"reconnect wait {r['reconnect_wait_s']:.2f} s; drain "
              f"{r['drain_messages']} messages, CPU {r['drain_cpu_s']:.2f} s,"
              f" peak RSS {mib(r['drain_peak_rss_kib'])}; memory empty "
              f"{r['mem_empty']}, full {r['mem_full']}, after the drain "
              f"{r['mem_after_drain']}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--picket", required=True)
    p.add_argument("--duration", type=float, default=20,
                   help="seconds of load per rate (default 20)")
    p.add_argument("--rates", type=int, nargs="*",
                   default=[20, 1000, 5000, 20000],
                   help="auth lines per second (default 20 1000 5000 "
                   "20000; 20 is DESIGN.md's standard load)")
    p.add_argument("--compressions", nargs="+",
                   default=["off", "none", "zstd"],
                   choices=["off", "none", "zstd"],
                   help="batch.compression of the runs; off: the MQTT sink "
                   "disabled (rates only: the agent's cost without it)")
    p.add_argument("--spool-events", type=int, default=50000)
    p.add_argument("--spool-mode", choices=["paced", "burst"],
                   default="paced",
                   help="paced (default): lines in chunks of --spool-chunk, "
                   "each once the agent has read the previous one; burst: "
                   "all at once (more than the engine queue holds: the "
                   "excess is dropped)")
    p.add_argument("--spool-chunk", type=int, default=1000)
    p.add_argument("--spool-sizes", nargs="*", default=["64MiB", "8MiB"],
                   help="spool.max_size of the spool runs (default 64MiB, "
                   "which holds every event, and 8MiB, the default, which "
                   "fills)")
    p.add_argument("--sources", type=int, default=256,
                   help="distinct source addresses, used in turn for %d "
                   "lines each (default 256); 0: a new one every %d lines, "
                   "so that the brute-force detector ends up tracking its "
                   "max_tracked (4096)" % (LINES_PER_SOURCE, LINES_PER_SOURCE))
    p.add_argument("--fixture-lines", action="store_true",
                   help="append the real auth lines of ../shared/data/"
                   "authlogs (as bench/login_load.py does) instead of "
                   "synthetic failures: realistic sizes and compression; "
                   "counts every login.* event and does not account for "
                   "losses (not every line makes an event)")
    p.add_argument("--catch-up", type=float, default=120,
                   help="longest wait for delivery or the spool (s)")
    p.add_argument("--keep-dir", action="store_true",
                   help="keep the temporary directories (printed)")
    args = p.parse_args()
    mh.require_mqtt_tools()
    args.picket = os.path.abspath(args.picket)
    AuthLines.sources = args.sources
    if args.fixture_lines:
        import login_load
        AuthLines.fixture = login_load.fixture_lines(
            os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

    rates = []
    for compression in args.compressions:
        for rate in args.rates:
            print(f"rate {rate}/s, compression {compression} ...", flush=True)
            r = rate_run(args, rate, compression)
            if args.keep_dir:
                print(f"  kept {r['dir']}")
            rates.append(r)
    spools = []
    for size in args.spool_sizes:
        for compression in [c for c in args.compressions if c != "off"]:
            print(f"spool {size}, compression {compression} ...", flush=True)
            r = spool_run(args, size, compression)
            if args.keep_dir:
                print(f"  kept {r['dir']}")
            spools.append(r)
    load = os.getloadavg()
    print(f"\nload average at the end: {load[0]:.2f} {load[1]:.2f} "
          f"{load[2]:.2f}")
    if rates:
        print_rates(rates)
    if spools:
        print_spool(spools)


if __name__ == "__main__":
    main()
