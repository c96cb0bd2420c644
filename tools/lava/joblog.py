"""LAVA job logs: the console and the results inside them.

A job log is a list of records, one a line. lava-run writes each as a JSON
object on stderr; a LAVA server stores and serves (lavacli jobs logs
--raw) the same records as a YAML list, one "- {...}" flow mapping a line:

    - {"dt": "2026-11-28T23:33:51.98", "lvl": "target", "msg": "KTAP version 1"}
    - {"dt": "...", "lvl": "results", "msg": {"case": "done", "definition":
       "faultline", "result": "pass", ...}}

"target" records are the device's console lines, "results" records the
test cases the monitors and LAVA itself recorded. Python 3 standard
library, plus PyYAML for records that are not JSON.
"""

import json


def is_lava_log(head):
    """True if head (the first bytes of a file) starts a LAVA job log."""
    for line in head.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if line:
            return line.startswith("- {") or line.startswith('{"dt"')
    return False


def parse_record(line):
    """One record of a log line as a dict, or None for a blank line.
    Raises ValueError for a line that is not a record."""
    line = line.strip()
    if not line:
        return None
    if line.startswith("- "):
        line = line[2:]
    try:
        rec = json.loads(line)
    except json.JSONDecodeError:
        try:
            import yaml
            rec = yaml.safe_load(line)
        except Exception as e:     # yaml's errors, or no PyYAML
            raise ValueError(f"not a LAVA log record: {line[:60]!r}") from e
    if not isinstance(rec, dict) or "lvl" not in rec:
        raise ValueError(f"not a LAVA log record: {line[:60]!r}")
    return rec


def records(path):
    """Every record of the log at path, in order."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            try:
                rec = parse_record(line)
            except ValueError as e:
                raise ValueError(f"{path}:{n}: {e}") from None
            if rec is not None:
                yield rec


def console_lines(path):
    """The device's console, one line a string, as the log recorded it."""
    for rec in records(path):
        if rec["lvl"] == "target":
            msg = rec.get("msg", "")
            yield msg if isinstance(msg, str) else str(msg)


def results(path):
    """Every results record's msg (dicts with definition, case, result and,
    for measurements, measurement and units)."""
    return [rec["msg"] for rec in records(path)
            if rec["lvl"] == "results" and isinstance(rec.get("msg"), dict)]


def job_result(res):
    """The job's own result ("pass"/"fail"; None if the log has none) and
    its error message."""
    for r in res:
        if r.get("definition") == "lava" and r.get("case") == "job":
            return r.get("result"), r.get("error_msg", "")
    return None, ""


def faultline_results(res):
    """The results the faultline monitors recorded (definitions faultline*)."""
    return [r for r in res if str(r.get("definition", "")).startswith("faultline")]
