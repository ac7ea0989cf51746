"""The login collector on a real log file: rotation by rename (the writer
still appending to the old file for a while), rotation by copytruncate, a
partial last line, garbage and over-long lines, a file that disappears and
returns, and an agent restart with lines written while it was down. Every
line written must give exactly one login.failure event (each carries a
unique user name), none twice, none lost. Needs no root.
"""

import os
import signal
import time

import harness

CONFIG = """
device:
  id: itest-login-rotation
state_dir: @DIR@/state
engine:
  statistics_interval: 1s
collectors:
  process:
    enabled: false
  login:
    journal: "off"
    syslog: "on"
    syslog_files:
      - @DIR@/log/auth.log
    utmp: "off"
    start_at: end
    recheck_interval: 200ms
detectors:
  brute_force:
    enabled: false
sinks:
  jsonl:
    path: @DIR@/events.jsonl
"""


class Writer:
    """Writes numbered failure lines, as rsyslog would."""

    def __init__(self, path):
        self.path = path
        self.n = 0
        self.written = []

    def line(self, n):
        return (f"Mar  1 10:00:{n % 60:02d} gw sshd[{1000 + n}]: Invalid user "
                f"u{n} from 192.0.2.{n % 250 + 1} port {10000 + n}\n")

    def write(self, count, path=None, raw_tail=""):
        with open(path or self.path, "a") as f:
            for _ in range(count):
                self.n += 1
                self.written.append(f"u{self.n}")
                f.write(self.line(self.n))
            f.write(raw_tail)


def users(agent):
    agent.read_new()
    return [e["payload"].get("user") for e in agent.events
            if e["type"] == "login.failure"]


def wait_users(agent, expected, what, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = users(agent)
        if sorted(got) == sorted(expected):
            return
        if len(got) > len(expected):
            break
        time.sleep(0.05)
    got = users(agent)
    dup = sorted({u for u in got if got.count(u) > 1})
    missing = sorted(set(expected) - set(got))
    harness.fail(f"{what}: {len(got)} events for {len(expected)} lines; "
                 f"duplicates {dup[:10]}, missing {missing[:10]}")


def main():
    args = harness.parse_args()
    agent = harness.Agent(args.picket, CONFIG)
    try:
        run(agent, args)
    finally:
        if agent.proc.poll() is None:
            agent.proc.kill()


def run(agent, args):
    check = harness.check
    d = agent.dir
    os.makedirs(f"{d}/log")
    log = f"{d}/log/auth.log"
    with open(log, "w") as f:
        f.write("Mar  1 09:00:00 gw sshd[1]: Invalid user history from "
                "192.0.2.1\n")  # before the agent: skipped (start_at end)
    # The file exists before the collector looks (it picks it at start).
    agent.wait_for(lambda e: e["type"] == "agent.status"
                   and e["payload"]["component"] == "collector.login"
                   and e["payload"]["state"] == "mode", 10, "mode status")
    w = Writer(log)
    w.write(5)
    wait_users(agent, w.written, "plain appends")

    # A partial last line is held until its newline arrives.
    with open(log, "a") as f:
        f.write("Mar  1 10:01:00 gw sshd[7]: Invalid user part")
    time.sleep(0.5)
    check(sorted(users(agent)) == sorted(w.written), "partial line held back")
    with open(log, "a") as f:
        f.write("ial from 192.0.2.99 port 1\n")
    w.written.append("partial")
    wait_users(agent, w.written, "partial line completed")

    # Garbage, binary and over-long lines are skipped.
    with open(log, "ab") as f:
        f.write(b"\x00\x01\x02 binary\n")
        f.write(b"no header at all\n")
        f.write(b"A" * 20000 + b"\n")
    w.write(2)
    wait_users(agent, w.written, "after garbage")

    # Rotation by rename; the writer keeps appending to the old file for a
    # moment (until its HUP), then writes to the new one.
    os.rename(log, log + ".1")
    w.write(3, path=log + ".1")
    w.write(3)  # creates the new auth.log
    w.write(2, path=log + ".1")
    wait_users(agent, w.written, "rotation by rename")

    # Rotation by copytruncate.
    with open(log, "r+") as f:
        f.truncate(0)
    w.write(4)
    wait_users(agent, w.written, "copytruncate")

    # The file disappears: reported, then read again when it returns.
    os.unlink(log)
    agent.wait_for(lambda e: e["type"] == "agent.status"
                   and e["payload"]["state"] == "source_missing", 5,
                   "source_missing status")
    w.write(2)
    wait_users(agent, w.written, "file returned")

    # Restart: lines written while the agent is down are read once.
    rc = agent.stop()
    check(rc == 0, f"agent exit code {rc}")
    before = users(agent)
    w.write(3)
    os.rename(log, log + ".2")  # and rotated while it was down
    w.write(2)
    # The new agent appends to the same JSONL file; read only what it adds.
    size = os.path.getsize(agent.jsonl)
    agent2 = harness.Agent(args.picket, CONFIG, workdir=d)
    agent2._offset = size
    try:
        w.write(1)
        expected_new = w.written[len(before):]
        wait_users(agent2, expected_new, "after restart")
        stats = agent2.wait_for(
            lambda e: e["type"] == "agent.statistics"
            and "collector.login" in e["payload"]["components"], 5,
            "login statistics")
        c = stats["payload"]["components"]["collector.login"]
        print(f"collector.login after restart: {c}")
        agent2.signal(signal.SIGTERM)
        check(agent2.proc.wait(10) == 0, "second agent stops cleanly")
    finally:
        if agent2.proc.poll() is None:
            agent2.proc.kill()
    # Counters of the first run: garbage, binary and over-long were seen.
    stats = [e for e in agent.events if e["type"] == "agent.statistics"
             and "collector.login" in e["payload"]["components"]]
    last = stats[-1]["payload"]["components"]["collector.login"]
    check(last["lines_binary"] == 1, f"binary lines {last['lines_binary']}")
    check(last["lines_unparsed"] == 1,
          f"unparsed lines {last['lines_unparsed']}")
    check(last["lines_overlong"] == 1,
          f"over-long lines {last['lines_overlong']}")
    check(last["rotations"] >= 1 and last["truncations"] >= 1,
          f"rotation counters {last}")
    print(f"{len(w.written)} lines, each reported once")
    print("PASS")


if __name__ == "__main__":
    main()
