#!/usr/bin/env python3
"""Time the full rehearsal against the bare three applies, in the same run, and print both with their ratio.

    .venv/bin/python scripts/benchmark_rehearsal.py [--data DIR] [--config FILE] [--repeat N]

Both are measured the same way, as a user runs them: a fresh `python -m rehearsal` process each, wall clock
from start to exit (emulator start, deployer package, terraform init/apply of shared -> training | production,
teardown). "bare" adds `--apply-only`; "full" also runs the pipeline (Source, Train with real XGBoost,
Approve,
Deploy through the real deployer, Score). Runs alternate (bare, full, bare, full, ...) so that machine
load hits
both alike; the best of each is reported. Warm means: providers already installed in build/rehearsal/<ws>/
(the first run of a fresh clone also installs them; run once before measuring).
Targets (issue 4, 2-core machine, warm): full <= 60 s and full <= 1.5 x bare.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], workspace: str) -> tuple[float, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "pipeline"))
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "rehearsal", "--workspace", workspace, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(
            f"python -m rehearsal {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return seconds, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--config", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--workspace", default="benchmark")
    args = parser.parse_args()
    extra = []
    if args.data:
        extra += ["--data", str(args.data.resolve())]
    if args.config:
        extra += ["--config", str(args.config.resolve())]
    bare, full, output = [], [], ""
    for index in range(args.repeat):
        seconds, _ = run(["--apply-only"], args.workspace)
        bare.append(seconds)
        print(f"run {index + 1}: bare applies {seconds:6.1f} s", flush=True)
        seconds, output = run(extra, args.workspace)
        full.append(seconds)
        print(f"run {index + 1}: full rehearsal {seconds:6.1f} s", flush=True)
    best_bare, best_full = min(bare), min(full)
    print()
    for line in output.splitlines():
        if re.match(r"\s+(metric|score|applied|Apply|Source|Train|Approve|Deploy|Score)\b", line):
            print(line)
    print(f"\nbare three applies : {best_bare:6.1f} s")
    print(f"full rehearsal     : {best_full:6.1f} s")
    print(f"ratio full / bare  : {best_full / best_bare:6.2f}  (target <= 1.5; full target <= 60 s)")
    print(f"pipeline overhead  : {best_full - best_bare:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
