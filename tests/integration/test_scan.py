"""`picket scan` end to end: the real binary on the fixture roots of
tests/fixtures/posture with every output format, its exit codes, malformed
policies, a hanging command check, and the agent's periodic scan sending
posture events. Owners of fixture files need root; without it the checks
that depend on them are left out (and the run says so)."""

import json
import os
import shutil
import stat
import subprocess
import tempfile
import time

import harness

check = harness.check


def run(picket, *args, timeout=60):
    p = subprocess.run([picket, *args], capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


TEMP_DIRS = []


def temp_dir(prefix):
    d = tempfile.mkdtemp(prefix=prefix)
    TEMP_DIRS.append(d)
    return d


def prepare_root(source_dir, name):
    """Copies tests/fixtures/posture/<name> to a temporary directory and
    applies <name>.attrs: modes always, owners when running as root."""
    base = os.path.join(source_dir, "tests", "fixtures", "posture")
    root = os.path.join(temp_dir("picket-scan-"), "root")
    shutil.copytree(os.path.join(base, name), root, symlinks=True)
    is_root = os.geteuid() == 0
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                continue
            # git keeps only the executable bit; checkouts add the umask.
            executable = stat.S_ISDIR(st.st_mode) or st.st_mode & 0o100
            if is_root:
                os.lchown(p, 0, 0)
            os.chmod(p, 0o755 if executable else 0o644)
    if is_root:
        os.lchown(root, 0, 0)
    with open(os.path.join(base, name + ".attrs")) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            mode, owner, rel = line.split(" ", 2)
            p = os.path.join(root, rel)
            if is_root:  # before chmod: chown clears setuid and setgid
                uid, gid = owner.split(":")
                os.lchown(p, int(uid), int(gid))
            if mode != "-":
                os.chmod(p, int(mode, 8))
    return root


# Shipped checks whose result depends on fixture file owners.
OWNER_DEPENDENT = {
    "files.passwd", "files.passwd_backup", "files.group", "files.group_backup",
    "files.shadow", "files.shadow_backup", "files.gshadow",
    "files.gshadow_backup", "files.crontab", "files.cron_directories",
    "files.root_home", "files.unowned", "ssh.config_permissions",
    "ssh.host_private_keys", "ssh.host_public_keys",
    "logging.var_log_permissions", "file.mode_owner", "file.owner_group",
    "directory.unowned"}


def results_by_id(report):
    return {r["id"]: r for r in report["results"]}


def validate_sarif(doc, expected_checks):
    """Structural SARIF 2.1.0 checks: what code-scanning consumers need."""
    check(doc.get("version") == "2.1.0", "SARIF version 2.1.0")
    check("sarif-2.1.0" in doc.get("$schema", ""), "SARIF $schema")
    check(isinstance(doc.get("runs"), list) and len(doc["runs"]) == 1,
          "one SARIF run")
    run_ = doc["runs"][0]
    driver = run_["tool"]["driver"]
    check(driver["name"] == "picket", "driver name")
    rules = driver["rules"]
    ids = [r["id"] for r in rules]
    check(len(ids) == len(set(ids)), "rule ids unique")
    check(len(rules) == expected_checks,
          f"one rule per check: {len(rules)} != {expected_checks}")
    for r in rules:
        for key in ("shortDescription", "fullDescription", "help"):
            check(isinstance(r[key]["text"], str) and r[key]["text"],
                  f"rule {r['id']} has {key}.text")
        check(r["defaultConfiguration"]["level"] in
              ("none", "note", "warning", "error"), "rule level")
    results = run_["results"]
    check(len(results) == expected_checks, "one result per check")
    for res in results:
        check(res["ruleId"] == rules[res["ruleIndex"]]["id"],
              f"ruleIndex points at ruleId {res['ruleId']}")
        check(res["kind"] in ("pass", "fail", "notApplicable", "open",
                              "review", "informational"), "result kind")
        check(res["level"] in ("none", "note", "warning", "error"),
              "result level")
        if res["kind"] != "fail":
            check(res["level"] == "none",
                  f"{res['ruleId']}: level none for kind {res['kind']}")
        check(isinstance(res["message"]["text"], str), "message text")
    inv = run_["invocations"][0]
    check(isinstance(inv["executionSuccessful"], bool), "invocation")
    return {r["ruleId"]: r for r in results}


def main():
    args = harness.parse_args()
    picket = args.picket
    src = os.path.abspath(args.source_dir)
    shipped = os.path.join(src, "src", "posture", "policies",
                           "picket-baseline.yaml")
    rules_policy = os.path.join(src, "tests", "fixtures", "posture", "rules",
                                "rules.yaml")
    owners = os.geteuid() == 0
    if not owners:
        print("NOTE: not root; fixture owners cannot be set, owner-dependent "
              "checks are not asserted", flush=True)

    hardened = prepare_root(src, "hardened")
    weak = prepare_root(src, "weak")
    rules_pass = prepare_root(src, "rules/pass")
    rules_fail = prepare_root(src, "rules/fail")

    rc, out, _ = run(picket, "--help")
    check("  scan " in out, "--help lists scan")
    rc, out, _ = run(picket, "scan", "--help")
    check(rc == 0 and "--fail-on" in out, "scan --help")

    # --- table
    rc, out, err = run(picket, "scan", "--policy", shipped, "--root", weak)
    check(rc == 3, f"weak device fails: exit 3, got {rc}: {err}")
    check("FAIL   hygiene.default_credentials" in out, f"table:\n{out}")
    check("- root: password is a publicly known default (pair #1 of the "
          "built-in iot-defaults list)" in out, "evidence in the table")
    check("xc3511" not in out and "$6$" not in out,
          "no password or hash in the report")
    check(out.index("\nCRITICAL\n") < out.index("\nHIGH\n") <
          out.index("\nMEDIUM\n") < out.index("\nLOW\n"),
          "grouped by severity, critical first")
    crit = out[out.index("\nCRITICAL\n"):out.index("\nHIGH\n")]
    check("fix:\n           Set a unique, strong password" in crit,
          "remediation shown under a failure")
    check("\033[" not in out, "no colour when not a terminal")
    rc, out, err = run(picket, "scan", "--policy", shipped, "--root",
                       hardened)
    if owners:
        check(rc == 0, f"hardened device passes: exit 0, got {rc}:\n{out}")
        check("score   100/100: 0 failed, 99 passed" in out, out)

    # --- exit code threshold
    rc, _, _ = run(picket, "scan", "--policy", shipped, "--root", weak,
                   "--fail-on", "none")
    check(rc == 0, f"--fail-on none: exit 0, got {rc}")
    rc, _, _ = run(picket, "scan", "--policy", shipped, "--root", weak,
                   "--fail-on", "critical")
    check(rc == 3, f"--fail-on critical on weak: exit 3, got {rc}")
    rc, _, _ = run(picket, "scan", "--policy", shipped, "--root", weak,
                   "--check", "ssh.max_sessions", "--fail-on", "info")
    check(rc == 0, f"only a passing check: exit 0, got {rc}")
    rc, _, _ = run(picket, "scan", "--policy", shipped, "--root", weak,
                   "--check", "kernel.kptr_restrict", "--fail-on", "medium")
    check(rc == 0, f"a low failure under --fail-on medium: exit 0, got {rc}")

    # --- json
    rc, out, err = run(picket, "scan", "--policy", shipped, "--root", weak,
                       "--format", "json")
    check(rc == 3, f"json exit 3, got {rc}: {err}")
    report = json.loads(out)
    r = results_by_id(report)
    check(len(r) == report["counts"]["total"] == 99, "99 results")
    c = report["counts"]
    check(c["passed"] + c["failed"] + c["errors"] + c["not_applicable"] ==
          c["total"], "counts add up")
    for cid in ("hygiene.default_credentials", "hygiene.telnet_listening",
                "hygiene.debug_services", "hygiene.ssh_root_password_login",
                "hygiene.firewall_active", "accounts.uid0_only_root",
                "ssh.permit_root_login", "net.tcp_syncookies", "kernel.aslr",
                "services.telnet_server", "modules.cramfs",
                "firewall.input_default_drop"):
        check(r[cid]["result"] == "fail", f"weak: {cid} fails: {r[cid]}")
    check(r["hygiene.debug_services"]["evidence"] ==
          ["tcp 0.0.0.0:5555 (adbd pid 233)"], "debug service evidence")
    check(r["accounts.root_primary_group"]["result"] == "pass",
          "weak: root's group is fine")
    check(r["logging.auditd_running"]["result"] == "not_applicable",
          "auditd check does not apply without auditd")
    check(report["target"]["os_id"] == "raspbian", "os id")
    check(report["score"] < 10, f"weak score {report['score']}")
    rc, out, _ = run(picket, "scan", "--policy", shipped, "--root", hardened,
                     "--format", "json")
    hard = results_by_id(json.loads(out))
    for cid, res in hard.items():
        if cid in OWNER_DEPENDENT and not owners:
            continue
        check(res["result"] == "pass", f"hardened: {cid}: {res}")

    # --- sarif, to a file
    out_file = os.path.join(temp_dir("picket-sarif-"),
                            "weak.sarif")
    rc, out, err = run(picket, "scan", "--policy", shipped, "--root", weak,
                       "--format", "sarif", "-o", out_file)
    check(rc == 3 and out == "", f"sarif to a file: {rc} {err}")
    with open(out_file) as f:
        sarif = validate_sarif(json.load(f), 99)
    check(sarif["hygiene.telnet_listening"]["kind"] == "fail" and
          sarif["hygiene.telnet_listening"]["level"] == "error",
          "critical failure is a SARIF error")
    check(sarif["logging.auditd_running"]["kind"] == "notApplicable",
          "not applicable kind")

    # --- every rule kind, pass and fail roots
    rc, out, err = run(picket, "scan", "--policy", rules_policy, "--root",
                       rules_pass, "--format", "json")
    for cid, res in results_by_id(json.loads(out)).items():
        if cid in OWNER_DEPENDENT and not owners:
            continue
        check(res["result"] == "pass", f"rules pass root: {cid}: {res}")
    rc, out, err = run(picket, "scan", "--policy", rules_policy, "--root",
                       rules_fail, "--format", "sarif")
    results = validate_sarif(json.loads(out), len(results_by_id(
        json.loads(run(picket, "scan", "--policy", rules_policy, "--root",
                       rules_fail, "--format", "json")[1]))))
    for cid, res in results.items():
        if cid in OWNER_DEPENDENT and not owners:
            continue
        check(res["kind"] == "fail", f"rules fail root: {cid}: {res}")

    # --- bad input
    d = temp_dir("picket-policy-")
    bad = os.path.join(d, "bad.yaml")
    with open(bad, "w") as f:
        f.write("id: bad\ntitle: Bad\nchecks:\n  - id: a\n    title: A\n"
                "    severity: urgent\n    remediation: R\n    condition:\n"
                "      sysctl: {key: net.ipv4.ip_forward, equal: '0'}\n")
    rc, out, err = run(picket, "scan", "--policy", bad, "--root", weak)
    check(rc == 2, f"malformed policy: exit 2, got {rc}")
    check(out == "", "nothing scanned with a malformed policy")
    check(f"{bad}:6: checks[0].severity: expected one of" in err, err)
    check(f"{bad}:9: checks[0].condition.sysctl.equal: unknown key" in err,
          err)
    syntax = os.path.join(d, "syntax.yaml")
    with open(syntax, "w") as f:
        f.write("id: x\ntitle: X\nchecks:\n  - id: a\n    title: [oops\n")
    rc, _, err = run(picket, "scan", "--policy", syntax)
    check(rc == 2 and f"{syntax}:" in err and "YAML syntax error" in err,
          f"YAML syntax error: {rc} {err}")
    rc, _, err = run(picket, "scan", "--policy", os.path.join(d, "none.yaml"))
    check(rc == 1 and "none.yaml" in err, f"missing policy: exit 1: {err}")
    rc, _, err = run(picket, "scan", "--policy", shipped, "--root",
                     os.path.join(d, "no-such-root"))
    check(rc == 2 and "--root" in err, f"bad root: exit 2: {rc} {err}")
    rc, _, err = run(picket, "scan", "--policy", shipped, "--check", "nope")
    check(rc == 2 and "no check \"nope\"" in err, f"unknown check: {err}")
    rc, _, _ = run(picket, "scan", "--format", "xml")
    check(rc == 2, "bad format: exit 2")

    # --- an unreadable fact is an error for that check only
    if not owners:
        os.chmod(os.path.join(rules_pass, "etc", "app.conf"), 0)
        rc, out, _ = run(picket, "scan", "--policy", rules_policy, "--root",
                         rules_pass, "--format", "json")
        res = results_by_id(json.loads(out))
        check(res["file_content.present"]["result"] == "error",
              "unreadable file: error result")
        check(res["sysctl.equals"]["result"] == "pass",
              "the scan continues after an error")

    # --- a command check that hangs is killed at its timeout
    hang = os.path.join(d, "hang.yaml")
    with open(hang, "w") as f:
        f.write("id: hang\ntitle: Hang\nchecks:\n"
                "  - id: cmd.hang\n    title: Hangs\n    severity: low\n"
                "    remediation: none\n    condition:\n"
                "      command: {argv: [/bin/sh, -c, 'sleep 60 & sleep 60'],"
                " timeout: 1s, exit_code: 0}\n"
                "  - id: cmd.ok\n    title: Works\n    severity: low\n"
                "    remediation: none\n    condition:\n"
                "      command: {argv: [/bin/echo, hello], "
                "output_matches: '^hello$'}\n")
    start = time.monotonic()
    rc, out, err = run(picket, "scan", "--policy", hang, "--format", "json")
    elapsed = time.monotonic() - start
    res = results_by_id(json.loads(out))
    check(res["cmd.hang"]["result"] == "error" and
          "killed after the 1000 ms timeout" in res["cmd.hang"]["reason"],
          f"hanging command: {res['cmd.hang']}")
    check(res["cmd.ok"]["result"] == "pass", f"next check runs: {res}")
    check(elapsed < 30, f"scan returned after the timeout ({elapsed:.1f}s)")
    check(rc == 0, f"errors do not fail the scan: {rc}")

    # --- the agent: a full report first, then changes only
    config = """
state_dir: @DIR@
collectors:
  process: {enabled: false}
  network: {enabled: false}
  login: {enabled: false}
sinks:
  jsonl: {path: @DIR@/events.jsonl}
posture:
  policy: %s
  interval: 1m
  jitter: 0
  first_delay: 0
  pacing: 0
""" % rules_policy
    agent = harness.Agent(picket, config, workdir=temp_dir("picket-it-"),
                          extra_args=("--root", rules_fail))
    try:
        summary = agent.wait_for(lambda e: e["type"] == "posture.summary", 60,
                                 "posture.summary")
        results = [e for e in agent.events if e["type"] == "posture.result"]
        n = len(results_by_id(json.loads(run(
            picket, "scan", "--policy", rules_policy, "--root", rules_fail,
            "--format", "json")[1])))
        check(len(results) == n, f"first report: {len(results)} of {n}")
        by = {e["payload"]["check_id"]: e for e in results}
        tel = by["listening.telnet"]
        check(tel["payload"]["result"] == "fail" and
              "previous" not in tel["payload"] and
              tel["payload"]["severity"] == "critical" and
              tel["priority"] == "high", f"telnet result event: {tel}")
        check(tel["payload"]["evidence"] ==
              ["tcp 0.0.0.0:23 (telnetd pid 200)"], "evidence in the event")
        check(summary["payload"]["policy"] == "rules-fixture" and
              summary["payload"]["failed"] >= 40, f"summary: {summary}")
    finally:
        rc = agent.stop()
    check(rc == 0, f"agent stopped cleanly: {rc}\n{agent.stderr_text()}")
    print("PASS")


if __name__ == "__main__":
    try:
        main()
    finally:
        # Left behind, the weak fixture's SUID and world-writable files
        # would be findings of a scan of this machine.
        for d in TEMP_DIRS:
            shutil.rmtree(d, ignore_errors=True)
