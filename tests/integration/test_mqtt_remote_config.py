"""Remote configuration against real mosquitto brokers on 127.0.0.1.

Plain mode: a retained document on picket/<device>/config is applied (the
report says so, the new brute-force threshold is in force, the heartbeat
names the version); a broken one is rejected with every invalid field listed
and the running configuration stays; malformed JSON is rejected with a
reason; after a restart without broker the stored configuration is in force.

Azure IoT Hub mode (TLS, connection string with a shared access key): the
agent uses IoT Hub's user name and telemetry topic, asks for its twin, applies
the desired properties and reports in the reported properties; a desired
patch with a bad value is rejected there. With x509=true (a device
certificate, the broker requiring one): twin request and telemetry flow
without any SAS token, and a certificate from another CA is refused and
reported. The test plays IoT Hub's part on a mosquitto broker.
"""

import base64
import json
import os
import secrets
import tempfile
import time

import harness
import mqtt_harness as mh

DEVICE = "cam-01"


def plain_mqtt(port):
    return f"""    enabled: true
    host: 127.0.0.1
    port: {port}
    reconnect_min: 200ms
    reconnect_max: 1s
    batch:
      high: 200ms
      medium: 200ms
      low: 200ms
"""


def reports(rx, topic):
    out = []
    for m in rx.snapshot():
        if m["topic"] == topic:
            out.append(json.loads(m["payload"]))
    return out


def wait_report(rx, topic, version, what):
    m = rx.wait(lambda m: m["topic"] == topic
                and json.loads(m["payload"]).get("version") == version, 10,
                what)
    return json.loads(m["payload"])


def brute_force_alerts(agent):
    agent.read_new()
    return [e for e in agent.events if harness.is_alert(e, "login.brute_force")]


def alerts_after(agent, log, failures, source):
    """Brute-force alerts raised against `source` within 2 s of writing
    `failures` failures from it."""
    log.fail(failures, source=source)
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        if [a for a in brute_force_alerts(agent)
                if a["payload"]["details"]["source"] == source]:
            break
        time.sleep(0.1)
    return len([a for a in brute_force_alerts(agent)
                if a["payload"]["details"]["source"] == source])


def plain(args, root):
    broker = mh.Broker(os.path.join(root, "plain"))
    rx = mh.Receiver(broker.port)
    topic = f"picket/{DEVICE}/config"
    try:
        rx.publish(topic, json.dumps(
            {"version": 7, "detectors": {"brute_force": {"capacity": 2}}}),
            retain=True)
        workdir = tempfile.mkdtemp(prefix="picket-remote-")
        open(os.path.join(workdir, "auth.log"), "w").close()
        config = mh.agent_config(plain_mqtt(broker.port))
        agent = harness.Agent(args.picket, config, workdir=workdir)
        log = mh.AuthLog(os.path.join(workdir, "auth.log"))
        try:
            r = wait_report(rx, topic + "/report", "7", "the applied report")
            harness.check(r["status"] == "applied" and r["device"] == DEVICE,
                          f"report: {r}")
            agent.wait_for(lambda e: e["type"] == "agent.heartbeat"
                           and e["payload"]["config_version"] == "7", 5,
                           "a heartbeat naming version 7")
            harness.check(alerts_after(agent, log, 2, "192.0.2.10") == 1,
                          "capacity 2 from the remote document not in force")

            rx.publish(topic, json.dumps(
                {"version": 8,
                 "detectors": {"brute_force": {"capacity": "many"}},
                 "sinks": {"mqtt": {"host": "evil.example"}}}), retain=True)
            r = wait_report(rx, topic + "/report", "8", "the rejected report")
            harness.check(r["status"] == "rejected", f"report: {r}")
            fields = {e["field"]: e["error"] for e in r["errors"]}
            harness.check("detectors.brute_force.capacity" in fields
                          and "sinks" in fields, f"errors: {r['errors']}")
            harness.check("integer" in fields["detectors.brute_force.capacity"],
                          f"no reason: {fields}")
            agent.wait_for(lambda e: e["type"] == "agent.status"
                           and e["payload"]["state"] ==
                           "remote_config_rejected", 5,
                           "the local record of the rejection")
            harness.check(alerts_after(agent, log, 2, "192.0.2.11") == 1,
                          "a rejected document disturbed the running one")

            rx.publish(topic, b'{"version": 9, "detectors": ', retain=True)
            r = rx.wait(lambda m: m["topic"] == topic + "/report"
                        and b"not valid JSON" in m["payload"], 10,
                        "the report on malformed JSON")
            print("plain: applied v7, rejected v8 with "
                  f"{len(fields)} fields, rejected malformed JSON")
        finally:
            agent.stop()
        stored = os.path.join(workdir, "state", "remote-config.json")
        harness.check(os.stat(stored).st_mode & 0o777 == 0o600,
                      "stored configuration is not 0600")
        # The stored document is in force after a restart, before any broker.
        broker.stop()
        agent = harness.Agent(args.picket, config, workdir=workdir)
        try:
            agent.wait_for(lambda e: e["type"] == "agent.heartbeat"
                           and e["payload"]["config_version"] == "7", 5,
                           "version 7 in force after a restart")
            harness.check(alerts_after(agent, log, 2, "192.0.2.12") == 1,
                          "stored configuration not applied at start")
        finally:
            agent.stop()
        print("plain: stored configuration in force after a restart")
    finally:
        rx.close()
        broker.stop()


