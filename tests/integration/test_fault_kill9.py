"""kill -9 at random moments while auth lines keep coming: every attempt
written to the log is reported, and an attempt read again after a crash
carries the id it had before, so a receiver that drops duplicates by id
stores each attempt once.

The agent follows one syslog file (the login collector, JSONL sink, brute
force on). A writer appends two-line sshd attempts (see fault_harness.py)
at a steady pace, also while the agent is down; the agent is killed with
SIGKILL 12 times, 0.3 to 1.5 s apart, and restarted on the same state each
time. At the end every attempt must have at least one login.failure event
(lost = 0) and all of an attempt's events must share one id (re-emitted
under a new id = 0); duplicates by id are allowed and reported. Alerts
raised again from the same evidence must keep their id too. Needs no root.
"""

import os
import random
import time

import fault_harness as fh
import harness

KILLS = 12

CONFIG = harness.login_only_config(
    "itest-fault-kill9", engine="  statistics_interval: 1s\n",
    sinks="  jsonl:\n    path: @DIR@/events.jsonl\n    max_size: 64MiB\n")


def main():
    args = harness.parse_args()
    rng = random.Random(int(os.environ.get("PICKET_FAULT_SEED", "6")))
    agent = harness.Agent(args.picket, CONFIG)
    d = agent.dir
    log = os.path.join(d, "auth.log")
    open(log, "w").close()
    writer = fh.AttemptWriter(log, rate=60, seed=rng.random())
    try:
        agent.wait_for(lambda e: e["type"] == "agent.status"
                       and e["payload"]["component"] == "collector.login"
                       and e["payload"]["state"] == "mode", 10,
                       "the login collector")
        writer.start()
        for i in range(KILLS):
            fh.random_pause(rng, 0.3, 1.5)
            fh.kill9(agent.proc)
            # Down for a moment: lines keep arriving meanwhile.
            fh.random_pause(rng, 0.0, 0.3)
            agent = harness.Agent(args.picket, CONFIG, workdir=d)
        time.sleep(1)
        writer.stop()
        users = writer.users()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            got = fh.account(fh.jsonl_events(agent.jsonl), users)
            if not got["lost"]:
                break
            time.sleep(0.2)
        agent.stop()
        events = fh.jsonl_events(agent.jsonl)
        got = fh.account(events, users)
        alerts = fh.account_alerts(events)
        print(f"{KILLS} kills, {len(users)} attempts, {got['events']} "
              f"failure events ({got['unique']} distinct ids): lost "
              f"{len(got['lost'])}, duplicated by id "
              f"{got['duplicated_by_id']}, re-emitted under a new id "
              f"{len(got['new_id'])}; {alerts['alerts']} alerts, "
              f"{len(alerts['new_id'])} raised again under a new id")
        harness.check(not got["lost"],
                      f"{len(got['lost'])} attempt(s) never reported, e.g. "
                      f"{got['lost'][:5]}")
        example = [(u, sorted(got["ids_of"][u])) for u in got["new_id"][:3]]
        harness.check(not got["new_id"],
                      f"{len(got['new_id'])} attempt(s) of {len(users)} "
                      f"reported under more than one id, e.g. {example}")
        harness.check(not alerts["new_id"],
                      f"alerts raised again under a new id: "
                      f"{alerts['new_id'][:3]}")
        # The kills did hit the agent mid-stream: something was read twice.
        harness.check(got["duplicated_by_id"] + len(got["new_id"]) > 0,
                      "no line was read twice: the kills came too late to "
                      "test anything")
    finally:
        writer.stop()
        if agent.proc.poll() is None:
            agent.proc.kill()


if __name__ == "__main__":
    main()
