"""MQTT delivery against real mosquitto brokers on 127.0.0.1.

1. Plain broker with a password file and an ACL: events, alerts, heartbeat,
   statistics and the online status arrive on the documented topics in the
   documented batch format; an alert arrives within 1 s of the auth line
   that caused it; the password never appears in the agent's output.
2. The same with MQTT 5 and zstd: content types and the zstd magic.
3. A wrong password is refused by the broker and reported (agent.status
   error + auth_failures); a password file readable by others is refused by
   the agent before connecting.
4. TLS with client certificates: the right CA delivers; an unrelated CA and a
   server certificate for another host name are refused and reported.
"""

import os
import tempfile
import time

import harness
import mqtt_harness as mh

DEVICE = "cam-01"
DEVICE_PW = "s3cret-device-pw"
BACKEND_PW = "backend-pw"
ACL = """user backend
topic readwrite #

pattern write picket/%u/#
pattern read picket/%u/config
"""


def mqtt_section(port, protocol="3.1.1", compression="none", extra=""):
    return f"""    enabled: true
    host: 127.0.0.1
    port: {port}
    protocol: "{protocol}"
    username: {DEVICE}
    password_file: @DIR@/mqtt-password
    reconnect_min: 200ms
    reconnect_max: 1s
    batch:
      high: 200ms
      medium: 300ms
      low: 500ms
      compression: {compression}
{extra}"""


def start_agent(args, mqtt_yaml, password=DEVICE_PW, mode=0o600):
    workdir = tempfile.mkdtemp(prefix="picket-mqtt-")
    mh.write_secret(os.path.join(workdir, "mqtt-password"), password, mode)
    open(os.path.join(workdir, "auth.log"), "w").close()
    return harness.Agent(args.picket, mh.agent_config(mqtt_yaml),
                         workdir=workdir)


def check_envelopes(events):
    for e in events:
        harness.check(e.get("v") == 1 and e.get("device") == DEVICE,
                      f"bad envelope: {e!r}"[:300])
        harness.check(isinstance(e.get("id"), str) and "-" in e["id"],
                      f"event without id: {e!r}"[:300])


