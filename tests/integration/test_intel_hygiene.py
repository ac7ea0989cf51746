"""End to end, as root: intel hygiene and the allow list on real feeds.

Compiles the real FireHOL level 1 list (which names 10.0.0.0/8, 127.0.0.0/8
and the other special-purpose ranges as CIDRs), the real miner blocklist
coinbl_hosts (which lists 8.8.8.8, 1.1.1.1, 127.0.0.1 and 255.255.255.255
exactly) and a feed written here that lists one public-looking address
exactly. Runs the real agent and makes connections to 10.x and 127.x
addresses (no alert: those CIDRs were dropped), to 8.8.8.8 (the device's
resolver, from resolv.conf: allowed), to 1.1.1.1 (in intel.allow) and to
the listed test address (one alert). The statistics must count the allowed
matches.

All traffic stays in a private network namespace (`unshare --net`), where
the addresses are put on its loopback device; a private mount namespace
puts a resolv.conf naming 8.8.8.8 over /etc/resolv.conf for the agent.
Nothing is sent on the host's network.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import harness

NETNS_MARK = "PICKET_HYGIENE_IN_NETNS"
LISTED = "25.66.77.88"  # public-looking; lives on lo of the namespace only
QUIET = ["10.20.30.40", "127.0.0.1", "127.1.2.3", "8.8.8.8", "1.1.1.1"]

CONFIG = """
device:
  id: hygiene-itest
state_dir: @DIR@
engine:
  alert_dedup_window: 0
  statistics_interval: 1s
collectors:
  process:
    enabled: false
  network:
    socket_poll_interval: 500ms
intel:
  path: @DIR@/intel.bin
  allow: [1.1.1.1]
sinks:
  jsonl:
    path: @DIR@/events.jsonl
"""


def run_in_namespaces(args):
    env = dict(os.environ, **{NETNS_MARK: "1"})
    cmd = ["unshare", "--net", "--mount", "--", sys.executable,
           os.path.abspath(__file__), "--picket", args.picket,
           "--source-dir", args.source_dir]
    return subprocess.run(cmd, env=env).returncode


def ip(*argv):
    subprocess.run(["ip", *argv], check=True)


def compile_intel(args, d):
    check = harness.check
    data = os.path.join(args.source_dir, "..", "shared", "data", "intel",
                        "firehol")
    own = os.path.join(d, "test-hygiene.netset")
    with open(own, "w") as f:
        f.write(f"# picket hygiene test feed\n{LISTED}\n")
    r = subprocess.run(
        [args.picket, "intel", "compile",
         os.path.join(data, "firehol_level1.netset"),
         os.path.join(data, "coinbl_hosts.ipset"),
         f"{own}::test-hygiene:botnet_c2", "-o",
         os.path.join(d, "intel.bin")], capture_output=True, text=True)
    check(r.returncode == 0, f"compile: {r.stderr}")
    check("dropped: special-purpose range 13, sink address 0" in r.stdout,
          f"firehol_level1 drops: {r.stdout}")
    check("dropped: special-purpose range 0, sink address 2" in r.stdout,
          f"coinbl_hosts drops: {r.stdout}")
    print(r.stdout.strip().splitlines()[-1])


def connect(addr):
    s = socket.socket()
    s.settimeout(1)
    try:
        s.connect((addr, 4444))  # nothing listens: the SYN is what counts
    except OSError:
        pass
    finally:
        s.close()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"x", (addr, 53))
    u.close()


def main():
    args = harness.parse_args()
    harness.require_root("a network namespace and packet capture")
    if os.environ.get(NETNS_MARK) != "1":
        sys.exit(run_in_namespaces(args))
    check = harness.check

    ip("link", "set", "lo", "up")
    for addr in [LISTED, "10.20.30.40", "8.8.8.8", "1.1.1.1"]:
        ip("addr", "add", f"{addr}/32", "dev", "lo")
    d = tempfile.mkdtemp(prefix="picket-hygiene-")
    resolv = os.path.join(d, "resolv.conf")
    with open(resolv, "w") as f:
        f.write("nameserver 8.8.8.8\n")
    subprocess.run(["mount", "--make-rprivate", "/"], check=True)
    subprocess.run(["mount", "--bind", resolv, "/etc/resolv.conf"],
                   check=True)
    compile_intel(args, d)

    agent = harness.Agent(args.picket, CONFIG, workdir=d)
    try:
        agent.wait_for(lambda e: e["type"] == "agent.status"
                       and e["payload"]["component"] == "collector.network",
                       10, "network collector started")
        time.sleep(0.5)
        with open(agent.stderr_path) as f:
            log = f.read()
        check("intel: never alerting on 1.1.1.1, 8.8.8.8" in log,
              f"allow list logged: {log}")
        for addr in QUIET:
            connect(addr)
        time.sleep(1)
        connect(LISTED)
        a = agent.wait_for(
            lambda e: harness.is_alert(e, "intel.connection")
            and dict(e["payload"]["details"]).get("remote_address") == LISTED,
            5, "alert for the listed address")
        details = dict(a["payload"]["details"])
        check(details["indicator"] == LISTED
              and details["feed"] == "test-hygiene", f"details {details}")

        def allowed(e):
            if e["type"] != "agent.statistics":
                return False
            c = e["payload"]["components"].get("detector.intel", {})
            return c.get("allowed", 0) >= 2

        st = agent.wait_for(allowed, 5, "allowed matches counted")
        print("detector.intel:", st["payload"]["components"]["detector.intel"])
        time.sleep(1)
        agent.read_new()
        alerts = [e for e in agent.events
                  if harness.is_alert(e, "intel.connection")]
        quiet = [e for e in alerts if dict(e["payload"]["details"]).get(
            "remote_address") in QUIET]
        check(not quiet, f"no alert for special or allowed addresses: {quiet}")
        check(len(alerts) >= 1, "the listed address alerted")
        # The quiet flows were seen, so their silence means something.
        seen = {e["payload"].get("remote_address") for e in agent.events
                if e["type"] == "network.connection"}
        missing = [a for a in QUIET if a not in seen]
        check(not missing, f"flows seen by the agent: missing {missing}")
        agent.stop()
    finally:
        if agent.proc.poll() is None:
            agent.proc.kill()
    shutil.rmtree(d)
    print("PASS")


if __name__ == "__main__":
    main()
