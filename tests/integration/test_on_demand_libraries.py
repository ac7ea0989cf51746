"""The optional libraries (libnettle, libcrypto, libpcap, libmosquitto with
libssl, libzstd, libsystemd) are opened when the part that needs them starts, never
by a command or configuration that does not use them, and the parts work
when they do load them.

Runs the real binary; the dynamic loader's own trace (LD_DEBUG=files) and the
agent's /proc/<pid>/maps say what was mapped. No root needed.
"""

import hashlib
import os
import subprocess
import tempfile
import time

import harness

ON_DEMAND = ("libnettle.so", "libcrypto.so", "libssl.so", "libpcap.so",
             "libmosquitto.so", "libzstd.so", "libsystemd.so")

AGENT_CONFIG = """
device:
  id: on-demand
state_dir: @DIR@
collectors:
  process:
    poll_interval: 200ms
    hash_executables: true
  network:
    enabled: false
  login:
    enabled: false
posture:
  enabled: false
sinks:
  jsonl:
    path: @DIR@/events.jsonl
"""


def loaded_libraries(picket, *args):
    """Runs picket with LD_DEBUG=files; returns (exit code, stdout, {library
    file name: what opened it}), the latter "dlopen" for a library the binary
    opened itself and the needing object's name for a dependency."""
    env = dict(os.environ, LD_DEBUG="files")
    p = subprocess.run([picket, *args], capture_output=True, text=True,
                       env=env, timeout=60)
    libs = {}
    for line in p.stderr.splitlines():
        # "  1234:\tfile=libpcap.so.0.8 [0];  dynamically loaded by picket [0]"
        # "  1234:\tfile=libdbus-1.so.3 [0];  needed by libpcap.so.0.8 [0]"
        idx = line.find("file=")
        if idx < 0:
            continue
        name = line[idx + 5:].split()[0]
        if "dynamically loaded by" in line:
            libs[name] = "dlopen"
        else:
            libs.setdefault(name, line.rsplit("needed by", 1)[-1].split()[0]
                            if "needed by" in line else "?")
    return p.returncode, p.stdout, libs


def on_demand_in(libs):
    return sorted(l for l in libs if l.startswith(ON_DEMAND))


def mapped_libraries(pid):
    with open(f"/proc/{pid}/maps") as f:
        return {os.path.basename(line.split()[-1]) for line in f
                if len(line.split()) >= 6}


def main():
    args = harness.parse_args()
    check = harness.check
    picket = args.picket

    # The loader's trace must work here, or the checks below prove nothing.
    rc, _, libs = loaded_libraries(picket, "version")
    check(rc == 0 and any(l.startswith("libc.so") for l in libs),
          f"LD_DEBUG=files traces the loader: {sorted(libs)}")
    check(not on_demand_in(libs),
          f"`picket version` maps no optional library: {on_demand_in(libs)}")

    shipped = os.path.join(args.source_dir, "config", "picket.yaml")
    rc, _, libs = loaded_libraries(picket, "check-config", "--config",
                                   shipped)
    check(rc == 0, f"check-config of the shipped file: exit {rc}")
    check(not on_demand_in(libs),
          f"check-config maps no optional library: {on_demand_in(libs)}")

    # A full scan with the shipped policy on a fixture device.
    root = os.path.join(args.source_dir, "tests", "fixtures", "posture",
                        "weak")
    policy = os.path.join(args.source_dir, "src", "posture", "policies",
                          "picket-baseline.yaml")
    rc, out, libs = loaded_libraries(picket, "scan", "--policy", policy,
                                     "--root", root, "--format", "json")
    check(rc in (0, 3) and '"results"' in out, f"scan ran (3: checks failed): exit {rc}")
    check(not on_demand_in(libs),
          f"`picket scan` maps no optional library: {on_demand_in(libs)}")

    # Replaying a capture opens libpcap, and only it.
    pcap = os.path.join(args.source_dir, "..", "shared", "data", "traffic",
                        "slips", "icmp-portscan.pcap")
    if os.path.exists(pcap):
        out_dir = tempfile.mkdtemp(prefix="picket-ondemand-")
        rc, _, libs = loaded_libraries(
            picket, "replay", "--pcap", pcap, "--output",
            os.path.join(out_dir, "replay.jsonl"))
        check(rc == 0, f"replay ran: exit {rc}")
        opened = sorted(l for l, by in libs.items()
                        if by == "dlopen" and l.startswith(ON_DEMAND))
        check(len(opened) == 1 and opened[0].startswith("libpcap.so"),
              f"replay opens libpcap alone (and what it needs): {libs}")
        with open(os.path.join(out_dir, "replay.jsonl")) as f:
            check(sum(1 for _ in f) > 0, "replay wrote events")
    else:
        print(f"note: {pcap} absent, replay part skipped", flush=True)

    # The agent with the process collector hashes executables: libnettle is
    # mapped once it is needed and the hash is right; the parts it does not
    # run (capture, journal, MQTT with libcrypto) stay unmapped.
    agent = harness.Agent(picket, AGENT_CONFIG)
    try:
        agent.wait_for(lambda e: e["type"] == "agent.status"
                       and e["payload"]["state"] == "mode", 10,
                       "process collector mode")
        before = mapped_libraries(agent.proc.pid)
        # The worker hashes at idle priority, the running processes'
        # programs first: on a busy machine an exec may be released unhashed
        # after the 2 s wait (counted as hash_skipped). Some exec must carry
        # its hash.
        e = None
        sleepers = []
        for _ in range(5):
            sleeper = subprocess.Popen(["/bin/sleep", "3"])
            sleepers.append(sleeper)
            ev = agent.wait_for(
                lambda e, pid=sleeper.pid: e["type"] == "process.exec"
                and e["payload"]["process"]["pid"] == pid, 10, "exec of sleep")
            if ev["payload"]["process"].get("sha256"):
                e = ev
                break
        check(e is not None, "an exec of sleep with its hash")
        with open("/bin/sleep", "rb") as f:
            want = hashlib.sha256(f.read()).hexdigest()
        got = e["payload"]["process"]["sha256"]
        check(got == want, f"sha256 through the loaded libnettle: {got}")
        after = mapped_libraries(agent.proc.pid)
        check(any(l.startswith("libnettle.so") for l in after),
              f"libnettle mapped once hashing ran: {sorted(after)}")
        others = [l for l in after if l.startswith(ON_DEMAND)
                  and not l.startswith("libnettle.so")]
        check(not others, f"unused parts' libraries unmapped: {others}")
        unexpected = [l for l in before if l.startswith(ON_DEMAND)
                      and not l.startswith("libnettle.so")]
        check(not unexpected, f"nothing else mapped at start: {unexpected}")
        for sleeper in sleepers:
            sleeper.kill()
            sleeper.wait()
        rc = agent.stop()
        check(rc == 0, f"clean stop, rc {rc}")
    finally:
        if agent.proc.poll() is None:
            agent.proc.kill()
    print("PASS")


if __name__ == "__main__":
    main()
