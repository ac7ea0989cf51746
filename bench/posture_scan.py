#!/usr/bin/env python3
"""Benchmark of a full posture scan: wall time, CPU time and peak RSS of
`picket scan` with the shipped policy on this machine (or another --root).

Each run is a fresh process measured with wait4(2) (its own rusage, not the
sum of all children); one warm-up run fills the page cache first, so the
numbers are for a warm file system, as on a device that scans twice a day.
The RSS of `picket version` is measured too: it is the binary's floor (the
shared libraries every part of the agent links), so the scan's own cost is
the difference.

    bench/posture_scan.py --picket build/release/picket [--runs 5] [--root /]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def run_once(cmd):
    """Runs cmd with stdout discarded; returns (wall s, cpu s, user s, sys s,
    max rss KiB, exit code). Through GNU time when installed: a child forked
    from this Python process would count Python's pages in its ru_maxrss
    until it execs, and time(1) itself is tiny."""
    if os.path.exists("/usr/bin/time"):
        p = subprocess.run(["/usr/bin/time", "-f", "@@ %e %U %S %M", *cmd],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True)
        line = [l for l in p.stderr.splitlines() if l.startswith("@@ ")][-1]
        wall, user, sys_, rss = (float(x) for x in line.split()[1:])
        code = p.returncode
        return wall, user + sys_, user, sys_, rss, code
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execv(cmd[0], cmd)
    _, status, usage = os.wait4(pid, 0)
    wall = time.monotonic() - start
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_utime, usage.ru_stime, usage.ru_maxrss, \
        os.waitstatus_to_exitcode(status)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--picket", required=True)
    ap.add_argument("--policy", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "src", "posture",
        "policies", "picket-baseline.yaml"))
    ap.add_argument("--root", default="/")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    scan = [args.picket, "scan", "--policy", args.policy, "--root", args.root,
            "--format", "json", "--fail-on", "none"]
    report = json.loads(subprocess.run(scan, capture_output=True, text=True,
                                       check=True).stdout)  # warm-up
    walked = [e for r in report["results"] for e in r["evidence"]
              if "entries examined" in e]
    walked += [r["id"] + ": " + str(len(r["evidence"])) + " findings"
               for r in report["results"]
               if r["id"].startswith("files.") and r["result"] == "fail"
               and "directory" not in r["id"]]
    runs = [run_once(scan) for _ in range(args.runs)]
    for r in runs:
        if r[5] != 0:
            sys.exit(f"picket scan exited {r[5]}")
    floor = [run_once([args.picket, "version"])[4] for _ in range(3)]

    def med(i):
        return statistics.median(r[i] for r in runs)

    print(f"policy   {report['policy']['id']} {report['policy']['version']}: "
          f"{report['counts']['total']} checks "
          f"({report['counts']['passed']} pass, {report['counts']['failed']} "
          f"fail, {report['counts']['not_applicable']} n/a, "
          f"{report['counts']['errors']} error)")
    print(f"target   {args.root} ({report['target']['os_name']})")
    if walked:
        print(f"walk     {walked[0]}")
    print(f"runs     {args.runs} (after one warm-up), medians:")
    print("| figure | value |")
    print("|---|---|")
    print(f"| wall time | {med(0) * 1000:.0f} ms |")
    print(f"| CPU time (user + sys) | {med(1) * 1000:.0f} ms "
          f"({med(2) * 1000:.0f} + {med(3) * 1000:.0f}) |")
    print(f"| peak RSS | {med(4) / 1024:.1f} MiB |")
    print(f"| peak RSS of `picket version` (binary floor) | "
          f"{statistics.median(floor) / 1024:.1f} MiB |")
    print(f"| scan's own peak RSS (difference) | "
          f"{(med(4) - statistics.median(floor)) / 1024:.1f} MiB |")


if __name__ == "__main__":
    main()
