#!/usr/bin/python3
"""Run a LAVA job on this machine with Debian's lava-dispatcher, no server
(make lava), and judge it from LAVA's own log.

    run.py JOB.yaml --device DICT.jinja2 --templates DIR --dispatcher DISP.yaml
           --out DIR [--qemu PATH] [--timeout S] [--validate]

The device dictionary is rendered with the job's context (device.py) into
DIR/device.yaml; lava-run (as root) writes its log records to DIR/job.log.
The summary line gives the job's result and the faultline monitors'
cases. Exit 0 only when the job passed, the "done" case is there and
passed, and no faultline case failed; --validate only checks the job
against the device (lava-run --validate).
"""

import argparse
import os
import subprocess
import sys
import time

from . import device, joblog

LAVA_TMP = "/var/lib/lava/dispatcher/tmp"


def summarize(res):
    """(lines, ok): a human summary of a job's results and its verdict."""
    job, err = joblog.job_result(res)
    ours = joblog.faultline_results(res)
    lines, ok = [], job == "pass"
    by_def = {}
    for r in ours:
        by_def.setdefault(r["definition"], []).append(r)
    for d, rs in sorted(by_def.items()):
        bad = [r["case"] for r in rs if r.get("result") != "pass"]
        meas = sum(1 for r in rs if "measurement" in r)
        text = f"{d}: {len(rs) - len(bad)} pass, {len(bad)} fail"
        if meas:
            text += f", {meas} with a measurement"
        if bad:
            text += " (" + ", ".join(bad[:8]) + (", ..." if len(bad) > 8 else "") + ")"
            ok = False
        lines.append(text)
    done = [r for r in ours if r.get("case") == "done"]
    if not done:
        lines.append("no 'done' case: the console never reached faultline's done line")
        ok = False
    lines.insert(0, f"job {job or 'without a result'}" + (f": {err}" if err else ""))
    return lines, ok


def run(job, dictionary, templates, dispatcher, out, qemu=None, timeout=600, validate=False):
    """Run (or validate) one job; returns (exit code of lava-run, log path)."""
    import yaml
    os.makedirs(out, exist_ok=True)
    with open(job) as f:
        context = (yaml.safe_load(f) or {}).get("context", {}) or {}
    text = device.render(dictionary, templates, context)
    if qemu:
        text = device.set_qemu(text, qemu)
    dev = os.path.join(out, "device.yaml")
    with open(dev, "w") as f:
        f.write(text)
    logpath = os.path.join(out, "job.log")
    os.makedirs(LAVA_TMP, exist_ok=True)
    cmd = ["lava-run", "--job-id", str(os.getpid()), "--output-dir", os.path.join(out, "lava"),
           "--device", dev, "--dispatcher", dispatcher]
    if validate:
        cmd.append("--validate")
    with open(logpath, "w") as logf:
        try:
            code = subprocess.run(cmd + [job], stdout=subprocess.DEVNULL, stderr=logf,
                                  timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            code = -1
            logf.write('{"dt": "", "lvl": "error", "msg": "lava-run killed at the timeout"}\n')
    return code, logpath


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("job")
    p.add_argument("--device", required=True, help="device dictionary (.jinja2)")
    p.add_argument("--templates", required=True, help="stock device-type templates")
    p.add_argument("--dispatcher", required=True, help="dispatcher configuration")
    p.add_argument("--out", required=True, help="directory for device.yaml and job.log")
    p.add_argument("--qemu", help="QEMU binary for the qemu boot method")
    p.add_argument("--timeout", type=float, default=900, help="seconds for lava-run")
    p.add_argument("--validate", action="store_true")
    p.add_argument("--name", help="label of the result line")
    a = p.parse_args(argv)
    label = a.name or os.path.basename(a.job)
    if os.geteuid() != 0:
        print("lava: lava-run runs as root (it needs /var/lib/lava and /srv/tftp)",
              file=sys.stderr)
        return 1
    t0 = time.monotonic()
    code, logpath = run(a.job, a.device, a.templates, a.dispatcher, a.out, a.qemu,
                        a.timeout, a.validate)
    elapsed = time.monotonic() - t0
    res = joblog.results(logpath)
    if a.validate:
        ok = code == 0 and any(r.get("case") == "validate" and r.get("result") == "pass"
                               for r in res)
        _, err = joblog.job_result(res)
        print(f"{'PASS' if ok else 'FAIL'} {label}: lava-run --validate "
              f"{'passed' if ok else 'failed: ' + (err or f'exit {code}')} ({elapsed:.1f} s)")
        return 0 if ok else 1
    lines, ok = summarize(res)
    print(f"{'PASS' if ok else 'FAIL'} {label}: {lines[0]} ({elapsed:.1f} s, log {logpath})")
    for line in lines[1:]:
        print(f"     {line}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
