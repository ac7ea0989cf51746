"""Faults found by fault injection, each reproduced against the real agent.

1. The intel file rewritten in place (`cp` over it, `truncate -s 0`, half a
   file) while connections are being matched: the agent used to die of
   SIGSEGV / SIGBUS. It must keep running on the store in service and pick
   up the finished file at the next check. (root: packet capture)
2. A FIFO named as a configured file: `picket check-config --config FIFO`
   and a remote configuration setting intel.path to a FIFO through a real
   mosquitto broker used to block the agent in open(2) for good (and again
   at every start, from the stored document). Both must be refused at once;
   the agent keeps its heartbeats, stops on SIGTERM, and restarts.
3. A remote configuration asking for a 1 GiB capture ring is rejected with
   the field named.
4. A state file pre-made as a symlink to another file: the agent used to
   chmod the target to 0600 and append JSON to it. It must refuse the link,
   leave the target alone, and refuse to start on a state directory that is
   a link or writable by others. A world-writable configuration file and a
   NUL byte in it are refused with a clear message.
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import harness
import mqtt_harness as mh

check = harness.check


def run_cli(args, *argv, timeout=10):
    try:
        return subprocess.run([args.picket, *argv], capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        harness.fail(f"picket {' '.join(argv)} hung for {timeout}s")


def config_files(args):
    d = tempfile.mkdtemp(prefix="picket-faults-")
    fifo = os.path.join(d, "picket.yaml")
    os.mkfifo(fifo)
    t0 = time.monotonic()
    out = run_cli(args, "check-config", "--config", fifo)
    check(out.returncode == 1,
          f"check-config on a FIFO: exit {out.returncode}, {out.stderr}")
    check("not a regular file (a FIFO)" in out.stderr, out.stderr)
    print(f"check-config on a FIFO: refused in "
          f"{(time.monotonic() - t0) * 1000:.0f} ms: {out.stderr.strip()}")

    loose = os.path.join(d, "loose.yaml")
    with open(loose, "w") as f:
        f.write("log_level: info\n")
    os.chmod(loose, 0o666)
    out = run_cli(args, "check-config", "--config", loose)
    check(out.returncode == 1 and "writable by every user" in out.stderr,
          f"world-writable config: exit {out.returncode}, {out.stderr}")
    os.chmod(loose, 0o644)
    out = run_cli(args, "check-config", "--config", loose)
    check(out.returncode == 0, f"same file 0644: {out.stderr}")

    nul = os.path.join(d, "nul.yaml")
    with open(nul, "wb") as f:
        f.write(b"log_level: info\nengine:\n  queue_capacity: 40\x0096\n")
    out = run_cli(args, "check-config", "--config", nul)
    check(out.returncode == 2 and "NUL byte at line 3, column 21" in out.stderr,
          f"NUL byte: exit {out.returncode}, {out.stderr}")
    shutil.rmtree(d)


QUIET = """
device:
  id: faults-itest
state_dir: @DIR@/state
engine:
  heartbeat_interval: 1s
collectors:
  process:
    enabled: false
  network:
    enabled: false
  login:
    enabled: false
posture:
  enabled: false
intel:
  path: @DIR@/intel.bin
sinks:
  jsonl:
    path: @DIR@/state/events.jsonl