def plain_delivery(args, broker, protocol, compression):
    rx = mh.Receiver(broker.port, username="backend", password=BACKEND_PW)
    agent = start_agent(args, mqtt_section(broker.port, protocol, compression))
    try:
        agent.wait_for(lambda e: e["type"] == "agent.status"
                       and e["payload"]["component"] == "sink.mqtt"
                       and e["payload"]["state"] == "connected", 10,
                       "the MQTT connection")
        status = rx.wait(lambda m: m["topic"] == f"picket/{DEVICE}/status"
                         and b'"online"' in m["payload"], 5,
                         "the online status")
        harness.check(b'"online"' in status["payload"],
                      f"status message: {status!r}")
        # Retained: a subscriber arriving later gets it at once.
        late = mh.Receiver(broker.port, topic=f"picket/{DEVICE}/status",
                           username="backend", password=BACKEND_PW,
                           client_id="late")
        late.wait(lambda m: m["retain"] and b'"online"' in m["payload"], 5,
                  "the retained online status")
        late.close()

        log = mh.AuthLog(os.path.join(agent.dir, "auth.log"))
        log.fail(4)
        time.sleep(0.5)
        harness.check(not [e for e in rx.events("/alerts")
                           if e["payload"].get("alert") == "login.brute_force"],
                      "brute-force alert before the fifth failure")
        log.fail(1)  # the fifth failure crosses the threshold
        written = time.monotonic()
        alert_msg = rx.wait(
            lambda m: m["topic"] == f"picket/{DEVICE}/alerts" and any(
                e["payload"].get("alert") == "login.brute_force"
                for e in (mh.decode_batch(m["payload"]) or {}).get("events",
                                                                 [])),
            5, "the login.brute_force alert")
        latency = time.monotonic() - written
        print(f"alert delivered {latency * 1000:.0f} ms after the auth line")
        harness.check(latency < 1.0, f"alert took {latency:.2f}s (budget 1s)")

        rx.wait(lambda m: m["topic"] == f"picket/{DEVICE}/heartbeat", 5,
                "a heartbeat")
        rx.wait(lambda m: m["topic"] == f"picket/{DEVICE}/statistics", 5,
                "a statistics event")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            failures = [e for e in rx.events("/events")
                        if e["type"] == "login.failure"]
            if len(failures) >= 5:
                break
            time.sleep(0.1)
        harness.check(len(failures) == 5,
                      f"expected 5 login.failure events, got {len(failures)}")

        # Topics carry only their kinds.
        for m in rx.snapshot():
            doc = mh.decode_batch(m["payload"])
            if doc is None:
                continue
            harness.check(doc["device"] == DEVICE, "batch device id")
            check_envelopes(doc["events"])
            kinds = {e["type"] for e in doc["events"]}
            topic = m["topic"].rsplit("/", 1)[1]
            expected = {
                "alerts": lambda t: t == "alert",
                "heartbeat": lambda t: t == "agent.heartbeat",
                "statistics": lambda t: t == "agent.statistics",
                "events": lambda t: t not in ("alert", "agent.heartbeat",
                                              "agent.statistics"),
            }[topic]
            harness.check(all(expected(k) for k in kinds),
                          f"topic {m['topic']} carries {kinds}")
            if protocol == "5":
                want = ("application/zstd" if compression == "zstd"
                        else "application/json")
                harness.check(m["content_type"] == want,
                              f"content type {m['content_type']} on "
                              f"{m['topic']}, expected {want}")
            harness.check(
                m["payload"].startswith(mh.ZSTD_MAGIC) ==
                (compression == "zstd"),
                f"payload form on {m['topic']}: {m['payload'][:8]!r}")

        # Everything the agent wrote locally also went out, exactly once
        # or more (QoS 1), identified by id.
        agent.read_new()
        time.sleep(1.0)
        sent = {e["id"] for e in rx.events()}
        local = [e for e in agent.events
                 if e["type"] in ("login.failure", "alert")]
        missing = [e["id"] for e in local if e["id"] not in sent]
        harness.check(not missing, f"not delivered: {missing}")
    finally:
        agent.stop()
        rx.close()
    out = agent.stderr_text() + open(agent.jsonl).read()
    harness.check(DEVICE_PW not in out, "the MQTT password leaked into output")
    print(f"plain delivery ok (MQTT {protocol}, compression {compression})")


def refused_password(args, broker):
    agent = start_agent(args, mqtt_section(broker.port), password="wrong")
    try:
        e = agent.wait_for(
            lambda e: e["type"] == "agent.status"
            and e["payload"]["component"] == "sink.mqtt"
            and e["payload"]["state"] == "error", 10,
            "the refused-connection report")
        detail = e["payload"]["detail"]
        harness.check("refused" in detail and "authori" in detail.lower(),
                      f"report does not say why: {detail}")
        time.sleep(2.5)
        stats = mh.last_statistics(agent)
        harness.check(stats.get("auth_failures", 0) >= 1,
                      f"auth_failures not counted: {stats}")
        harness.check(stats.get("connected") == 0, "counted as connected")
        # Retries keep going, but the same error is reported once.
        harness.check(len(mh.status_events(agent, "error")) == 1,
                      "the same error was reported more than once")
    finally:
        agent.stop()
    harness.check("wrong" not in agent.stderr_text(),
                  "the password leaked into the log")

    agent = start_agent(args, mqtt_section(broker.port), mode=0o644)
    try:
        e = agent.wait_for(
            lambda e: e["type"] == "agent.status"
            and "password_file" in e["payload"]["detail"], 10,
            "the refusal of a password file readable by others")
        harness.check("chmod 600" in e["payload"]["detail"],
                      f"no remedy given: {e['payload']['detail']}")
    finally:
        agent.stop()
    print("wrong password refused and reported; loose password file refused")


def tls_section(port, certs, ca):
    return f"""    enabled: true
    host: localhost
    port: {port}
    ca_file: {ca}
    cert_file: {certs.path('device.pem')}
    key_file: {certs.path('device.key')}
    reconnect_min: 200ms
    reconnect_max: 1s
    batch:
      high: 200ms
      medium: 200ms
      low: 200ms
"""


