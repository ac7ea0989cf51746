#!/usr/bin/env python3
"""`picket replay --log` against `fail2ban-regex` on the same auth log.

Generates a sshd log with bench/authlog_gen.py (or takes --log FILE), runs

- picket replay --log FILE --alerts-only (what a user comparing the two
  wants: the findings),
- picket replay --log FILE (every login event as a JSON line as well),
- fail2ban-regex FILE /etc/fail2ban/filter.d/sshd.conf (needs the Debian
  package fail2ban; skipped with a note when it is missing),

each once after a warm-up read of the file, and prints wall time, lines/s,
peak RSS and the failures each found. fail2ban-regex counts matched lines:
its "Failed ..." hits are failed attempts, its "Invalid user" hits are the
first line of an attempt whose "Failed ... invalid user" line it counts
again; picket correlates both lines into one attempt.

    python3 bench/replay_vs_fail2ban.py --picket build/release/picket \
        --lines 1000000
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time


def measured(cmd, stdout=subprocess.DEVNULL):
    """Runs `cmd` under GNU time (package `time`): its stderr (or stdout
    when `stdout` is PIPE), wall seconds and peak RSS in KiB, its own."""
    with tempfile.NamedTemporaryFile("r") as t:
        p = subprocess.run(["/usr/bin/time", "-o", t.name, "-f", "%e %M",
                            *cmd], stdout=stdout, stderr=subprocess.PIPE,
                           text=True)
        if p.returncode != 0:
            sys.exit(f"{cmd[0]} exited {p.returncode}: {p.stderr[-500:]}")
        elapsed, rss = t.read().split()
    text = p.stdout if stdout == subprocess.PIPE else p.stderr
    return text, float(elapsed), int(rss)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--picket", required=True)
    ap.add_argument("--lines", type=int, default=1000000)
    ap.add_argument("--attacks", type=int, default=40)
    ap.add_argument("--log", help="an existing log instead of a generated one")
    ap.add_argument("--filter", default="/etc/fail2ban/filter.d/sshd.conf")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="picket-f2b-")
    log = args.log
    if log is None:
        log = os.path.join(work, "auth.log")
        gen = os.path.join(os.path.dirname(__file__), "authlog_gen.py")
        subprocess.run([sys.executable, gen, "-o", log, "--lines",
                        str(args.lines), "--attacks", str(args.attacks),
                        "--end", "1764806400"], check=True,
                       stderr=subprocess.DEVNULL)
    with open(log, "rb") as f:
        data = f.read()  # warm the page cache for every tool alike
    lines = data.count(b"\n")
    del data
    print(f"log: {log}, {lines} lines")
    print(f"{'tool':<44} {'s':>7} {'lines/s':>10} {'peak RSS':>10}  "
          f"failures")

    def row(name, elapsed, rss, found):
        print(f"{name:<44} {elapsed:7.2f} {lines / elapsed:10.0f} "
              f"{rss / 1024:8.1f} MiB  {found}")

    for extra in (["--alerts-only"], []):
        err, elapsed, rss = measured([args.picket, "replay", "--log", log,
                                      *extra])
        m = re.search(r"(\d+) failed logins", err)
        alerts = re.search(r"(\d+) alerts", err)
        row("picket replay --log " + " ".join(extra), elapsed, rss,
            f"{m.group(1) if m else '?'} failed attempts, "
            f"{alerts.group(1) if alerts else '?'} alerts")

    if not os.path.exists("/usr/bin/fail2ban-regex"):
        print("fail2ban-regex: not installed (apt-get install fail2ban)")
        return
    out, elapsed, rss = measured(["fail2ban-regex", log, args.filter],
                                 stdout=subprocess.PIPE)
    failed = invalid = 0
    for m in re.finditer(r"\[(\d+)\] \^(.{0,40})", out):
        hits, regex = int(m.group(1)), m.group(2)
        if regex.startswith("Failed"):
            failed += hits
        elif "nvalid) user" in regex:
            invalid += hits
    matched = re.search(r"(\d+) matched", out)
    row("fail2ban-regex (sshd filter)", elapsed, rss,
        f"{matched.group(1) if matched else '?'} matched lines: "
        f"{failed} 'Failed ...' + {invalid} 'Invalid user'")


if __name__ == "__main__":
    main()