"""


def symlinked_state(args):
    d = tempfile.mkdtemp(prefix="picket-faults-")
    state = os.path.join(d, "state")
    os.mkdir(state, 0o700)
    victim = os.path.join(d, "victim")
    with open(victim, "w") as f:
        f.write("precious\n")
    os.chmod(victim, 0o644)
    os.symlink(victim, os.path.join(state, "events.jsonl"))
    agent = harness.Agent(args.picket, QUIET, workdir=d)
    time.sleep(1.5)
    check(agent.proc.poll() is None,
          f"agent died on a symlinked events.jsonl: {agent.stderr_text()}")
    agent.stop()
    with open(victim) as f:
        content = f.read()
    check(content == "precious\n", f"link target written: {content!r}")
    mode = os.stat(victim).st_mode & 0o777
    check(mode == 0o644, f"link target chmod-ed to {mode:o}")
    check("is a symbolic link" in agent.stderr_text(),
          f"refusal not reported: {agent.stderr_text()}")
    print("symlinked events.jsonl: refused, target untouched")

    # A state directory others can write, or a link to one: no start.
    for name, prepare in (
            ("world-writable", lambda p: (os.mkdir(p), os.chmod(p, 0o777))),
            ("symlinked", lambda p: os.symlink(state, p))):
        d2 = tempfile.mkdtemp(prefix="picket-faults-")
        prepare(os.path.join(d2, "state"))
        agent = harness.Agent(args.picket, QUIET, workdir=d2)
        try:
            rc = agent.proc.wait(10)
        except subprocess.TimeoutExpired:
            agent.proc.kill()
            harness.fail(f"agent started on a {name} state directory")
        err = agent.stderr_text()
        check(rc != 0 and "state_dir" in err, f"{name}: exit {rc}, {err}")
        print(f"{name} state directory: refused (exit {rc}): "
              f"{err.strip().splitlines()[-1]}")
        shutil.rmtree(d2)
    shutil.rmtree(d)


def remote_config(args):
    try:
        mh.require_mqtt_tools(args.picket)
    except SystemExit:
        print("remote configuration part skipped (see above)")
        return
    root = tempfile.mkdtemp(prefix="picket-faults-")
    broker = mh.Broker(os.path.join(root, "broker"))
    rx = mh.Receiver(broker.port)
    topic = "picket/cam-01/config"
    workdir = tempfile.mkdtemp(prefix="picket-faults-")
    fifo = os.path.join(workdir, "intel.fifo")
    os.mkfifo(fifo)
    open(os.path.join(workdir, "auth.log"), "w").close()
    config = mh.agent_config(f"""    enabled: true
    host: 127.0.0.1
    port: {broker.port}
    reconnect_min: 200ms
    reconnect_max: 1s
    batch:
      high: 200ms
""")
    try:
        rx.publish(topic, json.dumps(
            {"version": 1, "collectors": {"network": {
                "capture_buffer": "1GiB"}}}), retain=True)
        agent = harness.Agent(args.picket, config, workdir=workdir)
        m = rx.wait(lambda m: m["topic"] == topic + "/report"
                    and json.loads(m["payload"]).get("version") == "1", 10,
                    "the report on the 1 GiB capture ring")
        r = json.loads(m["payload"])
        check(r["status"] == "rejected"
              and r["errors"][0]["field"] == "collectors.network.capture_buffer"
              and "in a remote configuration" in r["errors"][0]["error"],
              f"1 GiB capture ring: {r}")
        print(f"remote 1 GiB capture ring: rejected ({r['errors'][0]})")

        rx.publish(topic, json.dumps({"version": 2, "intel": {"path": fifo}}),
                   retain=True)
        rx.wait(lambda m: m["topic"] == topic + "/report"
                and json.loads(m["payload"]).get("version") == "2", 10,
                "the report on the FIFO intel path")
        applied = time.monotonic()
        agent.wait_for(lambda e: e["type"] == "agent.status"
                       and e["payload"]["component"] == "agent"
                       and e["payload"]["state"] == "intel"
                       and "not a regular file (a FIFO)"
                       in e["payload"]["detail"], 5,
                       "the intel FIFO refused")
        # Still alive: heartbeats keep coming after the FIFO was named.
        agent.wait_for(lambda e: e["type"] == "agent.heartbeat"
                       and e["payload"].get("config_version") == "2"
                       and time.monotonic() > applied + 1.5, 5,
                       "a heartbeat after the FIFO intel path")
        t0 = time.monotonic()
        rc = agent.stop(timeout=10)
        check(rc == 0, f"exit {rc} after SIGTERM")
        print(f"remote FIFO intel path: refused, heartbeats go on, SIGTERM "
              f"honoured in {(time.monotonic() - t0) * 1000:.0f} ms")

        # The stored document is in force at the next start: no hang there
        # either, even without a broker.
        broker.stop()
        os.rename(agent.jsonl, agent.jsonl + ".first-run")
        again = harness.Agent(args.picket, config, workdir=workdir)
        again.wait_for(lambda e: e["type"] == "agent.status"
                       and e["payload"]["state"] == "intel"
                       and "a FIFO" in e["payload"]["detail"], 10,
                       "the FIFO refused at restart")
        rc = again.stop(timeout=10)
        check(rc == 0, f"restart: exit {rc}: {again.stderr_text()}")
        print("restart on the stored FIFO path: refused, clean stop")
    finally:
        rx.close()
        broker.stop()


INTEL = """
device:
  id: faults-intel
