#!/usr/bin/python3
"""Render a LAVA device dictionary into the device configuration lava-run
reads, as a LAVA server does for each job.

    device.py DICT.jinja2 --templates DIR --job JOB.yaml --out DEVICE.yaml [--qemu PATH]

DICT is one of tools/lava/devices/*.jinja2 (or a lab's own); DIR holds the
stock device-type templates (Debian's lava-server package,
usr/share/lava-server/device-types). The job's "context" is passed to the
template, as the server passes it: the QEMU device takes its arch, machine,
cpu, memory and extra_options from there. --qemu replaces the QEMU binary
of the qemu boot method (the test tier's stand-ins use it).
"""

import argparse
import os
import sys


def render(dictionary, templates, context=None):
    """The device configuration (YAML text) of a device dictionary."""
    import jinja2
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([os.path.dirname(os.path.abspath(dictionary)), templates]),
        trim_blocks=True, autoescape=False)
    return env.get_template(os.path.basename(dictionary)).render(**(context or {}))


def set_qemu(config_text, qemu):
    """config_text with the qemu boot method's command replaced by qemu."""
    import yaml
    conf = yaml.safe_load(config_text)
    conf["actions"]["boot"]["methods"]["qemu"]["parameters"]["command"] = qemu
    return yaml.safe_dump(conf, sort_keys=False)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("dictionary")
    p.add_argument("--templates", required=True)
    p.add_argument("--job", help="job definition whose context the template gets")
    p.add_argument("--qemu", help="QEMU binary for the qemu boot method")
    p.add_argument("--out", required=True)
    a = p.parse_args(argv)
    import yaml
    context = {}
    if a.job:
        with open(a.job) as f:
            context = (yaml.safe_load(f) or {}).get("context", {}) or {}
    if not os.path.isdir(a.templates):
        print(f"device.py: no device-type templates in {a.templates}", file=sys.stderr)
        return 1
    text = render(a.dictionary, a.templates, context)
    if a.qemu:
        text = set_qemu(text, a.qemu)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
