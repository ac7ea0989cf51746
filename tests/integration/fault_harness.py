"""Fault injection helpers shared by tests/integration/test_fault_*.py and
bench/fault_injection.py: an auth-log writer whose every attempt can be
told apart, and the accounting of what reached the output, by event id.

Each attempt is the two lines sshd writes for one refused password (the
"Failed password" line, then the connection closing before
authentication), from its own process id and with its own user name, so
that the collector reports it as exactly one login.failure event. A
re-read after a crash may report an attempt again: under the same id that
is a duplicate a receiver drops; under another id it is counted twice.
"""

import os
import random
import signal
import threading
import time


class AttemptWriter(threading.Thread):
    """Appends attempts to `path` at `rate` per second, in small bursts,
    from a new source address every `per_source` attempts (so brute-force
    alerts keep coming). Runs until stop(); write() adds some at once."""

    def __init__(self, path, rate=40, per_source=8, seed=1):
        super().__init__(daemon=True)
        self.path = path
        self.rate = rate
        self.per_source = per_source
        self.n = 0
        self.lock = threading.Lock()
        self.stop_flag = threading.Event()
        self.rng = random.Random(seed)

    def user(self, n):
        return f"f{n}"

    def lines(self, n):
        src = f"198.18.{n // self.per_source // 250 % 250}." \
              f"{n // self.per_source % 250 + 1}"
        pid = 10000 + n
        port = 30000 + n % 30000
        t = f"Mar  1 1{n // 3600 % 10}:{n // 60 % 60:02d}:{n % 60:02d}"
        return (f"{t} gw sshd[{pid}]: Failed password for {self.user(n)} "
                f"from {src} port {port} ssh2\n"
                f"{t} gw sshd[{pid}]: Connection closed by authenticating "
                f"user {self.user(n)} {src} port {port} [preauth]\n")

    def write(self, count):
        with self.lock:
            text = []
            for _ in range(count):
                self.n += 1
                text.append(self.lines(self.n))
            # One write per burst, like a syslog daemon; a burst may be cut
            # between the two lines of an attempt by the reader.
            with open(self.path, "a") as f:
                f.write("".join(text))

    def run(self):
        burst = max(1, self.rate // 20)
        while not self.stop_flag.is_set():
            self.write(burst)
            time.sleep(burst / self.rate)

    def stop(self):
        self.stop_flag.set()
        if self.is_alive():
            self.join()

    def users(self):
        with self.lock:
            return [self.user(i) for i in range(1, self.n + 1)]


def account(events, users):
    """Accounts every attempt by user name across `events` (envelopes,
    possibly with duplicates). Returns a dict with:
      lost: attempts with no event at all;
      duplicated_by_id: events beyond the first under an id already seen;
      new_id: attempts reported under more than one distinct id;
      events, unique: failure events seen, distinct ids among them."""
    ids_of = {}
    seen = set()
    dup = 0
    count = 0
    for e in events:
        if e.get("type") != "login.failure":
            continue
        user = e["payload"].get("user", "")
        if not user.startswith("f"):
            continue
        count += 1
        if e["id"] in seen:
            dup += 1
            continue
        seen.add(e["id"])
        ids_of.setdefault(user, set()).add(e["id"])
    lost = [u for u in users if u not in ids_of]
    new_id = sorted(u for u, ids in ids_of.items() if len(ids) > 1)
    return {"lost": lost, "duplicated_by_id": dup, "new_id": new_id,
            "events": count, "unique": len(seen), "ids_of": ids_of}


def account_alerts(events):
    """Alerts raised more than once from the same line: (type, phase,
    evidence) seen under more than one alert id, the evidence named by its
    attempt's user name (the line it was read from) when it is one of the
    writer's, else by its id. A re-read that raises an alert again from the
    same line must give it the same id."""
    ids_of = {}
    for e in events:
        if e.get("type") != "alert":
            continue
        p = e["payload"]
        details = p.get("details", {})
        evidence = p.get("evidence", {})
        user = evidence.get("payload", {}).get("user", "")
        line = user if user.startswith("f") else evidence.get("id", "")
        key = (p["alert"], details.get("phase", ""), line)
        ids_of.setdefault(key, set()).add(e["id"])
    total = len(ids_of)
    repeated = sorted(k for k, ids in ids_of.items() if len(ids) > 1)
    return {"alerts": total, "new_id": repeated}


def kill9(proc):
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def random_pause(rng, low, high):
    time.sleep(rng.uniform(low, high))


def jsonl_events(path):
    """Every complete line of a JSONL file, parsed (a line cut by kill -9
    cannot happen: each event is one write, but a torn last line is
    skipped rather than trusted)."""
    import json
    out = []
    if not os.path.exists(path):
        return out
    with open(path, "rb") as f:
        data = f.read()
    for line in data.split(b"\n"):
        if not line:
            continue
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out
