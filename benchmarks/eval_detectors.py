"""Evaluate the code detectors on the generated PPO suite: recall on bugs, false positives on refactors.

Usage: .venv/bin/python benchmarks/eval_detectors.py [--verbose]
Builds one git repository per variant (baseline commit + variant commit) in a temporary directory,
runs the `code_detectors` analyzer, and prints the table that docs/detectors.md reproduces.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

# The suite lives in this checkout's tests/support; appended, so the installed investigator (or the one
# named on PYTHONPATH) is still the one evaluated.
sys.path.append(str(Path(__file__).resolve().parents[1]))

from tests.support.evalsuite import run_suite, summary_table


def main() -> int:
    verbose = "--verbose" in sys.argv
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="eval-detectors-") as tmp:
        outcomes = run_suite(tmp)
    print(summary_table(outcomes))
    print(f"Total wall time (repos + analysis): {time.perf_counter() - start:.1f} s")
    if verbose:
        for o in outcomes:
            print(f"\n## {o.variant.id} ({o.variant.kind}): {o.variant.description}")
            for line in o.top:
                print("   top:", line)
            for line in o.false_positives:
                print("   FP:", line)
    bugs = [o for o in outcomes if o.variant.kind == "bug"]
    recall = sum(o.recalled for o in bugs) / max(len(bugs), 1)
    fps = sum(len(o.false_positives) for o in outcomes if o.variant.kind == "refactor")
    return 0 if recall >= 0.95 and fps == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
