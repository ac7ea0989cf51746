"""`picket replay --log` and `--events`: detectors on the events' own time.

A 200,000-line, 14-hour sshd log (bench/authlog_gen.py: administration,
internet noise below every threshold, 20 brute-force attacks each from its
own address, half of them trying many user names) is

1. replayed twice: the two outputs are byte for byte the same, and the
   same again read from standard input; --alerts-only writes the alerts
   of that output and nothing else;
2. found to hold each attack as one `login.brute_force` alert opening it
   and one closing it with the number of failures the attacker made, the
   enumerating half as one `login.user_enumeration` each, and nothing else
   from an attacker or noise address opening a brute-force alert;
3. read by the live agent from its beginning (start_at: beginning, which
   reads the whole file in a burst): it raises the same alerts as the
   replay (every alert opening or re-reporting an attack is the same, and
   the ones closing attacks that the log itself ends) — so detectors run on
   the log's time, not on when the agent read a line (the alert budget, a
   backstop counted on the agent's clock, is off: 14 hours of history
   arrive within seconds);
4. the agent's own JSON lines through `picket replay --events`: the same
   alerts again, recorded alerts skipped;
5. bad input: malformed JSON lines are counted, named and skipped (exit 1
   after replaying the rest); an unreadable log exits 1 naming it; binary
   junk in a log is counted, not parsed.
"""

import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import harness

LINES = 200000
ATTACKS = 20


def generate(source_dir, path, end):
    gen = os.path.join(source_dir, "bench", "authlog_gen.py")
    p = subprocess.run([sys.executable, gen, "-o", path, "--lines",
                        str(LINES), "--attacks", str(ATTACKS), "--end",
                        str(end)], capture_output=True, text=True, check=True)
    attacks = {}
    for line in p.stderr.splitlines():
        _, src, n = line.split()
        attacks[src] = int(n)
    return attacks


def replay(picket, *args):
    p = subprocess.run([picket, "replay", *args], capture_output=True,
                       timeout=300)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def alerts(events):
    return [e for e in events if e["type"] == "alert"]


def key(e):
    p = e["payload"]
    d = p.get("details", {})
    return (p["alert"], d.get("phase"), d.get("source"), d.get("user"),
            d.get("attempts"), d.get("window_s"))


