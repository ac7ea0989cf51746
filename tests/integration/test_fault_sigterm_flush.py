"""A clean stop sends what the batch window holds before the agent exits,
bounded by sinks.mqtt.stop_timeout.

1. Broker up: login failures (low priority, batched for 60 s) are written
   to the spool, then the agent gets SIGTERM: every one of them has
   reached the broker by the time the process has exited, and the next
   start finds nothing left to send.
2. Broker down: the agent still exits on SIGTERM, within a few seconds of
   the timeout, and the events stay in the spool: once the broker is back,
   the next start delivers them.
3. A broker that accepts the connection but never acknowledges: the agent
   gives up after the stop timeout, exits, and the next start (on a real
   broker) delivers the events again.
"""

import os
import signal
import socket
import tempfile
import threading
import time

import harness
import mqtt_harness as mh

STOP_TIMEOUT_S = 2
# Far above the timeout: the test checks that the stop is bounded, not how
# fast it is.
EXIT_BOUND_S = STOP_TIMEOUT_S + 6


def mqtt_section(port, low="60s"):
    """Low-priority events (login failures) wait `low` for a batch."""
    return f"""    enabled: true
    host: 127.0.0.1
    port: {port}
    reconnect_min: 200ms
    reconnect_max: 1s
    stop_timeout: {STOP_TIMEOUT_S}s
    batch:
      low: {low}
"""


def failures(agent):
    agent.read_new()
    return [e for e in agent.events if e["type"] == "login.failure"]


def wait_written(agent, count, what):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if len(failures(agent)) >= count:
            return
        time.sleep(0.05)
    harness.fail(f"{what}: {len(failures(agent))} of {count} failures "
                 f"written locally")


def sigterm_and_wait(agent):
    """Sends SIGTERM; returns seconds until the process had exited."""
    t0 = time.monotonic()
    agent.proc.send_signal(signal.SIGTERM)
    try:
        agent.proc.wait(EXIT_BOUND_S)
    except Exception:
        agent.proc.kill()
        harness.fail(f"the agent did not exit within {EXIT_BOUND_S}s of "
                     f"SIGTERM (stop_timeout {STOP_TIMEOUT_S}s)")
    agent.read_new()
    return time.monotonic() - t0


def connected_detail(agent):
    e = agent.wait_for(lambda e: e["type"] == "agent.status"
                       and e["payload"]["component"] == "sink.mqtt"
                       and e["payload"]["state"] == "connected", 10,
                       "the MQTT connection")
    return e["payload"]["detail"]


