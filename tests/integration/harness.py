"""Shared helpers for picket's integration tests.

Each test is a plain Python 3 script run by CTest with
`--picket PATH --source-dir DIR`. Exit code 77 means skipped (CTest shows it
as such); any failed assertion exits non-zero with a message.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--picket", required=True)
    p.add_argument("--source-dir", required=True)
    return p.parse_args()


def require_root(what):
    if os.geteuid() != 0:
        print(f"SKIPPED: {what} needs root (run as root; CI does)", flush=True)
        sys.exit(SKIP)


def fail(msg):
    print(f"FAIL: {msg}", flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


class Agent:
    """A real `picket run` process writing JSONL into a temporary directory."""

    def __init__(self, picket, config_text, workdir=None, extra_args=(),
                 wrapper=()):
        self.dir = workdir or tempfile.mkdtemp(prefix="picket-it-")
        self.jsonl = os.path.join(self.dir, "events.jsonl")
        self.config = os.path.join(self.dir, "picket.yaml")
        self.write_config(config_text)
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        cmd = [picket, "run", "--config", self.config, *extra_args]
        cmd = [*wrapper, *cmd]
        self.stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                     stderr=self.stderr)
        self._offset = 0
        self.events = []

    def write_config(self, text):
        text = text.replace("@DIR@", self.dir)
        with open(self.config, "w") as f:
            f.write(text)

    def read_new(self):
        """Parses the JSON lines appended since the last call."""
        try:
            with open(self.jsonl, "rb") as f:
                f.seek(self._offset)
                data = f.read()
        except FileNotFoundError:
            return []
        end = data.rfind(b"\n")
        if end < 0:
            return []
        self._offset += end + 1
        new = [json.loads(line) for line in data[:end].split(b"\n") if line]
        self.events.extend(new)
        return new

    def wait_for(self, pred, timeout, what):
        """Returns the first event satisfying pred, seen within timeout."""
        deadline = time.monotonic() + timeout
        for e in self.events:
            if pred(e):
                return e
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                fail(f"agent exited ({self.proc.returncode}) while waiting "
                     f"for {what}; stderr:\n{self.stderr_text()}")
            for e in self.read_new():
                if pred(e):
                    return e
            time.sleep(0.02)
        fail(f"timed out after {timeout}s waiting for {what}")

    def stderr_text(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode(errors="replace")

    def signal(self, signo):
        self.proc.send_signal(signo)

    def stop(self, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail("agent did not stop within %ds of SIGTERM" % timeout)
        self.read_new()
        return rc


def login_only_config(device, engine, sinks, extra=""):
    """A configuration whose only event source is an auth log the test
    writes (@DIR@/auth.log), read from its beginning, with brute force
    alerting at 5 failures. `engine` and `sinks` are the lines of those
    sections (indented by two), `extra` more top-level sections."""
    return f"""
device:
  id: {device}
state_dir: @DIR@/state
engine:
{engine}collectors:
  process:
    enabled: false
  network:
    enabled: false
  login:
    journal: "off"
    syslog: "on"
    syslog_files:
      - @DIR@/auth.log
    utmp: "off"
    start_at: beginning
    recheck_interval: 100ms
posture:
  enabled: false
detectors:
  brute_force:
    capacity: 5
sinks:
{sinks}{extra}"""


def is_alert(e, type_id):
    return e["type"] == "alert" and e["payload"]["alert"] == type_id


def evidence_pid(e):
    return e["payload"]["evidence"]["payload"]["process"]["pid"]