def main():
    args = harness.parse_args()
    check = harness.check
    d = tempfile.mkdtemp(prefix="picket-replay-log-")
    os.chmod(d, 0o700)
    log = os.path.join(d, "auth.log")
    # The log ends a minute ago: live, the agent reads it as history.
    attacks = generate(args.source_dir, log, time.time() - 60)
    check(len(attacks) == ATTACKS, f"generator made {len(attacks)} attacks")

    # 1. Deterministic.
    t0 = time.monotonic()
    rc, out1, err1 = replay(args.picket, "--log", log)
    elapsed = time.monotonic() - t0
    check(rc == 0, f"replay --log exit {rc}: {err1}")
    rc, out2, _ = replay(args.picket, "--log", log)
    check(out1 == out2, "two replays of the same log differ")
    events = [json.loads(l) for l in out1.splitlines() if l]
    # From standard input: the same (but for the origin's name).
    with open(log, "rb") as f:
        p = subprocess.run([args.picket, "replay", "--log", "-"], stdin=f,
                           capture_output=True, timeout=300)
    check(p.returncode == 0, f"replay --log - exit {p.returncode}")
    check(p.stdout.replace(b'"syslog:-"', f'"syslog:{log}"'.encode()) == out1,
          "replay from standard input differs from the file's")
    rc, only, _ = replay(args.picket, "--log", log, "--alerts-only")
    check(rc == 0 and only.splitlines() ==
          [l for l in out1.splitlines() if b'"type":"alert"' in l],
          "--alerts-only writes exactly the alerts")
    print(f"replay: {LINES} lines in {elapsed:.2f} s; {err1.strip()}")
    with open(log, "rb") as f:
        total = f.read().count(b"\n")
    check(f"{total} lines" in err1, f"summary counts the {total} lines: {err1}")
    m = re.search(r"(\d+) failed logins", err1)
    check(m is not None, f"summary counts failed logins: {err1}")
    failures = int(m.group(1))

    # 2. One attack, one alert opening it and one closing it.
    opened = collections.Counter()
    for a in alerts(events):
        p, d2 = a["payload"], a["payload"].get("details", {})
        if p["alert"] in ("login.brute_force", "login.user_enumeration"):
            check(d2.get("source") in attacks,
                  f"alert on a non-attacker: {p['title']}")
            if d2.get("phase") == "start":
                opened[(p["alert"], d2["source"])] += 1
            if p["alert"] == "login.brute_force" and d2.get("phase") == "end":
                check(int(d2["attempts"]) == attacks[d2["source"]],
                      f"{p['title']}: the attacker made "
                      f"{attacks[d2['source']]} failures")
    for i, src in enumerate(attacks):
        check(opened[("login.brute_force", src)] == 1,
              f"attack from {src}: "
              f"{opened[('login.brute_force', src)]} opening alerts")
        enumerating = i % 2 == 0  # the generator's rule
        check(opened[("login.user_enumeration", src)] == int(enumerating),
              f"attack from {src}: "
              f"{opened[('login.user_enumeration', src)]} enumeration alerts")
    ends = [a for a in alerts(events)
            if a["payload"]["alert"] == "login.brute_force"
            and a["payload"]["details"].get("phase") == "end"]
    check(len(ends) == ATTACKS, f"{len(ends)} attacks closed, {ATTACKS} made")

    # 3. The live agent reading the same file from its beginning.
    config = harness.login_only_config(
        "replay-live", "  statistics_interval: 1s\n  alert_budget: 0\n", "  jsonl:\n    path: @DIR@/events.jsonl\n    max_size: 1GiB\n")
    config = config.replace("    capacity: 5\n", "")
    agent_dir = tempfile.mkdtemp(prefix="picket-replay-live-")
    with open(log, "rb") as src, \
            open(os.path.join(agent_dir, "auth.log"), "wb") as dst:
        dst.write(src.read())
    agent = harness.Agent(args.picket, config, workdir=agent_dir)
    # Everything read and through the detector: the login collector's line
    # count reaches the file's, the brute-force detector's failure count
    # the replay's.
    deadline = time.monotonic() + 120
    lines_read = failures_seen = 0
    while time.monotonic() < deadline and (lines_read < total or
                                           failures_seen < failures):
        agent.read_new()
        for e in agent.events:
            if e["type"] == "agent.statistics":
                c = e["payload"]["components"]
                lines_read = max(lines_read,
                                 c.get("collector.login", {}).get("lines", 0))
                failures_seen = max(failures_seen, c.get(
                    "detector.brute_force", {}).get("failures", 0))
        time.sleep(0.2)
    agent.stop()
    check(lines_read >= total, f"live agent read {lines_read} of {total} "
          f"lines")
    check(failures_seen == failures, f"live agent's detector saw "
          f"{failures_seen} failed logins, the replay {failures}")
    live = alerts(agent.events)
    replayed = alerts(events)
    live_keys = collections.Counter(key(a) for a in live)
    replay_keys = collections.Counter(key(a) for a in replayed)
    # Closing alerts the live agent has not raised yet: attacks still open
    # at its last line (live, they end after real quiet time).
    missing = replay_keys - live_keys
    extra = live_keys - replay_keys
    check(not extra, f"live agent raised alerts the replay did not: "
          f"{sorted(extra)[:5]}")
    check(all(k[1] == "end" for k in missing) and len(missing) <= 3,
          f"replay raised alerts the live agent did not: "
          f"{sorted(missing)[:5]}; live: "
          f"{sorted(k for k in live_keys if k[2] in [m[2] for m in missing])}")
    print(f"live agent: {len(live)} alerts, replay {len(replayed)} "
          f"({sum(missing.values())} closing alerts of attacks still open)")

    # 4. The agent's recorded events through the detectors again.
    recorded = os.path.join(agent_dir, "events.jsonl")
    # With the live agent's budget: the recorded events arrived within
    # seconds, and the budget runs on the events' time.
    replay_config = os.path.join(d, "replay.yaml")
    with open(replay_config, "w") as f:
        f.write("engine:\n  alert_budget: 0\n")
    rc, out, err = replay(args.picket, "--events", recorded, "-c",
                          replay_config)
    check(rc == 0, f"replay --events exit {rc}: {err}")
    again = [json.loads(l) for l in out.splitlines() if l]
    check(all(e["type"] == "alert" for e in again),
          "replay --events writes the alerts only")
    again_keys = collections.Counter(key(a) for a in again)
    check(not (live_keys - again_keys),
          f"replay --events lost alerts: {sorted(live_keys - again_keys)[:5]}")
    check(not (again_keys - replay_keys),
          f"replay --events raised others: "
          f"{sorted(again_keys - replay_keys)[:5]}")
    check("recorded alerts and agent events skipped" in err, err)
    print(f"replay --events: {err.strip()}")

    # 5. Bad input.
    bad = os.path.join(d, "bad.jsonl")
    with open(recorded, "rb") as f:
        good = [l for l in f.read().split(b"\n") if l]
    with open(bad, "wb") as f:
        f.write(b"\n".join(good[:50]) + b"\n{not json\n\x00\xff\n" +
                b"\n".join(good[50:]) + b"\n")
    rc, out, err = replay(args.picket, "--events", bad, "-c", replay_config)
    check(rc == 1, f"malformed lines: exit {rc}")
    check("line 51" in err and "2 malformed" in err, err)
    check(collections.Counter(key(json.loads(l)) for l in out.splitlines()
                              if l) == again_keys,
          "the good lines around malformed ones are all replayed")
    rc, _, err = replay(args.picket, "--log", os.path.join(d, "missing.log"))
    check(rc == 1 and "missing.log" in err, f"missing log: {rc} {err}")
    junk = os.path.join(d, "junk.log")
    with open(junk, "wb") as f:
        f.write(b"Dec  4 10:00:00 gw sshd[1]: Failed password for root from "
                b"192.0.2.1 port 1 ssh2\n\x7fELF\x02\x01\x01\x00\x00\x00\n"
                b"random text\n")
    rc, out, err = replay(args.picket, "--log", junk)
    check(rc == 0 and "3 lines (1 not parsed, 1 binary)" in err, err)
    check(b"login.failure" in out, "the good line is still an event")
    print("PASS")


if __name__ == "__main__":
    main()
