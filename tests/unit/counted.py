"""Run one test module's unittest cases as a tier step: with
`--count FILE`, also write "<passed> <failed>" there (tools/tier.sh adds
it to the tier's count)."""

import sys
import unittest


def main(module_name, argv=None):
    """Run every test of module_name; 0 if all passed, else 1."""
    args = sys.argv[1:] if argv is None else argv
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[module_name])
    result = unittest.TextTestRunner(verbosity=1).run(suite)
    failed = len(result.failures) + len(result.errors)
    if args[:1] == ["--count"]:
        with open(args[1], "w") as f:
            f.write(f"{result.testsRun - failed} {failed}\n")
    return 0 if result.wasSuccessful() else 1