class SilentBroker(threading.Thread):
    """Answers CONNECT with CONNACK, then reads and ignores everything:
    nothing is ever acknowledged."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.publishes = 0
        self.conns = []

    def run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()

    def serve(self, c):
        acked = False
        try:
            while True:
                data = c.recv(65536)
                if not data:
                    return
                if not acked and data[0] >> 4 == 1:  # CONNECT
                    c.sendall(b"\x20\x02\x00\x00")
                    acked = True
                elif data[0] >> 4 == 3:
                    self.publishes += 1
        except OSError:
            return

    def close(self):
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass


def broker_up(args, root):
    broker = mh.Broker(os.path.join(root, "up"))
    rx = mh.Receiver(broker.port)
    workdir = tempfile.mkdtemp(prefix="picket-term-")
    auth = os.path.join(workdir, "auth.log")
    open(auth, "w").close()
    config = mh.agent_config(mqtt_section(broker.port))
    agent = harness.Agent(args.picket, config, workdir=workdir)
    try:
        connected_detail(agent)
        log = mh.AuthLog(auth)
        log.fail(20, source="192.0.2.50")
        wait_written(agent, 20, "before SIGTERM")
        ids = {e["id"] for e in failures(agent)}
        took = sigterm_and_wait(agent)
        got = {e["id"] for e in rx.events()}
        missing = ids - got
        print(f"broker up: exited {took:.2f}s after SIGTERM; "
              f"{len(ids) - len(missing)} of {len(ids)} batched failures "
              f"at the broker by then")
        harness.check(not missing,
                      f"{len(missing)} of {len(ids)} events still in the "
                      f"spool after a clean stop (e.g. {sorted(missing)[:3]})")
        # Nothing left behind: the next start has nothing from before.
        agent = harness.Agent(args.picket, config, workdir=workdir)
        detail = connected_detail(agent)
        harness.check(" 0 event(s) to deliver" in detail,
                      f"the next start found events left over: {detail}")
    finally:
        agent.stop()
        rx.close()
        broker.stop()


def broker_down(args, root):
    port = mh.free_port()
    broker = mh.Broker(os.path.join(root, "down"), port=port)
    workdir = tempfile.mkdtemp(prefix="picket-term-down-")
    auth = os.path.join(workdir, "auth.log")
    open(auth, "w").close()
    config = mh.agent_config(mqtt_section(port))
    agent = harness.Agent(args.picket, config, workdir=workdir)
    rx = None
    try:
        connected_detail(agent)
        broker.stop()
        mh.AuthLog(auth).fail(10, source="192.0.2.51")
        wait_written(agent, 10, "with the broker down")
        ids = {e["id"] for e in failures(agent)}
        took = sigterm_and_wait(agent)
        print(f"broker down: exited {took:.2f}s after SIGTERM")
        broker.start()
        rx = mh.Receiver(port)
        agent = harness.Agent(args.picket,
                              mh.agent_config(mqtt_section(port, "200ms")),
                              workdir=workdir)
        deadline = time.monotonic() + 20
        got = set()
        while time.monotonic() < deadline and not ids <= got:
            got = {e["id"] for e in rx.events()}
            time.sleep(0.2)
        harness.check(ids <= got, f"{len(ids - got)} of {len(ids)} events "
                      f"lost across the stop with the broker down")
        print(f"broker down: all {len(ids)} events delivered by the next "
              f"start")
    finally:
        agent.stop()
        if rx:
            rx.close()
        broker.stop()


def broker_silent(args, root):
    silent = SilentBroker()
    silent.start()
    workdir = tempfile.mkdtemp(prefix="picket-term-silent-")
    auth = os.path.join(workdir, "auth.log")
    open(auth, "w").close()
    config = mh.agent_config(mqtt_section(silent.port))
    agent = harness.Agent(args.picket, config, workdir=workdir)
    broker = None
    rx = None
    try:
        connected_detail(agent)
        mh.AuthLog(auth).fail(10, source="192.0.2.52")
        wait_written(agent, 10, "towards a silent broker")
        ids = {e["id"] for e in failures(agent)}
        took = sigterm_and_wait(agent)
        print(f"silent broker: exited {took:.2f}s after SIGTERM, "
              f"{silent.publishes} unacknowledged PUBLISH packet(s) seen")
        harness.check(took >= STOP_TIMEOUT_S - 0.5,
                      f"gave up after {took:.2f}s, before the stop timeout "
                      f"({STOP_TIMEOUT_S}s)")
        silent.close()
        port = mh.free_port()
        broker = mh.Broker(os.path.join(root, "after-silent"), port=port)
        rx = mh.Receiver(port)
        agent = harness.Agent(args.picket,
                              mh.agent_config(mqtt_section(port, "200ms")),
                              workdir=workdir)
        deadline = time.monotonic() + 20
        got = set()
        while time.monotonic() < deadline and not ids <= got:
            got = {e["id"] for e in rx.events()}
            time.sleep(0.2)
        harness.check(ids <= got, f"{len(ids - got)} of {len(ids)} "
                      f"unacknowledged events lost")
        print(f"silent broker: all {len(ids)} events delivered by the next "
              f"start")
    finally:
        agent.stop()
        if rx:
            rx.close()
        if broker:
            broker.stop()
        silent.close()


def main():
    args = harness.parse_args()
    mh.require_mqtt_tools(args.picket)
    root = tempfile.mkdtemp(prefix="picket-term-brokers-")
    broker_up(args, root)
    broker_down(args, root)
    broker_silent(args, root)


if __name__ == "__main__":
    main()
