"""End to end, as root: connections to threat-intelligence addresses.

Compiles a feed listing 127.66.0.0/16, 127.65.2.2, 127.65.3.0/24,
127.64.4.4, ::1 and a domain with the real `picket intel compile`, starts
the real agent on it, then makes a TCP connection, a UDP datagram and an
ICMP echo (real ping) to listed addresses, a TCP connection over IPv6 to
::1, and a DNS answer for a listed domain: each must raise its alert within
a second, naming the indicator, feed and category. Each indicator is its own
campaign: a second connection into 127.66.0.0/16 is counted into the first
one's, not alerted again. Traffic to an unlisted address must raise none.
Finally a corrupt replacement file is refused and the previous intel stays
in use.
"""

import os
import socket
import struct
import subprocess
import threading
import time

import harness

CONFIG = """
device:
  id: intel-itest
state_dir: @DIR@
engine:
  alert_dedup_window: 0
collectors:
  process:
    enabled: false
  network:
    socket_poll_interval: 500ms
intel:
  path: @DIR@/intel.bin
  reload_check_interval: 1s
sinks:
  jsonl:
    path: @DIR@/events.jsonl
"""


def alert_for(agent, remote, t0, what):
    e = agent.wait_for(
        lambda e: harness.is_alert(e, "intel.connection")
        and dict(e["payload"]["details"]).get("remote_address") == remote,
        3, what)
    latency = time.monotonic() - t0
    harness.check(latency <= 1.0, f"{what}: alert after {latency:.3f}s")
    print(f"{what}: alert after {latency * 1000:.0f} ms")
    return e


def main():
    args = harness.parse_args()
    harness.require_root("packet capture")
    check = harness.check
    import tempfile
    d = tempfile.mkdtemp(prefix="picket-intel-")
    feed = os.path.join(d, "test-c2.netset")
    with open(feed, "w") as f:
        f.write("# picket integration test feed\n127.66.0.0/16\n::1\n"
                "127.65.2.2\n127.65.3.0/24\n127.64.4.4\nnot-an-address\n")
    domains = os.path.join(d, "test-domains.txt")
    with open(domains, "w") as f:
        f.write("0.0.0.0 evil-pool.example\n")
    out = subprocess.run(
        # Loopback CIDRs and ::1 are test indicators here: keep them.
        [args.picket, "intel", "compile", "--keep-special",
         f"{feed}::test-c2:botnet_c2",
         f"{domains}:hosts:test-miners:miner_pool", "-o",
         os.path.join(d, "intel.bin")], capture_output=True, text=True)
    check(out.returncode == 0, f"compile: {out.stderr}")
    check("test-c2.netset:7" in out.stderr,
          f"rejected line reported with file and line: {out.stderr}")

    agent = harness.Agent(args.picket, CONFIG, workdir=d)
    try:
        run(agent, d)
    finally:
        if agent.proc.poll() is None:
            agent.proc.kill()


