#!/usr/bin/python3
"""Submit faultline's jobs to a LAVA server with lavacli and collect their
logs and results (docs/farm.md).

    farm.py submit -i IDENTITY JOB.yaml...  [--state FILE]
    farm.py collect -i IDENTITY [--state FILE] [--logs DIR] [--results DIR]

submit sends each job (lavacli jobs submit) and records "<id> <job file>"
lines in the state file (default build/lava/farm/jobs.txt). collect waits
for each job (lavacli jobs wait), fetches its log (lavacli jobs logs --raw)
into DIR/<id>.log and extracts its CSV blocks, exactly as from a serial
log, into RESULTS/<board>/ (board from the log's boot report), so a lab's
runs land in results/<board>/ beside the others, their rows with mode=hw.

IDENTITY is a lavacli identity (~/.config/lavacli.yaml: server URL, user,
token). No server is reachable from the machine this was written on, so
the lavacli calls go through one function (Lavacli.call) that the tests
replace: the job and collect logic is tested offline (tests/lava/), the
calls themselves only against a real server.
"""

import argparse
import os
import re
import subprocess
import sys

from . import joblog
from .. import console

DEFAULT_STATE = "build/lava/farm/jobs.txt"


class Lavacli:
    """lavacli with one identity; call() runs it and returns its stdout."""

    def __init__(self, identity, runner=None):
        self.identity = identity
        self.runner = runner or self._run

    @staticmethod
    def _run(argv):
        return subprocess.run(argv, check=True, capture_output=True, text=True).stdout

    def call(self, *args):
        return self.runner(["lavacli", "-i", self.identity] + list(args))

    def submit(self, path):
        """Submit one job file; returns its job ids (multinode jobs have several)."""
        out = self.call("jobs", "submit", path)
        ids = re.findall(r"^\s*(\d+(?:\.\d+)?)\s*$", out, re.M)
        if not ids:
            raise RuntimeError(f"lavacli jobs submit {path}: no job id in {out.strip()!r}")
        return ids

    def wait(self, job_id):
        self.call("jobs", "wait", job_id)

    def log(self, job_id):
        return self.call("jobs", "logs", "--raw", job_id)


def read_state(path):
    """[(job id, job file)] recorded by submit."""
    out = []
    with open(path) as f:
        for line in f:
            if line.strip():
                job_id, _, job = line.strip().partition(" ")
                out.append((job_id, job))
    return out


def submit(cli, jobs, state):
    """Submit every job file and append its ids to state; returns the ids."""
    os.makedirs(os.path.dirname(os.path.abspath(state)), exist_ok=True)
    ids = []
    with open(state, "a") as f:
        for job in jobs:
            for job_id in cli.submit(job):
                f.write(f"{job_id} {job}\n")
                ids.append(job_id)
                print(f"submitted {job}: job {job_id}")
    return ids


def board_of(log_path):
    """The board= field of the boot report in a job log, or None."""
    for line in joblog.console_lines(log_path):
        if line.startswith("faultline: boot "):
            m = re.search(r"\bboard=(\S+)", line)
            return m.group(1) if m else None
    return None


def collect(cli, state, logs, results):
    """Wait for every job of state, save its log, extract its CSV blocks
    into results/<board>/. Returns [(job id, job result, board, csv files)]."""
    os.makedirs(logs, exist_ok=True)
    out = []
    for job_id, job in read_state(state):
        cli.wait(job_id)
        path = os.path.join(logs, f"{job_id}.log")
        with open(path, "w") as f:
            f.write(cli.log(job_id))
        res = joblog.results(path)
        verdict, err = joblog.job_result(res)
        board = board_of(path)
        files = []
        if board:
            con = console.extract(path, os.path.join(results, board))
            files = con.csv_files
        print(f"job {job_id} ({job}): {verdict or 'no result'}{': ' + err if err else ''}, "
              f"board {board or '?'}, {len(files)} CSV file(s)")
        out.append((job_id, verdict, board, files))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("submit")
    s.add_argument("jobs", nargs="+")
    c = sub.add_parser("collect")
    c.add_argument("--logs", default="build/lava/farm/logs")
    c.add_argument("--results", default="results")
    for q in (s, c):
        q.add_argument("-i", "--identity", required=True)
        q.add_argument("--state", default=DEFAULT_STATE)
    a = p.parse_args(argv)
    cli = Lavacli(a.identity)
    if a.cmd == "submit":
        submit(cli, a.jobs, a.state)
        return 0
    got = collect(cli, a.state, a.logs, a.results)
    return 0 if got and all(v == "pass" for _, v, _, _ in got) else 1


if __name__ == "__main__":
    sys.exit(main())