def azure(args, root):
    certs = mh.Certs(os.path.join(root, "certs"))
    broker = mh.Broker(os.path.join(root, "azure"),
                       tls={"cafile": certs.ca, "certfile": certs.server,
                            "keyfile": certs.server_key},
                       client_certs=False)
    rx = mh.Receiver(broker.port, topic=["#", "$iothub/#"],
                     tls={"ca": certs.ca})
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    workdir = tempfile.mkdtemp(prefix="picket-azure-")
    open(os.path.join(workdir, "auth.log"), "w").close()
    mh.write_secret(os.path.join(workdir, "iothub"),
                    f"HostName=localhost;DeviceId=dev1;SharedAccessKey={key}")
    mqtt = f"""    enabled: true
    mode: azure
    port: {broker.port}
    ca_file: {certs.ca}
    connection_string_file: @DIR@/iothub
    reconnect_min: 200ms
    reconnect_max: 1s
    batch:
      high: 200ms
      medium: 200ms
      low: 200ms
"""
    agent = harness.Agent(args.picket, mh.agent_config(mqtt, device="dev1"),
                          workdir=workdir)
    log = mh.AuthLog(os.path.join(workdir, "auth.log"))
    try:
        get = rx.wait(lambda m: m["topic"].startswith("$iothub/twin/GET/"), 10,
                      "the twin request")
        rid = get["topic"].split("$rid=")[1]
        rx.publish(f"$iothub/twin/res/200/?$rid={rid}", json.dumps(
            {"desired": {"detectors": {"brute_force": {"capacity": 2}},
                         "$version": 3},
             "reported": {"$version": 1}}), qos=0)
        rep = rx.wait(
            lambda m: m["topic"].startswith(
                "$iothub/twin/PATCH/properties/reported/")
            and json.loads(m["payload"])["picket_config"]["version"] == "3",
            10, "the reported properties")
        r = json.loads(rep["payload"])["picket_config"]
        harness.check(r["status"] == "applied", f"reported: {r}")
        harness.check(alerts_after(agent, log, 2, "192.0.2.20") == 1,
                      "desired capacity 2 not in force")

        beat = rx.wait(lambda m: m["topic"].startswith(
            "devices/dev1/messages/events/") and "kind=heartbeat" in
            m["topic"], 10, "telemetry")
        harness.check(beat["topic"] == "devices/dev1/messages/events/"
                      "$.ct=application%2Fjson&$.ce=utf-8&kind=heartbeat",
                      f"telemetry topic {beat['topic']}")
        harness.check(mh.decode_batch(beat["payload"])["events"][0]["type"]
                      == "agent.heartbeat", "telemetry payload")
        rx.wait(lambda m: "kind=alerts" in m["topic"], 10, "alert telemetry")

        rx.publish("$iothub/twin/PATCH/properties/desired/?$version=4",
                   json.dumps({"detectors": {"brute_force":
                                             {"capacity": "lots"}},
                               "$version": 4}), qos=0)
        rep = rx.wait(
            lambda m: m["topic"].startswith(
                "$iothub/twin/PATCH/properties/reported/")
            and json.loads(m["payload"])["picket_config"]["version"] == "4",
            10, "the rejection in the reported properties")
        r = json.loads(rep["payload"])["picket_config"]
        harness.check(r["status"] == "rejected" and r["errors"][0]["field"] ==
                      "detectors.brute_force.capacity", f"reported: {r}")
        log_text = broker.log()
        harness.check("u'localhost/dev1/?api-version=2021-04-12'" in log_text,
                      "IoT Hub user name not used; broker log:\n" +
                      log_text[-2000:])
        harness.check(key not in agent.stderr_text(), "the key leaked")
        print("azure: twin desired properties applied (v3) and a bad patch "
              "rejected (v4) in the reported properties; telemetry topic and "
              "user name as IoT Hub expects")
    finally:
        agent.stop()
        rx.close()
        broker.stop()