def tls(args, root):
    certs = mh.Certs(os.path.join(root, "certs"))
    certs.issue("device", DEVICE)
    certs.issue("backend", "backend")
    broker = mh.Broker(os.path.join(root, "tls-broker"),
                       tls={"cafile": certs.ca, "certfile": certs.server,
                            "keyfile": certs.server_key},
                       acl=ACL)
    wrong_host = mh.Broker(os.path.join(root, "tls-wrong-host"),
                           tls={"cafile": certs.ca,
                                "certfile": certs.wrong_host,
                                "keyfile": certs.wrong_host_key})
    try:
        rx = mh.Receiver(broker.port, tls={"ca": certs.ca,
                                           "cert": certs.path("backend.pem"),
                                           "key": certs.path("backend.key")})
        agent = start_agent(args, tls_section(broker.port, certs, certs.ca))
        try:
            rx.wait(lambda m: m["topic"] == f"picket/{DEVICE}/heartbeat", 10,
                    "a heartbeat over TLS")
        finally:
            agent.stop()
            rx.close()

        for name, port, ca, needle in (
                ("unrelated CA", broker.port, certs.other_ca, "certificate"),
                ("wrong host name", wrong_host.port, certs.ca, "")):
            agent = start_agent(args, tls_section(port, certs, ca))
            try:
                e = agent.wait_for(
                    lambda e: e["type"] == "agent.status"
                    and e["payload"]["component"] == "sink.mqtt"
                    and e["payload"]["state"] in ("error", "connected"), 10,
                    f"the outcome with {name}")
                harness.check(e["payload"]["state"] == "error",
                              f"connected despite {name}")
                harness.check("verif" in e["payload"]["detail"],
                              f"the report does not say why: "
                              f"{e['payload']['detail']}")
                time.sleep(1.5)
                harness.check(not mh.status_events(agent, "connected"),
                              f"connected despite {name}")
                print(f"TLS with {name} refused: {e['payload']['detail']}")
            finally:
                agent.stop()
    finally:
        broker.stop()
        wrong_host.stop()


def garbage_broker(args):
    """A "broker" that answers every connection with random bytes: the
    agent must survive, count the failures and keep its events."""
    import random
    import socket
    import threading
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    port = srv.getsockname()[1]
    stop = threading.Event()
    connections = [0]

    def serve():
        srv.settimeout(0.2)
        rng = random.Random(7)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except socket.timeout:
                continue
            connections[0] += 1
            try:
                # A plausible CONNACK header with a huge length, then noise.
                first = rng.choice([b"\x20\xff\xff\xff\x7f",
                                    b"\x20\x02\x00\x00\x30\xff\xff",
                                    bytes(rng.randrange(256)
                                          for _ in range(64))])
                conn.sendall(first + bytes(rng.randrange(256)
                                           for _ in range(4096)))
            except OSError:
                pass
            conn.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    agent = start_agent(args, f"""    enabled: true
    host: 127.0.0.1
    port: {port}
    reconnect_min: 100ms
    reconnect_max: 300ms
""")
    try:
        mh.AuthLog(os.path.join(agent.dir, "auth.log")).fail(3)
        time.sleep(4)
        harness.check(agent.proc.poll() is None, "the agent died")
        stats = mh.last_statistics(agent)
        harness.check(stats.get("connect_failures", 0) >= 3,
                      f"failures not counted: {stats}")
        harness.check(stats.get("connected") == 0 and
                      stats.get("spool_pending", 0) >= 3,
                      f"events not kept in the spool: {stats}")
        print(f"garbage broker: {connections[0]} connections, agent alive, "
              f"{stats['connect_failures']} failures counted, "
              f"{stats['spool_pending']} events kept")
    finally:
        agent.stop()
        stop.set()
        t.join()
        srv.close()


def main():
    args = harness.parse_args()
    mh.require_mqtt_tools(args.picket)
    root = tempfile.mkdtemp(prefix="picket-mqtt-brokers-")
    broker = mh.Broker(os.path.join(root, "plain"),
                       users={DEVICE: DEVICE_PW, "backend": BACKEND_PW},
                       acl=ACL)
    try:
        plain_delivery(args, broker, "3.1.1", "none")
        plain_delivery(args, broker, "5", "zstd")
        refused_password(args, broker)
    finally:
        broker.stop()
    garbage_broker(args)
    tls(args, root)
    print("PASS")


if __name__ == "__main__":
    main()
