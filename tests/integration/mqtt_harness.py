"""Real MQTT peers for the integration tests: certificates made with openssl,
mosquitto brokers on 127.0.0.1, and a receiving client (paho-mqtt).

Everything is started by the tests themselves on free ports, in temporary
directories; nothing depends on a system broker.
"""

import json
import os
import socket
import subprocess
import threading
import time

import harness
from harness import SKIP, check, fail

try:
    import paho.mqtt.client as paho
    from paho.mqtt.properties import Properties
    from paho.mqtt.packettypes import PacketTypes
except ImportError:  # pragma: no cover - reported by require_mqtt_tools
    paho = None

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def require_mqtt_tools(picket=None):
    if picket is not None:
        parts = subprocess.run([picket, "version"], capture_output=True,
                               text=True).stdout
        if "sink.mqtt" not in parts:
            print("SKIPPED: this build has no MQTT sink (PICKET_SINK_MQTT=OFF)",
                  flush=True)
            raise SystemExit(SKIP)
    missing = [tool for tool in ("mosquitto", "mosquitto_passwd", "openssl",
                                 "zstd")
               if subprocess.run(["sh", "-c", f"command -v {tool}"],
                                 stdout=subprocess.DEVNULL).returncode != 0]
    if paho is None:
        missing.append("python3-paho-mqtt")
    if missing:
        print("SKIPPED: needs " + ", ".join(missing) +
              " (scripts/install-deps installs them)", flush=True)
        raise SystemExit(SKIP)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    fail(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def openssl(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True)
    if r.returncode != 0:
        fail("openssl " + " ".join(args) + " failed: " +
             r.stderr.decode(errors="replace"))


class Certs:
    """A test CA, a server certificate for localhost/127.0.0.1, client
    certificates, and a second, unrelated CA (for the wrong-CA test)."""

    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.ca, self.ca_key = self._ca("ca", "picket test CA")
        self.other_ca, _ = self._ca("other-ca", "unrelated CA")
        self.server, self.server_key = self.issue(
            "server", "localhost",
            "subjectAltName=DNS:localhost,IP:127.0.0.1")
        # A certificate valid only for another name: host name check fails.
        self.wrong_host, self.wrong_host_key = self.issue(
            "wronghost", "broker.invalid", "subjectAltName=DNS:broker.invalid")

    def path(self, name):
        return os.path.join(self.dir, name)

    def _ca(self, name, cn):
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", f"/CN={cn}", "-keyout", f"{name}.key", "-out",
                f"{name}.pem", cwd=self.dir)
        return self.path(f"{name}.pem"), self.path(f"{name}.key")

    def issue(self, name, cn, ext=None):
        openssl("req", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-subj", f"/CN={cn}",
                "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=self.dir)
        args = ["x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem",
                "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-out",
                f"{name}.pem"]
        if ext:
            with open(self.path(f"{name}.ext"), "w") as f:
                f.write(ext + "\n")
            args += ["-extfile", f"{name}.ext"]
        openssl(*args, cwd=self.dir)
        os.chmod(self.path(f"{name}.key"), 0o600)
        return self.path(f"{name}.pem"), self.path(f"{name}.key")


class Broker:
    """A mosquitto instance on 127.0.0.1:<port>. stop() and start() keep the
    port, so a client sees an outage and a return of the same broker."""

    def __init__(self, directory, users=None, acl=None, tls=None,
                 port=None, extra="", client_certs=True):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.port = port or free_port()
        self.proc = None
        lines = ["user root", f"listener {self.port} 127.0.0.1",
                 "persistence false", "log_type all",
                 f"log_dest file {os.path.join(directory, 'mosquitto.log')}"]
        if users is not None:
            passwd = os.path.join(directory, "passwd")
            open(passwd, "w").close()
            for name, password in users.items():
                subprocess.run(["mosquitto_passwd", "-b", passwd, name,
                                password], check=True,
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
            os.chmod(passwd, 0o600)
            lines += ["allow_anonymous false", f"password_file {passwd}"]
        elif tls is None or not client_certs:
            lines.append("allow_anonymous true")
        if acl is not None:
            acl_path = os.path.join(directory, "acl")
            with open(acl_path, "w") as f:
                f.write(acl)
            os.chmod(acl_path, 0o600)
            lines.append(f"acl_file {acl_path}")
        if tls is not None:
            lines += [f"cafile {tls['cafile']}", f"certfile {tls['certfile']}",
                      f"keyfile {tls['keyfile']}", "tls_version tlsv1.2"]
            if client_certs:
                lines += ["require_certificate true",
                          "use_identity_as_username true"]
        self.config = os.path.join(directory, "mosquitto.conf")
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n" + extra)
        self.start()

    def start(self):
        self.proc = subprocess.Popen(["mosquitto", "-c", self.config],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_port(self.port)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None

    def log(self):
        try:
            with open(os.path.join(self.dir, "mosquitto.log"), "rb") as f:
                return f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""


class Receiver:
    """The fleet backend's side: subscribes (QoS 1) and records every
    message with its topic, payload and MQTT 5 properties."""

    def __init__(self, port, topic="#", username=None, password=None,
                 tls=None, protocol=5, client_id="backend",
                 persistent=False):
        self.messages = []
        self.lock = threading.Lock()
        self.connected = threading.Event()
        if protocol == 5:
            self.client = paho.Client(client_id=client_id,
                                      protocol=paho.MQTTv5)
        else:
            # A persistent session: what arrives while this receiver is away
            # (broker restarting) waits for it on the broker.
            self.client = paho.Client(client_id=client_id,
                                      clean_session=not persistent,
                                      protocol=paho.MQTTv311)
        self.client.reconnect_delay_set(min_delay=1, max_delay=1)
        if username:
            self.client.username_pw_set(username, password)
        if tls:
            self.client.tls_set(ca_certs=tls["ca"], certfile=tls.get("cert"),
                                keyfile=tls.get("key"))
        self.topic = topic
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.connect("localhost" if tls else "127.0.0.1", port, 30)
        self.client.loop_start()
        if not self.connected.wait(10):
            fail("the test receiver could not connect to the broker")

    def _on_connect(self, client, userdata, flags, rc, properties=None):
        topics = self.topic if isinstance(self.topic, list) else [self.topic]
        for t in topics:
            client.subscribe(t, qos=1)
        self.connected.set()

    def _on_message(self, client, userdata, msg):
        props = getattr(msg, "properties", None)
        content_type = getattr(props, "ContentType", None) if props else None
        with self.lock:
            self.messages.append({"topic": msg.topic, "payload": msg.payload,
                                  "retain": msg.retain,
                                  "content_type": content_type})

    def publish(self, topic, payload, retain=False, qos=1):
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        info.wait_for_publish(10)

    def snapshot(self):
        with self.lock:
            return list(self.messages)

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()

    def wait(self, pred, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m in self.snapshot():
                if pred(m):
                    return m
            time.sleep(0.05)
        fail(f"timed out after {timeout}s waiting for {what}; got topics: "
             f"{sorted(set(m['topic'] for m in self.snapshot()))}")

    def events(self, topic_suffix=None):
        """Every event envelope received (batch documents unpacked,
        compressed ones decompressed), in arrival order."""
        out = []
        for m in self.snapshot():
            if topic_suffix and not m["topic"].endswith(topic_suffix):
                continue
            doc = decode_batch(m["payload"])
            if doc is not None:
                out.extend(doc["events"])
        return out


def decode_batch(payload):
    """A batch document from a payload (None for non-batch messages such as
    the status and config report)."""
    if payload.startswith(ZSTD_MAGIC):
        r = subprocess.run(["zstd", "-d", "-c", "-q"], input=payload,
                           capture_output=True)
        check(r.returncode == 0, "zstd could not decompress a payload")
        payload = r.stdout
    try:
        doc = json.loads(payload)
    except ValueError:
        fail(f"payload is neither JSON nor zstd: {payload[:80]!r}")
    if not isinstance(doc, dict) or "events" not in doc:
        return None
    check(doc.get("schema") == 1, f"batch without schema 1: {doc!r}"[:200])
    return doc


def seq_of(event):
    """(prefix, (number, index, tag)) of an event id (docs/events.md): a run
    id "<run>-<seq>" gives (run, (seq, 0, "")); an id read at a source
    position "<source>-<position>[.<index>]" (source, (position, index,
    "")); an alert derived from such an event "<evidence id>:<tag>" the
    evidence's, with the tag."""
    text, _, tag = event["id"].partition(":")
    prefix, _, number = text.rpartition("-")
    position, _, index = number.partition(".")
    return prefix, (int(position), int(index or 0), tag)


def agent_config(mqtt_yaml, device="cam-01", extra=""):
    """An agent configuration whose only event source is an auth log the
    test writes (@DIR@/auth.log), with the MQTT section `mqtt_yaml`
    (indented for `sinks.mqtt`)."""
    return harness.login_only_config(
        device,
        engine="  heartbeat_interval: 1s\n  statistics_interval: 2s\n",
        sinks=f"  jsonl:\n    path: @DIR@/events.jsonl\n  mqtt:\n{mqtt_yaml}\n",
        extra=f"intel:\n  path: @DIR@/intel.bin\n{extra}")


class AuthLog:
    """Appends sshd failure lines (one login.failure event each) to the
    agent's auth log; five from one address make a login.brute_force
    alert."""

    def __init__(self, path):
        self.path = path
        self.n = 0

    def fail(self, count, source="198.51.100.7"):
        with open(self.path, "a") as f:
            for _ in range(count):
                self.n += 1
                f.write(f"Nov 23 10:{self.n // 60 % 60:02d}:{self.n % 60:02d} "
                        f"gw sshd[{1000 + self.n}]: Failed password for "
                        f"user{self.n} from {source} port {20000 + self.n} "
                        f"ssh2\n")


def write_secret(path, text, mode=0o600):
    with open(path, "w") as f:
        f.write(text + "\n")
    os.chmod(path, mode)


def status_events(agent, state=None):
    """agent.status events of the MQTT sink seen in the JSONL file."""
    agent.read_new()
    return [e for e in agent.events
            if e["type"] == "agent.status"
            and e["payload"]["component"] == "sink.mqtt"
            and (state is None or e["payload"]["state"] == state)]


def last_statistics(agent, component="sink.mqtt"):
    agent.read_new()
    stats = [e for e in agent.events if e["type"] == "agent.statistics"]
    if not stats:
        return {}
    return stats[-1]["payload"]["components"].get(component, {})
