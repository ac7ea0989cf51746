#!/usr/bin/env python3
"""Writes a synthetic sshd auth log (syslog format) with known attacks.

The log spans --hours hours ending at --end (default: now, local time) and
holds --lines lines: benign administration (accepted logins, session
open/close, sudo, cron), internet noise (sources failing once or twice over
the whole log, below any brute-force threshold) and --attacks brute-force
attacks, each from its own address, each a continuous burst of 40 to 400
failed passwords at one every 0.5 to 5 s against one user or many (user
enumeration). The same --seed gives the same file.

The attack sources are printed on standard error, one per line, after
"attack" (the tests and the benchmark read them), with the number of failed
logins each made. Used by tests/integration/test_replay_log.py and the
`picket replay --log` benchmark (docs/PERFORMANCE.md).
"""

import argparse
import random
import sys
import time

USERS = ["root", "admin", "ubuntu", "pi", "test", "oracle", "postgres",
         "git", "user", "support", "guest", "ftp", "deploy", "jenkins"]
ADMINS = ["alice", "bob", "carol"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--lines", type=int, default=500000)
    p.add_argument("--hours", type=float, default=14)
    p.add_argument("--attacks", type=int, default=40)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--end", type=float, default=None,
                   help="end of the log, seconds since the epoch")
    p.add_argument("--host", default="gw")
    args = p.parse_args()
    rng = random.Random(args.seed)
    end = args.end if args.end is not None else time.time()
    span = args.hours * 3600
    start = end - span

    records = []  # (time, text)
    pid = [10000]

    def next_pid():
        pid[0] = pid[0] + rng.randint(1, 7)
        if pid[0] > 4000000:
            pid[0] = 10000
        return pid[0]

    def sshd(t, text, p=None):
        records.append((t, f"sshd[{p or next_pid()}]: {text}"))

    # Attacks: continuous bursts from their own addresses, kept apart so
    # that each is one attack.
    attacks = []
    slot = span / max(args.attacks, 1)
    for i in range(args.attacks):
        src = f"198.51.{100 + i // 250}.{1 + i % 250}"
        if i % 3 == 0:
            src = f"2001:db8:{i:x}::{rng.randint(1, 0xffff):x}"
        t = start + i * slot + rng.uniform(0, slot / 4)
        n = rng.randint(40, 400)
        gap = rng.uniform(0.5, 5)
        many = i % 2 == 0
        for k in range(n):
            user = rng.choice(USERS) if many else "root"
            p = next_pid()
            port = rng.randint(30000, 65000)
            if many and user not in ("root",) and rng.random() < 0.5:
                sshd(t, f"Invalid user {user} from {src} port {port}", p)
                sshd(t, f"Failed password for invalid user {user} from "
                     f"{src} port {port} ssh2", p)
            else:
                sshd(t, f"Failed password for {user} from {src} port "
                     f"{port} ssh2", p)
            sshd(t + 0.2, f"Connection closed by authenticating user {user} "
                 f"{src} port {port} [preauth]", p)
            t += gap * rng.uniform(0.8, 1.2)
        attacks.append((src, n))

    # Noise and administration fill the rest, spread over the whole span.
    noise_sources = 0
    while len(records) < args.lines:
        t = start + rng.uniform(0, span)
        r = rng.random()
        if r < 0.01:
            noise_sources += 1
            src = (f"203.0.{noise_sources // 250 % 250}."
                   f"{1 + noise_sources % 250}")
            p = next_pid()
            port = rng.randint(30000, 65000)
            user = rng.choice(USERS)
            sshd(t, f"Failed password for {user} from {src} port {port} ssh2",
                 p)
            sshd(t + 0.3, f"Connection closed by authenticating user {user} "
                 f"{src} port {port} [preauth]", p)
        elif r < 0.45:
            user = rng.choice(ADMINS)
            src = f"192.0.2.{rng.randint(1, 254)}"
            p = next_pid()
            port = rng.randint(30000, 65000)
            sshd(t, f"Accepted publickey for {user} from {src} port {port} "
                 f"ssh2: ED25519 SHA256:abcdefghijklmnopqrstuvwxyz0123456789"
                 f"ABCDEFG", p)
            sshd(t, f"pam_unix(sshd:session): session opened for user "
                 f"{user}(uid=1000) by (uid=0)", p)
            d = rng.uniform(5, 3000)
            sshd(t + d, f"Received disconnect from {src} port {port}:11: "
                 f"disconnected by user", p)
            sshd(t + d, f"pam_unix(sshd:session): session closed for user "
                 f"{user}", p)
        elif r < 0.7:
            p = next_pid()
            records.append((t, f"CRON[{p}]: pam_unix(cron:session): session "
                            f"opened for user root(uid=0) by (uid=0)"))
            records.append((t + 1, f"CRON[{p}]: pam_unix(cron:session): "
                            f"session closed for user root"))
        else:
            user = rng.choice(ADMINS)
            p = next_pid()
            records.append((t, f"sudo[{p}]:   {user} : TTY=pts/0 ; PWD=/home/"
                            f"{user} ; USER=root ; COMMAND=/usr/bin/systemctl "
                            f"status picket"))
            records.append((t, f"sudo[{p}]: pam_unix(sudo:session): session "
                            f"opened for user root(uid=0) by {user}"
                            f"(uid=1000)"))
    records.sort(key=lambda r: r[0])
    with open(args.output, "w") as f:
        for t, text in records:
            stamp = time.strftime("%b %e %H:%M:%S", time.localtime(t))
            f.write(f"{stamp} {args.host} {text}\n")
    for src, n in attacks:
        print(f"attack {src} {n}", file=sys.stderr)


if __name__ == "__main__":
    main()
