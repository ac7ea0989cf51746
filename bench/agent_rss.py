#!/usr/bin/env python3
"""Resident memory of the agent at rest, and where it goes.

Starts `picket run` on the shipped configuration (config/picket.yaml with
its state and output paths moved to a temporary directory), waits, and
prints VmRSS / VmHWM / RssAnon / RssFile and the resident size of each
mapping (libraries, heap, capture rings) from /proc/<pid>/smaps, with the
proportional (PSS) total: pages shared with other processes count in RSS
in full, in PSS by share.

    bench/agent_rss.py --picket build/release/picket [--seconds 15] \
        [--set collectors.network.enabled=false ...]

Run as root for the shipped configuration's collectors (capture, netlink).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def configure(text, workdir, settings):
    text = text.replace("/var/lib/picket", workdir)
    for setting in settings:
        key, value = setting.split("=", 1)
        parts = key.split(".")
        # Replaces `leaf: ...` under the nested keys, in the shipped file's
        # layout (two spaces per level).
        pattern = ""
        for depth, part in enumerate(parts[:-1]):
            pattern += r"^" + "  " * depth + re.escape(part) + r":\s*\n(?:.*\n)*?"
        pattern += r"^(" + "  " * (len(parts) - 1) + re.escape(parts[-1]) + r":)[^\n]*"
        text, n = re.subn(pattern, lambda m: m.group(0)[:m.start(1) - m.start(0)]
                          + m.group(1) + " " + value, text, count=1,
                          flags=re.M)
        if n != 1:
            sys.exit(f"--set {setting}: key not found in the configuration")
    return text


def status_fields(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[k] = int(v.split()[0])
    return out


def mappings(pid):
    rss, pss = {}, 0
    name = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                fields = line.split()
                name = os.path.basename(fields[5]) if len(fields) >= 6 \
                    else "[anonymous]"
            elif line.startswith("Rss:"):
                rss[name] = rss.get(name, 0) + int(line.split()[1])
            elif line.startswith("Pss:"):
                pss += int(line.split()[1])
    return rss, pss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--picket", required=True)
    ap.add_argument("--config", default=os.path.join(HERE, "..", "config",
                                                     "picket.yaml"))
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--set", action="append", default=[],
                    help="dotted.key=value applied to the configuration")
    ap.add_argument("--top", type=int, default=14)
    args = ap.parse_args()

    workdir = tempfile.mkdtemp(prefix="picket-rss-")
    with open(args.config) as f:
        text = configure(f.read(), workdir, args.set)
    config = os.path.join(workdir, "picket.yaml")
    with open(config, "w") as f:
        f.write(text)
    stderr = open(os.path.join(workdir, "stderr.log"), "wb")
    proc = subprocess.Popen([args.picket, "run", "--config", config],
                            stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        time.sleep(args.seconds)
        if proc.poll() is not None:
            sys.exit(f"agent exited ({proc.returncode}); see {workdir}")
        st = status_fields(proc.pid)
        rss, pss = mappings(proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)
    print(f"agent at rest after {args.seconds:g} s ({' '.join(args.set) or 'shipped configuration'})")
    print("| figure | KiB |")
    print("|---|---|")
    for k in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
        print(f"| {k} | {st[k]:,} |")
    print(f"| PSS | {pss:,} |")
    print()
    print("| mapping | RSS KiB |")
    print("|---|---|")
    for name, kib in sorted(rss.items(), key=lambda x: -x[1])[:args.top]:
        if name.startswith("socket:"):
            name += " (capture ring)"
        print(f"| {name} | {kib:,} |")


if __name__ == "__main__":
    main()
