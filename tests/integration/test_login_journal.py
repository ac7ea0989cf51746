"""The login collector on a real systemd journal, as root.

Runs a private systemd-journald (the distribution's binary, not started by
systemd: without socket activation it binds its sockets itself) and the real
agent reading login entries from it through libsystemd.

Isolation: the test re-executes itself under `unshare --mount` (a private
mount namespace) and there mounts tmpfs over /run (journald's sockets in
/run/systemd/journal, its volatile journal in /run/log/journal, a drop-in
/run/systemd/journald.conf.d with Storage=volatile) and over
/var/log/journal, so the host's journal is neither read nor written and a
host journald (if any) never sees our entries. Everything the test starts
dies with it (PR_SET_PDEATHSIG), and the mounts vanish with the namespace.

Entries are written as sshd writes them: syslog(3) datagrams on journald's
dev-log socket, each connection from a process of its own (so _PID is the
"sshd" pid); a few also through the native protocol (`logger --journald`,
sd_journal_send) and a stdout stream (`systemd-cat`, as `sshd -D -e` under
a unit). Every phase ends with a marker line (an "Invalid user probeN" from
an address of its own): once its event is in, everything logged before it
was read, so nothing waits for a time-out. Phases:

1. first start on a fresh journal (no entry of a watched program yet,
   start_at: end): a client tries three passwords on one connection; sshd
   logs the four lines within a millisecond, so the agent reads them in
   one batch, and each failure must be an event;
2. steady state: six "Failed password" attempts from one address are six
   login.failure events (service, user, address, port, pid, method, reason,
   origin "journal"), the "[preauth]" line closing each adds nothing,
   login.brute_force fires (capacity 5); a "cron" line with the same text
   and an sshd line that is no attempt give nothing;
3. clean restart: attempts logged while the agent was down are reported
   (saved cursor), none of before is reported again;
4. no saved position, `journal: auto` (the default): the journal is chosen,
   history is not replayed;
5. the journal the saved cursor points into is gone (a volatile journal
   after a reboot): attempts logged before the agent started are reported;
6. `journalctl -o export` of that journal through `picket replay --log`
   (format detected) yields the same failures as the agent reported.

Every check runs; the failed ones are listed at the end (exit 1).
Skips (exit 77) when not root, when systemd-journald, journalctl, logger,
systemd-cat, mount or unshare are missing, when there is no
/etc/machine-id, or when no mount namespace can be made (a container
without CAP_SYS_ADMIN). An empty /etc/machine-id (an image waiting for its
first boot) is replaced inside the namespace.
"""

import ctypes
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import harness

JOURNALD = "/lib/systemd/systemd-journald"
INNER = "PICKET_ITEST_JOURNAL_NAMESPACE"
SOCKET_DIR = "/run/systemd/journal"
JOURNAL_SOCKET = SOCKET_DIR + "/socket"
DEV_LOG = SOCKET_DIR + "/dev-log"
MACHINE_ID = "/etc/machine-id"
ATTACKER = "203.0.113.5"
EARLY = "198.51.100.20"  # phase 1's client
CRON = "198.51.100.7"  # in a line of cron: never reported

# journald reads drop-ins from /run too; ours sorts after the usual ones.
JOURNALD_CONF = """[Journal]
Storage=volatile
ReadKMsg=no
ForwardToSyslog=no
ForwardToKMsg=no
ForwardToConsole=no
ForwardToWall=no
RateLimitIntervalSec=0
"""

CONFIG = """
device:
  id: itest-login-journal
state_dir: @DIR@/state
engine:
  statistics_interval: 1s
  heartbeat_interval: 0
collectors:
  process:
    enabled: false
  network:
    enabled: false
  login:
LOGIN
    start_at: end
    recheck_interval: 200ms
detectors:
  brute_force:
    capacity: 5
posture:
  enabled: false
sinks:
  jsonl:
    path: @DIR@/events.jsonl
"""

JOURNAL_ONLY = """    journal: "on"
    syslog: "off"
    utmp: "off"
"""

# The defaults, with a syslog file that exists: the journal must win.
AUTO = """    journal: auto
    syslog: auto
    syslog_files:
      - @DIR@/auth.log
    utmp: auto
"""

_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


