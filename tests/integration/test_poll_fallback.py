"""Where the proc connector cannot be used (a container: its own network
namespace), the agent must say so, fall back to polling /proc, and still
report new processes.

Runs the real agent in a new network namespace (`unshare --net`, root).
"""

import subprocess

import harness

CONFIG = """
device:
  id: poll-device
state_dir: @DIR@
collectors:
  process:
    poll_interval: 200ms
    hash_executables: true
sinks:
  jsonl:
    path: @DIR@/events.jsonl
"""


def main():
    args = harness.parse_args()
    harness.require_root("creating a network namespace")
    agent = harness.Agent(args.picket, CONFIG,
                          wrapper=["unshare", "--net"])
    try:
        mode = agent.wait_for(
            lambda e: e["type"] == "agent.status"
            and e["payload"]["state"] == "mode", 10, "mode status")
        detail = mode["payload"]["detail"]
        harness.check("polling /proc" in detail
                      and "proc connector unavailable" in detail,
                      f"fallback reported with its reason: {detail}")
        s = subprocess.Popen(["/bin/sleep", "3"])
        e = agent.wait_for(lambda e: e["type"] == "process.exec"
                           and e["payload"]["process"]["pid"] == s.pid, 5,
                           "polled exec of sleep")
        harness.check(e["payload"]["source"] == "poll", "source is poll")
        harness.check(e["payload"]["process"]["argv"] == ["/bin/sleep", "3"],
                      "argv read by polling")
        s.kill()
        s.wait()
        agent.wait_for(lambda e: e["type"] == "process.exit"
                       and e["payload"]["process"]["pid"] == s.pid, 5,
                       "polled exit of sleep")
        rc = agent.stop()
        harness.check(rc == 0, f"clean stop, rc {rc}")
        print("PASS")
    finally:
        if agent.proc.poll() is None:
            agent.proc.kill()


if __name__ == "__main__":
    main()
