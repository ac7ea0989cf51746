"""End to end, as root: a real sshd, a real ssh client, the real agent.

Starts a throwaway sshd on 127.0.0.1:2222 with its own host key and config,
logging with `-E` to a file that the agent tails (bare sshd messages, CRLF
line ends). Makes ten failed password logins with sshpass+ssh as a
throwaway local user and asserts the login.brute_force alert arrives within
2 s of the moment the threshold-crossing (tenth) failure was written to the
log; then logs in successfully and asserts login.brute_force_success. Every
attempt must appear as one login.failure event (no double counting of the
"[preauth]" line that follows each). The user is removed afterwards.
"""

import os
import secrets
import shutil
import socket
import subprocess
import threading
import time

import harness

PORT = 2222
LATENCY_BUDGET_S = 2.0

CONFIG = """
device:
  id: itest-login
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
      - @DIR@/sshd.log
    utmp: "off"
    start_at: beginning
detectors:
  brute_force:
    capacity: 10
    leak_interval: 60s
    success_min_failures: 5
sinks:
  jsonl:
    path: @DIR@/events.jsonl
"""

SSHD_CONFIG = """
Port {port}
ListenAddress 127.0.0.1
HostKey {dir}/host_ed25519
PidFile {dir}/sshd.pid
UsePAM yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication no
PermitRootLogin no
MaxAuthTries 10
MaxStartups 100
LogLevel VERBOSE
AllowUsers {user}
"""


def ssh(user, password):
    """One login attempt; returns ssh's exit code."""
    cmd = ["sshpass", "-p", password, "ssh", "-p", str(PORT),
           "-o", "StrictHostKeyChecking=no",
           "-o", "UserKnownHostsFile=/dev/null",
           "-o", "PreferredAuthentications=password",
           "-o", "PubkeyAuthentication=no",
           "-o", "NumberOfPasswordPrompts=1",
           "-o", "ConnectTimeout=5",
           "-o", "LogLevel=ERROR",
           f"{user}@127.0.0.1", "true"]
    return subprocess.run(cmd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, timeout=30).returncode


class LogWatcher(threading.Thread):
    """Records when each "Failed password" line appears in sshd's log and
    when the first brute-force alert appears in the agent's JSONL file, from
    one thread that nothing else blocks (the test's own thread waits for
    ssh clients to exit)."""

    def __init__(self, sshd_log, jsonl):
        super().__init__(daemon=True)
        self.files = {sshd_log: 0, jsonl: 0}
        self.sshd_log = sshd_log
        self.failed_at = []  # monotonic times, in file order
        self.alert_at = None
        self.stop = False

    def poll(self, path):
        try:
            with open(path, "rb") as f:
                f.seek(self.files[path])
                data = f.read()
        except FileNotFoundError:
            return []
        end = data.rfind(b"\n")
        if end < 0:
            return []
        self.files[path] += end + 1
        return data[:end].split(b"\n")

    def run(self):
        jsonl = [p for p in self.files if p != self.sshd_log][0]
        while not self.stop:
            for line in self.poll(self.sshd_log):
                if line.startswith(b"Failed password"):
                    self.failed_at.append(time.monotonic())
            now = time.monotonic()
            for line in self.poll(jsonl):
                if (self.alert_at is None and
                        b'"alert":"login.brute_force"' in line):
                    self.alert_at = now
            time.sleep(0.005)


def wait_port(port, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def main():
    args = harness.parse_args()
    harness.require_root("a throwaway sshd on port 2222 and a local user")
    for tool in ("/usr/sbin/sshd", "ssh", "sshpass", "ssh-keygen", "useradd"):
        if not shutil.which(tool):
            print(f"SKIPPED: {tool} missing (scripts/install-deps installs "
                  f"openssh-server, openssh-client, sshpass)", flush=True)
            raise SystemExit(harness.SKIP)
    user = "pkt" + secrets.token_hex(4)
    password = "It-" + secrets.token_hex(8)
    subprocess.run(["useradd", "-M", "-s", "/bin/sh", user], check=True)
    sshd = None
    agent = None
    watcher = None
    try:
        subprocess.run(["chpasswd"], input=f"{user}:{password}\n".encode(),
                       check=True)
        agent = harness.Agent(args.picket, CONFIG)
        d = agent.dir
        os.makedirs("/run/sshd", exist_ok=True)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                        f"{d}/host_ed25519"], check=True)
        with open(f"{d}/sshd_config", "w") as f:
            f.write(SSHD_CONFIG.format(port=PORT, dir=d, user=user))
        open(f"{d}/sshd.log", "w").close()
        agent.wait_for(lambda e: e["type"] == "agent.status"
                       and e["payload"]["component"] == "collector.login"
                       and e["payload"]["state"] == "mode", 10,
                       "login collector mode")
        sshd = subprocess.Popen(["/usr/sbin/sshd", "-D", "-f",
                                 f"{d}/sshd_config", "-E", f"{d}/sshd.log"])
        harness.check(wait_port(PORT, 10), "sshd listens on 127.0.0.1:2222")
        watcher = LogWatcher(f"{d}/sshd.log", agent.jsonl)
        watcher.start()
        run(agent, watcher, user, password)
    finally:
        if watcher:
            watcher.stop = True
        if sshd and sshd.poll() is None:
            sshd.terminate()
            sshd.wait(10)
        if agent and agent.proc.poll() is None:
            agent.proc.kill()
        subprocess.run(["userdel", user], stderr=subprocess.DEVNULL)