def die_with_parent():
    """preexec_fn: the child is killed when the test process dies."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def skip(msg):
    print(f"SKIPPED: {msg}", flush=True)
    sys.exit(harness.SKIP)


# --- outside the namespace ------------------------------------------------


def host_snapshot():
    """What a journald leaking out of the namespace would create."""
    return {p: sorted(glob.glob(p)) for p in
            ("/run/systemd/journal*", "/run/systemd/journald.conf.d",
             "/run/log/journal", "/run/log/journal/*", "/var/log/journal/*")}


def outer(args):
    harness.require_root("the journal test (mount namespace, journald)")
    for tool in (JOURNALD, "unshare", "journalctl", "logger", "systemd-cat",
                 "mount", "umount"):
        if shutil.which(tool) is None:
            skip(f"{tool} not found (the journal test needs systemd's "
                 f"journald and util-linux)")
    if not os.path.isfile(MACHINE_ID):
        skip(f"no {MACHINE_ID} (journald needs one; systemd-machine-id-setup "
             f"makes it)")
    probe = subprocess.run(["unshare", "--mount", "true"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        skip("no mount namespace here (unshare --mount: "
             f"{probe.stderr.strip()}): a private journald cannot be run")
    before = host_snapshot()
    env = dict(os.environ, **{INNER: "1"})
    cmd = ["unshare", "--mount", "--propagation", "private", "--",
           sys.executable, os.path.abspath(__file__),
           "--picket", os.path.abspath(args.picket),
           "--source-dir", os.path.abspath(args.source_dir)]
    rc = subprocess.run(cmd, env=env, preexec_fn=die_with_parent).returncode
    after = host_snapshot()
    if before != after:
        harness.fail(f"the host's journal directories changed: {before} -> "
                     f"{after}")
    sys.exit(rc)


# --- inside the namespace -------------------------------------------------


class Checks:
    """Soft checks: each failure is printed at once and listed at the end,
    so that one broken behaviour does not hide the others."""

    def __init__(self):
        self.failed = []

    def expect(self, cond, msg):
        if not cond:
            print(f"FAIL: {msg}", flush=True)
            self.failed.append(msg)
        return cond


class Journald:
    """A systemd-journald on tmpfs mounts private to this mount namespace."""

    def __init__(self, workdir):
        self.log_path = os.path.join(workdir, "journald.log")
        self.log = open(self.log_path, "wb")
        self.mounts = []
        self.proc = None

    def mount_tmpfs(self, where):
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755,size=64m",
                        "picket-itest", where], check=True)
        self.mounts.append(where)

    def bind_machine_id(self, workdir):
        """journald and sd_journal_open(LOCAL_ONLY) need the machine id. An
        image may ship /etc/machine-id empty (or "uninitialized") for the
        first boot to fill in: inside the namespace a random one stands in
        for it."""
        with open(MACHINE_ID) as f:
            mid = f.read().strip()
        if len(mid) == 32 and all(c in "0123456789abcdef" for c in mid):
            return
        path = os.path.join(workdir, "machine-id")
        with open(path, "w") as f:
            f.write(os.urandom(16).hex() + "\n")
        subprocess.run(["mount", "--bind", path, MACHINE_ID], check=True)
        self.mounts.append(MACHINE_ID)

    def setup(self, workdir):
        self.bind_machine_id(workdir)
        # All of /run: journald needs /run/systemd/journal and
        # /run/log/journal, which need not exist on the host (and must not
        # be created there); a host journald's sockets are hidden with it.
        self.mount_tmpfs("/run")
        if os.path.isdir("/var/log/journal"):
            self.mount_tmpfs("/var/log/journal")  # the host's stays unread
        os.makedirs("/run/systemd/journald.conf.d")
        with open("/run/systemd/journald.conf.d/zz-picket-itest.conf",
                  "w") as f:
            f.write(JOURNALD_CONF)
        self.start()

    def start(self):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("NOTIFY_", "LISTEN_", "WATCHDOG_"))}
        env.update(SYSTEMD_LOG_TARGET="console", SYSTEMD_LOG_LEVEL="info")
        self.proc = subprocess.Popen([JOURNALD], env=env,
                                     stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log,
                                     preexec_fn=die_with_parent)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                harness.fail(f"systemd-journald exited "
                             f"({self.proc.returncode}):\n{self.log_text()}")
            if (os.path.exists(JOURNAL_SOCKET) and os.path.exists(DEV_LOG)
                    and glob.glob("/run/log/journal/*/system.journal")):
                return
            time.sleep(0.02)
        harness.fail(f"systemd-journald not ready within 10 s:\n"
                     f"{self.log_text()}")

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def reboot(self):
        """As after a reboot with a volatile journal: a new journald, and
        the old journal gone."""
        self.kill()
        for d in glob.glob("/run/log/journal/*"):
            shutil.rmtree(d)
        shutil.rmtree(SOCKET_DIR)
        self.start()

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        self.kill()
        for where in reversed(self.mounts):
            subprocess.run(["umount", "--lazy", where])
        self.mounts = []


def syslog_sshd(messages):
    """Logs `messages` as one sshd process does (syslog(3) on /dev/log),
    from a process of its own, whose pid is both the credential journald
    records (_PID) and the one in the header. Returns that pid."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            stamp = time.strftime("%b %e %H:%M:%S")
            for m in messages:
                # <38>: facility auth, severity info, as sshd logs.
                s.sendto(f"<38>{stamp} sshd[{os.getpid()}]: {m}".encode(),
                         DEV_LOG)
        except BaseException:  # the child must never return into the test
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    harness.check(status == 0, "the syslog writer failed")
    return pid


