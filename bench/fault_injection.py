#!/usr/bin/env python3
"""Faults: kill -9 at random moments and a broker outage, while auth lines
keep coming; every attempt accounted by event id, at the broker and in the
JSONL file.

Starts `picket run` with the login collector following one syslog file
(brute force on), the JSONL sink and the MQTT sink to a mosquitto broker on
127.0.0.1 (persistent, with a persistent-session receiver, so nothing is
lost on the broker's side). A writer appends two-line sshd attempts
(tests/integration/fault_harness.py: each attempt is exactly one
login.failure event) at --rate attempts per second, also while the agent is
down. The agent is killed with SIGKILL --kills times, --min-gap to
--max-gap seconds apart (uniformly random), and restarted on the same state
after up to --max-down seconds; the broker is stopped after the first third
of the kills and started again after the second third. At the end the
writer stops, the agent runs until the broker has everything, then gets
SIGTERM.

Reported, by the attempts' user names (each attempt has its own):
  lost                attempts with no event at all
  duplicated by id    events received again under an id already received
                      (a receiver drops them)
  new id              attempts received under more than one distinct id
                      (a receiver cannot drop them: counted twice)
and the same for alerts: alerts raised again from the same evidence under
a new id. Goal: lost 0, duplicated any, new id 0.

  bench/fault_injection.py --picket build/release/picket
  bench/fault_injection.py --picket build/release/picket --kills 60 --seed 7
"""

import argparse
import os
import random
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "integration"))
import fault_harness as fh  # noqa: E402
import harness  # noqa: E402
import mqtt_harness as mh  # noqa: E402

DEVICE = "bench-faults"


def config(port):
    mqtt = f"""    enabled: true
    host: 127.0.0.1
    port: {port}
    reconnect_min: 200ms
    reconnect_max: 1s
    batch:
      high: 200ms
      medium: 500ms
      low: 1s
"""
    text = mh.agent_config(mqtt, device=DEVICE)
    # Every event of the run stays in one JSONL file.
    return text.replace("  jsonl:\n", "  jsonl:\n    max_size: 1GiB\n"
                        "    max_files: 1\n")


def persistent_broker(root, port=None):
    d = os.path.join(root, "broker")
    os.makedirs(d, exist_ok=True)
    return mh.Broker(d, port=port,
                     extra=f"persistence true\npersistence_location {d}/\n"
                           "autosave_interval 1\nmax_queued_messages 0\n"
                           "max_inflight_messages 0\n")


def summary(name, got, alerts, users):
    return (f"{name:<7} attempts {len(users)}, failure events {got['events']} "
            f"({got['unique']} distinct ids): lost {len(got['lost'])}, "
            f"duplicated by id {got['duplicated_by_id']}, new id "
            f"{len(got['new_id'])}; alerts {alerts['alerts']}, raised again "
            f"under a new id {len(alerts['new_id'])}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--picket", required=True)
    p.add_argument("--kills", type=int, default=36)
    p.add_argument("--rate", type=int, default=40,
                   help="attempts per second (two lines each)")
    p.add_argument("--min-gap", type=float, default=0.3)
    p.add_argument("--max-gap", type=float, default=2.0)
    p.add_argument("--max-down", type=float, default=0.5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--catch-up", type=float, default=120,
                   help="seconds to wait for the broker to have everything")
    args = p.parse_args()
    mh.require_mqtt_tools(args.picket)
    rng = random.Random(args.seed)

    root = tempfile.mkdtemp(prefix="picket-faults-")
    broker = persistent_broker(root)
    port = broker.port
    rx = mh.Receiver(port, protocol=3, client_id="backend-faults",
                     persistent=True)
    workdir = os.path.join(root, "agent")
    os.makedirs(workdir)
    log = os.path.join(workdir, "auth.log")
    open(log, "w").close()
    text = config(port)
    agent = harness.Agent(args.picket, text, workdir=workdir)
    writer = fh.AttemptWriter(log, rate=args.rate, seed=args.seed)
    outage = (args.kills // 3, 2 * args.kills // 3)
    t_outage = [None, None]
    try:
        agent.wait_for(lambda e: e["type"] == "agent.status"
                       and e["payload"]["state"] == "connected", 10,
                       "the MQTT connection")
        writer.start()
        t0 = time.monotonic()
        for i in range(args.kills):
            if i == outage[0]:
                broker.stop()
                t_outage[0] = time.monotonic() - t0
            if i == outage[1]:
                broker.start()
                t_outage[1] = time.monotonic() - t0
            fh.random_pause(rng, args.min_gap, args.max_gap)
            fh.kill9(agent.proc)
            fh.random_pause(rng, 0, args.max_down)
            agent = harness.Agent(args.picket, text, workdir=workdir)
        wall = time.monotonic() - t0
        time.sleep(1)
        writer.stop()
        users = writer.users()
        deadline = time.monotonic() + args.catch_up
        while time.monotonic() < deadline:
            if agent.proc.poll() is not None:
                harness.fail("the agent exited:\n" + agent.stderr_text())
            got = fh.account(rx.events(), users)
            if not got["lost"]:
                break
            time.sleep(0.5)
        agent.stop()
        time.sleep(1)  # last PUBACKed messages reach the receiver
        broker_events = rx.events()
        jsonl = fh.jsonl_events(agent.jsonl)
        at_broker = fh.account(broker_events, users)
        local = fh.account(jsonl, users)
        # Every id the agent wrote locally (any event type) must be at the
        # broker: delivery lost nothing either.
        sent = {e["id"] for e in broker_events}
        undelivered = {e["id"] for e in jsonl} - sent
        print(f"{args.kills} kills in {wall:.0f} s ({args.min_gap}-"
              f"{args.max_gap} s apart, down up to {args.max_down} s), "
              f"{args.rate} attempts/s; broker down from {t_outage[0]:.0f} s "
              f"to {t_outage[1]:.0f} s (kills {outage[0] + 1}-{outage[1]})")
        print(summary("broker", at_broker, fh.account_alerts(broker_events),
                      users))
        print(summary("jsonl", local, fh.account_alerts(jsonl), users))
        print(f"broker  events {len(broker_events)} ({len(sent)} distinct "
              f"ids), of the {len({e['id'] for e in jsonl})} distinct ids "
              f"written locally {len(undelivered)} never delivered")
        ok = (not at_broker["lost"] and not at_broker["new_id"]
              and not local["lost"] and not local["new_id"]
              and not undelivered)
        print("goal (lost 0, duplicated any, new id 0):",
              "met" if ok else "NOT met")
        return 0 if ok else 1
    finally:
        writer.stop()
        if agent.proc.poll() is None:
            agent.proc.send_signal(signal.SIGKILL)
        rx.close()
        broker.stop()


if __name__ == "__main__":
    sys.exit(main())
