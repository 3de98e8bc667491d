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

Authorization (issue 9): each full run is made twice, with the emulator's authorizer (rehearsal.authz, as
`make demo` runs) and without it ("off": the authorizer still names each request's caller, which compat P1
needs, but evaluates no policy), and the non-apply time (total minus the Apply stage the rehearsal reports)
of both is printed. Target: enforcement adds at most 10 % to the non-apply time. --skip-bare leaves out the
bare applies.
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


# Without enforcement: every decision is "not covered", nothing is evaluated (benchmark only).
_WITHOUT_AUTHORIZATION = (
    "import runpy; from rehearsal import authz; "
    "authz.decide = lambda request: authz.Decision(True, False); "
    "runpy.run_module('rehearsal', run_name='__main__')"
)


def run(args: list[str], workspace: str, enforce: bool = True) -> tuple[float, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "pipeline"))
    started = time.monotonic()
    command = ["-m", "rehearsal"] if enforce else ["-c", _WITHOUT_AUTHORIZATION]
    done = subprocess.run(
        [sys.executable, *command, "--workspace", workspace, *args],
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
    parser.add_argument("--skip-bare", action="store_true", help="leave out the bare applies")
    args = parser.parse_args()
    extra = []
    if args.data:
        extra += ["--data", str(args.data.resolve())]
    if args.config:
        extra += ["--config", str(args.config.resolve())]
    bare, full, on, off, output = [], [], [], [], ""
    for index in range(args.repeat):
        if not args.skip_bare:
            seconds, _ = run(["--apply-only"], args.workspace)
            bare.append(seconds)
            print(f"run {index + 1}: bare applies {seconds:6.1f} s", flush=True)
        seconds, output = run(extra, args.workspace)
        full.append(seconds)
        on.append(non_apply(output))
        print(f"run {index + 1}: full rehearsal {seconds:6.1f} s, non-apply {on[-1]:5.1f} s", flush=True)
        seconds, unenforced = run(extra, args.workspace, enforce=False)
        off.append(non_apply(unenforced))
        print(
            f"run {index + 1}: without authorization {seconds:6.1f} s, non-apply {off[-1]:5.1f} s", flush=True
        )
    best_full = min(full)
    print()
    for line in output.splitlines():
        if re.match(r"\s+(metric|score|applied|authorized|Apply|Source|Train|Approve|Deploy|Score)\b", line):
            print(line)
    if bare:
        best_bare = min(bare)
        print(f"\nbare three applies : {best_bare:6.1f} s")
        print(f"full rehearsal     : {best_full:6.1f} s")
        print(f"ratio full / bare  : {best_full / best_bare:6.2f}  (target <= 1.5; full target <= 60 s)")
        print(f"pipeline overhead  : {best_full - best_bare:6.1f} s")
    best_on, best_off = min(on), min(off)
    print(f"\nnon-apply time, enforcement on  : {best_on:6.1f} s")
    print(f"non-apply time, enforcement off : {best_off:6.1f} s")
    print(f"enforcement adds                : {100 * (best_on / best_off - 1):6.1f} %  (target <= 10 %)")
    return 0


def non_apply(output: str) -> float:
    """Total minus the Apply stage, both as the rehearsal prints them."""
    apply = re.search(r"Apply\s+ok\s+([\d.]+) s", output)
    total = re.search(r"rehearsal succeeded in ([\d.]+) s", output)
    if not (apply and total):
        sys.exit(f"cannot read the Apply and total times from the rehearsal's output:\n{output}")
    return float(total.group(1)) - float(apply.group(1))


if __name__ == "__main__":
    sys.exit(main())