def native(fields):
    """One entry through journald's native protocol (sd_journal_send)."""
    text = "".join(f"{k}={v}\n" for k, v in fields.items())
    subprocess.run(["logger", "--journald"], input=text.encode(), check=True)


def stdout_stream(identifier, message):
    """One line on a stdout stream, as a service's stderr under systemd."""
    subprocess.run(["systemd-cat", "-t", identifier, "echo", message],
                   check=True)


def wait_in_journal(text, timeout=5):
    """Waits until journald has stored an entry whose message has `text`
    (datagrams are stored asynchronously)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = subprocess.run(["journalctl", "--no-pager", "-q", "-o", "cat"],
                             capture_output=True, text=True).stdout
        if text in out:
            return
        time.sleep(0.05)
    harness.fail(f"journald did not store {text!r} within {timeout}s")


def failure_text(port, address=ATTACKER):
    return f"Failed password for root from {address} port {port} ssh2"


def attempt(port, address=ATTACKER):
    """One failed password login of a brute-forcing client: sshd's line,
    then the connection closing before authentication."""
    return syslog_sshd([
        failure_text(port, address),
        f"Connection closed by authenticating user root {address} port "
        f"{port} [preauth]"])


def marker_text(n):
    return f"Invalid user probe{n} from 192.0.2.{n} port {50000 + n}"


def marker(n, stream=False):
    """The last line of phase n."""
    if stream:
        stdout_stream("sshd", marker_text(n))
    else:
        syslog_sshd([marker_text(n)])


def failures(agent):
    return [e for e in agent.events if e["type"] == "login.failure"]


def poll_until(agent, pred, timeout):
    """The first event (seen or new) satisfying pred, or None."""
    deadline = time.monotonic() + timeout
    while True:
        for e in agent.events:
            if pred(e):
                return e
        if time.monotonic() >= deadline or agent.proc.poll() is not None:
            return None
        agent.read_new()
        time.sleep(0.02)


def wait_marker(agent, n, since):
    """The login.failure events after the first `since`, up to the marker
    that ends phase n."""
    e = poll_until(agent, lambda e: e["type"] == "login.failure"
                   and e["payload"].get("user") == f"probe{n}", 10)
    if e is None:
        state = "running" if agent.proc.poll() is None else "exited"
        harness.fail(f"phase {n}: its marker line was not reported within "
                     f"10 s (agent {state}); stderr:\n"
                     f"{agent.stderr_text()}")
    agent.read_new()
    return failures(agent)[since:]


def is_brute_force(e):
    return (harness.is_alert(e, "login.brute_force")
            and e["payload"].get("details", {}).get("source") == ATTACKER)


def from_address(events, address):
    return [e for e in events if e["payload"].get("source_address") == address]


def describe(events):
    return [(e["payload"].get("source_address"),
             e["payload"].get("source_port"), e["payload"].get("reason"))
            for e in events]


def expect_ports(checks, events, address, ports, what):
    got = from_address(events, address)
    return checks.expect(
        [e["payload"].get("source_port") for e in got] == ports,
        f"{what}: expected one event per attempt from {address}, ports "
        f"{ports}; got {describe(got)}")


def start_agent(args, workdir, login=JOURNAL_ONLY, offset_from=None):
    wrapper = ()
    if shutil.which("setpriv"):
        wrapper = ("setpriv", "--pdeathsig", "KILL", "--")
    offset = 0
    if offset_from is not None:
        offset = os.path.getsize(offset_from.jsonl)
    agent = harness.Agent(args.picket, CONFIG.replace("LOGIN\n", login),
                          workdir=workdir, wrapper=wrapper)
    agent._offset = offset  # the JSONL file is shared: read what it adds
    return agent


def wait_mode(checks, agent, what):
    e = agent.wait_for(lambda e: e["type"] == "agent.status"
                       and e["payload"]["component"] == "collector.login"
                       and e["payload"]["state"] == "mode", 10,
                       "login collector mode status")
    detail = e["payload"].get("detail", "")
    checks.expect(detail == "sources: journal",
                  f"{what}: login sources {detail!r}, expected the journal "
                  f"alone")


def stop_agent(agent):
    rc = agent.stop()
    harness.check(rc == 0, f"agent exit code {rc}; stderr:\n"
                  f"{agent.stderr_text()}")


def login_stats(agent):
    stats = [e for e in agent.events if e["type"] == "agent.statistics"
             and "collector.login" in e["payload"]["components"]]
    harness.check(stats, "no login statistics")
    return stats[-1]["payload"]["components"]["collector.login"]


def inner(args):
    started = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="picket-it-journal-")
    journald = Journald(workdir)
    agents = []
    checks = Checks()
    done = False
    try:
        journald.setup(workdir)
        run(args, workdir, journald, agents, checks)
        done = True
    finally:
        for a in agents:
            if a.proc.poll() is None:
                a.proc.kill()
                a.proc.wait()
        if not done or checks.failed:
            print(f"journald log:\n{journald.log_text()}", flush=True)
            print(f"work directory kept: {workdir}", flush=True)
        journald.stop()
    elapsed = time.monotonic() - started
    if checks.failed:
        print(f"{len(checks.failed)} check(s) failed ({elapsed:.1f} s):")
        for f in checks.failed:
            print(f"  - {f}")
        sys.exit(1)
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"PASS ({elapsed:.1f} s)")


def run(args, workdir, journald, agents, checks):
    # 1. First start on a fresh journal (journald's own entries only): a
    # client tries three passwords on one connection. sshd logs the lines
    # within a millisecond, so the agent reads them in one batch.
    agent = start_agent(args, workdir)
    agents.append(agent)
    wait_mode(checks, agent, "phase 1")
    since = len(failures(agent))
    syslog_sshd([failure_text(30001, EARLY)] * 3 + [
        f"Connection closed by authenticating user root {EARLY} port 30001 "
        f"[preauth]"])
    marker(1)
    got = wait_marker(agent, 1, since)
    expect_ports(checks, got, EARLY, [30001] * 3,
                 "phase 1 (first start on a fresh journal, start_at: end)")

    # 2. Steady state: six attempts, the alert.
    since = len(failures(agent))
    native({"SYSLOG_IDENTIFIER": "cron", "SYSLOG_PID": "77", "PRIORITY": "6",
            "MESSAGE": failure_text(2222, CRON)})
    syslog_sshd(["Server listening on 0.0.0.0 port 22."])
    pids = [attempt(40000 + i) for i in range(1, 7)]
    marker(2)
    got = wait_marker(agent, 2, since)
    if expect_ports(checks, got, ATTACKER, list(range(40001, 40007)),
                    "phase 2 (six attempts)"):
        for i, e in enumerate(from_address(got, ATTACKER)):
            p = e["payload"]
            want = {"service": "sshd", "user": "root",
                    "source_address": ATTACKER, "source_port": 40001 + i,
                    "pid": pids[i], "method": "password",
                    "reason": "bad_password", "origin": "journal",
                    "message": failure_text(40001 + i)}
            wrong = {k: (p.get(k), v) for k, v in want.items()
                     if p.get(k) != v}
            checks.expect(not wrong and "log_time" in p,
                          f"phase 2, attempt {i + 1}: fields (got, want) "
                          f"{wrong}, log_time {p.get('log_time')}")
    poll_until(agent, is_brute_force, 3)
    alerts = [e for e in agent.events if is_brute_force(e)]
    if checks.expect(len(alerts) == 1,
                     f"phase 2: {len(alerts)} login.brute_force alerts for "
                     f"{ATTACKER}, expected 1"):
        evidence = alerts[0]["payload"]["evidence"]
        checks.expect(evidence["type"] == "login.failure"
                      and evidence["payload"].get("origin") == "journal",
                      f"phase 2: alert evidence {evidence}")
    checks.expect(not from_address(failures(agent), CRON),
                  "a line of cron was reported")

    stop_agent(agent)
    stats = login_stats(agent)
    print(f"collector.login after phases 1-2: {stats}", flush=True)
    # sshd's entries since the start: 4 lines and a marker, "Server
    # listening", 6 x 2 lines and a marker. Not journald's own, not cron's.
    checks.expect(stats.get("journal_entries") == 19,
                  f"journal entries read: {stats.get('journal_entries')}, "
                  f"expected 19 (fewer: entries skipped; more: entries of "
                  f"other programs read)")
    with open(os.path.join(workdir, "state", "login-positions")) as f:
        positions = f.read()
    checks.expect("\njournal s=" in positions,
                  f"no journal cursor saved:\n{positions}")

    # 3. Restart: one attempt through syslog and one through the native
    # protocol while the agent is down.
    down_pid = attempt(40007)
    native({"SYSLOG_IDENTIFIER": "sshd", "SYSLOG_PID": "31337",
            "PRIORITY": "6", "SYSLOG_FACILITY": "10",
            "MESSAGE": failure_text(40008)})
    wait_in_journal(failure_text(40008))
    agent = start_agent(args, workdir, offset_from=agent)
    agents.append(agent)
    wait_mode(checks, agent, "phase 3")
    marker(3, stream=True)
    got = wait_marker(agent, 3, 0)
    checks.expect(len(got) == 3, f"phase 3 (restart): events "
                  f"{describe(got)}, expected ports 40007, 40008, marker")
    if expect_ports(checks, got, ATTACKER, [40007, 40008],
                    "phase 3 (restart)"):
        checks.expect(got[0]["payload"].get("pid") == down_pid,
                      f"phase 3: pid {got[0]['payload'].get('pid')}, "
                      f"expected {down_pid}")
    stop_agent(agent)

    # 4. No saved position, the default source choice: history (phases
    # 1-3) is not replayed.
    os.unlink(os.path.join(workdir, "state", "login-positions"))
    open(os.path.join(workdir, "auth.log"), "w").close()
    agent = start_agent(args, workdir, login=AUTO, offset_from=agent)
    agents.append(agent)
    wait_mode(checks, agent, "phase 4 (journal: auto)")
    marker(4)
    got = wait_marker(agent, 4, 0)
    checks.expect(len(got) == 1, f"phase 4 (no saved position): "
                  f"{describe(got)}, expected the marker alone")
    stop_agent(agent)

    # 5. The journal of the saved cursor is gone (volatile journal,
    # reboot); sshd logged before the agent started.
    journald.reboot()
    syslog_sshd([failure_text(40011)])
    attempt(40012)
    wait_in_journal("port 40012 [preauth]")
    agent = start_agent(args, workdir, offset_from=agent)
    agents.append(agent)
    wait_mode(checks, agent, "phase 5")
    marker(5)
    got = wait_marker(agent, 5, 0)
    expect_ports(checks, got, ATTACKER, [40011, 40012],
                 "phase 5 (saved cursor of a journal that is gone)")
    stop_agent(agent)

    # 6. The same journal offline: `journalctl -o export` through
    # `picket replay --log` finds the failures the agent reported.
    export = os.path.join(workdir, "journal.export")
    with open(export, "wb") as f:
        subprocess.run(["journalctl", "--no-pager", "-o", "export"],
                       stdout=f, check=True)
    out = subprocess.run([args.picket, "replay", "--log", export],
                         capture_output=True, text=True, timeout=60)
    checks.expect(out.returncode == 0, f"phase 6: replay --log exit "
                  f"{out.returncode}: {out.stderr}")
    replayed = [json.loads(l) for l in out.stdout.splitlines() if l]
    replayed = [e for e in replayed if e["type"] == "login.failure"]
    checks.expect(describe(replayed) == describe(got),
                  f"phase 6 (journal export replayed): {describe(replayed)}, "
                  f"the agent reported {describe(got)}")
    checks.expect(all(e["payload"].get("origin") == "journal"
                      for e in replayed),
                  "phase 6: replayed journal events have origin journal")
    checks.expect("journal entries" in out.stderr,
                  f"phase 6: the export format was recognised: {out.stderr}")


def main():
    args = harness.parse_args()
    if os.environ.get(INNER) == "1":
        inner(args)
    else:
        outer(args)


if __name__ == "__main__":
    main()
