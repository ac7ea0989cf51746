"""The picket binary's command table, help, version and check-config exit
codes, run as the real binary (no root needed)."""

import os
import subprocess
import tempfile

import harness


def run(picket, *args):
    p = subprocess.run([picket, *args], capture_output=True, text=True,
                       timeout=30)
    return p.returncode, p.stdout, p.stderr


def rc_ok_policy_line(picket, config):
    rc, out, _ = run(picket, "check-config", "--config", config)
    return rc == 0 and "policy picket-baseline" in out and "checks" in out


def main():
    args = harness.parse_args()
    check = harness.check
    picket = args.picket

    rc, out, _ = run(picket, "--help")
    check(rc == 0, "--help exits 0")
    for cmd in ("run", "check-config", "version"):
        check(f"  {cmd}" in out, f"--help lists {cmd}")
        rc, out2, _ = run(picket, cmd, "--help")
        check(rc == 0 and "Usage" in out2, f"{cmd} --help: rc={rc}")

    rc, _, err = run(picket)
    check(rc == 2 and "usage" in err, "no command: usage, exit 2")
    rc, _, err = run(picket, "frobnicate")
    check(rc == 2 and "unknown command" in err, "unknown command: exit 2")
    rc, _, err = run(picket, "run", "--no-such-flag")
    check(rc == 2, f"bad flag: exit 2, got {rc}")

    rc, out, _ = run(picket, "version")
    check(rc == 0 and out.startswith("picket "), "version")
    check("collector.process" in out and "sink.jsonl" in out,
          "version lists built-in parts")

    shipped = os.path.join(args.source_dir, "config", "picket.yaml")
    rc, out, err = run(picket, "check-config", "--config", shipped)
    check(rc == 0, f"shipped config valid: {err}")

    d = tempfile.mkdtemp(prefix="picket-cli-")
    bad = os.path.join(d, "bad.yaml")
    with open(bad, "w") as f:
        f.write("engine:\n  queue_capacity: lots\n"
                "collectors:\n  process:\n    mode: magic\n"
                "surprise: 1\n")
    rc, out, err = run(picket, "check-config", "--config", bad)
    check(rc == 2, f"invalid config exits 2, got {rc}")
    check(f"{bad}:2: engine.queue_capacity:" in err,
          f"error names file, line and key:\n{err}")
    check(f"{bad}:5: collectors.process.mode:" in err, f"second error:\n{err}")
    check(f"{bad}:6: surprise:" in err, f"unknown key reported:\n{err}")

    rc, _, err = run(picket, "check-config", "--config",
                     os.path.join(d, "missing.yaml"))
    check(rc == 1 and "missing.yaml" in err,
          f"unreadable config exits 1 naming it: {rc} {err}")

    # check-config also loads the posture policy the configuration names.
    check(rc_ok_policy_line(picket, shipped),
          "check-config of the shipped file reports its policy")
    policy = os.path.join(d, "policy.yaml")
    with open(policy, "w") as f:
        f.write("id: p\ntitle: P\nversion: '1'\nchecks:\n"
                "  - id: c1\n    title: C\n    severity: huge\n")
    with_policy = os.path.join(d, "with-policy.yaml")
    with open(with_policy, "w") as f:
        f.write(f"posture:\n  policy: {policy}\n")
    rc, _, err = run(picket, "check-config", "--config", with_policy)
    check(rc == 2 and "posture.policy" in err and f"{policy}:" in err
          and "severity" in err,
          f"malformed policy: exit 2 naming the policy file and key: "
          f"{rc} {err}")
    with open(with_policy, "w") as f:
        f.write(f"posture:\n  policy: {d}/absent.yaml\n")
    rc, _, err = run(picket, "check-config", "--config", with_policy)
    check(rc == 1 and "absent.yaml" in err,
          f"missing policy: exit 1 naming it: {rc} {err}")
    with open(with_policy, "w") as f:
        f.write(f"posture:\n  enabled: false\n  policy: {d}/absent.yaml\n")
    rc, _, err = run(picket, "check-config", "--config", with_policy)
    check(rc == 0, f"policy not checked when posture is off: {rc} {err}")

    # `run` refuses an invalid file before starting anything.
    rc, _, err = run(picket, "run", "--config", bad)
    check(rc == 2, f"run with invalid config exits 2, got {rc}")
    print("PASS")


if __name__ == "__main__":
    main()