def x509_section(port, ca, cert, key):
    return f"""    enabled: true
    mode: azure
    port: {port}
    ca_file: {ca}
    cert_file: {cert}
    key_file: {key}
    connection_string_file: @DIR@/iothub
    reconnect_min: 200ms
    reconnect_max: 1s
    batch:
      high: 200ms
      medium: 200ms
      low: 200ms
"""


def x509_agent(args, mqtt):
    workdir = tempfile.mkdtemp(prefix="picket-azure-x509-")
    open(os.path.join(workdir, "auth.log"), "w").close()
    mh.write_secret(os.path.join(workdir, "iothub"),
                    "HostName=localhost;DeviceId=dev2;x509=true")
    return harness.Agent(args.picket, mh.agent_config(mqtt, device="dev2"),
                         workdir=workdir)


def azure_x509(args, root):
    """IoT Hub with an X.509 device certificate (x509=true): no SAS token;
    the broker requires the client certificate, as IoT Hub does."""
    certs = mh.Certs(os.path.join(root, "certs-x509"))
    certs.issue("dev2", "dev2")
    certs.issue("backend", "backend")
    tls = {"cafile": certs.ca, "certfile": certs.server,
           "keyfile": certs.server_key}
    broker = mh.Broker(os.path.join(root, "azure-x509"), tls=tls)
    rx = mh.Receiver(broker.port, topic=["#", "$iothub/#"],
                     tls={"ca": certs.ca, "cert": certs.path("backend.pem"),
                          "key": certs.path("backend.key")})
    agent = x509_agent(args, x509_section(broker.port, certs.ca,
                                          certs.path("dev2.pem"),
                                          certs.path("dev2.key")))
    try:
        rx.wait(lambda m: m["topic"].startswith("$iothub/twin/GET/"), 10,
                "the twin request over a client-certificate connection")
        beat = rx.wait(lambda m: m["topic"].startswith(
            "devices/dev2/messages/events/") and "kind=heartbeat" in
            m["topic"], 10, "telemetry over a client-certificate connection")
        harness.check(mh.decode_batch(beat["payload"])["events"][0]["type"]
                      == "agent.heartbeat", "telemetry payload")
        harness.check("SharedAccessSignature" not in broker.log() +
                      agent.stderr_text(), "a SAS token was used with x509")
        print("azure x509: twin request and telemetry over a connection "
              "authenticated by the device certificate alone")
    finally:
        agent.stop()
        rx.close()
        broker.stop()

    # A certificate with the right name from an unknown CA is refused by the
    # broker, and the agent reports it.
    other = mh.Certs(os.path.join(root, "certs-x509-other"))
    other.issue("dev2", "dev2")
    broker = mh.Broker(os.path.join(root, "azure-x509-refused"), tls=tls)
    agent = x509_agent(args, x509_section(broker.port, certs.ca,
                                          other.path("dev2.pem"),
                                          other.path("dev2.key")))
    try:
        e = agent.wait_for(
            lambda e: e["type"] == "agent.status"
            and e["payload"]["component"] == "sink.mqtt"
            and e["payload"]["state"] in ("error", "disconnected"), 15,
            "the refused connection reported")
        harness.check(not any(
            ev["type"] == "agent.status"
            and ev["payload"]["component"] == "sink.mqtt"
            and ev["payload"]["state"] == "connected" for ev in agent.events),
            "connected with a certificate from an unknown CA")
        print("azure x509: a certificate from another CA refused: "
              f"{e['payload']['detail']}")
    finally:
        agent.stop()
        broker.stop()


def main():
    args = harness.parse_args()
    mh.require_mqtt_tools(args.picket)
    root = tempfile.mkdtemp(prefix="picket-mqtt-remote-")
    plain(args, root)
    azure(args, root)
    azure_x509(args, root)
    print("PASS")


if __name__ == "__main__":
    main()