def is_failure_from_localhost(e):
    return (e["type"] == "login.failure"
            and e["payload"].get("source_address") == "127.0.0.1")


def run(agent, watcher, user, password):
    check = harness.check
    for i in range(10):
        rc = ssh(user, "wrong-" + secrets.token_hex(4))
        check(rc != 0, f"attempt {i + 1} with a wrong password failed")
        if i < 9:
            # Not yet: nine failures stay below the bucket's capacity.
            agent.read_new()
            early = [e for e in agent.events
                     if harness.is_alert(e, "login.brute_force")]
            check(not early, f"brute_force alert after only {i + 1} failures")
    alert = agent.wait_for(
        lambda e: harness.is_alert(e, "login.brute_force"), 10,
        "login.brute_force alert")
    deadline = time.monotonic() + 5
    while ((len(watcher.failed_at) < 10 or watcher.alert_at is None)
           and time.monotonic() < deadline):
        time.sleep(0.01)
    check(len(watcher.failed_at) >= 10,
          f"sshd logged {len(watcher.failed_at)} failed passwords")
    check(watcher.alert_at is not None, "watcher saw the alert line")
    latency = watcher.alert_at - watcher.failed_at[9]
    print(f"brute_force alert written {latency * 1000:.1f} ms after the "
          f"tenth failure was logged", flush=True)
    check(latency <= LATENCY_BUDGET_S,
          f"alert latency {latency:.2f}s exceeds {LATENCY_BUDGET_S}s")
    p = alert["payload"]
    details = p.get("details", {})
    check(p["severity"] == "medium", f"severity {p['severity']}")
    check("127.0.0.1" in p["title"], f"title names the source: {p['title']}")
    check(details.get("source") == "127.0.0.1", f"details {details}")
    check(details.get("attempts") == "10", f"attempts in {details}")
    check(user in details.get("users", ""), f"users in {details}")
    check(details.get("phase") == "start", f"phase in {details}")
    evidence = p["evidence"]
    check(evidence["type"] == "login.failure", "evidence is a login.failure")
    check(evidence["payload"].get("user") == user, "evidence names the user")
    check(evidence["payload"].get("origin", "").endswith("sshd.log"),
          "evidence names the tailed file")

    # Exactly one login.failure per attempt: the "[preauth]" close of each
    # connection must not be counted again.
    time.sleep(0.5)
    agent.read_new()
    failures = [e for e in agent.events if is_failure_from_localhost(e)]
    check(len(failures) == 10, f"{len(failures)} login.failure events for "
          f"10 attempts")
    for f in failures:
        check(f["payload"].get("service") == "sshd", "service sshd")
        check(f["payload"].get("reason") == "bad_password",
              f"reason {f['payload'].get('reason')}")
        check(f["payload"].get("source_port", 0) > 0, "source port known")

    # The password is then guessed.
    rc = ssh(user, password)
    check(rc == 0, f"login with the right password (ssh exit {rc})")
    success = agent.wait_for(
        lambda e: harness.is_alert(e, "login.brute_force_success"), 5,
        "login.brute_force_success alert")
    sp = success["payload"]
    check(sp["severity"] == "high", f"severity {sp['severity']}")
    check(sp.get("details", {}).get("user") == user, "success names the user")
    check(int(sp.get("details", {}).get("attempts", "0")) >= 10,
          f"attempts before the success: {sp.get('details')}")
    agent.wait_for(lambda e: e["type"] == "login.success"
                   and e["payload"].get("user") == user, 5,
                   "login.success event")
    stats = agent.wait_for(lambda e: e["type"] == "agent.statistics"
                           and "collector.login" in e["payload"]["components"],
                           5, "statistics with the login collector")
    comps = stats["payload"]["components"]
    check("detector.brute_force" in comps, "brute_force detector statistics")
    rc = agent.stop()
    check(rc == 0, f"agent exit code {rc}")
    positions = os.path.join(agent.dir, "state", "login-positions")
    check(os.path.exists(positions), "positions file saved")
    mode = os.stat(positions).st_mode & 0o777
    check(mode == 0o600, f"positions file mode {oct(mode)}")
    print("PASS")


if __name__ == "__main__":
    main()