state_dir: @DIR@
engine:
  alert_dedup_window: 0
collectors:
  process:
    enabled: false
  login:
    enabled: false
  network:
    socket_poll_interval: 500ms
posture:
  enabled: false
intel:
  path: @DIR@/intel.bin
  reload_check_interval: 1s
sinks:
  jsonl:
    path: @DIR@/events.jsonl
"""


def compile_feed(args, d, name, cidr):
    feed = os.path.join(d, f"{name}.netset")
    with open(feed, "w") as f:
        f.write(f"{cidr}\n")
    out_path = os.path.join(d, f"{name}.bin")
    out = subprocess.run(
        [args.picket, "intel", "compile", "--keep-special",  # loopback CIDRs
         f"{feed}::{name}:botnet_c2", "-o", out_path],
        capture_output=True, text=True)
    check(out.returncode == 0, f"compile {name}: {out.stderr}")
    with open(out_path, "rb") as f:
        return f.read()


def in_place(path, data):
    # What cp(1) does to an existing file: truncate it, write into it.
    with open(path, "r+b") as f:
        f.truncate(0)
        f.write(data)


def intel_rewrite(args):
    if os.geteuid() != 0:
        print("intel rewrite part skipped: packet capture needs root")
        return
    d = tempfile.mkdtemp(prefix="picket-faults-")
    first = compile_feed(args, d, "first", "127.66.0.0/16")
    second = compile_feed(args, d, "second", "127.77.0.0/16")
    intel = os.path.join(d, "intel.bin")
    with open(intel, "wb") as f:
        f.write(first)
    inode = os.stat(intel).st_ino
    agent = harness.Agent(args.picket, INTEL, workdir=d)
    stop = threading.Event()
    made = [0]

    def load():
        # Connection attempts to listed addresses: every one is looked up.
        i = 0
        while not stop.is_set():
            i += 1
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.sendto(b"x", (f"127.66.{i % 250}.{i % 200 + 1}", 9))
            s.sendto(b"x", (f"127.77.{i % 250}.{i % 200 + 1}", 9))
            s.close()
            made[0] += 2
            time.sleep(0.002)

    try:
        agent.wait_for(lambda e: e["type"] == "agent.status"
                       and e["payload"]["state"] == "intel"
                       and "loaded" in e["payload"]["detail"], 5,
                       "the first intel file loaded")
        t = threading.Thread(target=load, daemon=True)
        t.start()
        for _ in range(4):
            in_place(intel, second)
            time.sleep(0.3)
            os.truncate(intel, 0)
            time.sleep(1.3)
            in_place(intel, second[:len(second) // 2])
            time.sleep(1.3)
            check(agent.proc.poll() is None,
                  f"agent died ({agent.proc.returncode}) with the intel file "
                  f"rewritten in place: {agent.stderr_text()}")
        stop.set()
        t.join()
        in_place(intel, second)
        check(os.stat(intel).st_ino == inode, "the file was replaced, not "
              "rewritten in place")
        agent.wait_for(lambda e: e["type"] == "agent.status"
                       and e["payload"]["state"] == "intel"
                       and e["payload"]["detail"].startswith("reloaded"), 5,
                       "the file finished in place reloaded")
        # An address the load never used (its third byte stays below 250).
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"x", ("127.77.250.7", 9))
        s.close()
        agent.wait_for(lambda e: e["type"] == "alert"
                       and e["payload"]["alert"] == "intel.connection"
                       and e["payload"]["details"].get("remote_address")
                       == "127.77.250.7", 5,
                       "an alert from the intel file finished in place")
        check(agent.proc.poll() is None, "agent died")
        refused = [e for e in agent.events if e["type"] == "agent.status"
                   and e["payload"]["state"] == "intel"
                   and "refused" in e["payload"]["detail"]]
        print(f"intel rewritten in place 4 times (truncate, half file) under "
              f"{made[0]} lookups: agent alive, {len(refused)} replacements "
              f"refused, the finished file in service")
        check(agent.stop() == 0, "unclean stop")
    finally:
        stop.set()
        if agent.proc.poll() is None:
            agent.proc.kill()


def main():
    args = harness.parse_args()
    config_files(args)
    symlinked_state(args)
    remote_config(args)
    intel_rewrite(args)
    print("faults: all passed")


if __name__ == "__main__":
    main()