def run(agent, d):
    check = harness.check
    st = agent.wait_for(lambda e: e["type"] == "agent.status"
                        and e["payload"]["state"] == "intel", 10,
                        "intel status")
    check("loaded" in st["payload"]["detail"], st["payload"]["detail"])
    agent.wait_for(lambda e: e["type"] == "agent.status"
                   and e["payload"]["component"] == "collector.network", 10,
                   "network collector started")
    time.sleep(0.5)

    # TCP to a listed address (nothing listens: the SYN is what counts).
    t0 = time.monotonic()
    s = socket.socket()
    s.settimeout(1)
    try:
        s.connect(("127.66.1.1", 4444))
    except OSError:
        pass
    a = alert_for(agent, "127.66.1.1", t0, "tcp to a listed address")
    details = dict(a["payload"]["details"])
    check(details["indicator"] == "127.66.0.0/16", f"indicator {details}")
    check(details["feed"] == "test-c2", f"feed {details}")
    check(details["category"] == "botnet_c2", f"category {details}")
    check(a["payload"]["severity"] == "critical", "outbound to C2: critical")
    ev = a["payload"]["evidence"]
    check(ev["type"] == "network.connection"
          and ev["payload"]["protocol"] == "tcp", "evidence is the flow")

    # UDP datagram.
    t0 = time.monotonic()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"beacon", ("127.65.2.2", 5353))
    a = alert_for(agent, "127.65.2.2", t0, "udp to a listed address")
    check(dict(a["payload"]["details"])["indicator"] == "127.65.2.2",
          "exact address indicator")

    # ICMP echo.
    t0 = time.monotonic()
    subprocess.run(["ping", "-c", "1", "-W", "1", "127.65.3.3"],
                   stdout=subprocess.DEVNULL, check=False)
    a = alert_for(agent, "127.65.3.3", t0, "icmp echo to a listed address")
    check(dict(a["payload"]["details"])["protocol"] == "icmp", "icmp alert")

    # IPv6.
    srv6 = socket.socket(socket.AF_INET6)
    srv6.bind(("::1", 0))
    srv6.listen()
    t0 = time.monotonic()
    c6 = socket.create_connection(("::1", srv6.getsockname()[1]))
    alert_for(agent, "::1", t0, "tcp over ipv6 to a listed address")
    c6.close()
    srv6.close()

    # Another address in 127.66.0.0/16 joins that campaign: no new alert.
    s3 = socket.socket()
    s3.settimeout(1)
    try:
        s3.connect(("127.66.1.2", 4444))
    except OSError:
        pass

    # Unlisted: no alert.
    u.sendto(b"hello", ("127.67.0.1", 5353))
    s2 = socket.socket()
    s2.settimeout(1)
    try:
        s2.connect(("127.67.0.2", 4444))
    except OSError:
        pass
    agent.wait_for(lambda e: e["type"] == "network.connection"
                   and e["payload"]["remote_address"] == "127.67.0.2", 3,
                   "flow to the unlisted address")
    agent.wait_for(lambda e: e["type"] == "network.connection"
                   and e["payload"]["remote_address"] == "127.66.1.2", 3,
                   "second flow into the listed /16")
    time.sleep(0.5)
    agent.read_new()
    bad = [e for e in agent.events if e["type"] == "alert"
           and dict(e["payload"].get("details", {})).get("remote_address",
                                                         "").startswith(
                                                             "127.67.")]
    check(not bad, f"no alert for unlisted addresses: {bad}")
    again = [e for e in agent.events if harness.is_alert(e, "intel.connection")
             and dict(e["payload"]["details"])["indicator"] == "127.66.0.0/16"]
    check(len(again) == 1, f"one alert for the campaign: {again}")

    # A listed domain resolved.
    resolver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    resolver.bind(("127.0.0.78", 53))

    def serve():
        data, peer = resolver.recvfrom(512)
        answer = (data[:2] + struct.pack(">HHHHH", 0x8180, 1, 1, 0, 0) +
                  data[12:] + struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) +
                  socket.inet_aton("10.9.9.9"))
        resolver.sendto(answer, peer)

    t = threading.Thread(target=serve)
    t.start()
    q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    for label in "x1.evil-pool.example".split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\x00" + struct.pack(">HH", 1, 1)
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.settimeout(2)
    t0 = time.monotonic()
    c.sendto(q, ("127.0.0.78", 53))
    c.recvfrom(512)
    t.join()
    a = agent.wait_for(lambda e: harness.is_alert(e, "intel.dns"), 3,
                       "intel.dns alert")
    check(time.monotonic() - t0 <= 1.0, "dns alert within a second")
    details = dict(a["payload"]["details"])
    check(details["indicator"] == "evil-pool.example"
          and details["query"] == "x1.evil-pool.example"
          and details["category"] == "miner_pool", f"dns details {details}")

    # A corrupt replacement is refused; the old intel keeps matching.
    path = os.path.join(d, "intel.bin")
    with open(path, "rb") as f:
        good = f.read()
    tmp = path + ".new"
    with open(tmp, "wb") as f:
        f.write(good[:len(good) // 2])
    os.rename(tmp, path)
    agent.wait_for(lambda e: e["type"] == "agent.status"
                   and e["payload"]["state"] == "intel"
                   and "refused" in e["payload"]["detail"], 5,
                   "corrupt intel refused")
    t0 = time.monotonic()
    u.sendto(b"beacon", ("127.64.4.4", 5353))
    alert_for(agent, "127.64.4.4", t0, "previous intel still in use")
    rc = agent.stop()
    check(rc == 0, f"clean stop {rc}")
    print("PASS")


if __name__ == "__main__":
    main()
