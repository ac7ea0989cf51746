"""End to end, as root: the real agent's network collector on loopback.

A listening server, TCP connections over IPv4 and IPv6, a UDP datagram, an
ICMP echo (real ping) and a DNS answer from a throwaway resolver: each must
appear as the documented event, attributed to this process where a socket
exists, with the DNS name labelling a later connection.
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
  id: net-itest
state_dir: @DIR@
collectors:
  process:
    enabled: false
  network:
    report_interval: 2s
    socket_poll_interval: 500ms
sinks:
  jsonl:
    path: @DIR@/events.jsonl
"""


def dns_answer(query, name, address):
    """A minimal DNS response to `query` answering `name` A `address`."""
    qid = query[:2]
    question = query[12:]
    header = qid + struct.pack(">HHHHH", 0x8180, 1, 1, 0, 0)
    answer = struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(
        address)
    return header + question + answer


def dns_query(name):
    q = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00" + struct.pack(">HH", 1, 1)


def main():
    args = harness.parse_args()
    harness.require_root("packet capture")
    agent = harness.Agent(args.picket, CONFIG)
    try:
        run(agent)
    finally:
        if agent.proc.poll() is None:
            agent.proc.kill()


def flow(agent, pred, what, timeout=5):
    return agent.wait_for(lambda e: e["type"] == "network.connection"
                          and pred(e["payload"]), timeout, what)


def run(agent):
    check = harness.check
    me = os.getpid()
    mode = agent.wait_for(
        lambda e: e["type"] == "agent.status"
        and e["payload"]["component"] == "collector.network", 10, "mode")
    check("capture on any" in mode["payload"]["detail"],
          f"capture running: {mode['payload']['detail']}")

    # Listening socket, attributed.
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    port = srv.getsockname()[1]
    lst = agent.wait_for(
        lambda e: e["type"] == "network.listen"
        and e["payload"]["local_port"] == port
        and e["payload"]["state"] == "listening", 5, "listen event")
    check(lst["payload"]["pid"] == me, f"listener pid {lst['payload']}")
    check(lst["payload"]["protocol"] == "tcp", "listener protocol")

    # Outbound and inbound TCP over IPv4 with bytes.
    cli = socket.create_connection(("127.0.0.1", port))
    conn, _ = srv.accept()
    conn.sendall(b"x" * 5000)
    cli.recv(10000)
    out = flow(agent, lambda p: p["protocol"] == "tcp"
               and p["direction"] == "outbound" and p["remote_port"] == port,
               "outbound tcp flow")
    check(out["payload"]["remote_address"] == "127.0.0.1", "remote address")
    check(out["payload"]["pid"] == me,
          f"outbound flow attributed to this process: {out['payload']}")
    flow(agent, lambda p: p["protocol"] == "tcp"
         and p["direction"] == "inbound" and p["local_port"] == port,
         "inbound tcp flow")
    flow(agent, lambda p: p["protocol"] == "tcp" and p["remote_port"] == port
         and p["bytes_in"] + p["bytes_out"] >= 5000, "bytes of the tcp flow",
         timeout=8)

    # IPv6.
    srv6 = socket.socket(socket.AF_INET6)
    srv6.bind(("::1", 0))
    srv6.listen()
    port6 = srv6.getsockname()[1]
    c6 = socket.create_connection(("::1", port6))
    flow(agent, lambda p: p["protocol"] == "tcp" and p["remote_port"] == port6
         and p["remote_address"] == "::1", "ipv6 tcp flow")

    # UDP datagram and ICMP echo.
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"ping", ("127.66.5.5", 9999))
    flow(agent, lambda p: p["protocol"] == "udp"
         and p["remote_address"] == "127.66.5.5" and p["remote_port"] == 9999,
         "udp flow")
    subprocess.run(["ping", "-c", "1", "-W", "1", "127.66.5.6"],
                   stdout=subprocess.DEVNULL, check=False)
    icmp = flow(agent, lambda p: p["protocol"] == "icmp"
                and p["remote_address"] == "127.66.5.6", "icmp flow")
    check(icmp["payload"]["icmp_type"] == 8, "echo request type")
    subprocess.run(["ping", "-6", "-c", "1", "-W", "1", "::1"],
                   stdout=subprocess.DEVNULL, check=False)
    flow(agent, lambda p: p["protocol"] == "icmpv6"
         and p["remote_address"] == "::1", "icmpv6 flow")

    # DNS answer from a throwaway resolver, then a connection to the answer.
    resolver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    resolver.bind(("127.0.0.77", 53))

    def serve():
        data, peer = resolver.recvfrom(512)
        resolver.sendto(dns_answer(data, "picket-itest.example",
                                   "127.66.9.9"), peer)

    t = threading.Thread(target=serve)
    t.start()
    q = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    q.settimeout(2)
    q.sendto(dns_query("picket-itest.example"), ("127.0.0.77", 53))
    q.recvfrom(512)
    t.join()
    dns = agent.wait_for(lambda e: e["type"] == "network.dns"
                         and e["payload"]["query"] == "picket-itest.example",
                         5, "dns event")
    check(dns["payload"]["addresses"] == ["127.66.9.9"], "dns answer")
    check(dns["payload"]["qtype"] == "A", "dns qtype")
    s = socket.socket()
    s.settimeout(1)
    try:
        s.connect(("127.66.9.9", 8))
    except OSError:
        pass
    named = flow(agent, lambda p: p["remote_address"] == "127.66.9.9",
                 "connection to the resolved address")
    check(named["payload"].get("remote_name") == "picket-itest.example",
          f"flow labelled with its DNS name: {named['payload']}")

    # The listener closing is reported.
    for sock in (cli, conn, c6):
        sock.close()
    srv.close()
    agent.wait_for(lambda e: e["type"] == "network.listen"
                   and e["payload"]["local_port"] == port
                   and e["payload"]["state"] == "closed", 5, "listen closed")
    rc = agent.stop()
    check(rc == 0, f"clean stop: {rc}")
    print("PASS")


if __name__ == "__main__":
    main()
